"""Schedulers made of schedulers: one after another (``SequentialLR``) or all at once (``ChainedScheduler``)."""
from __future__ import annotations

from bisect import bisect_right
from typing import TYPE_CHECKING, Any

from .base import LRScheduler
from .plateau import ReduceLROnPlateau

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from ..optimizer import Optimizer

__all__ = ["SequentialLR", "ChainedScheduler"]


class _Composite(LRScheduler):
    """Checks and state dicts shared by the two: the wrapped schedulers' states are saved with this one's."""

    _schedulers: list[LRScheduler]

    def _check_schedulers(self, optimizer: Optimizer, schedulers: Sequence[LRScheduler]) -> None:
        """Raise ValueError/TypeError (PyTorch's messages) unless ``schedulers`` all drive ``optimizer``."""
        name = type(self).__name__
        if len(schedulers) < 1:
            raise ValueError(f"{name} expects at least one scheduler, but got no scheduler.")
        for i, scheduler in enumerate(schedulers):
            if not hasattr(scheduler, "optimizer"):
                raise TypeError(f"{name} at index {i} should have `optimizer` as its attribute.")
            if isinstance(scheduler, ReduceLROnPlateau):
                raise ValueError(f"{name} does not support `ReduceLROnPlateau` scheduler as it requires additional "
                                 f"kwargs to be specified when calling `step`, but got one at index {i} in the given "
                                 "schedulers sequence.")
            if scheduler.optimizer is not optimizer:
                raise ValueError(f"{name} expects all schedulers to belong to the same optimizer, but got scheduler "
                                 f"{type(scheduler).__name__} at index {i} has {scheduler.optimizer}, which is "
                                 f"different from {type(optimizer).__name__}.")

    def state_dict(self) -> dict[str, Any]:
        """This scheduler's attributes, with ``'_schedulers'`` the list of the wrapped schedulers' state dicts."""
        state = {key: value for key, value in self.__dict__.items() if key not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore this scheduler's attributes and each wrapped scheduler's state."""
        state_dict = dict(state_dict)
        saved = state_dict.pop("_schedulers")
        self.__dict__.update(state_dict)
        for scheduler, state in zip(self._schedulers, saved):
            scheduler.load_state_dict(state)


class SequentialLR(_Composite):
    """Run ``schedulers[0]`` until epoch ``milestones[0]``, then ``schedulers[1]`` (restarted from its epoch 0)...

    E.g. a linear warm-up then a cosine decay::

        warmup = LinearLR(opt, start_factor=0.1, total_iters=5)
        decay = CosineAnnealingLR(opt, T_max=95)
        sched = SequentialLR(opt, [warmup, decay], milestones=[5])

    Args:
        optimizer: the optimizer all the schedulers drive.
        schedulers: the schedulers, already constructed on ``optimizer`` (their construction-time steps are undone).
        milestones: the epochs at which the next scheduler takes over (one fewer than the schedulers, increasing).
        last_epoch: the index of the last epoch (default -1).

    Raises:
        ValueError: no scheduler, a ``ReduceLROnPlateau``, a scheduler of another optimizer, or milestones that
            are not increasing or not one fewer than the schedulers.
        TypeError: something without an ``optimizer`` among ``schedulers``.
    """

    def __init__(self, optimizer: Optimizer, schedulers: Sequence[LRScheduler], milestones: Sequence[int],
                 last_epoch: int = -1) -> None:
        self._check_schedulers(optimizer, schedulers)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError("Sequential Schedulers expects number of schedulers provided to be one more than the "
                             f"number of milestone points, but got number of schedulers {len(schedulers)} and the "
                             f"number of milestones to be equal to {len(milestones)}")
        if any(a >= b for a, b in zip(milestones, milestones[1:])):
            raise ValueError(f"SequentialLR: milestones must be increasing, got {list(milestones)}")
        self._schedulers = list(schedulers)
        self._milestones = list(milestones)
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        for scheduler in self._schedulers:  # undo the construction-time step of each (nested ones too)
            _undo_step(scheduler)
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def step(self) -> None:  # type: ignore[override]  # (no epoch argument, as PyTorch's)
        """Advance by one epoch: the current scheduler steps, or the next one starts at its epoch 0."""
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()


class ChainedScheduler(_Composite):
    """Step several schedulers together, each applying its change to the lr the previous ones left (chainable ones).

    Args:
        schedulers: the schedulers, all driving the same optimizer.
        optimizer: that optimizer (default: the first scheduler's).

    Raises:
        ValueError / TypeError: as for :class:`SequentialLR`.
    """

    def __init__(self, schedulers: Sequence[LRScheduler], optimizer: Optimizer | None = None) -> None:
        if len(schedulers) < 1:
            raise ValueError(f"{type(self).__name__} expects at least one scheduler to be chained, but got no "
                             "scheduler.")
        optimizer = optimizer if optimizer is not None else schedulers[0].optimizer
        self._check_schedulers(optimizer, schedulers)
        self._schedulers = list(schedulers)
        self.optimizer = optimizer
        self._last_lr = self._current_lrs()

    def step(self) -> None:  # type: ignore[override]  # (no epoch argument, as PyTorch's)
        """Step every scheduler, in order."""
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = self._current_lrs()


def _undo_step(scheduler: LRScheduler) -> None:
    """Take back one epoch from ``scheduler`` (from every scheduler inside it, for a composite)."""
    if hasattr(scheduler, "_schedulers"):
        for inner in scheduler._schedulers:
            _undo_step(inner)
    elif hasattr(scheduler, "last_epoch"):
        scheduler.last_epoch -= 1
