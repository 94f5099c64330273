"""In-place ops as PyTorch: ``add_``, ``mul_``, ..., ``__setitem__`` and augmented assignment (``+=``...).

Each changes the tensor itself (same object, same storage: its views and aliases see the change) and moves
its version counter, so a graph that saved the old values raises at backward instead of giving a silently
wrong gradient.

Without recording (grad mode off, or nothing involved requires grad) the values are updated in place with
numpy's ``out=``: the fast path of optimizers and initialisers.  On a tensor that is part of a graph (or
with an operand that requires grad) the change is recorded, as PyTorch does: the out-of-place op is applied
to the old values, its result is written into the tensor's storage, and the tensor takes the op as its
``grad_fn`` (arrays that op saved and that share the tensor's memory are copied first, so its backward sees
the old values).  Through a view, the view's base gets the history too (PyTorch's ``CopySlices``).  A leaf that
requires grad, or a view of one, cannot be changed in place while grad mode is on (RuntimeError).

Arrays of other libraries (CuPy, ``array_api_strict``) have no ``out=``: the new values are computed out of place
and stored.  The array API does not say whether a view shares its base's memory, so every view op's result is a
view for the engine (:mod:`autograd.op`), and storing into such a view writes the values into its base at the
places the view shows, after which the view shows the base's current values (:meth:`InplaceOps._store`): the
base sees the change whether or not the library's view shares its memory, as a numpy view's base does.
"""
from __future__ import annotations

import math
import weakref
from typing import TYPE_CHECKING, Any

import numpy as np

from .devices import is_foreign_array, to_numpy_dtype
from .grad_mode import _Global, _State
from .registry import functions as _ops
from .registry import internal as _internal

if TYPE_CHECKING:
    from typing_extensions import Self  # noqa: UP035  (typing.Self is Python 3.11+; 3.10 is supported)

    from .op import Op
    from .tensor import Tensor
    from .types import Number, TensorLike

__all__ = ["InplaceOps"]


