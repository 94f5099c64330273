"""Rectifier variants: ``elu``, ``selu``, ``prelu`` and the clipping ``hardtanh``.

Each is composed of autograd ops (``where``, ``exp``, ``clamp``...), so it is differentiable to any order, with
PyTorch's one-sided derivatives at the kinks: ``elu'(0) = alpha`` and ``prelu'(0) = weight`` (the negative
piece), ``hardtanh'`` is 0 at ``min_val`` and ``max_val`` (open interval), as ``hardtanh_backward``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import autograd as ag

from ._utils import maybe_inplace, require_float, shape_of

if TYPE_CHECKING:
    from autograd import Tensor

__all__ = ["elu", "selu", "prelu", "hardtanh"]

# The self-normalising constants of Klambauer et al. (2017), as PyTorch's SELU.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _elu(input, alpha):
    """``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` elsewhere; exp of ``min(x, 0)`` so that it never overflows."""
    negative = (ag.exp(ag.clamp(input, max=0.0)) - 1.0) * alpha
    return ag.where(input > 0, input, negative)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """Exponential linear unit: ``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise.

    Raises:
        NotImplementedError: an integer input (as PyTorch).
    """
    require_float("elu", input)
    return maybe_inplace(lambda x: _elu(x, float(alpha)), input, inplace)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """Scaled ELU ``scale * elu(x, alpha)`` with the self-normalising ``alpha ~ 1.6733``, ``scale ~ 1.0507``."""
    require_float("selu", input)
    return maybe_inplace(lambda x: _elu(x, SELU_ALPHA) * SELU_SCALE, input, inplace)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """Parametric ReLU: ``x`` for ``x > 0``, ``weight * x`` otherwise; ``weight`` is learnt.

    Args:
        input: ``(N, C, *)``, or an input of fewer than 2 dims (then it has one channel).
        weight: one slope ``(1,)`` (or 0-d) shared by all channels, or ``(C,)``, one per channel (dim 1).
    Raises:
        RuntimeError: a weight of more than one dim, or whose size is neither 1 nor the number of channels.
    """
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: expected weight to be a scalar or 1-D tensor, got weight of shape {shape_of(weight)}")
    channels = input.shape[1] if input.ndim >= 2 else 1
    n = weight.numel()
    if n != 1 and n != channels:
        raise RuntimeError(f"prelu: mismatch of parameter numbers and input channel size: weight of shape "
                           f"{shape_of(weight)} for input of shape {shape_of(input)} ({channels} channels)")
    if input.dtype != weight.dtype:
        raise RuntimeError(f"prelu: input ({input.dtype}) and weight ({weight.dtype}) must have the same dtype")
    slope = weight.reshape(()) if n == 1 else weight.reshape((1, n) + (1,) * (input.ndim - 2))
    return ag.where(input > 0, input, input * slope)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """Clip to ``[min_val, max_val]``; the gradient passes strictly inside the interval (0 at its ends, as PyTorch).

    Raises:
        ValueError: ``min_val > max_val``.
    """
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val cannot be greater than max_val, got min_val={min_val}, max_val={max_val}")
    return maybe_inplace(lambda x: _hardtanh(x, min_val, max_val), input, inplace)


def _hardtanh(input, min_val, max_val):
    """``input`` inside ``(min_val, max_val)``; outside, the bound as a constant, so no gradient flows there."""
    inside = (input > min_val) & (input < max_val)
    return ag.where(inside, input, ag.clamp(input.detach(), min_val, max_val))
