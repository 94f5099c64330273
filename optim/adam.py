"""Adam and AdamW: momentum plus RMSprop-style scaling, with bias correction."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import autograd
from autograd.backend import data_of, namespace

from .optimizer import Optimizer, check_betas, check_non_negative

if TYPE_CHECKING:
    from .optimizer import ParamsT

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, arXiv:1412.6980), PyTorch's ``Adam``; the book's "Adam".

    For each parameter ``w`` with gradient ``g`` (``-g`` when ``maximize``), at step ``t = 1, 2, ...``::

        if weight_decay != 0:
            w = w * (1 - lr * weight_decay)          # decoupled_weight_decay (AdamW), or else
            g = g + weight_decay * w                 # L2 penalty in the gradient (Adam)
        m = beta1 * m + (1 - beta1) * g              # first moment, starts at 0
        v = beta2 * v + (1 - beta2) * g * g          # second moment, starts at 0
        v_max = max(v_max, v)                        # amsgrad only; then v_max replaces v below
        w = w - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    The two ``1 - beta**t`` factors undo the bias of ``m`` and ``v`` towards their zero start.  The book's
    ``Adam`` folds both into ``lr_t = lr * sqrt(1 - beta2**t) / (1 - beta1**t)`` and divides by
    ``sqrt(v) + 1e-7``: the same update with ``eps`` scaled by ``sqrt(1 - beta2**t)``, so the two differ only
    where ``sqrt(v)`` is as small as ``eps``.

    Args:
        params: parameters or parameter groups (see :class:`~optim.Optimizer`).
        lr: learning rate (default 1e-3).
        betas: ``(beta1, beta2)``, decay rates of the two moments (default (0.9, 0.999)), each in [0, 1).
        eps: added to the denominator for numerical stability (default 1e-8).
        weight_decay: weight decay coefficient (default 0).
        amsgrad: use the running maximum of ``v`` (Reddi et al., "On the Convergence of Adam and Beyond").
        maximize: ascend the objective instead of descending it.
        decoupled_weight_decay: shrink the weights directly (AdamW) instead of adding an L2 gradient.

    State per parameter: ``'step'``, ``'exp_avg'`` (``m``), ``'exp_avg_sq'`` (``v``) and ``'max_exp_avg_sq'``
    (when ``amsgrad``).

    Raises:
        ValueError: a negative ``lr``, ``eps`` or ``weight_decay``, or a beta outside [0, 1).
    """

    _supports_complex = False  # the update squares g elementwise; PyTorch treats complex as pairs of reals

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, maximize: bool = False,
                 decoupled_weight_decay: bool = False) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, decoupled_weight_decay=decoupled_weight_decay)
        self._check_hyperparameters(defaults)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        check_non_negative(group["lr"], "learning rate")
        check_non_negative(group["eps"], "epsilon value")
        check_betas(group)
        check_non_negative(group["weight_decay"], "weight_decay value")

    def _new_state(self, p: autograd.Tensor, group: dict[str, Any]) -> dict[str, Any]:
        state = {"step": 0, "exp_avg": autograd.zeros_like(p), "exp_avg_sq": autograd.zeros_like(p)}
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = autograd.zeros_like(p)
        return state

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, (beta1, beta2), eps, amsgrad = group["lr"], group["betas"], group["eps"], group["amsgrad"]
        for p, g in self._params_with_grad(group):  # applies maximize and (decoupled) weight decay
            state = self._state(p, group)
            state["step"] += 1
            step = state["step"]
            m, v = state["exp_avg"], state["exp_avg_sq"]
            xp = namespace(g)
            # The moments are the optimizer's own state, which no graph saves: updated in their arrays with the
            # array API's in-place operators (a quarter of a small model's step went to the Tensor methods' checks).
            m_, v_ = data_of(m), data_of(v)
            m_ *= beta1
            m_ += (1 - beta1) * g
            v_ *= beta2
            v_ += (1 - beta2) * g * g
            bias_correction1 = 1 - beta1**step
            bias_correction2_sqrt = (1 - beta2**step) ** 0.5
            if amsgrad:
                v_max = state["max_exp_avg_sq"]
                v_max.copy_(xp.maximum(data_of(v_max), data_of(v)))
                v = v_max
            denom = xp.sqrt(data_of(v)) / bias_correction2_sqrt + eps
            p.addcdiv_(m, denom, value=-lr / bias_correction1)


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter, arXiv:1711.05101), PyTorch's ``AdamW``.

    Same update as :class:`Adam`, except that weight decay shrinks the weights directly,
    ``w = w * (1 - lr * weight_decay)``, before the Adam step, instead of adding ``weight_decay * w`` to the
    gradient (where Adam's scaling would weaken it for coordinates with large gradients).  The default
    ``weight_decay`` is 1e-2.

    Args:
        params, lr, betas, eps, amsgrad, maximize: as for :class:`Adam`.
        weight_decay: decoupled weight decay coefficient (default 1e-2).

    Raises:
        ValueError: as for :class:`Adam`.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)

    def _restore_group(self, group: dict[str, Any]) -> None:
        super()._restore_group(group)
        group["decoupled_weight_decay"] = True