class InplaceOps:
    """The in-place methods of :class:`~autograd.Tensor` (a base class, to keep tensor.py readable)."""

    if TYPE_CHECKING:  # the Tensor state these methods change (Tensor's __slots__ hold it)
        _data: Any  # the array
        _version: list[int]  # shared with views
        _view: tuple[Any, ...] | None  # (base, view ops, version) for a view
        grad_fn: Op | None
        requires_grad: bool

        @property
        def ndim(self) -> int: ...
    else:
        __slots__ = ()

    def _bump_version(self):
        """Record an in-place change: the version becomes the current value of the global modification clock."""
        _Global.clock += 1
        self._version[0] = _Global.clock

    def _records(self, op, operands=()):
        """True when the in-place ``op`` must be recorded in the graph; raises where PyTorch does."""
        if type(self._data) is np.ndarray and not self._data.flags.writeable:
            _read_only(op, self._data)
        if not _State.grad_enabled:
            return False
        if not (self.requires_grad or any(getattr(x, "requires_grad", False) for x in operands)):
            return False
        root = self if self._view is None else self._view[0]
        if self._view is not None and self._view[1] is None:
            raise RuntimeError(f"{op}: this tensor is one of the views returned by unbind, "
                               "which cannot be modified in place while grad is recorded (as in PyTorch); "
                               "clone() it first")
        if root.requires_grad and root.grad_fn is None:
            what = "a leaf Variable" if root is self else "a view of a leaf Variable"
            raise RuntimeError(f"{op}: {what} that requires grad is being used in an in-place operation; "
                               "wrap the update in autograd.no_grad()")
        return True

    def _operand(self, op, value):
        """``value`` as an array-like that broadcasts to this tensor's shape (for the fast path)."""
        if isinstance(value, InplaceOps):
            value = value._data
        elif isinstance(value, (list, tuple)):
            value = np.asarray(value)
        shape = getattr(value, "shape", ())
        if shape and shape != self._data.shape and not _broadcasts_to(shape, self._data.shape):
            raise RuntimeError(f"{op}: output with shape {list(self._data.shape)} doesn't match the broadcast "
                               f"shape of the operand {list(shape)}")
        return value

    def _ufunc_(self, op, ufunc, value):
        """``self = ufunc(self, value)`` in place with numpy's ``out=`` (no recording)."""
        value = self._operand(op, value)
        data = self._data
        if type(data) is not np.ndarray:
            return self._foreign_update(op, ufunc.__name__, value)
        try:
            ufunc(data, value, out=data, casting="same_kind")
        except TypeError:  # numpy's UFuncTypeError: e.g. a float result into an integer tensor
            raise RuntimeError(f"{op}: result type {ufunc(data, value).dtype} can't be cast to the desired output "
                               f"type {data.dtype}") from None
        except ValueError:
            if not data.flags.writeable:
                _read_only(op, data)
            raise
        self._bump_version()
        return self

    def _foreign_update(self, op, name, value):
        """``_ufunc_`` for another library's array (no ``out=`` in the array API): computed in its namespace and
        written into the storage."""
        from .backend import namespace

        data = self._data
        xp = namespace(data)
        result = getattr(xp, name)(data, value)
        if xp.kind(result) != xp.kind(data) and not np.can_cast(to_numpy_dtype(result.dtype),
                                                                 to_numpy_dtype(data.dtype), "same_kind"):
            raise RuntimeError(f"{op}: result type {to_numpy_dtype(result.dtype)} can't be cast to the desired "
                               f"output type {to_numpy_dtype(data.dtype)}")
        self._store(xp.astype(result, data.dtype), op)
        self._bump_version()
        return self

    def _store(self, values, op):
        """Write the array ``values`` (broadcast to this tensor's shape) into its storage: in place, except for a
        view of another library's array, whose base takes them (:func:`_write_back`)."""
        if self._view is None or type(self._data) is np.ndarray:
            self._data[...] = values
        else:
            _write_back(self, values, op)

    def _commit(self, result, op="in-place op"):
        """Make ``result`` (an op applied to this tensor's old values) this tensor's new value and history."""
        node = result.grad_fn
        data = self._data
        self._check_result(op, result._data)
        if node is not None and node.saved:
            # The op saved arrays it will need in backward; those sharing our storage (this tensor, its base or
            # any view of them) are about to change, or may change later: the node gets private copies...
            storage = data if self._view is None else self._view[0]._data
            node.saved = tuple(_private(a, storage) for a in node.saved)
            # ...which no later in-place change of this storage can touch: it stops watching its version
            # counter (else a second in-place op, as in ``y.mul_(x); y.mul_(x)``, would make backward raise).
            counter = self._version
            if any(c is counter for c in node.versions):
                node.versions = [[0] if c is counter else c for c in node.versions]
        self._store(result._data, op)
        self._bump_version()
        view = self._view
        if node is not None:
            node.clock = _Global.clock  # its saved arrays are private copies now; only later changes matter
            node.out = weakref.ref(self)
            if _Global.node_hooks and self.grad_fn is not None:
                _move_retain_grad(self.grad_fn, node)
        self.grad_fn = node
        self.requires_grad = node is not None
        if view is not None:
            self._view = view = (view[0], view[1], self._version[0])
        if view is not None and (view[0].requires_grad or self.requires_grad):
            # Through a view: the base's history becomes "old base outside the view, new values inside" (CopySlices).
            base = view[0]
            out = _internal["view_scatter"](base, self, view[1])
            if _Global.node_hooks and base.grad_fn is not None and out.grad_fn is not None:
                _move_retain_grad(base.grad_fn, out.grad_fn)
            base.grad_fn, base.requires_grad = out.grad_fn, out.requires_grad
            if out.grad_fn is not None:
                out.grad_fn.out = weakref.ref(base)
                _refresh_views(base, view[1][:-1])
        return self

    def _check_result(self, op, result):
        """RuntimeError (as PyTorch) unless the array ``result`` can be written into this tensor."""
        data = self._data
        if result.shape != data.shape:
            raise RuntimeError(f"{op}: output with shape {list(data.shape)} doesn't match the broadcast "
                               f"shape {list(result.shape)}")
        rt, dt = to_numpy_dtype(result.dtype), to_numpy_dtype(data.dtype)
        if rt != dt and not np.can_cast(rt, dt, "same_kind"):
            raise RuntimeError(f"{op}: result type {rt} can't be cast to the desired output type {dt}")

    def _via(self, op, name, *operands):
        """``self = name(self, *operands)`` in place, for the functional op ``name``: recorded when it must be, else
        computed out of place (with that op's checks and PyTorch's promotion) and written into the storage."""
        if self._records(op, operands):
            return self._recorded(op, _ops[name], *operands)
        result = _ops[name](self, *operands)._data
        self._check_result(op, result)
        self._store(result, op)
        self._bump_version()
        return self

    def _recorded(self, op, fn, *operands):
        """Record ``self = fn(self, *operands)`` (an out-of-place functional op) in place."""
        return self._commit(fn(self, *operands), op)

    def add_(self, other: TensorLike, *, alpha: Number = 1) -> Self:
        """``self += alpha * other`` in place."""
        if self._records("add_", (other,)):
            return self._recorded("add_", _ops["add"], other if alpha == 1 else other * alpha)
        return self._ufunc_("add_", np.add, other if alpha == 1 else self._operand("add_", other) * alpha)

    def sub_(self, other: TensorLike, *, alpha: Number = 1) -> Self:
        """``self -= alpha * other`` in place."""
        if self._records("sub_", (other,)):
            return self._recorded("sub_", _ops["sub"], other if alpha == 1 else other * alpha)
        return self._ufunc_("sub_", np.subtract, other if alpha == 1 else self._operand("sub_", other) * alpha)

    def mul_(self, other: TensorLike) -> Self:
        """``self *= other`` in place."""
        if self._records("mul_", (other,)):
            return self._recorded("mul_", _ops["mul"], other)
        return self._ufunc_("mul_", np.multiply, other)

    def div_(self, other: TensorLike) -> Self:
        """``self /= other`` in place (true division: an integer tensor cannot hold the result)."""
        if self._records("div_", (other,)):
            return self._recorded("div_", _ops["div"], other)
        return self._ufunc_("div_", np.true_divide, other)

    def pow_(self, exponent: TensorLike) -> Self:
        """``self **= exponent`` in place."""
        if self._records("pow_", (exponent,)):
            return self._recorded("pow_", _ops["pow"], exponent)
        return self._ufunc_("pow_", np.power, exponent)

    def addcmul_(self, tensor1: Tensor, tensor2: Tensor, *, value: Number = 1) -> Self:
        """``self += value * tensor1 * tensor2`` in place."""
        if self._records("addcmul_", (tensor1, tensor2)):
            return self._recorded("addcmul_", _ops["add"], tensor1 * tensor2 * value)
        return self._ufunc_("addcmul_", np.add, _raw(tensor1) * _raw(tensor2) * value)

    def addcdiv_(self, tensor1: Tensor, tensor2: Tensor, *, value: Number = 1) -> Self:
        """``self += value * tensor1 / tensor2`` in place."""
        if self._records("addcdiv_", (tensor1, tensor2)):
            return self._recorded("addcdiv_", _ops["add"], tensor1 / tensor2 * value)
        return self._ufunc_("addcdiv_", np.add, _raw(tensor1) / _raw(tensor2) * value)

    def clamp_(self, min: TensorLike | None = None, max: TensorLike | None = None) -> Self:
        """Clamp into ``[min, max]`` in place; the bounds are numbers or Tensors (broadcast, differentiable)."""
        if min is None and max is None:
            raise RuntimeError("clamp_: at least one of 'min' or 'max' must not be None")
        bounds = tuple(b for b in (min, max) if isinstance(b, InplaceOps))
        if self._records("clamp_", bounds):
            if not bounds:
                return self._recorded("clamp_", _ops["clamp"], min, max)
            # Tensor bounds, with PyTorch's gradients: x where min <= x <= max, min where x < min, max above max.
            where = _ops["where"]
            out: Any = self  # a Tensor, compared elementwise below (the operators are declared on Tensor itself)
            if min is not None:
                out = where(out < min, min, out)
            if max is not None:
                out = where(out > max, max, out)
            return self._commit(out, "clamp_")
        if type(self._data) is not np.ndarray:  # (no out= in the array API)
            return self._via("clamp_", "clamp", min, max)
        np.clip(self._data, _raw(min), _raw(max), out=self._data)
        self._bump_version()
        return self

    clip_ = clamp_

    def relu_(self) -> Self:
        """``max(self, 0)`` in place."""
        if self._records("relu_"):
            return self._recorded("relu_", _ops["relu"])
        if type(self._data) is not np.ndarray:  # (no out= in the array API)
            return self._via("relu_", "relu")
        np.maximum(self._data, 0, out=self._data)
        self._bump_version()
        return self

    def neg_(self) -> Self:
        """``-self`` in place."""
        return self.mul_(-1)

    def zero_(self) -> Self:
        """Fill with zeros in place."""
        return self.fill_(0)

    def fill_(self, value: TensorLike) -> Self:
        """Fill with ``value`` (a number or a 0-d tensor, differentiable) in place."""
        if isinstance(value, InplaceOps) and value.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} dimensions.")
        return self.copy_(value)

    def copy_(self, src: TensorLike) -> Self:
        """Copy ``src``'s values into this tensor in place (broadcasting; cast to this tensor's dtype).

        Recorded (differentiable with respect to ``src``) when ``src`` requires grad.
        """
        if self._records("copy_", (src,)):
            self._recorded("copy_", _internal["copy_from"], src)
        else:
            value = self._operand("copy_", src)
            if type(self._data) is not np.ndarray and hasattr(value, "shape"):
                value = _into(self._data, value)  # (e.g. load_state_dict's host arrays into a CUDA parameter)
            self._store(value, "copy_")
            self._bump_version()
        if _State.tracer is not None:  # a trace (autograd.tracing) follows the new value to its source
            _State.tracer.assign(self, src)
        return self

    def __iadd__(self, other: TensorLike) -> Self:
        return self.add_(other)

    def __isub__(self, other: TensorLike) -> Self:
        return self.sub_(other)

    def __imul__(self, other: TensorLike) -> Self:
        return self.mul_(other)

    def __itruediv__(self, other: TensorLike) -> Self:
        return self.div_(other)

    def __ipow__(self, other: TensorLike) -> Self:
        return self.pow_(other)

    def floor_divide_(self, other: TensorLike) -> Self:
        """``self //= other`` in place (rounding toward minus infinity)."""
        return self._via("floor_divide_", "floor_divide", other)

    def remainder_(self, other: TensorLike) -> Self:
        """``self %= other`` in place (the sign of ``other``)."""
        return self._via("remainder_", "remainder", other)

    def fmod_(self, other: TensorLike) -> Self:
        """C's fmod in place (the sign of ``self``)."""
        return self._via("fmod_", "fmod", other)

    def bitwise_and_(self, other: TensorLike) -> Self:
        """``self &= other`` in place (bool and integer tensors)."""
        return self._via("bitwise_and_", "bitwise_and", other)

    def bitwise_or_(self, other: TensorLike) -> Self:
        """``self |= other`` in place (bool and integer tensors)."""
        return self._via("bitwise_or_", "bitwise_or", other)

    def bitwise_xor_(self, other: TensorLike) -> Self:
        """``self ^= other`` in place (bool and integer tensors)."""
        return self._via("bitwise_xor_", "bitwise_xor", other)

    def masked_fill_(self, mask: Tensor, value: TensorLike) -> Self:
        """Fill with ``value`` where the bool ``mask`` (broadcast to this tensor's shape) holds, in place."""
        return self._via("masked_fill_", "masked_fill", mask, value)

    def scatter_(self, dim: int, index: Tensor, src: TensorLike) -> Self:
        """:func:`autograd.scatter` in place."""
        return self._via("scatter_", "scatter", dim, index, src)

    def scatter_add_(self, dim: int, index: Tensor, src: Tensor) -> Self:
        """:func:`autograd.scatter_add` in place."""
        return self._via("scatter_add_", "scatter_add", dim, index, src)

    def __ifloordiv__(self, other: TensorLike) -> Self:
        return self.floor_divide_(other)

    def __imod__(self, other: TensorLike) -> Self:
        return self.remainder_(other)

    def __iand__(self, other: TensorLike) -> Self:
        return self.bitwise_and_(other)

    def __ior__(self, other: TensorLike) -> Self:
        return self.bitwise_or_(other)

    def __ixor__(self, other: TensorLike) -> Self:
        return self.bitwise_xor_(other)


