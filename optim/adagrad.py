"""AdaGrad: per-coordinate learning rates shrinking with the accumulated squared gradients."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import autograd
from autograd.backend import data_of, namespace

from .optimizer import Optimizer, check_non_negative

if TYPE_CHECKING:
    from .optimizer import ParamsT

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    r"""AdaGrad (Duchi et al., 2011), PyTorch's ``Adagrad``; the book's "AdaGrad".

    For each parameter ``w`` with gradient ``g`` (``-g`` when ``maximize``), at step ``t = 1, 2, ...``::

        g = g + weight_decay * w                     # if weight_decay != 0
        clr = lr / (1 + (t - 1) * lr_decay)
        h = h + g * g                                # h starts at initial_accumulator_value
        w = w - clr * g / (sqrt(h) + eps)

    The book's ``AdaGrad(lr)`` (``h += dW * dW;  W -= lr * dW / (sqrt(h) + 1e-7)``) is
    ``Adagrad(params, lr, eps=1e-7)``; the default ``eps`` here is PyTorch's ``1e-10``.

    Args:
        params: parameters or parameter groups (see :class:`~optim.Optimizer`).
        lr: learning rate (default 0.01).
        lr_decay: learning-rate decay per step (default 0).
        weight_decay: L2 penalty coefficient added to the gradient (default 0).
        initial_accumulator_value: starting value of every ``h`` (default 0).
        eps: added to the denominator for numerical stability (default 1e-10).
        maximize: ascend the objective instead of descending it.

    State per parameter (created at construction, as PyTorch does): ``'step'`` (a count) and ``'sum'``
    (``h``).  A group's own ``initial_accumulator_value`` is honoured (PyTorch always uses the constructor's).

    Raises:
        ValueError: a negative ``lr``, ``lr_decay``, ``weight_decay``, ``initial_accumulator_value`` or ``eps``.
    """

    _supports_complex = False  # the update squares g elementwise; PyTorch treats complex as pairs of reals

    def __init__(self, params: ParamsT, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, *, maximize: bool = False) -> None:
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, maximize=maximize)
        self._check_hyperparameters(defaults)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        check_non_negative(group["lr"], "learning rate")
        check_non_negative(group["lr_decay"], "lr_decay value")
        check_non_negative(group["weight_decay"], "weight_decay value")
        check_non_negative(group["initial_accumulator_value"], "initial_accumulator_value value")
        check_non_negative(group["eps"], "epsilon value")

    def _init_group_state(self, group: dict[str, Any]) -> None:
        for p in group["params"]:
            self._state(p, group)

    def _new_state(self, p: autograd.Tensor, group: dict[str, Any]) -> dict[str, Any]:
        return {"step": 0, "sum": autograd.full_like(p, group["initial_accumulator_value"])}

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, lr_decay, eps = group["lr"], group["lr_decay"], group["eps"]
        for p, g in self._params_with_grad(group):
            state = self._state(p, group)
            state["step"] += 1
            clr = lr / (1 + (state["step"] - 1) * lr_decay)
            h = state["sum"]
            h.addcmul_(g, g, value=1)
            p.addcdiv_(g, namespace(g).sqrt(data_of(h)) + eps, value=-clr)
