"""Assignment into tensors: ``__setitem__``, ``index_put`` and what in-place changes through views record.

The in-place machinery (:mod:`autograd.inplace`) records ``x[index] = v`` as ``index_put`` and a change made
through a view as ``view_scatter`` on the view's base (PyTorch's ``CopySlices``); ``copy_`` of a value that
requires grad is ``copy_from``.
"""
from __future__ import annotations

import builtins
from typing import TYPE_CHECKING

import numpy as np

from ..backend import mask_factor, namespace
from ..inplace import _raw, view_positions
from ..op import Op
from ..registry import register
from ..tensor import Tensor
from .conversion import to
from .elementwise import where
from .shape import _plan, _region, reshape, tensor_input

if TYPE_CHECKING:
    from ..types import Index, TensorLike


@register(method="__setitem__", export=False)
def setitem(self: Tensor, index: Index, value: TensorLike) -> None:
    """``self[index] = value`` in place: a number or a Tensor broadcast to the indexed region.

    Recorded (differentiable with respect to both ``self`` and ``value``) when either is part of a graph.
    """
    if self._records("__setitem__", (value,)):
        self._commit(index_put(self, index, value), "__setitem__")
        return
    plan = _plan(index, self.shape)
    value = value._data if isinstance(value, Tensor) else value
    try:
        if self._view is not None and type(self._data) is not np.ndarray:  # another library's view: via its base
            self._store(_written(self._data, plan, value), "__setitem__")
        else:
            _write(self._data, plan, value)
    except ValueError as e:
        raise RuntimeError(f"__setitem__: shape mismatch: value of shape {tuple(getattr(_raw(value), 'shape', ()))} cannot be "
                           f"broadcast to the indexed region of a tensor of shape {tuple(self.shape)} ({e})") from None
    self._bump_version()


def _written(array, plan, value):
    """A copy of ``array`` with ``value`` written at a planned index."""
    out = namespace(array).copy(array)
    _write(out, plan, value)
    return out


def _write(array, plan, value):
    """``array[index] = value`` in place for a planned index."""
    basic, advanced = plan
    if advanced is None:
        if type(array) is np.ndarray:
            array[basic] = value
        else:
            namespace(array).setitem(array, basic, value)
    elif type(array) is not np.ndarray:  # the region's new values, written back through the basic index
        xp = namespace(array)
        xp.setitem(array, basic, xp.index_put(xp.getitem(array, basic), advanced, value))
    else:
        array[basic][advanced] = value  # array[basic] is a view: the write reaches ``array``


@register(method=False)
@tensor_input
def index_put(input: Tensor, indices: Index, values: TensorLike) -> Tensor:
    """A copy of ``input`` with ``values`` (broadcast) written at ``input[indices]``; differentiable in both."""
    plan = _plan(indices, input.shape)
    try:
        op = IndexPut(plan, input._data)
        if isinstance(values, Tensor) and values.ndim:
            # Leading dims of size 1 beyond the region's rank are dropped, as numpy and PyTorch assign.
            extra = values.ndim - _region(op.keep, plan, namespace(op.keep)).ndim
            if extra > 0 and builtins.all(n == 1 for n in values.shape[:extra]):
                values = reshape(values, values.shape[extra:])
        return op.apply(input, values)
    except ValueError as e:
        raise RuntimeError(f"index_put: values of shape {tuple(getattr(_raw(values), 'shape', ()))} cannot be broadcast to the "
                           f"indexed region of a tensor of shape {tuple(input.shape)} ({e})") from None


class IndexPut(Op):
    """``out = a.copy(); out[index] = v``: the gradient of ``a`` is zero inside the region, that of ``v`` the region."""

    __slots__ = ("plan", "keep")
    saved_attrs = ("keep",)
    broadcasts = True
    attrs = ("plan",)

    def __init__(self, plan, like):
        self.plan = plan  # from _plan
        self.keep = namespace(like).ones(like.shape, dtype=bool)  # False inside the written region
        _write(self.keep, plan, False)

    def forward(self, a, v):
        return _written(a, self.plan, v)

    def backward(self, grad):
        return grad * mask_factor(self.keep, grad.dtype), _region(grad, self.plan, namespace(grad))


class ViewScatter(Op):
    """The history of a base after an in-place change through one of its views (see ``autograd.inplace``).

    ``forward`` returns the base's array as it is: the new values are already in it, written through the view.
    """

    __slots__ = ("ops", "keep")
    saved_attrs = ("keep",)
    attrs = ()

    def __init__(self, ops, like):
        self.ops = ops
        xp = namespace(like)
        keep = xp.ones(like.shape, dtype=bool)
        if type(like) is not np.ndarray:  # another library: the view's places, from replaying it on positions
            positions = xp.reshape(view_positions(ops, like.shape, xp), (-1,))
            self.keep = xp.reshape(xp.index_put(xp.reshape(keep, (-1,)), positions, False), like.shape)
            return
        region = _replay(ops, keep, xp)
        if not xp.shares_memory(region, keep):
            raise RuntimeError("in-place change through a view that is a copy of its base cannot be recorded")
        region[...] = False
        self.keep = keep

    @property
    def name(self):
        return "CopySlices"

    def forward(self, base, view):
        return base

    def backward(self, grad):
        return grad * mask_factor(self.keep, grad.dtype), _replay(self.ops, grad, namespace(grad))


def _replay(ops, x, xp):
    """Apply the view ops (from a base to one of its views) to ``x``, which has the base's shape."""
    for op in ops:
        x = op.replay(xp, x)
    return x


@register(method=False, export=False)
def view_scatter(base: Tensor, view: Tensor, ops: tuple[Op, ...]) -> Tensor:
    """Record on ``base`` that its view ``view`` (made from it by ``ops``) was changed in place."""
    return ViewScatter(ops, base._data).apply(base, view)


@register(method=False, export=False)
def copy_from(input: Tensor, src: TensorLike) -> Tensor:
    """``src`` broadcast to ``input``'s shape and cast to its dtype; the gradient of ``input`` is zero."""
    if not isinstance(src, Tensor):
        src = Tensor._make(namespace(input._data).asarray(src, dtype=input.dtype))
    return where(Tensor._make(namespace(input._data).ones((), dtype=bool)), to(src, input.dtype), input)