def _private(a, storage):
    """The saved array ``a``, copied when it may share memory with ``storage`` (always, for another library's
    array: the array API does not say), so that an in-place change of ``storage`` leaves it as it was."""
    if isinstance(a, np.ndarray):
        return a.copy() if np.may_share_memory(a, storage) else a
    if is_foreign_array(a):
        from .backend import namespace

        return namespace(a).copy(a)
    return a


def view_positions(ops, shape, xp):
    """The flat positions, in a base of ``shape``, of the elements of its view made by the view ops ``ops``."""
    x = xp.reshape(xp.arange(math.prod(shape)), shape)
    for op in ops:
        x = op.replay(xp, x)
    return x


def _write_back(t, values, op):
    """Store ``values`` into the view ``t`` of another library's array: written into its base at the places the
    view shows, and ``t`` then shows the base's new values (replayed from it: a view or a copy, as the library
    makes them).  One of unbind's views (no replayable ops) is written in place."""
    from .backend import namespace

    xp = namespace(t._data)
    if not is_foreign_array(values):
        values = xp.asarray(values, dtype=t._data.dtype)
    values = xp.broadcast_to(xp.astype(values, t._data.dtype), t._data.shape)
    base, ops, _ = t._view
    if ops is None:
        t._data[...] = values
        return
    storage = base._data
    positions = xp.reshape(view_positions(ops, storage.shape, xp), (-1,))
    if xp.unique_values(positions).shape[0] != positions.shape[0]:  # an expanded view
        raise RuntimeError(_EXPANDED.format(op=op))
    flat = xp.index_put(xp.reshape(storage, (-1,)), positions, xp.reshape(values, (-1,)))
    storage[...] = xp.reshape(flat, storage.shape)
    for view_op in ops:
        storage = view_op.replay(xp, storage)
    t._data = storage


