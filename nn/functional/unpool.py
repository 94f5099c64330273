"""``max_unpool2d``: the partial inverse of ``max_pool2d``, as ``torch.nn.functional.max_unpool2d``.

Each input value is written at its flat ``h * W + w`` index (from ``return_indices=True``) into a zero
output plane; every other output is 0.  The gradient of an input value is the output gradient at its index.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from autograd import Tensor
from autograd.backend import namespace
from autograd.op import Op
from autograd.transfer import move, place_of

from . import generic
from ._utils import pair, shape_of
from .pooling import _check_rank, _unbatched

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["max_unpool2d"]


class MaxUnpool2d(Op):
    """Scatter ``(N, C, h, w)`` values to flat ``indices`` of zero ``(N, C, H, W)`` planes."""

    __slots__ = ("indices", "out_hw", "rows")
    attrs = ("out_hw",)
    saved_attrs = ("indices", "rows")

    def __init__(self, indices, out_hw):
        self.indices, self.out_hw = indices, out_hw

    def forward(self, x):
        xp = namespace(x)
        n, c = x.shape[:2]
        out = xp.zeros((n * c, self.out_hw[0] * self.out_hw[1]), dtype=x.dtype)
        self.rows = np.arange(n * c)[:, None]
        where, values = (self.rows, xp.reshape(self.indices, (n * c, -1))), xp.reshape(x, (n * c, -1))
        if type(out) is np.ndarray:
            out[where] = values  # a repeated index: one write
        else:  # (the array API has no assignment through index arrays)
            out = xp.index_put(out, where, values)
        return xp.reshape(out, (n, c) + self.out_hw)

    def backward(self, grad):
        xp = namespace(grad)
        n, c = grad.shape[:2]
        flat = xp.reshape(grad, (n * c, -1))
        index = namespace(self.indices).reshape(self.indices, (n * c, -1))  # (an array, also under create_graph)
        taken = xp.getitem(flat, (self.rows, index))
        return xp.reshape(taken, self.indices.shape)


def unpool_output_size(op: str, in_hw: Sequence[int], kernel: Sequence[int], stride: Sequence[int],
                       padding: Sequence[int], output_size: Sequence[int] | None) -> tuple[int, ...]:
    """PyTorch's ``_unpool_output_size``: ``(h-1)*stride + kernel - 2*padding`` per dim, or ``output_size``
    (its last two entries) when it lies strictly within ``stride`` of that; ValueError otherwise."""
    default = tuple((i - 1) * s + k - 2 * p for i, s, k, p in zip(in_hw, stride, kernel, padding))
    if output_size is None:
        return default
    size = tuple(int(v) for v in output_size)
    if len(size) == 4:
        size = size[2:]
    if len(size) != 2:
        raise ValueError(f"{op}: output_size should be a sequence of 2 or 4 elements, got {tuple(output_size)}")
    for d, (v, base, s) in enumerate(zip(size, default, stride)):
        if not base - s < v < base + s:
            raise ValueError(f"{op}: invalid output_size {size} (dim {d} must be between {base - s + 1} and {base + s - 1})")
    return size


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size: int | tuple[int, ...],
                 stride: int | tuple[int, ...] | None = None, padding: int | tuple[int, ...] = 0,
                 output_size: Sequence[int] | None = None) -> Tensor:
    """Place ``input (N, C, h, w)`` at the flat ``indices`` (int64, ``input``'s shape) of zero ``(N, C, H, W)`` planes.

    ``H = (h - 1) * stride + kernel - 2 * padding`` unless ``output_size`` (``(H, W)`` or ``(N, C, H, W)``,
    within ``stride`` of that) says otherwise; ``stride`` defaults to ``kernel_size``.  Unbatched ``(C, h, w)``
    works too.

    Raises:
        RuntimeError: wrong rank, indices that are not int64 or not of ``input``'s shape, or an index outside
            the output plane. ValueError: an ``output_size`` out of range.
    """
    op = "max_unpool2d"
    _check_rank(op, input, 2)
    if not isinstance(indices, Tensor) or indices.dtype != np.int64:
        kind = indices.dtype if isinstance(indices, Tensor) else type(indices).__name__
        raise RuntimeError(f"{op}: expected indices to be an int64 Tensor, got {kind}")
    if shape_of(indices) != shape_of(input):
        raise RuntimeError(f"{op}: expected indices of the input's shape {shape_of(input)}, got indices of shape {shape_of(indices)}")
    if input.ndim == 3:
        return _unbatched(lambda x: max_unpool2d(x, indices.unsqueeze(0), kernel_size, stride, padding, output_size), input)
    kernel = pair(kernel_size, "kernel_size", op)
    stride = kernel if stride is None else pair(stride, "stride", op)
    out_hw = unpool_output_size(op, shape_of(input)[2:], kernel, stride, pair(padding, "padding", op), output_size)
    plane = out_hw[0] * out_hw[1]
    if generic.is_numpy(input):
        idx = indices.numpy().astype(np.intp, copy=False)
    else:  # the indices in the input's library and device
        idx = move(indices._data, place_of(input._data))
    xp = namespace(idx)
    lo, hi = (int(xp.min(idx)), int(xp.max(idx))) if math.prod(idx.shape) else (0, plane - 1)
    if lo < 0 or hi >= plane:
        bad = lo if lo < 0 else hi
        raise RuntimeError(f"{op}: found an invalid max index {bad} (output planes are of size {out_hw[0]}x{out_hw[1]}; input of shape {shape_of(input)})")
    return MaxUnpool2d(idx, out_hw).apply(input)
