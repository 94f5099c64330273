"""ASGD: SGD with a decaying step size and a running (Polyak-Ruppert) average of the iterates."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import autograd
from autograd.backend import data_of

from .optimizer import Optimizer, check_foreach, check_non_negative

if TYPE_CHECKING:
    from .optimizer import ParamsT

__all__ = ["ASGD"]


class ASGD(Optimizer):
    r"""Averaged SGD (Polyak & Juditsky, 1992), PyTorch's ``ASGD``.

    For each parameter ``w`` with gradient ``g`` (``-g`` when ``maximize``), at step ``t = 1, 2, ...``::

        g = g + weight_decay * w                     # if weight_decay != 0
        w = w * (1 - lambd * eta) - eta * g          # eta starts at lr
        ax = w if mu == 1 else ax + mu * (w - ax)    # the average of the iterates since step t0
        eta = lr / (1 + lambd * lr * t)**alpha       # the step size for the next step
        mu = 1 / max(1, t - t0)

    The averaged weights ``optimizer.state[w]['ax']`` are the estimate to evaluate; ``w`` itself keeps
    following the SGD iterates.

    Args:
        params: parameters or parameter groups (see :class:`~optim.Optimizer`).
        lr: learning rate (default 1e-2).
        lambd: decay term (default 1e-4).
        alpha: power of the step-size decay (default 0.75).
        t0: the step after which averaging starts (default 1e6).
        weight_decay: L2 penalty coefficient added to the gradient (default 0).
        foreach: accepted as in PyTorch; changes nothing (see :func:`~optim.optimizer.check_foreach`).
        maximize: ascend the objective instead of descending it.

    State per parameter: ``'step'``, ``'eta'``, ``'mu'`` (floats; PyTorch keeps 0-d tensors in its default
    float dtype, so it rounds them to float32 unless that default is float64) and ``'ax'``.

    Raises:
        ValueError: a negative ``lr`` or ``weight_decay`` (the others are not checked, as in PyTorch).
    """

    def __init__(self, params: ParamsT, lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75, t0: float = 1e6,
                 weight_decay: float = 0, foreach: bool | None = None, maximize: bool = False) -> None:
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize)
        self._check_hyperparameters(defaults)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        check_non_negative(group["lr"], "learning rate")
        check_non_negative(group["weight_decay"], "weight_decay value")
        check_foreach(group["foreach"])

    def _new_state(self, p: autograd.Tensor, group: dict[str, Any]) -> dict[str, Any]:
        return {"step": 0, "eta": float(group["lr"]), "mu": 1.0, "ax": autograd.zeros_like(p)}

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, lambd, alpha, t0 = group["lr"], group["lambd"], group["alpha"], group["t0"]
        for p, g in self._params_with_grad(group):
            state = self._state(p, group)
            state["step"] += 1
            eta, ax = state["eta"], state["ax"]
            p.mul_(1 - lambd * eta).add_(g, alpha=-eta)
            if state["mu"] != 1:
                ax.add_((data_of(p) - data_of(ax)) * state["mu"])
            else:
                ax.copy_(p)
            state["eta"] = lr / (1 + lambd * lr * state["step"]) ** alpha
            state["mu"] = 1 / max(1, state["step"] - t0)
