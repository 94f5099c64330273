"""Tracing: record every op a computation applies, whatever the grad mode and ``requires_grad`` (for export).

    with autograd.no_grad(), autograd.tracing.trace(inputs=[x]) as t:
        y = model(x)
    for call in t.calls:
        print(call.kind, call.args, format_site(call.site))
    t.resolve(y)        # Ref('call', 11): y is the output of t.calls[11]

The graph autograd records for backward holds only ops whose inputs require grad, and only while grad mode is
on. A trace holds every op applied inside its ``with`` block: each :class:`~autograd.op.Op` (the engine calls
:meth:`Trace.record` from ``Op.apply``: one attribute check per op when no trace is active), the
non-differentiable functions that make tensors from tensors (comparisons, logical and bitwise operators, through
:func:`leaf`), and ``copy_`` (so ``inplace=True`` layers trace).  Each argument is resolved to what produced it:

* ``Ref('input', k)``: the ``k``-th of the trace's ``inputs``;
* ``Ref('call', i)``: the output of ``calls[i]``;
* ``Ref('constant', value)``: a Tensor or array that no traced op produced: parameters, buffers, tensors made
  by creation functions or by numpy code that tracing cannot see (``version`` is the Tensor's version then);
* ``Ref('number', value)`` for Python numbers, ``Ref('none')`` for None;
* ``Ref('stale', tensor)``: a traced tensor changed in place by an operation that tracing does not record
  (``add_`` and the like under ``no_grad``, ``__setitem__``, assigning ``.data``).

Tensors are matched by identity and by their array (``detach()``, ``.data`` and ops that unwrap a tensor to its
array share it), so the ``where(x > 0, ...)`` condition resolves to the comparison that made it.
"""
from __future__ import annotations

import contextlib
import os
import sys
from typing import TYPE_CHECKING

import numpy as np

from .grad_mode import _State
from .tensor import Tensor

if TYPE_CHECKING:
    import types

__all__ = ["trace", "Trace", "Call", "Ref", "Leaf", "leaf", "format_site"]

# Top-level packages of the library: frames in them are not the user's code.
_LIBRARY = ("autograd", "nn", "optim", "viz", "scratchgrad")


class Ref:
    """What a traced argument is: ``kind`` is 'input', 'call', 'constant', 'number', 'none' or 'stale'."""

    __slots__ = ("kind", "index", "value", "version")

    def __init__(self, kind, index=None, value=None, version=None):
        self.kind, self.index, self.value, self.version = kind, index, value, version

    def __eq__(self, other):
        return isinstance(other, Ref) and (self.kind, self.index) == (other.kind, other.index)

    def __hash__(self):
        return hash((self.kind, self.index))

    def __repr__(self):
        return f"Ref({self.kind!r}, {self.index})" if self.index is not None else f"Ref({self.kind!r})"


_NONE = Ref("none")


class Leaf:
    """The op of a traced non-differentiable function (``gt``, ``logical_not``, ``copy_``...): just its name."""

    __slots__ = ("name",)
    attrs = ()

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"Leaf({self.name!r})"


class Call:
    """One recorded op application.

    Attributes:
        op: the :class:`~autograd.op.Op` instance (its ``attrs`` hold the parameters) or a :class:`Leaf`.
        args: one :class:`Ref` per argument, in order.
        dtypes: the dtype of each array argument as the op's forward received it (after type promotion), else None.
        output: the result Tensor.
        site: ``(inner, user)``: the innermost frame outside autograd and the innermost outside the library, each
            ``(filename, line, function)`` or None; :func:`format_site` writes it.
    """

    __slots__ = ("op", "args", "dtypes", "output", "site")

    def __init__(self, op, args, dtypes, output, site):
        self.op, self.args, self.dtypes, self.output, self.site = op, args, dtypes, output, site

    @property
    def kind(self):
        """The op's class name (``'Conv2d'``), or a leaf function's name (``'gt'``)."""
        return self.op.name if isinstance(self.op, Leaf) else type(self.op).__name__

    def __repr__(self):
        return f"Call({self.kind}, {list(self.args)})"


