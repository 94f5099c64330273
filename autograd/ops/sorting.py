"""Sorting along one dim: sort, argsort, topk.

``sort`` and ``topk`` return named tuples ``(values, indices)`` (:mod:`autograd.return_types`); the values are
differentiable (each gradient goes back to the position its value came from), the int64 indices are not.
NaN sorts as the largest value, as in PyTorch.
"""
from __future__ import annotations

import numpy as np

from .. import return_types
from ..backend import namespace
from ..op import Op
from ..registry import register
from ..tensor import Tensor
from .dims import dim_aliases, single_dim
from .shape import tensor_input


def along(indices, d):
    """The advanced index that picks ``indices`` along axis ``d`` (numpy's ``take_along_axis`` as ``x[index]``)."""
    ndim = indices.ndim
    return tuple(indices if k == d else np.arange(n).reshape((1,) * k + (n,) + (1,) * (ndim - k - 1))
                 for k, n in enumerate(indices.shape))


def _sort_indices(a, d, descending):
    """Stable argsort along ``d``; descending keeps tied elements in their original order (and NaN first)."""
    xp = namespace(a)
    if not descending:
        return xp.argsort(a, axis=d, kind="stable")
    # Sorting the reversed input ascending and reversing back gives descending order with ties in input order.
    return xp.flip(a.shape[d] - 1 - xp.argsort(xp.flip(a, axis=d), axis=d, kind="stable"), axis=d)


class Sort(Op):
    """Values of a sort along ``dim``: the gradient is the output's, put back through the inverse permutation."""

    __slots__ = ("dim", "descending", "indices", "inverse")
    saved_attrs = ("inverse",)
    attrs = ("dim", "descending")

    def __init__(self, dim, descending):
        self.dim, self.descending = dim, descending

    def forward(self, a):
        xp = namespace(a)
        self.indices = _sort_indices(a, self.dim, self.descending)
        self.inverse = xp.argsort(self.indices, axis=self.dim)
        return xp.take_along_axis(a, self.indices, axis=self.dim)

    def backward(self, grad):
        return namespace(grad).getitem(grad, along(self.inverse, self.dim))


class TopK(Op):
    """topk's values, ``take_along_axis(input, indices, dim)`` for fixed int indices: the gradient is scattered
    back to the source positions (repeated indices accumulate)."""

    __slots__ = ("dim", "indices", "in_shape")
    saved_attrs = ("indices",)
    attrs = ("dim",)

    def __init__(self, dim, indices):
        self.dim, self.indices = dim, indices

    def forward(self, a):
        self.in_shape = a.shape
        return namespace(a).take_along_axis(a, self.indices, axis=self.dim)

    def backward(self, grad):
        return namespace(grad).index_add(self.in_shape, along(self.indices, self.dim), grad)


# -- functional forms ------------------------------------------------------------------------------------


def _check_bool(name, arg, value):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}(): argument '{arg}' must be bool, not {type(value).__name__}")


def _on_vector(fn, input):
    """Run ``fn(input, 0)`` on a 0-d input seen as one element (PyTorch sorts a 0-d tensor to itself)."""
    values, indices = fn(input.reshape(1), 0)
    return values.reshape(()), indices.reshape(())


@register
@dim_aliases
@tensor_input
def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> return_types.sort:
    """Sort along ``dim``: the named tuple ``(values, indices)`` with ``values == input.gather(dim, indices)``.

    The sort is always stable (tied elements keep their order; ``stable=False`` allows any order, this one
    included); descending puts NaN first, ascending last.
    """
    _check_bool("sort", "descending", descending)
    _check_bool("sort", "stable", stable)
    d = single_dim(dim, input.ndim, "sort")

    def run(x, d):
        fn = Sort(d, bool(descending))
        values = fn.apply(x)
        return values, Tensor._make(fn.indices)

    return return_types.sort(*(_on_vector(run, input) if input.ndim == 0 else run(input, d)))


@register
@dim_aliases
@tensor_input
def argsort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Tensor:
    """The int64 indices that sort ``input`` along ``dim`` (``sort(...).indices``); never requires grad."""
    _check_bool("argsort", "descending", descending)
    _check_bool("argsort", "stable", stable)
    d = single_dim(dim, input.ndim, "argsort")
    if input.ndim == 0:
        return Tensor._make(namespace(input._data).zeros((), dtype=np.int64))
    return Tensor._make(_sort_indices(input._data, d, bool(descending)))


@register
@dim_aliases
@tensor_input
def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> return_types.topk:
    """The ``k`` largest (``largest=False``: smallest) elements along ``dim``: the named tuple ``(values, indices)``.

    ``sorted=True`` orders them from the largest (smallest) on; ``sorted=False`` keeps them in index order.
    Ties go to the lower index. Raises RuntimeError when ``k`` is not in ``[0, input.size(dim)]``.
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"topk(): argument 'k' must be int, not {type(k).__name__}")
    _check_bool("topk", "largest", largest)
    _check_bool("topk", "sorted", sorted)
    d = single_dim(dim, input.ndim, "topk")
    size = input.shape[d] if input.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError(f"topk(): selected index k out of range: k = {k} for shape {tuple(input.shape)} at dim {dim} "
                           f"(size {size})")
    if input.ndim == 0:
        k = 1  # PyTorch: the top 0 or 1 of a 0-d tensor is the tensor itself

    def run(x, d):
        xp = namespace(x._data)
        idx = xp.take(_sort_indices(x._data, d, bool(largest)), xp.arange(k), axis=d)
        if not sorted:
            idx = xp.sort(idx, axis=d)
        return TopK(d, idx).apply(x), Tensor._make(xp.copy(idx))  # a copy: backward keeps its own

    return return_types.topk(*(_on_vector(run, input) if input.ndim == 0 else run(input, d)))
