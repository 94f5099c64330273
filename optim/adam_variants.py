"""Adam's variants: Adamax (infinity norm), NAdam (Nesterov momentum), RAdam (rectified variance)."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import autograd
from autograd.backend import data_of, namespace

from .optimizer import Optimizer, check_betas, check_foreach, check_non_negative

if TYPE_CHECKING:
    from .optimizer import ParamsT

__all__ = ["Adamax", "NAdam", "RAdam"]


class _AdamVariant(Optimizer):
    """What the three share: lr, betas, eps, weight_decay and foreach checks; real parameters only."""

    _supports_complex = False

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        check_non_negative(group["lr"], "learning rate")
        check_non_negative(group["eps"], "epsilon value")
        check_betas(group)
        check_non_negative(group["weight_decay"], "weight_decay value")
        check_foreach(group["foreach"])

    @staticmethod
    def _update_moments(state: dict[str, Any], g: Any, beta1: float, beta2: float) -> int:
        """``m = beta1 * m + (1 - beta1) * g`` and ``v = beta2 * v + (1 - beta2) * g * g``; returns the step."""
        state["step"] += 1
        state["exp_avg"].mul_(beta1).add_(g, alpha=1 - beta1)
        state["exp_avg_sq"].mul_(beta2).addcmul_(g, g, value=1 - beta2)
        return state["step"]

    @staticmethod
    def _moments_state(p: autograd.Tensor) -> dict[str, Any]:
        return {"step": 0, "exp_avg": autograd.zeros_like(p), "exp_avg_sq": autograd.zeros_like(p)}


class Adamax(_AdamVariant):
    r"""Adamax (Kingma & Ba, arXiv:1412.6980, section 7.1), PyTorch's ``Adamax``: Adam with the infinity norm.

    For each parameter ``w`` with gradient ``g`` (``-g`` when ``maximize``), at step ``t = 1, 2, ...``::

        g = g + weight_decay * w                     # if weight_decay != 0
        m = beta1 * m + (1 - beta1) * g              # first moment, starts at 0
        u = max(beta2 * u, |g| + eps)                # exponentially weighted infinity norm, starts at 0
        w = w - lr / (1 - beta1**t) * m / u

    Args:
        params: parameters or parameter groups (see :class:`~optim.Optimizer`).
        lr: learning rate (default 2e-3).
        betas: ``(beta1, beta2)``, each in [0, 1) (default (0.9, 0.999)).
        eps: added to ``|g|`` so that ``u`` is never 0 (default 1e-8).
        weight_decay: L2 penalty coefficient added to the gradient (default 0).
        foreach: accepted as in PyTorch; changes nothing (see :func:`~optim.optimizer.check_foreach`).
        maximize: ascend the objective instead of descending it.

    State per parameter: ``'step'``, ``'exp_avg'`` (``m``) and ``'exp_inf'`` (``u``).

    Raises:
        ValueError: a negative ``lr``, ``eps`` or ``weight_decay``, or a beta outside [0, 1).
        TypeError: complex parameters.
    """

    def __init__(self, params: ParamsT, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach: bool | None = None, *, maximize: bool = False) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach, maximize=maximize)
        self._check_hyperparameters(defaults)
        super().__init__(params, defaults)

    def _new_state(self, p: autograd.Tensor, group: dict[str, Any]) -> dict[str, Any]:
        return {"step": 0, "exp_avg": autograd.zeros_like(p), "exp_inf": autograd.zeros_like(p)}

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        for p, g in self._params_with_grad(group):
            state = self._state(p, group)
            state["step"] += 1
            state["exp_avg"].mul_(beta1).add_(g, alpha=1 - beta1)
            u = state["exp_inf"]
            u.copy_(namespace(g).maximum(data_of(u) * beta2, namespace(g).abs(g) + eps))
            p.addcdiv_(state["exp_avg"], u, value=-lr / (1 - beta1 ** state["step"]))


class NAdam(_AdamVariant):
    r"""NAdam (Dozat, "Incorporating Nesterov Momentum into Adam", 2016), PyTorch's ``NAdam``.

    For each parameter ``w`` with gradient ``g`` (``-g`` when ``maximize``), at step ``t = 1, 2, ...``::

        w = w * (1 - lr * weight_decay)              # decoupled_weight_decay (as AdamW), or else
        g = g + weight_decay * w                     # L2 penalty in the gradient
        mu_t = beta1 * (1 - 0.5 * 0.96**(t * momentum_decay))      # the momentum schedule
        P_t = mu_1 * ... * mu_t                      # 'mu_product'
        m = beta1 * m + (1 - beta1) * g;   v = beta2 * v + (1 - beta2) * g * g
        d = sqrt(v / (1 - beta2**t)) + eps
        w = w - lr * (1 - mu_t) / (1 - P_t) * g / d - lr * mu_{t+1} / (1 - P_t * mu_{t+1}) * m / d

    The last line is Nesterov's look-ahead: the momentum term already uses next step's ``mu_{t+1}``.

    Args:
        params: parameters or parameter groups (see :class:`~optim.Optimizer`).
        lr: learning rate (default 2e-3).
        betas: ``(beta1, beta2)``, each in [0, 1) (default (0.9, 0.999)).
        eps: added to the denominator (default 1e-8).
        weight_decay: weight decay coefficient (default 0).
        momentum_decay: how fast ``mu_t`` rises towards ``beta1`` (default 4e-3).
        decoupled_weight_decay: shrink the weights directly (NAdamW) instead of adding an L2 gradient.
        foreach: accepted as in PyTorch; changes nothing (see :func:`~optim.optimizer.check_foreach`).
        maximize: ascend the objective instead of descending it.

    State per parameter: ``'step'``, ``'mu_product'`` (``P_t``, a float; PyTorch keeps a 0-d tensor in its
    default float dtype), ``'exp_avg'`` (``m``) and ``'exp_avg_sq'`` (``v``).

    Raises:
        ValueError: a negative ``lr``, ``eps``, ``weight_decay`` or ``momentum_decay``, or a beta outside [0, 1).
        TypeError: complex parameters.
    """

    def __init__(self, params: ParamsT, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, foreach=foreach, maximize=maximize)
        self._check_hyperparameters(defaults)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        super()._check_hyperparameters(group)
        check_non_negative(group["momentum_decay"], "momentum_decay value")

    def _new_state(self, p: autograd.Tensor, group: dict[str, Any]) -> dict[str, Any]:
        return {"step": 0, "mu_product": 1.0, **self._moments_state(p)}

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, (beta1, beta2), eps, psi = group["lr"], group["betas"], group["eps"], group["momentum_decay"]
        for p, g in self._params_with_grad(group):  # applies maximize and (decoupled) weight decay
            state = self._state(p, group)
            t = self._update_moments(state, g, beta1, beta2)
            mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * psi))
            mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
            state["mu_product"] *= mu
            mu_product = state["mu_product"]
            denom = namespace(g).sqrt(data_of(state["exp_avg_sq"]) / (1 - beta2**t)) + eps
            p.addcdiv_(g, denom, value=-lr * (1.0 - mu) / (1.0 - mu_product))
            p.addcdiv_(state["exp_avg"], denom, value=-lr * mu_next / (1.0 - mu_product * mu_next))


class RAdam(_AdamVariant):
    r"""RAdam (Liu et al., arXiv:1908.03265), PyTorch's ``RAdam``: Adam with its early variance rectified.

    For each parameter ``w`` with gradient ``g`` (``-g`` when ``maximize``), at step ``t = 1, 2, ...``::

        w = w * (1 - lr * weight_decay)              # decoupled_weight_decay (as AdamW), or else
        g = g + weight_decay * w                     # L2 penalty in the gradient
        m = beta1 * m + (1 - beta1) * g;   v = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1**t)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * beta2**t / (1 - beta2**t)        # length of the approximated SMA
        if rho_t > 5:                                # the variance of the adaptive lr is tractable
            r = sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            w = w - lr * m_hat * r * sqrt(1 - beta2**t) / (sqrt(v) + eps)
        else:                                        # early steps: plain momentum SGD
            w = w - lr * m_hat

    Args:
        params: parameters or parameter groups (see :class:`~optim.Optimizer`).
        lr: learning rate (default 1e-3).
        betas: ``(beta1, beta2)``, each in [0, 1) (default (0.9, 0.999)).
        eps: added to the denominator (default 1e-8).
        weight_decay: weight decay coefficient (default 0).
        decoupled_weight_decay: shrink the weights directly (as AdamW) instead of adding an L2 gradient.
        foreach: accepted as in PyTorch; changes nothing (see :func:`~optim.optimizer.check_foreach`).
        maximize: ascend the objective instead of descending it.

    State per parameter: ``'step'``, ``'exp_avg'`` (``m``) and ``'exp_avg_sq'`` (``v``).

    Raises:
        ValueError: a negative ``lr``, ``eps`` or ``weight_decay``, or a beta outside [0, 1).
        TypeError: complex parameters.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        decoupled_weight_decay=decoupled_weight_decay, foreach=foreach, maximize=maximize)
        self._check_hyperparameters(defaults)
        super().__init__(params, defaults)

    def _new_state(self, p: autograd.Tensor, group: dict[str, Any]) -> dict[str, Any]:
        return self._moments_state(p)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        rho_inf = 2 / (1 - beta2) - 1
        for p, g in self._params_with_grad(group):  # applies maximize and (decoupled) weight decay
            state = self._state(p, group)
            t = self._update_moments(state, g, beta1, beta2)
            bias_correction2 = 1 - beta2**t
            m_hat = data_of(state["exp_avg"]) / (1 - beta1**t)
            rho_t = rho_inf - 2 * t * beta2**t / bias_correction2
            if rho_t > 5.0:
                rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                adaptive = math.sqrt(bias_correction2) / (namespace(g).sqrt(data_of(state["exp_avg_sq"])) + eps)
                p.add_(m_hat * lr * adaptive * rect, alpha=-1.0)
            else:
                p.add_(m_hat * lr, alpha=-1.0)
