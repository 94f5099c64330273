"""Gradient clipping (call between ``backward()`` and ``optimizer.step()``)."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

import autograd as ag

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(parameters: ag.Tensor | Iterable[ag.Tensor]) -> list[ag.Tensor]:
    """The existing ``.grad`` of each of ``parameters`` (an iterable of tensors, or one tensor)."""
    if isinstance(parameters, ag.Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def _norm(array: Any, norm_type: float) -> float:
    """The ``norm_type``-norm of the flattened ``array`` as a Python float (computed in float64)."""
    a = np.abs(array.astype(np.float64, copy=False)).ravel()
    if norm_type == math.inf:
        return a.max(initial=0.0)
    if norm_type == -math.inf:
        return a.min(initial=math.inf)
    if norm_type == 0:
        return float(np.count_nonzero(a))
    return float(np.sum(a**norm_type) ** (1.0 / norm_type))


def clip_grad_norm_(parameters: ag.Tensor | Iterable[ag.Tensor], max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> ag.Tensor:
    """Scale all gradients together so that their joint norm is at most ``max_norm``; in place.

    The norm is taken over all gradients as if they were concatenated into one vector. Gradients are
    multiplied by ``min(1, max_norm / (total_norm + 1e-6))``, as PyTorch does.

    Args:
        parameters: an iterable of tensors (or one tensor); those without ``.grad`` are skipped.
        max_norm: the largest allowed norm. norm_type: the p of the p-norm (``math.inf`` for the max).
        error_if_nonfinite: raise when the total norm is nan or inf instead of scaling by it.
    Returns:
        The total norm before clipping, a 0-d Tensor (the dtype of the first gradient).
    Raises:
        RuntimeError: a non-finite norm with ``error_if_nonfinite``.
    """
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return ag.tensor(0.0)
    norms = np.array([_norm(g.numpy(), norm_type) for g in grads])
    total = _norm(norms, norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} for gradients from `parameters` is non-finite, "
            "so it cannot be clipped. To disable this error and scale the gradients by the non-finite norm "
            "anyway, set `error_if_nonfinite=False`")
    coef = min(float(max_norm) / (total + 1e-6), 1.0)
    with ag.no_grad(), np.errstate(invalid="ignore"):  # an inf norm gives coef 0 and inf * 0 = nan, as PyTorch
        for g in grads:
            g.mul_(coef)
    return ag.tensor(np.asarray(total, dtype=grads[0].dtype))


def clip_grad_value_(parameters: ag.Tensor | Iterable[ag.Tensor], clip_value: float) -> None:
    """Clamp every gradient element into ``[-clip_value, clip_value]``; in place. Returns None."""
    clip_value = float(clip_value)
    with ag.no_grad():
        for g in _grads(parameters):
            g.clamp_(-clip_value, clip_value)
