"""Layout ops: flip, roll, repeat/tile, repeat_interleave, t, tril/triu and diagonal.

All but ``t`` and ``diagonal`` (views, as in PyTorch) return new memory; each backward is the same kind of
layout op on the gradient (flip, roll back, sum the copies, mask, put back on the diagonal), so every rule
is differentiable again.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..backend import namespace
from ..op import Op
from ..registry import register
from ..tensor import Tensor
from ..transfer import host
from .gather import index_select
from .shape import _dim, _shape_arg, normalize_dims, reshape, tensor_input, transpose

if TYPE_CHECKING:
    from ..types import Dims, Shape


class Flip(Op):
    __slots__ = ("dims",)
    attrs = ("dims",)

    def __init__(self, dims):
        self.dims = dims

    def forward(self, a):
        xp = namespace(a)
        return xp.copy(xp.flip(a, axis=self.dims))  # a copy, as PyTorch (numpy's flip is a view)

    def backward(self, grad):
        return namespace(grad).flip(grad, axis=self.dims)


class Roll(Op):
    __slots__ = ("shifts", "dims")
    attrs = ("shifts", "dims")

    def __init__(self, shifts, dims):
        self.shifts, self.dims = shifts, dims

    def forward(self, a):
        return namespace(a).roll(a, self.shifts, self.dims)

    def backward(self, grad):
        back = -self.shifts if isinstance(self.shifts, int) else tuple(-s for s in self.shifts)
        return namespace(grad).roll(grad, back, self.dims)


class Repeat(Op):
    """``np.tile``: ``sizes`` copies along each dim (the input gets leading dims of size 1 when ``sizes`` is longer)."""

    __slots__ = ("sizes", "in_shape")
    attrs = ("sizes",)

    def __init__(self, sizes):
        self.sizes = sizes

    def forward(self, a):
        self.in_shape = a.shape
        return namespace(a).tile(a, self.sizes)

    def backward(self, grad):
        # Split every dim into (copies, size) and sum over the copies.
        xp = namespace(grad)
        padded = (1,) * (len(self.sizes) - len(self.in_shape)) + self.in_shape
        split = tuple(n for pair in zip(self.sizes, padded) for n in pair)
        summed = xp.sum(xp.reshape(grad, split), axis=tuple(range(0, len(split), 2)))
        return xp.reshape(summed, self.in_shape)


class _Triangle(Op):
    """tril/triu of the last two dims: the backward keeps the same triangle of the gradient."""

    __slots__ = ("diagonal",)
    attrs = ("diagonal",)
    fn: str  # the namespace function (each subclass's)

    def __init__(self, diagonal):
        self.diagonal = diagonal

    def forward(self, a):
        return getattr(namespace(a), self.fn)(a, self.diagonal)

    def backward(self, grad):
        return getattr(namespace(grad), self.fn)(grad, self.diagonal)


class Tril(_Triangle):
    __slots__ = ()
    fn = "tril"


class Triu(_Triangle):
    __slots__ = ()
    fn = "triu"


def _diagonal_index(xp, shape, offset, dim1, dim2):
    """The integer-array index ``idx`` with ``a[idx]`` equal to ``np.diagonal(a, offset, dim1, dim2)`` (copied)."""
    rest = [i for i in range(len(shape)) if i not in (dim1, dim2)]
    n = max(0, min(shape[dim1] - max(-offset, 0), shape[dim2] - max(offset, 0)))
    idx = [None] * len(shape)
    for k, i in enumerate(rest):  # the other dims keep their order, the diagonal comes last
        idx[i] = xp.reshape(xp.arange(shape[i]), (shape[i],) + (1,) * (len(rest) - k))
    diag = xp.arange(n)
    idx[dim1], idx[dim2] = diag + max(-offset, 0), diag + max(offset, 0)
    return tuple(idx)


class Diagonal(Op):
    """A view of the elements ``(i, i + offset)`` of dims ``dim1, dim2``, which become the last dim."""

    view = True
    __slots__ = ("offset", "dim1", "dim2", "in_shape", "index")
    saved_attrs = ("index",)
    attrs = ("offset", "dim1", "dim2")

    def __init__(self, offset, dim1, dim2):
        self.offset, self.dim1, self.dim2 = offset, dim1, dim2

    def forward(self, a):
        xp = namespace(a)
        self.in_shape = a.shape
        self.index = _diagonal_index(xp, a.shape, self.offset, self.dim1, self.dim2)  # where backward puts the gradient
        return self.replay(xp, a)

    def replay(self, xp, x):
        return xp.diagonal(x, self.offset, self.dim1, self.dim2)

    def backward(self, grad):
        return namespace(grad).index_add(self.in_shape, self.index, grad)


# -- functional forms ------------------------------------------------------------------------------------


def _dims_arg(dims):
    """``dims`` given as ints or one sequence (``flip(x, [0, 1])``, ``x.flip(0, 1)``)."""
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = dims[0]
    return tuple(dims)


@register
@tensor_input
def flip(input: Tensor, *dims: Dims) -> Tensor:
    """Reverse the order of the elements along ``dims`` (a copy)."""
    axes = normalize_dims(_dims_arg(dims), input.ndim, "flip") if input.ndim else ()
    return Flip(axes).apply(input)


@register
@tensor_input
def roll(input: Tensor, shifts: Dims, dims: Dims | None = None) -> Tensor:
    """Shift the elements cyclically by ``shifts`` along ``dims`` (int or tuples of equal length); without
    ``dims``, over the flattened tensor (shape kept)."""
    if dims is None:
        if not isinstance(shifts, (int, np.integer)) and len(shifts) != 1:
            raise RuntimeError(f"roll(): with dims=None, shifts must be one int, got {shifts!r}")
        return Roll(int(shifts if isinstance(shifts, (int, np.integer)) else shifts[0]), None).apply(input)
    shifts = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll(): shifts and dimensions must align. shifts: {len(shifts)}, dims: {len(dims)}")
    if input.ndim == 0:
        raise IndexError(f"roll(): dimension specified as {dims[0]} but tensor has no dimensions")
    axes = tuple(_dim(d, input.ndim, "roll") for d in dims)  # repeats allowed: the shifts add up
    return Roll(tuple(int(s) for s in shifts), axes).apply(input)


def _repeat(input, sizes, op):
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"{op}(): repeats must be non-negative, got {list(sizes)}")
    return Repeat(sizes).apply(input)


@register(export=False)
def repeat(self: Tensor, *sizes: int | Shape) -> Tensor:
    """Tile the tensor ``sizes[i]`` times along dim ``i`` (a copy); ``sizes`` has at least ``ndim`` entries, extra
    leading ones add dims. (PyTorch has only the method.)"""
    sizes = _shape_arg(sizes)
    if len(sizes) < self.ndim:
        raise RuntimeError(f"repeat(): Number of dimensions of repeat dims {list(sizes)} can not be smaller than "
                           f"number of dimensions of tensor {list(self.shape)}")
    return _repeat(self, sizes, "repeat")


@register
@tensor_input
def tile(input: Tensor, *dims: int | Shape) -> Tensor:
    """:meth:`Tensor.repeat` with ``dims`` padded with leading ones to ``input.ndim`` entries."""
    dims = _shape_arg(dims)
    return _repeat(input, (1,) * (input.ndim - len(dims)) + dims, "tile")


@register
def repeat_interleave(input: Tensor, repeats: int | Tensor | None = None, dim: int | None = None) -> Tensor:
    """Repeat each element (or each slice along ``dim``) ``repeats`` times, consecutively.

    ``repeats`` is an int or an integer tensor with one count per slice (or a single count); without ``dim``
    the input is flattened. ``repeat_interleave(counts)`` alone gives the indices ``[0] * counts[0] + [1] * ...``.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"repeat_interleave(): argument 'input' must be Tensor, not {type(input).__name__}")
    if repeats is None:  # repeat_interleave(repeats): the index each output element copies
        counts = _counts(input)
        xp = namespace(counts)
        return Tensor._make(xp.repeat(xp.arange(counts.size, dtype=np.int64), counts))
    if dim is None or input.ndim == 0:
        if dim is not None:
            _dim(dim, 0, "repeat_interleave")
        input, dim = reshape(input, (-1,)), 0
    d = _dim(dim, input.ndim, "repeat_interleave")
    n = input.shape[d]
    counts = _counts(repeats, n, d)
    xp = namespace(counts)
    index = xp.repeat(xp.arange(n, dtype=np.int64), counts)
    return index_select(input, d, Tensor._make(index))


