"""``LRScheduler``, the base of the epoch-driven schedulers, and helpers the schedulers share."""
from __future__ import annotations

import types
import warnings
from typing import TYPE_CHECKING, Any

from ..optimizer import Optimizer

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

__all__ = ["LRScheduler"]

_EPOCH_DEPRECATION = ("The epoch parameter in `scheduler.step()` is deprecated (as in PyTorch); call "
                      "`scheduler.step()` without it. The closed form is used when an epoch is given.")


def check_optimizer(optimizer: object) -> None:
    """Raise TypeError unless ``optimizer`` is an :class:`~optim.Optimizer`."""
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")


def per_group(name: str, optimizer: Optimizer, value: Any) -> list[Any]:
    """``value`` as one entry per parameter group: a list or tuple is checked for length, a scalar repeated.

    Raises:
        ValueError: a list whose length is not the number of groups (PyTorch's message).
    """
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"{name} must have the same length as optimizer.param_groups. {name} has {len(value)} "
                             f"values, param_groups has {n}.")
        return list(value)
    return [value] * n


def callable_state(fn: Callable[..., Any] | None) -> dict[str, Any] | None:
    """What a state dict keeps of a user function: the ``__dict__`` of a callable object, None for a function."""
    return None if fn is None or isinstance(fn, types.FunctionType) else dict(fn.__dict__)


class LRScheduler:
    """Base class of the epoch-driven schedulers.

    Args:
        optimizer: the :class:`~optim.Optimizer` whose groups' ``'lr'`` this scheduler sets.
        last_epoch: index of the last epoch; -1 (default) starts a new schedule from each group's current
            ``'lr'`` (saved as ``'initial_lr'``); a value >= 0 resumes one, and needs ``'initial_lr'`` in
            every group.

    Subclasses implement :meth:`get_lr` (the recursive form, from the groups' current ``'lr'``) and may
    implement ``_get_closed_form_lr`` (from ``base_lrs`` and ``last_epoch``).  Constructing a scheduler
    performs its first step (``last_epoch`` becomes 0), during which ``_is_initial`` is True.

    Raises:
        TypeError: ``optimizer`` is not an Optimizer.
        KeyError: resuming (``last_epoch >= 0``) without ``'initial_lr'`` in the groups.
    """

    _is_initial = False
    _last_lr: list[float]

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        check_optimizer(optimizer)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] when resuming a "
                                   f"scheduler with last_epoch={last_epoch}; load the optimizer's state first")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        """Reset the step count and take the construction-time step (also used by :class:`SequentialLR`)."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:
        """The learning rates for epoch ``last_epoch`` (called by :meth:`step`; use :meth:`get_last_lr` to read)."""
        raise NotImplementedError

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the last :meth:`step`, one per parameter group."""
        return list(self._last_lr)

    def step(self, epoch: int | None = None) -> None:
        """Advance the schedule by one epoch and set each group's ``'lr'``; call it after ``optimizer.step()``.

        Args:
            epoch: deprecated (as in PyTorch): jump to this epoch using the closed form where there is one.
        """
        if self._step_count == 1 and not getattr(self.optimizer, "_opt_called", True):
            warnings.warn("Detected call of `lr_scheduler.step()` before `optimizer.step()`. Call them in the "
                          "opposite order: `optimizer.step()` before `lr_scheduler.step()`, or the first value of "
                          "the learning rate schedule is skipped.", UserWarning, stacklevel=2)
        self._step_count += 1
        if epoch is not None:
            warnings.warn(_EPOCH_DEPRECATION, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        """Move to the next epoch (or to ``epoch``, by the closed form where there is one) and set the lrs."""
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            closed_form = getattr(self, "_get_closed_form_lr", None)
            values = closed_form() if closed_form is not None else self.get_lr()
        self._set_lrs(values)

    def _set_lrs(self, values: Iterable[float]) -> None:
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = self._current_lrs()

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's attributes (all but the optimizer) as a dict."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore attributes saved by :meth:`state_dict`."""
        self.__dict__.update(state_dict)

    def _current_lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]