def _refresh_views(base, ops):
    """Give the views between ``base`` and the view just changed in place their history from the base's new one.

    In ``y = t.reshape(3, 1); y[0].zero_()`` the change goes through ``y[0]``; ``t`` gets a new history, and
    ``y`` (made from ``t`` before the change, and showing it) must derive from that history too, else a
    gradient through ``y`` would ignore the change (PyTorch regenerates a view's ``grad_fn`` the same way).
    """
    from .backend import namespace

    x = base
    for op in ops:
        x = op.replay(namespace(x), x)
        ref = getattr(op, "out", None)  # set when the op was recorded
        t = ref() if ref is not None else None
        if t is not None and x.grad_fn is not None:
            _take_history(t, x)


def _take_history(t, x):
    """Give view ``t`` the history of ``x`` (the same view replayed on its base's current history)."""
    if _Global.node_hooks and t.grad_fn is not None:
        _move_retain_grad(t.grad_fn, x.grad_fn)
    t.grad_fn, t.requires_grad = x.grad_fn, True
    x.grad_fn.out = weakref.ref(t)
    base, ops, _ = t._view
    t._view = (base, ops, t._version[0])


def current_history(t):
    """``t``, its history regenerated first when it is a view made stale by an in-place change (see below)."""
    view = t._view
    if view is not None and view[2] != t._version[0]:
        _regenerate_view(t)
    return t


