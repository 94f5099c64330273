"""Adaptive pooling to a fixed output size: ``adaptive_avg_pool2d`` and ``adaptive_max_pool2d``, as PyTorch.

Output cell ``i`` of a dim of size ``n`` pooled to ``o`` cells covers PyTorch's bin
``[floor(i*n/o), ceil((i+1)*n/o))``; neighbouring bins overlap when ``o`` does not divide ``n``.  Averages are
two small averaging-matrix products (``P_h @ x @ P_w^T``), or the tiled fast path when the sizes divide.
Maxima gather every bin padded to the largest bin size by repeating its last row/column (a repeat never wins:
the first maximum is kept, as PyTorch), and route the gradient to the winners by an index-add.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Literal, overload

import numpy as np

from autograd import from_numpy
from autograd.backend import namespace
from autograd.op import Op
from autograd.ops import matmul

from . import generic
from ._utils import shape_of
from .pooling import AvgPool2dFast, _check_rank, _first_argmax, _unbatched, avg_pool2d

if TYPE_CHECKING:
    from autograd import Tensor

__all__ = ["adaptive_avg_pool2d", "adaptive_max_pool2d"]


def _bins(size, out):
    """``(lo, hi)`` bounds of PyTorch's ``out`` adaptive bins over ``size``."""
    return [((i * size) // out, -((-(i + 1) * size) // out)) for i in range(out)]


def _adaptive_matrix(size, out, dtype):
    """``(out, size)`` averaging matrix of the adaptive bins."""
    m = np.zeros((out, size), dtype=dtype)
    for i, (lo, hi) in enumerate(_bins(size, out)):
        m[i, lo:hi] = 1.0 / (hi - lo)
    return m


def _output_size(op, input, output_size):
    """``output_size`` (an int, or a pair whose entries may be None = keep the input's) as a checked pair."""
    h, w = shape_of(input)[-2:]
    if isinstance(output_size, (int, np.integer)) or output_size is None:
        output_size = (output_size, output_size)
    if len(output_size) != 2:
        raise RuntimeError(f"{op}: output_size must be an int or a pair, got {output_size!r}")
    oh, ow = (s if o is None else int(o) for o, s in zip(output_size, (h, w)))
    if oh <= 0 or ow <= 0:
        raise RuntimeError(f"{op}: output_size must be positive, got {(oh, ow)} for input of shape {shape_of(input)}")
    return oh, ow


def adaptive_avg_pool2d(input: Tensor, output_size: int | tuple[int | None, ...]) -> Tensor:
    """Average pooling of ``(N, C, H, W)`` (or ``(C, H, W)``) to a fixed ``output_size``, as PyTorch.

    ``output_size``: an int, or a pair whose entries may be None (keep that dim).
    Raises RuntimeError for a wrong rank or a non-positive size.
    """
    _check_rank("adaptive_avg_pool2d", input, 2)
    if input.ndim == 3:
        return _unbatched(adaptive_avg_pool2d, input, output_size)
    h, w = input.shape[2:]
    oh, ow = _output_size("adaptive_avg_pool2d", input, output_size)
    numpy_input = generic.is_numpy(input)
    if h % oh == 0 and w % ow == 0:
        k = (h // oh, w // ow)
        if not numpy_input:  # another array-API library: avg_pool2d's generic path
            return avg_pool2d(input, k)
        return AvgPool2dFast(k, 1.0 / (k[0] * k[1])).apply(input)
    ph = from_numpy(_adaptive_matrix(h, oh, input.dtype))
    pw_t = from_numpy(np.ascontiguousarray(_adaptive_matrix(w, ow, input.dtype).T))
    if not numpy_input:
        ph, pw_t = generic.placed_like(input, ph), generic.placed_like(input, pw_t)
    return matmul(ph, matmul(input, pw_t))


def _bin_index(size, out):
    """``(out, k)`` positions of each bin, ``k`` the largest bin, short bins padded with their last position."""
    bins = _bins(size, out)
    k = max(hi - lo for lo, hi in bins)
    lo = np.array([b[0] for b in bins])[:, None]
    hi = np.array([b[1] for b in bins])[:, None]
    return np.minimum(lo + np.arange(k), hi - 1)


class AdaptiveMaxPool2d(Op):
    """The maximum of each adaptive bin of ``(N, C, H, W)``; ``flat`` holds the winners' ``h * W + w``."""

    __slots__ = ("output_size", "flat", "in_shape")
    attrs = ("output_size",)
    saved_attrs = ("flat",)
    save_inputs = True  # only linked to under create_graph (see autograd's PiecewiseMul); PyTorch saves it too

    def __init__(self, output_size):
        self.output_size = output_size

    def forward(self, x):
        xp = namespace(x)
        n, c, h, w = x.shape
        self.in_shape = x.shape
        rows, cols = _bin_index(h, self.output_size[0]), _bin_index(w, self.output_size[1])
        oh, kh = rows.shape
        ow, kw = cols.shape
        windows = x[:, :, rows[:, :, None, None], cols[None, None, :, :]]  # (N, C, oh, kh, ow, kw)
        windows = xp.reshape(xp.moveaxis(windows, 3, 4), (n, c, oh, ow, kh * kw))
        out, t = _first_argmax([windows[..., i] for i in range(kh * kw)], x.dtype.kind == "f")
        t = t.astype(np.intp)
        self.flat = rows[np.arange(oh)[:, None], t // kw] * w + cols[np.arange(ow)[None, :], t % kw]
        return xp.ascontiguousarray(out)

    def backward(self, grad, x):
        xp = namespace(grad)
        n, c, h, w = self.in_shape
        g = xp.reshape(xp.piecewise_mul(grad, 1.0, x), (n * c, -1))
        index = (np.arange(n * c)[:, None], self.flat.reshape(n * c, -1))
        return xp.reshape(xp.index_add((n * c, h * w), index, g), self.in_shape)


@overload
def adaptive_max_pool2d(input: Tensor, output_size: int | tuple[int | None, ...],
                        return_indices: Literal[False] = False) -> Tensor: ...
@overload
def adaptive_max_pool2d(input: Tensor, output_size: int | tuple[int | None, ...], *,
                        return_indices: Literal[True]) -> tuple[Tensor, Tensor]: ...
@overload
def adaptive_max_pool2d(input: Tensor, output_size: int | tuple[int | None, ...],
                        return_indices: bool = ...) -> Tensor | tuple[Tensor, Tensor]: ...


def adaptive_max_pool2d(input: Tensor, output_size: int | tuple[int | None, ...],
                        return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Max pooling of ``(N, C, H, W)`` (or ``(C, H, W)``) to a fixed ``output_size``, as PyTorch.

    Returns ``(N, C, oh, ow)``; with ``return_indices`` also the flat ``h * W + w`` index of each maximum
    (int64), which :func:`max_unpool2d` takes.  Raises RuntimeError for a wrong rank or a non-positive size.
    """
    _check_rank("adaptive_max_pool2d", input, 2)
    if input.ndim == 3:
        return _unbatched(adaptive_max_pool2d, input, output_size, return_indices)
    size = _output_size("adaptive_max_pool2d", input, output_size)
    if not generic.is_numpy(input):  # another array-API library: gathered bins and a max, from ordinary ops
        h, w = input.shape[2:]
        out, indices = generic.adaptive_max_pool2d(input, _bin_index(h, size[0]), _bin_index(w, size[1]))
        return (out, indices) if return_indices else out
    fn = AdaptiveMaxPool2d(size)
    out = fn.apply(input)
    if return_indices:
        return out, from_numpy(fn.flat.astype(np.int64))
    return out
