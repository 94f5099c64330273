"""Gather and scatter along a dim, and masks: gather, scatter, scatter_add, index_select, masked_fill, masked_select.

gather, scatter and index_select are numpy advanced indexing with a full index (:func:`_along`: the index
tensor for ``dim``, broadcast ``arange``\\ s for the other dims), so their gradients are the existing pair
``index_add`` (scatter-add into zeros) / ``getitem``, each the other's backward: twice differentiable without
new namespace helpers.  Indices are checked as PyTorch checks them (RuntimeError for an index out of range).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..backend import mask_factor, namespace
from ..op import Op
from ..registry import register
from ..tensor import Tensor
from .elementwise import Where
from .shape import GetItem, _dim, reshape, tensor_input

if TYPE_CHECKING:
    from ..types import TensorLike


def _index_array(index, op):
    """The array of an integer index Tensor (int64 or int32, as PyTorch), else TypeError/RuntimeError naming ``op``."""
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"{op}(): Expected dtype int32/int64 for index, got {index.dtype}")
    return index._data


def _check_bounds(idx, size, dim, op):
    """RuntimeError (as PyTorch) when an element of ``idx`` is not in ``[0, size)``."""
    if idx.size:
        xp = namespace(idx)
        bad = (idx < 0) | (idx >= size)
        if xp.any(bad):
            raise RuntimeError(f"{op}(): index {int(idx[bad].flat[0])} is out of bounds for dimension {dim} with size {size}")


def _along(idx, dim):
    """The numpy index that picks, at every position ``p`` of ``idx``, the element at ``p`` with its coordinate
    ``dim`` replaced by ``idx[p]`` (``torch.gather``'s rule)."""
    xp = namespace(idx)
    ndim = idx.ndim
    return tuple(idx if d == dim else xp.reshape(xp.arange(n), (n,) + (1,) * (ndim - 1 - d))
                 for d, n in enumerate(idx.shape))


def _no_larger(index, other, skip, op, what):
    """RuntimeError unless ``index``'s shape is no larger than ``other``'s in every dim but ``skip``."""
    if any(i > o for d, (i, o) in enumerate(zip(index.shape, other.shape)) if d != skip):
        apart = f" apart from dimension {skip}" if skip is not None else ""
        raise RuntimeError(f"{op}(): expected index {list(index.shape)} to be no larger than {what} "
                           f"{list(other.shape)}{apart}")


class Gather(GetItem):
    """``a[index]`` for the full index of :func:`_along`; a copy, whose gradient is scattered back with ``index_add``."""

    __slots__ = ("dim",)
    view = False
    attrs = ("dim",)

    def __init__(self, dim, index):
        super().__init__(index)
        self.dim = dim


class IndexSelect(Gather):
    __slots__ = ()


class Scatter(Op):
    """``input`` with ``src`` (its region of ``index``'s shape) or a number written, or added, at ``index`` along ``dim``."""

    __slots__ = ("dim", "index", "region", "widths", "value", "add", "keep")
    saved_attrs = ("keep",)
    attrs = ("dim",)

    def __init__(self, dim, index, region=None, widths=None, value=None, add=False):
        self.dim, self.index, self.region, self.widths, self.value, self.add = dim, index, region, widths, value, add

    @property
    def name(self):
        return "ScatterAdd" if self.add else "Scatter"

    def forward(self, a, src=None):
        xp = namespace(a)
        values = self.value if src is None else src[self.region]
        if self.add:
            return a + xp.index_add(a.shape, self.index, values)
        keep = xp.ones(a.shape, dtype=bool)  # False where the output was overwritten (no gradient to a there)
        if type(a) is not np.ndarray:  # the array API has no assignment through index arrays
            self.keep = xp.index_put(keep, self.index, False)
            return xp.index_put(a, self.index, values)
        keep[self.index] = False
        self.keep = keep
        out = xp.copy(a)
        out[self.index] = values
        return out

    def backward(self, grad):
        xp = namespace(grad)
        ga = None
        if self.needs_input_grad(0):
            ga = grad if self.add else grad * mask_factor(self.keep, grad.dtype)
        if len(self.next) == 1:
            return ga
        gs = None
        if self.needs_input_grad(1):
            # PyTorch's rule, gather(grad, dim, index); zeros for the part of src beyond index's shape
            gs = xp.getitem(grad, self.index)
            if any(hi for _, hi in self.widths):
                gs = xp.pad(gs, self.widths)
        return ga, gs


class MaskedFill(Where):
    """``where(mask, value, input)`` under its PyTorch name."""

    __slots__ = ()


class MaskedSelect(Op):
    """The elements of ``input`` (broadcast to the mask's shape) where the mask holds, as a 1-D tensor."""

    __slots__ = ("shape", "index")
    saved_attrs = ("index",)
    broadcasts = True  # the engine sums the gradient back from the broadcast shape
    attrs = ("shape",)

    def __init__(self, shape, index):
        self.shape, self.index = shape, index

    def forward(self, a):
        return namespace(a).broadcast_to(a, self.shape)[self.index]

    def backward(self, grad):
        return namespace(grad).index_add(self.shape, self.index, grad)


# -- functional forms ------------------------------------------------------------------------------------


def _as_1d(fn, input, dim, index, *rest):
    """Run ``fn`` on 0-d operands seen as 1-D (PyTorch accepts dim 0 of 0-d tensors), and return a 0-d result."""
    rest = tuple(reshape(x, (1,)) if isinstance(x, Tensor) and x.ndim == 0 else x for x in rest)
    return reshape(fn(reshape(input, (1,)), dim, reshape(index, (1,)), *rest), ())


@register
@tensor_input
def gather(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """``out[p] = input[p with coordinate dim replaced by index[p]]``: the output has ``index``'s shape, which is no
    larger than ``input``'s in the other dims. Gradient: scatter-added back into ``input``'s shape."""
    idx = _index_array(index, "gather")
    if idx.ndim != input.ndim:
        raise RuntimeError(f"gather(): Index tensor must have the same number of dimensions as input tensor "
                           f"(index {list(idx.shape)}, input {list(input.shape)})")
    d = _dim(dim, input.ndim, "gather")
    if input.ndim == 0:
        return _as_1d(gather, input, 0, index)
    _no_larger(idx, input, d, "gather", "input")
    _check_bounds(idx, input.shape[d], d, "gather")
    return Gather(d, _along(idx, d)).apply(input)


def _scatter(op, input, dim, index, src, add):
    """Shared checks and op of scatter and scatter_add (PyTorch's rules on dims, sizes, dtypes and bounds)."""
    idx = _index_array(index, op)
    is_tensor = isinstance(src, Tensor)
    for name, x in (("input", input),) + ((("src", src),) if is_tensor else ()):
        if x.ndim != idx.ndim:
            raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as {name} tensor "
                               f"(index {list(idx.shape)}, {name} {list(x.shape)})")
    d = _dim(dim, input.ndim, op)
    if input.ndim == 0:
        return _as_1d(lambda i, dd, ix, s: _scatter(op, i, dd, ix, s, add), input, 0, index, src)
    _no_larger(idx, input, d, op, "input")
    _check_bounds(idx, input.shape[d], d, op)
    full = _along(idx, d)
    if not is_tensor:
        if not isinstance(src, (bool, int, float, np.number, np.bool_)):
            raise TypeError(f"{op}(): argument 'src' must be Tensor or a number, not {type(src).__name__}")
        return Scatter(d, full, value=src).apply(input)
    if src.dtype != input.dtype:
        raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype (got {input.dtype} and {src.dtype})")
    _no_larger(idx, src, None, op, "src")
    region = tuple(slice(0, n) for n in idx.shape)
    widths = tuple((0, s - n) for n, s in zip(idx.shape, src.shape))
    return Scatter(d, full, region, widths, add=add).apply(input, src)


@register
@tensor_input
def scatter(input: Tensor, dim: int, index: Tensor, src: TensorLike) -> Tensor:
    """A copy of ``input`` with ``out[p with coordinate dim replaced by index[p]] = src[p]`` for every position ``p``
    of ``index``; ``src`` is a Tensor (of ``input``'s dtype, no smaller than ``index``) or a number.

    Gradients: ``input``'s is zero where it was overwritten; ``src``'s is ``gather(grad, dim, index)`` (with
    repeated indices, where the written value is unspecified as in PyTorch, every copy receives it).
    """
    return _scatter("scatter", input, dim, index, src, add=False)


@register
@tensor_input
def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of ``input`` with ``src[p]`` added at ``p with coordinate dim replaced by index[p]`` (repeated indices
    accumulate); ``src`` is a Tensor of ``input``'s dtype. Gradients: ``grad`` for ``input``, ``gather(grad, dim, index)`` for ``src``."""
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add(): argument 'src' must be Tensor, not {type(src).__name__}")
    return _scatter("scatter_add", input, dim, index, src, add=True)


@register
@tensor_input
def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The slices ``index`` (a 1-D or 0-d integer tensor, repeats allowed) of ``input`` along ``dim``.

    Gradient: summed back into the selected slices.
    """
    idx = _index_array(index, "index_select")
    if idx.ndim > 1:
        raise IndexError(f"index_select(): Index is supposed to be a vector, got shape {list(idx.shape)}")
    d = _dim(dim, input.ndim, "index_select")
    idx = namespace(idx).reshape(idx, (-1,))
    if input.ndim == 0:
        if idx.size != 1:
            raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {idx.size} value(s)")
        return _as_1d(index_select, input, 0, Tensor._make(idx))
    _check_bounds(idx, input.shape[d], d, "index_select")
    return IndexSelect(d, (slice(None),) * d + (idx,)).apply(input)


def _mask_array(mask, input, op):
    """The bool array of ``mask`` and the shape it broadcasts to with ``input`` (RuntimeError as PyTorch otherwise)."""
    if not isinstance(mask, Tensor):
        raise TypeError(f"{op}(): argument 'mask' must be Tensor, not {type(mask).__name__}")
    if mask.dtype != np.bool_:
        raise RuntimeError(f"{op}(): expected a bool tensor for mask, got dtype {mask.dtype}")
    try:
        shape = np.broadcast_shapes(input.shape, mask.shape)
    except ValueError:
        raise RuntimeError(f"{op}(): the mask of shape {tuple(mask.shape)} does not broadcast with the input of shape "
                           f"{tuple(input.shape)}") from None
    return mask._data, shape


@register
@tensor_input
def masked_fill(input: Tensor, mask: Tensor, value: TensorLike) -> Tensor:
    """``input`` with ``value`` where the bool ``mask`` holds (broadcasting); ``value`` is a number or a 0-d Tensor
    (which receives the gradient of the filled places), cast to ``input``'s dtype."""
    m, _ = _mask_array(mask, input, "masked_fill")
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"masked_fill(): only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.ndim} dimension(s)")
        fill = value if value.dtype == input.dtype else value.to(input.dtype)
    elif isinstance(value, (bool, int, float, np.number, np.bool_)):
        xp = namespace(input._data)
        fill = xp.astype(xp.asarray(value), input.dtype)
    else:
        raise TypeError(f"masked_fill(): argument 'value' must be a number or a 0-d Tensor, not {type(value).__name__}")
    return MaskedFill().apply(m, fill, input)


@register
@tensor_input
def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements of ``input`` where the bool ``mask`` holds (both broadcast), as a 1-D tensor in row-major order."""
    m, shape = _mask_array(mask, input, "masked_select")
    shape = shape or (1,)  # 0-d operands: one element
    xp = namespace(m)
    return MaskedSelect(shape, xp.nonzero(xp.broadcast_to(m, shape))).apply(input)
