"""Margin losses: ``margin_ranking_loss``, ``soft_margin_loss``, ``triplet_margin_loss``.

Hinges are ``clamp(..., min=0)``, whose gradient passes at exactly 0 (as PyTorch's ``clamp_min``).
``soft_margin_loss`` is computed as ``softplus(-y * x)``: the same value as PyTorch's ``log(1 + exp(-y * x))``
but finite where that overflows (``y * x = -100`` in float32 gives 100 here, inf in PyTorch).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import autograd as ag

from ._utils import as_tensor_like, broadcast_shape, check_reduction, reduce_loss, shape_of
from .activation import softplus
from .distance import pairwise_distance

if TYPE_CHECKING:
    from autograd import Tensor

__all__ = ["margin_ranking_loss", "soft_margin_loss", "triplet_margin_loss"]


def _same_ndim(op, what, *tensors):
    """RuntimeError (as PyTorch) unless ``tensors`` (named by ``what``) all have the same number of dims."""
    if len({t.ndim for t in tensors}) > 1:
        shapes = ", ".join(f"{name} {shape_of(t)}" for name, t in zip(what, tensors))
        raise RuntimeError(f"{op}: all input tensors should have the same number of dimensions, got {shapes}")


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0, *,
                        reduction: str = "mean") -> Tensor:
    """``max(0, -y * (x1 - x2) + margin)``: ``y = 1`` says ``x1`` should rank higher, ``y = -1`` lower.

    Shapes: three tensors of the same number of dims that broadcast (as PyTorch), e.g. ``(N,)``.
    Raises:
        RuntimeError: different numbers of dims, or shapes that do not broadcast.
        ValueError: an unknown ``reduction``.
    """
    check_reduction(reduction, "margin_ranking_loss")
    target = as_tensor_like(target, input1)
    _same_ndim("margin_ranking_loss", ("input1", "input2", "target"), input1, input2, target)
    broadcast_shape("margin_ranking_loss", input1, input2, target)
    return reduce_loss(ag.clamp(-target * (input1 - input2) + margin, min=0.0), reduction)


def soft_margin_loss(input: Tensor, target: Tensor, *, reduction: str = "mean") -> Tensor:
    """Two-class logistic loss ``log(1 + exp(-y * x))`` for targets ``y`` in {1, -1}, computed stably; reduced.

    Raises:
        RuntimeError: a target that does not broadcast to the input's shape (as PyTorch).
        ValueError: an unknown ``reduction``.
    """
    check_reduction(reduction, "soft_margin_loss")
    target = as_tensor_like(target, input)
    if broadcast_shape("soft_margin_loss", input, target) != shape_of(input):
        raise RuntimeError(f"soft_margin_loss: target of shape {shape_of(target)} does not broadcast to the input's "
                           f"shape {shape_of(input)}")
    return reduce_loss(softplus(-target * input, 1.0, math.inf), reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2.0,
                        eps: float = 1e-6, swap: bool = False, *, reduction: str = "mean") -> Tensor:
    """``max(d(a, p) - d(a, n) + margin, 0)`` with ``d`` the :func:`pairwise_distance` (p-norm over the last dim).

    ``swap=True`` uses ``min(d(a, n), d(p, n))`` as the negative distance (Balntas et al., 2016).
    Shapes: ``(N, D)`` each (or ``(D,)``, unbatched), broadcastable, of the same number of dims -> ``(N,)``.
    Raises:
        ValueError: ``margin <= 0`` (as PyTorch), or an unknown ``reduction``.
        RuntimeError: different numbers of dims, or shapes that do not broadcast.
    """
    check_reduction(reduction, "triplet_margin_loss")
    if margin <= 0:
        raise ValueError(f"triplet_margin_loss: margin must be greater than 0, got {margin}")
    _same_ndim("triplet_margin_loss", ("anchor", "positive", "negative"), anchor, positive, negative)
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = ag.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return reduce_loss(ag.clamp(d_pos - d_neg + margin, min=0.0), reduction)
