"""Regression losses on the difference ``input - target``: ``l1_loss``, ``smooth_l1_loss``, ``huber_loss``.

As PyTorch, a target whose size differs from the input's warns and broadcasts (``mse_loss`` is stricter and
raises). ``smooth_l1_loss(beta)`` is ``huber_loss(delta=beta) / beta``; both are quadratic near 0 and linear far
from it. Each is composed of autograd ops, so it is differentiable to any order.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import autograd as ag

from ._utils import broadcast_target, check_reduction, reduce_loss, shape_of

if TYPE_CHECKING:
    from autograd import Tensor

__all__ = ["l1_loss", "smooth_l1_loss", "huber_loss"]


def _diff(op, input, target, reduction):
    """Check ``reduction`` and the target (warn on another size, as PyTorch); ``input - target``."""
    check_reduction(reduction, op)
    return input - broadcast_target(op, input, target, stacklevel=4)


def _check_weight(op, weight, input):
    """An elementwise ``weight`` must have the input's shape exactly (ValueError, as PyTorch)."""
    if shape_of(weight) != shape_of(input):
        raise ValueError(f"{op}: weights and input must have the same size, got weight of shape {shape_of(weight)} "
                         f"and input of shape {shape_of(input)}")


def l1_loss(input: Tensor, target: Tensor, *, reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean absolute error ``|input - target|``, reduced (gradient 0 where they are equal, as PyTorch).

    Args:
        weight: elementwise weights of the input's shape; ``'mean'`` is then ``sum(w * l) / sum(w)``, as PyTorch.
    Raises:
        ValueError: an unknown ``reduction``, or a weight not of the input's shape.
        RuntimeError: shapes that do not broadcast.
    """
    loss = ag.abs(_diff("l1_loss", input, target, reduction))
    if weight is None:
        return reduce_loss(loss, reduction)
    _check_weight("l1_loss", weight, input)
    loss = loss * weight
    return loss.sum() / weight.sum() if reduction == "mean" else reduce_loss(loss, reduction)


def smooth_l1_loss(input: Tensor, target: Tensor, *, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """``0.5 d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta``, for ``d = input - target``; reduced.

    ``beta=0`` is :func:`l1_loss`.

    Raises:
        RuntimeError: a negative ``beta``, or shapes that do not broadcast.
        ValueError: an unknown ``reduction``.
    """
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss: does not support negative values for beta, got beta={beta}")
    diff = _diff("smooth_l1_loss", input, target, reduction)
    size = ag.abs(diff)
    if beta == 0:
        return reduce_loss(size, reduction)
    loss = ag.where(size < beta, diff * diff * (0.5 / beta), size - 0.5 * beta)
    return reduce_loss(loss, reduction)


def huber_loss(input: Tensor, target: Tensor, *, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """``0.5 d**2`` where ``|d| <= delta``, else ``delta * (|d| - 0.5 delta)``, for ``d = input - target``; reduced.

    Args:
        weight: elementwise weights of the input's shape; ``'mean'`` is then ``mean(w * l)``, as PyTorch.
    Raises:
        RuntimeError: ``delta <= 0``, or shapes that do not broadcast.
        ValueError: an unknown ``reduction``, or a weight not of the input's shape.
    """
    if delta <= 0:
        raise RuntimeError(f"huber_loss: does not support non-positive values for delta, got delta={delta}")
    diff = _diff("huber_loss", input, target, reduction)
    size = ag.abs(diff)
    loss = ag.where(size <= delta, diff * diff * 0.5, (size - 0.5 * delta) * delta)
    if weight is not None:
        _check_weight("huber_loss", weight, input)
        loss = loss * weight
    return reduce_loss(loss, reduction)