class Trace:
    """The calls recorded by :func:`trace`, and the resolution of tensors to what produced them."""

    def __init__(self, inputs=()):
        self.calls = []
        self.inputs = list(inputs)
        self._bound = {}  # id(tensor) -> (tensor, ref, version when bound)
        self._arrays = {}  # id(array) -> (array, the bound tensor holding it)
        for k, t in enumerate(self.inputs):
            if not isinstance(t, Tensor):
                raise TypeError(f"trace: inputs must be Tensors, got {type(t).__name__} at position {k}")
            self._bind(t, Ref("input", k))

    def _bind(self, tensor, ref):
        self._bound[id(tensor)] = (tensor, ref, tensor._version[0])
        self._arrays[id(tensor._data)] = (tensor._data, tensor)

    def resolve(self, x):
        """The :class:`Ref` of a value (a Tensor, an array, a number or None) as of now."""
        if isinstance(x, Tensor):
            entry = self._bound.get(id(x))
            if entry is None:
                owner = self._arrays.get(id(x._data))
                if owner is None or owner[0] is not x._data:
                    return Ref("constant", value=x, version=x._version[0])
                entry = self._bound[id(owner[1])]  # shares a traced tensor's array: detach(), .data
            tensor, ref, version = entry
            return ref if tensor._version[0] == version else Ref("stale", value=tensor)
        if isinstance(x, np.ndarray):
            owner = self._arrays.get(id(x))
            if owner is not None and owner[0] is x:
                return self.resolve(owner[1])
            return Ref("constant", value=x)
        if x is None:
            return _NONE
        return Ref("number", value=x)

    def record(self, op, inputs, arrays, result):
        """Record that ``op`` applied to ``inputs`` (as given; ``arrays`` as forward got them) gave ``result``."""
        args = tuple(self.resolve(x) for x in inputs)
        dtypes = tuple(a.dtype if isinstance(a, np.ndarray) else None for a in arrays)
        self.calls.append(Call(op, args, dtypes, result, _site()))
        self._bind(result, Ref("call", len(self.calls) - 1))

    def assign(self, target, source):
        """Record that ``target`` now holds ``source`` (broadcast and cast to it): ``copy_``."""
        arrays = (source._data if isinstance(source, Tensor) else source,)
        self.record(Leaf("copy_"), (source,), arrays, target)


@contextlib.contextmanager
def trace(inputs=()):
    """Record every op applied in the block, in this thread, into the :class:`Trace` it yields.

    Args:
        inputs: Tensors that the trace refers to as ``Ref('input', k)``.
    """
    t = Trace(inputs)
    previous = _State.tracer
    _State.tracer = t
    try:
        yield t
    finally:
        _State.tracer = previous


def leaf(name, inputs, array):
    """``array`` as a new Tensor, recorded as the call ``name(*inputs)`` when a trace is active.

    For functions that make tensors from tensors without an :class:`~autograd.op.Op` (comparisons, logical and
    bitwise operators): ``name`` is their public name.
    """
    result = Tensor._make(array)
    tracer = _State.tracer
    if tracer is not None:
        tracer.record(Leaf(name), inputs, tuple(x._data if isinstance(x, Tensor) else x for x in inputs), result)
    return result


def _site():
    """Where the op being recorded was applied: ``(innermost frame outside autograd, innermost user frame)``."""
    frame: types.FrameType | None = sys._getframe(2)
    inner = None
    while frame is not None:
        root = frame.f_globals.get("__name__", "").partition(".")[0]
        if root != "autograd":
            where = (frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name)
            inner = inner or where
            if root not in _LIBRARY:
                return inner, where
        frame = frame.f_back
    return inner, None


def _place(where):
    filename, line, function = where
    try:
        rel = os.path.relpath(filename)
        filename = filename if rel.startswith("..") else rel
    except ValueError:  # another drive (Windows)
        pass
    return f"{filename}:{line} in {function}"


def format_site(site):
    """A :attr:`Call.site` as text: ``'nn/functional/activation.py:105 in gelu, called from model.py:12 in forward'``."""
    inner, user = site
    if inner is None:
        return "an unknown place"
    if user is None or user == inner:
        return _place(inner)
    return f"{_place(inner)}, called from {_place(user)}"
