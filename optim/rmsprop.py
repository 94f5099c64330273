"""RMSprop: AdaGrad with an exponentially decaying average of squared gradients instead of a sum."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import autograd
from autograd.backend import data_of, namespace

from .optimizer import Optimizer, check_non_negative

if TYPE_CHECKING:
    from .optimizer import ParamsT

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    r"""RMSprop (Hinton's lecture 6e), PyTorch's ``RMSprop``; the book's "RMSprop".

    For each parameter ``w`` with gradient ``g`` (``-g`` when ``maximize``)::

        g = g + weight_decay * w                     # if weight_decay != 0
        h = alpha * h + (1 - alpha) * g * g          # h starts at 0
        if centered:                                 # divide by an estimate of the variance instead
            m = alpha * m + (1 - alpha) * g          # m starts at 0
            d = sqrt(h - m * m) + eps
        else:
            d = sqrt(h) + eps
        if momentum > 0:
            b = momentum * b + g / d;   w = w - lr * b
        else:
            w = w - lr * g / d

    The book's ``RMSprop(lr, decay_rate)`` is ``RMSprop(params, lr, alpha=decay_rate, eps=1e-7)``.

    Args:
        params: parameters or parameter groups (see :class:`~optim.Optimizer`).
        lr: learning rate (default 0.01).
        alpha: smoothing constant of the running averages (default 0.99).
        eps: added to the denominator for numerical stability (default 1e-8).
        weight_decay: L2 penalty coefficient added to the gradient (default 0).
        momentum: momentum factor (default 0).
        centered: normalise by the estimated variance of the gradient rather than its second moment.
        maximize: ascend the objective instead of descending it.

    State per parameter: ``'step'``, ``'square_avg'`` (``h``), ``'momentum_buffer'`` (when ``momentum > 0``)
    and ``'grad_avg'`` (``m``, when ``centered``).

    Raises:
        ValueError: a negative ``lr``, ``eps``, ``momentum``, ``weight_decay`` or ``alpha``.
    """

    _supports_complex = False  # the update squares g elementwise; PyTorch treats complex as pairs of reals

    def __init__(self, params: ParamsT, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, *,
                 maximize: bool = False) -> None:
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, maximize=maximize)
        self._check_hyperparameters(defaults)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        check_non_negative(group["lr"], "learning rate")
        check_non_negative(group["eps"], "epsilon value")
        check_non_negative(group["momentum"], "momentum value")
        check_non_negative(group["weight_decay"], "weight_decay value")
        check_non_negative(group["alpha"], "alpha value")

    def _new_state(self, p: autograd.Tensor, group: dict[str, Any]) -> dict[str, Any]:
        state = {"step": 0, "square_avg": autograd.zeros_like(p)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = autograd.zeros_like(p)
        if group["centered"]:
            state["grad_avg"] = autograd.zeros_like(p)
        return state

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
        momentum, centered = group["momentum"], group["centered"]
        for p, g in self._params_with_grad(group):
            state = self._state(p, group)
            state["step"] += 1
            h = state["square_avg"]
            h.mul_(alpha).addcmul_(g, g, value=1 - alpha)
            if centered:
                m = state["grad_avg"]
                m.mul_(alpha).add_(g, alpha=1 - alpha)
                denom = namespace(g).sqrt(data_of(h) - data_of(m) * data_of(m)) + eps
            else:
                denom = namespace(g).sqrt(data_of(h)) + eps
            if momentum > 0:
                buf = state["momentum_buffer"]
                buf.mul_(momentum).addcdiv_(g, denom)
                p.add_(buf, alpha=-lr)
            else:
                p.addcdiv_(g, denom, value=-lr)