def _regenerate_view(t):
    """Re-derive view ``t``'s history from its base's current one, after an in-place change of the base or of a
    sibling view made ``t.grad_fn`` stale (PyTorch regenerates a view's ``grad_fn`` the same way).

    A view of another library's array first takes its base's current values (replayed from them), which a
    library whose views are copies would not show otherwise."""
    from .backend import namespace

    base, ops, _ = t._view
    if ops is not None and type(t._data) is not np.ndarray:
        data = base._data
        for op in ops:
            data = op.replay(namespace(data), data)
        t._data = data
    if not _State.grad_enabled:
        return  # nothing is recorded now; the next op under grad mode regenerates
    if ops is None:  # one of several views made by one node: its history cannot be replayed (see unbind)
        t._view = (base, ops, t._version[0])
        return
    x = base
    for op in ops:
        x = op.replay(namespace(x), x)
    if x.grad_fn is not None:
        _take_history(t, x)
    else:
        t._view = (base, ops, t._version[0])


def _move_retain_grad(old, new):
    """``retain_grad()`` follows the tensor to its new version (PyTorch); other hooks stay with the old one."""
    from .op import node_hooks

    hooks = node_hooks.get(old) or []
    keep = [h for h in hooks if getattr(h, "retains_grad", False)]
    for h in keep:
        hooks.remove(h)
    if keep:
        node_hooks.setdefault(new, []).extend(keep)


_EXPANDED = ("{op}: unsupported operation: more than one element of the written-to tensor refers to a single memory "
             "location (an expand()ed or broadcast view). Please clone() the tensor before performing the operation.")


def _read_only(op, data):
    if any(step == 0 and n > 1 for step, n in zip(data.strides, data.shape)):
        raise RuntimeError(_EXPANDED.format(op=op))
    raise RuntimeError(f"{op}: the tensor's memory is read-only; clone() it before changing it in place")


def _broadcasts_to(shape, target):
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


def _into(target, value):
    """The array ``value`` in the library, device and dtype of the array ``target`` (for writing into it)."""
    from .backend import namespace
    from .transfer import move, place_of

    value = move(value, place_of(target))
    return namespace(target).astype(value, target.dtype)


def _raw(x):
    """The array of a Tensor; anything else as it is (every Tensor is an InplaceOps)."""
    return x._data if isinstance(x, InplaceOps) else x

