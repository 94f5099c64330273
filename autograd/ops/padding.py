"""Padding: ``pad(input, pad, mode='constant'|'reflect'|'replicate'|'circular', value=None)``, as PyTorch.

``pad`` lists ``(left, right)`` pairs from the last dim backwards; a negative entry crops.  Constant padding is
the :class:`Pad` op (``np.pad`` forward, a crop backward) after a basic-slice crop for the negative entries.
The other modes are a gather: each output position along a padded dim reads one input position (reflected,
clamped or wrapped), so the whole pad is one advanced index, whose backward sums the gradient back into the
input (the border rows that several outputs read collect all their gradients).  Both are differentiable to any
order.  PyTorch's rules for which ranks the non-constant modes take are kept (a pad of ``2k`` entries pads the
last ``k`` dims of a ``(k+1)``- or ``(k+2)``-dim input, ``k <= 3``).
"""
from __future__ import annotations

import builtins
import numbers
from typing import TYPE_CHECKING

import numpy as np

from ..backend import namespace
from ..op import Op
from ..registry import register
from .shape import getitem, tensor_input

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..tensor import Tensor

_MODES = ("constant", "reflect", "replicate", "circular")


class Pad(Op):
    """Constant padding with non-negative ``widths`` (numpy's ``((lo, hi), ...)`` per dim)."""

    __slots__ = ("widths", "value")
    attrs = ("widths", "value")

    def __init__(self, widths, value=0.0):
        self.widths, self.value = widths, value

    def forward(self, a):
        return namespace(a).pad(a, self.widths, constant_values=self.value)

    def backward(self, grad):
        index = tuple(slice(lo, n - hi) for (lo, hi), n in zip(self.widths, grad.shape))
        return namespace(grad).getitem(grad, index)


def _source(n, lo, hi, mode):
    """The input position that each output position along one dim of size ``n`` reads, for ``mode``."""
    if mode == "circular":  # PyTorch crops first, then wraps around the cropped size
        start, m = builtins.max(-lo, 0), n - builtins.max(-lo, 0) - builtins.max(-hi, 0)
        return start + np.arange(-builtins.max(lo, 0), m + builtins.max(hi, 0)) % builtins.max(m, 1)
    p = np.arange(-lo, n + hi)
    if mode == "replicate":
        return np.clip(p, 0, n - 1)
    period = 2 * (n - 1)  # reflect: mirror about both edges without repeating them
    q = np.abs(p) % builtins.max(period, 1)
    return np.where(q >= n, period - q, q)


def _check_mode(input, pad, mode, value):
    """PyTorch's checks of a non-constant ``mode``: no fill value, supported ranks, pad sizes per dim."""
    shape = tuple(input.shape)
    if value is not None and value != 0:
        raise RuntimeError(f'pad(): padding mode "{mode}" doesn\'t take in value argument (got value={value!r})')
    k = len(pad) // 2
    if not 1 <= k <= 3 or input.ndim not in (k + 1, k + 2):
        raise NotImplementedError(
            f"pad(): padding size {len(pad)} is not supported for a {input.ndim}-D input of shape {shape} in mode "
            f"{mode!r}: pad the last k dims (2k entries, k = 1, 2 or 3) of a (k+1)-D or (k+2)-D input")
    for i in range(k):
        lo, hi = pad[2 * i], pad[2 * i + 1]
        d = input.ndim - 1 - i
        n = shape[d]
        if mode == "reflect" and builtins.max(lo, hi) >= n:
            raise RuntimeError(f"pad(): reflect padding {(lo, hi)} of dim {d} must be smaller than its size {n} (input of shape {shape})")
        cropped = n - builtins.max(-lo, 0) - builtins.max(-hi, 0)
        if mode == "circular" and builtins.max(lo, hi) > builtins.max(cropped, 0):
            raise RuntimeError(f"pad(): circular padding {(lo, hi)} of dim {d} (size {n}, {cropped} after cropping) wraps around more than once (input of shape {shape})")
        if mode != "circular" and n + lo + hi < 1:
            raise RuntimeError(f"pad(): input of shape {shape} is too small: padding {(lo, hi)} of dim {d} gives size {n + lo + hi}")


@register(method=False)
@tensor_input
def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad (or, with negative entries, crop) the last ``len(pad) // 2`` dims, as ``torch.nn.functional.pad``.

    Args:
        pad: ``(left_last, right_last, left_2nd_last, right_2nd_last, ...)``: ints, negative ones crop.
        mode: ``'constant'`` (fill with ``value``, any rank), ``'reflect'`` (mirror without repeating the
            edge), ``'replicate'`` (repeat the edge) or ``'circular'`` (wrap around); the last three pad the
            last 1-3 dims of a batched or unbatched input (``(N, C, W)``/``(C, W)`` for 2 entries, and so on).
        value: the fill of ``'constant'`` (default 0); the other modes take none.
    Raises:
        TypeError: ``pad`` is not a sequence of ints, or ``mode`` is not a string.
        RuntimeError: an odd length, more pairs than dims, a size that becomes negative (or empty, for reflect
            and replicate), a reflect pad not smaller than its dim, a circular pad larger than its (cropped) dim,
            or a fill value with a non-constant mode.
        NotImplementedError: an unknown mode, or a rank the non-constant modes do not take.
    """
    if not isinstance(pad, (tuple, list)) or not all(isinstance(p, numbers.Integral) and not isinstance(p, bool) for p in pad):
        raise TypeError(f"pad(): argument 'pad' must be a tuple of ints, got {pad!r}")
    if not isinstance(mode, str):
        raise TypeError(f"pad(): argument 'mode' must be str, not {type(mode).__name__}")
    if mode not in _MODES:
        raise NotImplementedError(f"pad(): unrecognised padding mode {mode!r} (expected one of {', '.join(_MODES)})")
    pad = tuple(int(p) for p in pad)
    shape = tuple(input.shape)
    if len(pad) % 2:
        raise RuntimeError(f"pad(): padding length must be divisible by 2, got {len(pad)} entries {pad}")
    k = len(pad) // 2
    if k > input.ndim:
        raise RuntimeError(f"pad(): padding length {len(pad)} must be at most twice the {input.ndim} dims of the input of shape {shape}")
    pairs = [(pad[2 * i], pad[2 * i + 1]) for i in range(k)][::-1]  # (lo, hi) of dims ndim-k ... ndim-1
    dims = range(input.ndim - k, input.ndim)
    if mode != "constant":
        _check_mode(input, pad, mode, value)
        index = np.ix_(*(_source(shape[d], lo, hi, mode) for d, (lo, hi) in zip(dims, pairs)))
        return getitem(input, (Ellipsis,) + index)
    for d, (lo, hi) in zip(dims, pairs):
        if shape[d] + lo + hi < 0:
            raise RuntimeError(f"pad(): padding {(lo, hi)} of dim {d} gives a negative size {shape[d] + lo + hi} (input of shape {shape})")
    if builtins.min(pad, default=0) < 0:
        crop = tuple(slice(builtins.max(-lo, 0), shape[d] - builtins.max(-hi, 0)) for d, (lo, hi) in zip(dims, pairs))
        input = getitem(input, (Ellipsis,) + crop)
    widths = ((0, 0),) * (input.ndim - k) + tuple((builtins.max(lo, 0), builtins.max(hi, 0)) for lo, hi in pairs)
    return Pad(widths, 0.0 if value is None else value).apply(input)


# Backward rules call this with numpy's signature (see autograd.backend).
@register(method=False, export=False, xp="pad")
def _pad_xp(x, widths, constant_values=0.0):
    return Pad(tuple(widths), constant_values).apply(x)
