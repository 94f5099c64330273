"""Losses on probabilities: ``binary_cross_entropy`` (of probabilities, not logits) and ``kl_div``.

``binary_cross_entropy`` follows PyTorch to the edge cases: each log is clamped to ``>= -100`` (so an input of
exactly 0 or 1 gives a finite loss), and its gradient is PyTorch's ``(x - t) / max(x (1 - x), 1e-12)``.
Prefer :func:`binary_cross_entropy_with_logits` on logits: it is stable where this one saturates.
"""
from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np

import autograd as ag
from autograd.backend import namespace
from autograd.op import Op

from ._utils import as_tensor_like, broadcast_shape, check_reduction, reduce_loss, shape_of

if TYPE_CHECKING:
    from autograd import Tensor

__all__ = ["binary_cross_entropy", "kl_div"]

_LOG_FLOOR = -100.0  # PyTorch clamps log(x) and log(1 - x) here
_EPS = 1e-12  # and keeps the gradient's denominator x (1 - x) above this


class BinaryCrossEntropy(Op):
    """``-(t log x + (1 - t) log(1 - x))`` elementwise, logs clamped to ``>= -100``; inputs ``x`` and ``t``."""

    __slots__ = ()
    save_inputs = True

    def forward(self, x, t):
        xp = namespace(x)
        with np.errstate(divide="ignore"):  # log(0) = -inf, clamped below
            log_x = xp.maximum(xp.log(x), _LOG_FLOOR)
            log_1mx = xp.maximum(xp.log1p(-x), _LOG_FLOOR)
        return -(t * log_x + (1 - t) * log_1mx)

    def backward(self, grad, x, t):
        xp = namespace(grad)
        gx = gt = None
        if self.needs_input_grad(0):
            denom = x * (1 - x)
            gx = grad * (x - t) / xp.where(denom > _EPS, denom, _EPS)
        if self.needs_input_grad(1):
            with np.errstate(divide="ignore"):  # PyTorch's target gradient is not clamped: +-inf at x = 0 or 1
                gt = grad * (xp.log1p(-x) - xp.log(x))
        return gx, gt


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, *,
                         reduction: str = "mean") -> Tensor:
    """Binary cross entropy of probabilities ``input`` in [0, 1] against ``target`` of the same shape, reduced.

    Args:
        weight: rescales each element's loss; broadcast to the input's shape.
    Raises:
        ValueError: the target's shape differs from the input's (as PyTorch), or an unknown ``reduction``.
        RuntimeError: an input element outside [0, 1], a target of another dtype, a weight that does not
            broadcast to the input's shape.
    """
    check_reduction(reduction, "binary_cross_entropy")
    target = as_tensor_like(target, input)
    if shape_of(target) != shape_of(input):
        raise ValueError(f"binary_cross_entropy: using a target size {shape_of(target)} that is different to the input "
                         f"size {shape_of(input)} is not supported. Please ensure they have the same size.")
    if target.dtype != input.dtype:
        raise RuntimeError(f"binary_cross_entropy: expected a target of the input's dtype {input.dtype}, got {target.dtype}")
    data = input.detach().numpy()
    if ((data < 0) | (data > 1)).any():
        raise RuntimeError(f"binary_cross_entropy: all elements of input should be between 0 and 1 (input of shape "
                           f"{shape_of(input)} has values in [{data.min()}, {data.max()}])")
    loss = BinaryCrossEntropy().apply(input, target)
    if weight is not None:
        weight = as_tensor_like(weight, input)
        if broadcast_shape("binary_cross_entropy", input, weight) != shape_of(input):
            raise RuntimeError(f"binary_cross_entropy: weight of shape {shape_of(weight)} does not broadcast to the "
                               f"input's shape {shape_of(input)}")
        loss = loss * weight
    return reduce_loss(loss, reduction)


def _xlogx(t):
    """``t * log(t)``, 0 at ``t = 0`` (``xlogy(t, t)``), NaN for negative ``t``; finite gradients at 0."""
    zero = t == 0
    return ag.where(zero, 0.0, t * ag.log(ag.where(zero, 1.0, t)))


def kl_div(input: Tensor, target: Tensor, *, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Kullback-Leibler divergence ``sum t (log t - input)`` with ``input`` log-probabilities (as PyTorch).

    Pointwise ``t * (log t - x)`` (0 where ``t = 0``), or ``exp(t) * (t - x)`` with ``log_target=True``;
    input and target broadcast. ``'batchmean'`` divides the sum by the batch size ``input.shape[0]`` (the
    mathematical KL divergence); ``'mean'`` divides by the number of elements, and warns as PyTorch does.

    Raises:
        ValueError: a reduction other than ``'none'``, ``'batchmean'``, ``'sum'`` or ``'mean'``.
        RuntimeError: shapes that do not broadcast.
    """
    check_reduction(reduction, "kl_div", ("none", "batchmean", "sum", "mean"))
    if reduction == "mean":
        warnings.warn("kl_div: reduction 'mean' divides the total loss by both the batch size and the support size. "
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition.",
                      UserWarning, stacklevel=2)
    target = as_tensor_like(target, input)
    broadcast_shape("kl_div", input, target)
    loss = ag.exp(target) * (target - input) if log_target else _xlogx(target) - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.shape[0] if input.ndim else total
    return reduce_loss(loss, reduction)

