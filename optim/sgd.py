"""Stochastic gradient descent, with the book's "Momentum" and "Nesterov" as options of ``SGD``."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import autograd
from autograd.backend import data_of

from .optimizer import Optimizer, check_non_negative

if TYPE_CHECKING:
    from .optimizer import ParamsT

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with momentum and Nesterov momentum (PyTorch's ``SGD``).

    For each parameter ``w`` with gradient ``g`` (``-g`` when ``maximize``)::

        g = g + weight_decay * w                     # if weight_decay != 0 (L2 penalty in the gradient)
        if momentum != 0:
            b = g                                    # first step (no dampening on the first step)
            b = momentum * b + (1 - dampening) * g   # later steps
            g = g + momentum * b if nesterov else b
        w = w - lr * g

    The book's names (*Deep Learning from Scratch*, ch. 6):

    * **SGD** ``W -= lr * dW`` is ``SGD(params, lr)``.
    * **Momentum** is ``SGD(params, lr, momentum=a)``.  The book keeps a velocity ``v`` (starting at 0)::

          v = a * v - lr * g;   w = w + v

      PyTorch keeps a buffer ``b`` instead: ``b = a * b + g;  w = w - lr * b``.  With a constant ``lr`` the
      two are the same algorithm, because ``v = -lr * b`` at every step.  By induction: after the first step
      ``v_1 = -lr * g_1 = -lr * b_1``; and if ``v_{t-1} = -lr * b_{t-1}`` then
      ``v_t = a * v_{t-1} - lr * g_t = -lr * (a * b_{t-1} + g_t) = -lr * b_t``, so both add ``-lr * b_t`` to
      ``w``.  They differ only when ``lr`` changes during training (a scheduler): the book's ``v`` keeps the
      old learning rates baked into its history, PyTorch's ``b`` is rescaled by the new ``lr`` as a whole.
    * **Nesterov** is ``SGD(params, lr, momentum=a, nesterov=True)``.  In the velocity form of Bengio et
      al. (arXiv:1212.0901, the paper the book cites) one step is::

          w = w + a * a * v_old - (1 + a) * lr * g;   v = a * v_old - lr * g

      and since ``a * a * v_old - (1 + a) * lr * g = a * v - lr * g = -lr * (g + a * b)``, it is exactly
      PyTorch's Nesterov step with ``v = -lr * b``.  The book's code applies ``a * a`` to the velocity
      *after* updating it (``v_new`` instead of ``v_old``), which moves by ``-(1 + a + a*a) * lr * g`` on
      the first step instead of ``-(1 + a) * lr * g``; that variant is not reproduced here.

    Args:
        params: parameters or parameter groups (see :class:`~optim.Optimizer`).
        lr: learning rate (default 1e-3).
        momentum: momentum factor ``a`` (default 0: plain SGD).
        dampening: scales the new gradient's share of the buffer by ``1 - dampening`` (default 0).
        weight_decay: L2 penalty coefficient added to the gradient (default 0).
        nesterov: use Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).
        maximize: ascend the objective instead of descending it.

    State per parameter: ``'momentum_buffer'`` (when ``momentum != 0``).

    Raises:
        ValueError: negative ``lr``/``momentum``/``weight_decay``, or ``nesterov`` without momentum or with
            dampening.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False) -> None:
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize)
        self._check_hyperparameters(defaults)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        check_non_negative(group["lr"], "learning rate")
        check_non_negative(group["momentum"], "momentum value")
        check_non_negative(group["weight_decay"], "weight_decay value")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, momentum, dampening, nesterov = group["lr"], group["momentum"], group["dampening"], group["nesterov"]
        for p, g in self._params_with_grad(group):
            if momentum != 0:
                # not self._state: the buffer starts as the first gradient, and plain SGD keeps no state at all
                state = self.state[p]
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = autograd.tensor(g, dtype=p.dtype)
                    state["momentum_buffer"] = buf
                else:
                    buf.mul_(momentum).add_(g, alpha=1 - dampening)
                g = g + momentum * data_of(buf) if nesterov else data_of(buf)
            p.add_(g, alpha=-lr)
