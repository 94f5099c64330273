"""Distances between vectors: ``cosine_similarity`` and ``pairwise_distance`` (the p-norm of a difference).

Both broadcast their two inputs, as PyTorch, and are composed of autograd ops (differentiable to any order).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import autograd as ag

from ._utils import broadcast_shape, shape_of

if TYPE_CHECKING:
    from autograd import Tensor

__all__ = ["cosine_similarity", "pairwise_distance", "vector_norm"]


def _dim(op, dim, ndim, shape):
    """``dim`` as a non-negative index into ``ndim`` dims; IndexError (as PyTorch) when out of range."""
    lo, hi = (-ndim, ndim - 1) if ndim else (-1, 0)
    if not lo <= dim <= hi:
        raise IndexError(f"{op}: dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim}) "
                         f"for inputs broadcast to shape {shape}")
    return dim % ndim if ndim else 0


def vector_norm(x: Tensor, p: float, dim: int, keepdim: bool = False) -> Tensor:
    """The ``p``-norm of ``x`` along ``dim``: ``(sum |x|**p) ** (1/p)``; ``p`` may be ``inf``, ``-inf`` or 0
    (the number of non-zero elements, which has no gradient)."""
    if p == 2:
        return ag.sqrt((x * x).sum(dim, keepdim=keepdim))
    size = ag.abs(x)
    if p == 1:
        return size.sum(dim, keepdim=keepdim)
    if p == math.inf:
        return ag.amax(size, dim, keepdim=keepdim)
    if p == -math.inf:
        return ag.amin(size, dim, keepdim=keepdim)
    if p == 0:  # a count: its gradient is zero (kept connected to x, as PyTorch's)
        return (x != 0).to(x.dtype).sum(dim, keepdim=keepdim) + size.sum(dim, keepdim=keepdim) * 0.0
    return (size ** p).sum(dim, keepdim=keepdim) ** (1.0 / p)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """``||x1 - x2 + eps||_p`` along the last dim (of the broadcast shape), as PyTorch.

    Shapes: ``(N, D)`` and ``(N, D)`` (or broadcastable, e.g. ``(D,)``) -> ``(N,)`` (``(N, 1)`` with ``keepdim``).
    Raises:
        RuntimeError: shapes that do not broadcast.
    """
    broadcast_shape("pairwise_distance", x1, x2)
    diff = x1 - x2 + eps
    if diff.ndim == 0:  # two scalars: the norm of one number
        return ag.abs(diff)
    return vector_norm(diff, p, diff.ndim - 1, keepdim)


def _clamped_norm(x, dim, eps):
    """``max(||x||, eps)`` along ``dim`` (kept), whose gradient is that of ``||x||`` even where clamped.

    This is PyTorch's: it clamps the norm in place under ``no_grad``, so the gradient flows as if unclamped.
    """
    norm = ag.sqrt((x * x).sum(dim, keepdim=True))
    value = norm.detach()
    return norm + (ag.clamp(value, min=eps) - value)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``x1 . x2 / (max(||x1||, eps) * max(||x2||, eps))`` along ``dim`` of the broadcast shape, as PyTorch.

    Each input is divided by its norm first (PyTorch's current formula: the result stays in [-1, 1]).
    Shapes: ``x1`` and ``x2`` broadcastable; the result has the broadcast shape without ``dim``.
    Raises:
        RuntimeError: shapes that do not broadcast. IndexError: ``dim`` out of range.
    """
    shape = broadcast_shape("cosine_similarity", x1, x2)
    d = _dim("cosine_similarity", dim, len(shape), shape)
    if not shape:  # two scalars: as vectors of one element (the result is 0-d again)
        return cosine_similarity(x1.reshape(1), x2.reshape(1), 0, eps)
    if shape_of(x1) != shape:
        x1 = ag.broadcast_to(x1, shape)
    if shape_of(x2) != shape:
        x2 = ag.broadcast_to(x2, shape)
    return ((x1 / _clamped_norm(x1, d, eps)) * (x2 / _clamped_norm(x2, d, eps))).sum(d)