def _counts(repeats, n=None, dim=None):
    """The repeat counts as an int64 array of ``n`` entries (a single count is broadcast), checked as PyTorch."""
    if isinstance(repeats, Tensor):
        if repeats.dtype.kind not in "iu":
            raise NotImplementedError(f"repeat_interleave(): repeats must be an integer tensor, got dtype {repeats.dtype}")
        if repeats.ndim > 1:
            raise RuntimeError(f"repeat_interleave(): repeats must be 0-dim or 1-dim tensor, got shape {list(repeats.shape)}")
        counts = host(repeats._data).astype(np.int64).reshape(-1)  # (the counts set the output's size: read here)
    elif isinstance(repeats, (int, np.integer)) and not isinstance(repeats, bool):
        counts = np.array([repeats], dtype=np.int64)
    else:
        raise TypeError(f"repeat_interleave(): repeats must be an int or a Tensor, not {type(repeats).__name__}")
    if (counts < 0).any():
        raise RuntimeError(f"repeat_interleave(): repeats can not be negative, got {counts.tolist()}")
    if n is not None and counts.size != n:
        if counts.size != 1:
            raise RuntimeError(f"repeat_interleave(): repeats must have the same size as input along dim, but got "
                               f"repeats.size(0) = {counts.size} and input.size({dim}) = {n}")
        counts = np.broadcast_to(counts, (n,))
    return counts


