"""Per-batch cyclical schedules that move the momentum opposite to the lr: ``CyclicLR`` and ``OneCycleLR``."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .base import LRScheduler, callable_state, check_optimizer, per_group

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from ..optimizer import Optimizer

__all__ = ["CyclicLR", "OneCycleLR"]


class _MomentumCycler(LRScheduler):
    """Sets each group's momentum (SGD, RMSprop) or ``betas[0]`` (the Adam family) along with its lr."""

    def _init_momentum(self, optimizer: Optimizer, cycle_momentum: bool, base_momentum: float | Sequence[float],
                       max_momentum: float | Sequence[float],
                       last_epoch: int) -> tuple[list[float] | None, list[float] | None]:
        """Check the optimizer has a momentum and, for a new schedule, start every group at ``max_momentum``.

        Raises:
            ValueError: ``cycle_momentum`` with an optimizer that has neither ``momentum`` nor ``betas``.
        """
        self.cycle_momentum = cycle_momentum
        if not cycle_momentum:
            return None, None
        if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
            raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` option enabled")
        self.use_beta1 = "betas" in optimizer.defaults
        base = per_group("base_momentum", optimizer, base_momentum)
        top = per_group("max_momentum", optimizer, max_momentum)
        if last_epoch == -1:
            for group, b, m in zip(optimizer.param_groups, base, top):
                self._set_momentum(group, m)
                group["max_momentum"] = m
                group["base_momentum"] = b
        return base, top

    def _set_momentum(self, group: dict[str, Any], momentum: float) -> None:
        if self.use_beta1:
            group["betas"] = (momentum, *group["betas"][1:])
        else:
            group["momentum"] = momentum


class CyclicLR(_MomentumCycler):
    """Cyclical learning rates (Smith, arXiv:1506.01186): the lr moves between ``base_lr`` and ``max_lr``.

    Step it after every batch.  Each cycle rises for ``step_size_up`` steps and falls for ``step_size_down``;
    the amplitude ``max_lr - base_lr`` is scaled by ``scale_fn`` of the cycle number (``scale_mode='cycle'``)
    or of the step count (``'iterations'``).  The built-in policies: ``'triangular'`` (no scaling),
    ``'triangular2'`` (halved every cycle) and ``'exp_range'`` (``gamma**step``).  With ``cycle_momentum``
    the momentum moves the opposite way, from ``max_momentum`` down to ``base_momentum`` at the peak.

    Args:
        optimizer: the wrapped optimizer.
        base_lr, max_lr: the lower and upper lr of the cycle, one number or one per group.  ``base_lr``
            replaces the groups' lr at construction.
        step_size_up: steps of the rising half (default 2000); step_size_down: of the falling half (default
            ``step_size_up``).
        mode: ``'triangular'``, ``'triangular2'`` or ``'exp_range'`` (used when ``scale_fn`` is None).
        gamma: the base of ``'exp_range'`` (default 1).
        scale_fn: a custom scaling ``x -> [0, 1]``; replaces ``mode``.
        scale_mode: ``'cycle'`` or ``'iterations'``: what ``scale_fn`` is a function of (custom ``scale_fn`` only).
        cycle_momentum: cycle the momentum (or Adam's beta1) too (default True).
        base_momentum, max_momentum: its bounds (default 0.8 and 0.9), one number or one per group.
        last_epoch: the index of the last batch (see :class:`LRScheduler`).

    Raises:
        ValueError: an unknown ``mode`` without ``scale_fn``, an unknown ``scale_mode``, per-group lists of the
            wrong length, or ``cycle_momentum`` with an optimizer without momentum.
        TypeError: ``optimizer`` is not an Optimizer.
    """

    def __init__(self, optimizer: Optimizer, base_lr: float | Sequence[float], max_lr: float | Sequence[float],
                 step_size_up: float = 2000, step_size_down: float | None = None, mode: str = "triangular",
                 gamma: float = 1.0, scale_fn: Callable[[float], float] | None = None, scale_mode: str = "cycle",
                 cycle_momentum: bool = True, base_momentum: float | Sequence[float] = 0.8,
                 max_momentum: float | Sequence[float] = 0.9, last_epoch: int = -1) -> None:
        check_optimizer(optimizer)
        base_lrs = per_group("base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                group["lr"] = lr
        self.max_lrs = per_group("max_lr", optimizer, max_lr)
        step_size_up = float(step_size_up)
        step_size_down = float(step_size_down) if step_size_down is not None else step_size_up
        self.total_size = step_size_up + step_size_down
        self.step_ratio = step_size_up / self.total_size
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError("mode is invalid and scale_fn is None")
        if scale_mode not in ("cycle", "iterations"):
            raise ValueError(f"scale_mode must be 'cycle' or 'iterations', got {scale_mode!r}")
        self.mode = mode
        self.gamma = gamma
        self._scale_fn_custom = scale_fn
        # the built-in policies fix what they are a function of
        self.scale_mode = scale_mode if scale_fn is not None else ("iterations" if mode == "exp_range" else "cycle")
        self.base_momentums, self.max_momentums = self._init_momentum(optimizer, cycle_momentum, base_momentum,
                                                                      max_momentum, last_epoch)
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def scale_fn(self, x: float) -> float:
        """The amplitude's scale at ``x`` (the cycle number or the step count, as ``scale_mode`` says)."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma**x

    def get_lr(self) -> list[float]:
        """The lrs at step ``last_epoch`` of the cycle; sets the groups' momenta as a side effect."""
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle  # the position in the cycle, in [0, 1)
        scale_factor = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        lrs = [base_lr + (max_lr - base_lr) * scale_factor * scale
               for base_lr, max_lr in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for group, base, top in zip(self.optimizer.param_groups, self.base_momentums or (), self.max_momentums or ()):
                self._set_momentum(group, top - (top - base) * scale_factor * scale)
        return lrs

    def state_dict(self) -> dict[str, Any]:
        """Attributes as in the base class; a custom ``scale_fn`` is kept as a callable object's ``__dict__``."""
        state = super().state_dict()
        state["_scale_fn_custom"] = callable_state(self._scale_fn_custom)
        return state

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore attributes; a saved callable object's state is written back into this scheduler's ``scale_fn``."""
        state_dict = dict(state_dict)
        saved = state_dict.pop("_scale_fn_custom")
        super().load_state_dict(state_dict)
        if saved is not None:
            self._scale_fn_custom.__dict__.update(saved)


class OneCycleLR(_MomentumCycler):
    """The 1cycle policy (Smith & Topin, arXiv:1708.07120): up from ``max_lr / div_factor`` to ``max_lr``, then
    down to ``initial_lr / final_div_factor``, over ``total_steps`` batches (not chainable).

    The rise takes ``pct_start`` of the steps; with ``three_phase`` the fall back to the initial lr mirrors it
    and a third phase anneals to the minimum (the paper), otherwise the second phase goes straight to the
    minimum (fastai's default).  Annealing is ``'cos'`` or ``'linear'``.  With ``cycle_momentum`` the momentum
    (or Adam's beta1) goes the opposite way between ``max_momentum`` and ``base_momentum``.

    Args:
        optimizer: the wrapped optimizer.
        max_lr: the peak lr, one number or one per group.
        total_steps: the number of steps, or else ``epochs * steps_per_epoch``.
        pct_start: the fraction of the steps spent rising (a float in [0, 1], default 0.3).
        anneal_strategy: ``'cos'`` (default) or ``'linear'``.
        cycle_momentum, base_momentum, max_momentum: as for :class:`CyclicLR` (default 0.85 and 0.95).
        div_factor: ``initial_lr = max_lr / div_factor`` (default 25).
        final_div_factor: ``min_lr = initial_lr / final_div_factor`` (default 1e4).
        three_phase: use the paper's three phases (default False).
        last_epoch: the index of the last batch (see :class:`LRScheduler`).

    The groups get ``'initial_lr'``, ``'max_lr'`` and ``'min_lr'`` (and ``'max_momentum'``, ``'base_momentum'``).

    Raises:
        ValueError: no (valid) ``total_steps`` nor ``epochs`` and ``steps_per_epoch``, a bad ``pct_start`` or
            ``anneal_strategy``, ``cycle_momentum`` with an optimizer without momentum, or stepping more than
            ``total_steps`` times.
        TypeError: ``optimizer`` is not an Optimizer.
    """

    def __init__(self, optimizer: Optimizer, max_lr: float | Sequence[float], total_steps: int | None = None,
                 epochs: int | None = None, steps_per_epoch: int | None = None, pct_start: float = 0.3,
                 anneal_strategy: str = "cos", cycle_momentum: bool = True,
                 base_momentum: float | Sequence[float] = 0.85, max_momentum: float | Sequence[float] = 0.95,
                 div_factor: float = 25.0, final_div_factor: float = 1e4, three_phase: bool = False,
                 last_epoch: int = -1) -> None:
        check_optimizer(optimizer)
        if total_steps is not None:
            if not isinstance(total_steps, int) or total_steps <= 0:
                raise ValueError(f"Expected positive integer total_steps, but got {total_steps}")
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            if not isinstance(epochs, int) or epochs <= 0:
                raise ValueError(f"Expected positive integer epochs, but got {epochs}")
            if not isinstance(steps_per_epoch, int) or steps_per_epoch <= 0:
                raise ValueError(f"Expected positive integer steps_per_epoch, but got {steps_per_epoch}")
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        self._anneal_func_type = anneal_strategy
        rise_end = float(pct_start * self.total_steps) - 1
        if three_phase:
            self._schedule_phases = [
                _phase(rise_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                _phase(float(2 * pct_start * self.total_steps) - 2, "max_lr", "initial_lr", "base_momentum",
                       "max_momentum"),
                _phase(self.total_steps - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
        else:
            self._schedule_phases = [
                _phase(rise_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                _phase(self.total_steps - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"),
            ]
        max_lrs = per_group("max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for group, top in zip(optimizer.param_groups, max_lrs):
                group["initial_lr"] = top / div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self._init_momentum(optimizer, cycle_momentum, base_momentum, max_momentum, last_epoch)
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start: float, end: float, pct: float) -> float:
        """From ``start`` (pct 0) to ``end`` (pct 1), along a half cosine or a line."""
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        """The lrs at step ``last_epoch`` (within its phase); sets the groups' momenta as a side effect."""
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"Tried to step {step} times. The specified number of total steps is {self.total_steps}")
        lrs = []
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end_step = phase["end_step"]
                if step <= end_step or i == len(self._schedule_phases) - 1:
                    pct = (step - start_step) / (end_step - start_step)
                    lrs.append(self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct))
                    if self.cycle_momentum:
                        self._set_momentum(group, self._anneal(group[phase["start_momentum"]],
                                                               group[phase["end_momentum"]], pct))
                    break
                start_step = end_step
        return lrs


def _phase(end_step: float, start_lr: str, end_lr: str, start_momentum: str, end_momentum: str) -> dict[str, Any]:
    """One phase of :class:`OneCycleLR`: its last step and the group keys it anneals between."""
    return dict(end_step=end_step, start_lr=start_lr, end_lr=end_lr, start_momentum=start_momentum,
                end_momentum=end_momentum)
