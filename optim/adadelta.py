"""Adadelta: RMSprop whose step size is itself a running RMS of past updates (no hand-tuned lr needed)."""
from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, Any

import autograd
from autograd.backend import data_of, namespace

from .optimizer import Optimizer, check_foreach, check_non_negative

if TYPE_CHECKING:
    from .optimizer import ParamsT

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler, arXiv:1212.5701), PyTorch's ``Adadelta``.

    For each parameter ``w`` with gradient ``g`` (``-g`` when ``maximize``)::

        g = g + weight_decay * w                             # if weight_decay != 0
        v = rho * v + (1 - rho) * g * g                      # running mean of g**2, starts at 0
        delta = sqrt(u + eps) / sqrt(v + eps) * g            # units of w: RMS of past updates over RMS of g
        u = rho * u + (1 - rho) * delta * delta              # running mean of delta**2, starts at 0
        w = w - lr * delta

    Args:
        params: parameters or parameter groups (see :class:`~optim.Optimizer`).
        lr: scales ``delta`` before it is applied (default 1.0, the paper's algorithm).
        rho: decay rate of both running means, in [0, 1] (default 0.9).
        eps: added inside both square roots (default 1e-6).
        weight_decay: L2 penalty coefficient added to the gradient (default 0).
        foreach: accepted as in PyTorch; changes nothing (see :func:`~optim.optimizer.check_foreach`).
        maximize: ascend the objective instead of descending it.

    State per parameter: ``'step'``, ``'square_avg'`` (``v``) and ``'acc_delta'`` (``u``).

    Raises:
        ValueError: a negative ``lr``, ``eps`` or ``weight_decay``, or ``rho`` outside [0, 1].
        TypeError: complex parameters (PyTorch treats them as pairs of reals; not implemented here).
    """

    _supports_complex = False

    def __init__(self, params: ParamsT, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0,
                 foreach: bool | None = None, *, maximize: bool = False) -> None:
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, foreach=foreach, maximize=maximize)
        self._check_hyperparameters(defaults)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        check_non_negative(group["lr"], "learning rate")
        rho = group["rho"]
        if not isinstance(rho, numbers.Real) or isinstance(rho, bool):
            raise TypeError(f"rho value must be a real number, got {type(rho).__name__}")
        if not 0.0 <= float(rho) <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_non_negative(group["eps"], "epsilon value")
        check_non_negative(group["weight_decay"], "weight_decay value")
        check_foreach(group["foreach"])

    def _new_state(self, p: autograd.Tensor, group: dict[str, Any]) -> dict[str, Any]:
        return {"step": 0, "square_avg": autograd.zeros_like(p), "acc_delta": autograd.zeros_like(p)}

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, rho, eps = group["lr"], group["rho"], group["eps"]
        for p, g in self._params_with_grad(group):
            state = self._state(p, group)
            state["step"] += 1
            v, u = state["square_avg"], state["acc_delta"]
            v.mul_(rho).addcmul_(g, g, value=1 - rho)
            delta = namespace(g).sqrt(data_of(u) + eps) / namespace(g).sqrt(data_of(v) + eps) * g
            u.mul_(rho).addcmul_(delta, delta, value=1 - rho)
            p.add_(delta, alpha=-lr)