@register
@tensor_input
def t(input: Tensor) -> Tensor:
    """Transpose a tensor of at most 2 dims (a view; 0-d and 1-D tensors are returned as they are)."""
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D (shape {tuple(input.shape)})")
    return transpose(input, 0, input.ndim - 1 if input.ndim else 0)


def _triangle(cls, input, diagonal, op):
    if input.ndim < 2:
        raise RuntimeError(f"{op}(): input tensor must have at least 2 dimensions, got shape {tuple(input.shape)}")
    if not isinstance(diagonal, (int, np.integer)) or isinstance(diagonal, bool):
        raise TypeError(f"{op}(): argument 'diagonal' must be int, not {type(diagonal).__name__}")
    return cls(int(diagonal)).apply(input)


@register
@tensor_input
def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dims (elements with ``col - row <= diagonal``), zeros elsewhere."""
    return _triangle(Tril, input, diagonal, "tril")


@register
@tensor_input
def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dims (elements with ``col - row >= diagonal``), zeros elsewhere."""
    return _triangle(Triu, input, diagonal, "triu")


@register
@tensor_input
def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal ``input[..., i, ..., i + offset, ...]`` of dims ``dim1, dim2`` as the last dim: a view (writes
    through it reach ``input``), as PyTorch."""
    d1, d2 = _dim(dim1, input.ndim, "diagonal"), _dim(dim2, input.ndim, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal(): diagonal dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal(int(offset), d1, d2).apply(input)


# Backward rules call these with numpy's signatures (see autograd.backend).
@register(method=False, export=False, xp="flip")
def _flip_xp(m, axis=None):
    """``np.flip``'s signature, for backward rules under ``create_graph``."""
    return Flip(tuple(range(m.ndim)) if axis is None else normalize_dims(axis, m.ndim, "flip")).apply(m)


@register(method=False, export=False, xp="roll")
def _roll_xp(a, shift, axis=None):
    """``np.roll``'s signature, for backward rules under ``create_graph``."""
    return Roll(shift, axis).apply(a)


@register(method=False, export=False, xp="tril")
def _tril_xp(m, k=0):
    """``np.tril``'s signature, for backward rules under ``create_graph``."""
    return Tril(k).apply(m)


@register(method=False, export=False, xp="triu")
def _triu_xp(m, k=0):
    """``np.triu``'s signature, for backward rules under ``create_graph``."""
    return Triu(k).apply(m)


@register(method=False, export=False, xp="diagonal")
def _diagonal_xp(a, offset=0, axis1=0, axis2=1):
    """``np.diagonal``'s signature (a view), for backward rules and view replays under ``create_graph``."""
    return Diagonal(offset, axis1 % a.ndim, axis2 % a.ndim).apply(a)
