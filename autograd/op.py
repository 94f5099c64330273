"""``Op``: the engine's base class of differentiable ops (forward and backward side by side).

An op is a subclass of :class:`Op` with

* ``forward(self, *arrays)``: computes the result from plain arrays (never Tensors);
* ``backward(self, grad, *saved)``: returns the gradient for each input (a tuple, or one value for a
  one-input op; ``None`` where an input needs none).  ``saved`` holds the inputs (when the class sets
  ``save_inputs``) followed by the output (when it sets ``save_output``).

The backward rule is written once and is differentiable: it computes with operators (``+ - * / **``) and
with the namespace ``xp = namespace(grad)`` (:mod:`autograd.backend`).  The engine runs it on plain arrays
for an ordinary ``backward()`` and on Tensors connected to the graph under ``create_graph=True``, where
``namespace`` gives the registered differentiable ops instead of numpy's; a rule never asks which.  An op
that has a faster fused rule on arrays (conv, pooling, batch norm, cross-entropy) declares it openly as
``fast_backward`` next to ``backward``; the engine uses it for plain backward passes, and gradgradcheck
exercises the differentiable one.

Broadcasting is undone by the engine, in one place, for classes that set ``broadcasts = True``: a rule may
return a gradient of the broadcast shape.

A recorded op instance is also the graph node: ``next`` links each input to the node that produced it (or
to the leaf Tensor itself, or ``None`` for inputs that need no gradient).  The functional form and Tensor
methods of an op are declared with :func:`autograd.registry.register` (see ``docs/adding_an_op.md``).
PyTorch-style user functions (``forward(ctx, ...)``) are :class:`autograd.Function`, built on this class.
"""
from __future__ import annotations

import traceback
import weakref
from typing import TYPE_CHECKING, Any

from numpy import asarray, generic, ndarray

from .creation import get_default_dtype
from .devices import device_of, is_foreign_array, to_numpy_dtype
from .dtypes import result_type
from .grad_mode import _Global, _State
from .inplace import _regenerate_view
from .interop import foreign_operand
from .tensor import Tensor

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["Op", "AccumulateGrad"]

_FREED = object()  # marks a node whose saved arrays were released by a backward pass

# Rarely used per-node data lives outside the nodes, so that recording an op stays cheap:
node_hooks: weakref.WeakKeyDictionary[Op, list[Callable[..., Any]]] = weakref.WeakKeyDictionary()  # node -> hooks registered on its output tensor
creation_sites: weakref.WeakKeyDictionary[Op, traceback.StackSummary] = weakref.WeakKeyDictionary()  # node -> stack at creation, under detect_anomaly only


class Op:
    """Base class of every differentiable op; an applied instance is a node of the graph.

    Class attributes a subclass may set:
        save_inputs:  keep the input arrays for backward.
        save_output:  keep the output array for backward.
        saved_attrs:  names of extra array attributes set by ``forward`` (masks, indices) that backward
                      needs and that are released with the rest after backward.
        broadcasts:   inputs broadcast against each other; the engine sums each gradient back to its input's shape
                      (the shape its producer recorded in ``out_meta``, or the leaf's).
        attrs:        names of the op's non-array parameters (stride, dim, ...) shown by graph viewers.
        saves_for:    with ``save_inputs``, keep only what the rule needs: ``saves_for[i]`` lists the inputs whose
                      gradients need input ``i`` (``Mul``: ``((1,), (0,))``); input ``i`` is kept, and its
                      version checked, only when one of them requires grad (else backward gets None for it).
        view:         the output may be a view of the first input (a Tensor); it then shares its version counter.
        promotes:     PyTorch's type promotion (:func:`autograd.dtypes.result_type`): the array operands are cast
                      to the result dtype before ``forward`` (int + float32 -> float32, a 0-d or number operand
                      never widens a dimensioned one); ``"float"``: and bool/integer results become the default
                      float dtype (true division, exp, sqrt...). ``promote_skip`` operands in front (``where``'s
                      condition) take no part.
    """

    __slots__ = ("next", "saved", "versions", "clock", "out", "out_meta", "constants", "__weakref__")
    save_inputs: bool = False
    save_output: bool = False
    saves_for: tuple[tuple[int, ...], ...] | None = None
    saved_attrs: tuple[str, ...] = ()
    broadcasts: bool = False
    promotes: bool | str = False
    promote_skip: int = 0
    view: bool = False
    attrs: tuple[str, ...] = ()
    _unneeded: tuple[tuple[int, ...], ...]  # set by __init_subclass__ from saves_for
    # The node's state once applied (slots above): for type checkers.
    next: tuple[Any, ...]
    saved: Any  # a tuple of arrays, or _FREED
    versions: Any
    clock: int
    out: Callable[[], Tensor | None]  # a weak reference to the output
    out_meta: tuple[tuple[int, ...], Any]
    constants: tuple[tuple[int, weakref.ref[Tensor]], ...]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        saves_for = cls.__dict__.get("saves_for")
        if saves_for is not None:
            # For each set of inputs requiring grad (a bit mask), the inputs that need not be kept.
            n = len(saves_for)
            cls._unneeded = tuple(
                tuple(i for i, deps in enumerate(saves_for) if not any(bits >> j & 1 for j in deps))
                for bits in range(1 << n))

    def forward(self, *arrays):
        """Compute the op on plain arrays; may store non-differentiable extras (masks) on ``self``."""
        raise NotImplementedError

    def backward(self, grad, *saved):
        """Return the gradient of each input, given the gradient of the output (differentiable rule)."""
        raise NotImplementedError(f"{type(self).__name__} has no backward")

    fast_backward: Callable[..., Any] | None = None  # optionally, a fused rule on plain arrays with backward's signature

    @property
    def name(self):
        """The op's display name, e.g. ``Mul``."""
        return type(self).__name__

    def needs_input_grad(self, i):
        """True when input ``i`` needs a gradient (lets a rule skip expensive work)."""
        return self.next[i] is not None

    def apply(self, *inputs):
        """Run the op on Tensors (or plain constants) and record it in the graph when needed."""
        arrays: list[Any] = []
        nxt: list[Any] = []
        constants = None  # (position, tensor) of Tensor inputs that need no grad, for graph viewers
        save = self.save_inputs
        versions: Any = [] if save else None  # per input: the version counter of a saved Tensor, None for numbers
        bits = 0  # bit i set: input i requires grad
        for x in inputs:
            if isinstance(x, Tensor):
                if x._view is not None and x._view[2] != x._version[0]:
                    _regenerate_view(x)  # its base or a sibling view changed in place since its history was made
                arrays.append(x._data)
                if save:
                    versions.append(x._version)
                if x.requires_grad:
                    bits |= 1 << len(nxt)
                    nxt.append(x.grad_fn or x)
                    continue
                if constants is None:
                    constants = []
                constants.append((len(nxt), x))
            else:
                if type(x) not in _PLAIN:
                    x = foreign_operand(x, self)  # a torch tensor...: a zero-copy constant, or a TypeError
                arrays.append(x)
                if save:
                    versions.append(None)
            nxt.append(None)
        if self.promotes:
            # The common float cases need no cast: tested here, since the call would cost as much as the test.
            a = arrays[0]
            n = len(arrays)
            if (type(a) is not ndarray or a.dtype.kind != "f" or self.promote_skip or n > 2 or n == 2 and not (
                    (tb := type(b := arrays[1])) is float or tb is int or (tb is ndarray and b.dtype is a.dtype))):
                _promote(self, arrays)
        out = self.forward(*arrays)
        grad_enabled, anomaly, tracer = _State.mode  # one thread-local read per op
        node = self if bits and grad_enabled else None
        if self.view and (out.base is not None if type(out) is ndarray else is_foreign_array(out)):
            # A view shares its base's version counter, so in-place changes through either are seen by both,
            # and remembers how it was made, so an in-place change through it can be recorded on the base.
            # Other libraries do not say whether an array shares memory: every view op's result is a view for
            # the engine, and an in-place change through it is written back into its base (autograd.inplace).
            if type(out) is not ndarray:
                out = _foreign_result(self, out, arrays)
            base = inputs[0]
            view = base._view
            version = base._version[0]  # the view's history is valid until the shared counter moves
            if view is None:
                view = (base, (self,), version)
            else:  # (a view of one of unbind's views has no replayable ops either: None stays None)
                view = (view[0], view[1] and view[1] + (self,), version)
            result = _fill(_new(Tensor), out, node, base._version, view)
        else:
            if type(out) is not ndarray:  # a numpy scalar, or another library's array
                out = asarray(out) if isinstance(out, generic) else _foreign_result(self, out, arrays)
            result = _fill(_new(Tensor), out, node, [0], None)
        if tracer is not None:  # tracing (autograd.tracing) records every op, whatever the grad mode
            tracer.record(self, inputs, arrays, result)
        if node is None:
            return result
        self.next = tuple(nxt)
        if anomaly:
            creation_sites[self] = _creation_site()
        self.out = _ref(result)
        self.out_meta = (out.shape, out.dtype)
        if constants:
            self.constants = tuple((i, _ref(t)) for i, t in constants)
        # What backward needs, and the version counters checked against ``clock`` at backward.
        if save:
            if self.saves_for is not None:
                for i in self._unneeded[bits]:  # inputs no gradient rule needs: not kept, never checked
                    arrays[i] = versions[i] = None
            if self.save_output:
                arrays.append(out)
                versions.append(result._version)
            self.saved = tuple(arrays)
            self.versions = versions
        elif self.save_output:
            self.saved = (out,)
            self.versions = (result._version,)
        else:
            self.saved = ()
            self.versions = ()
        self.clock = _Global.clock
        return result

    def release(self):
        """Drop the arrays kept for backward (the engine calls this unless ``retain_graph``)."""
        if self.saved or self.saved_attrs:
            self.saved = _FREED
            for name in self.saved_attrs:
                setattr(self, name, None)

    @property
    def next_functions(self):
        """PyTorch's view of this node's inputs: one ``(node, output_index)`` pair per input.

        ``node`` is the op that produced the input, an :class:`AccumulateGrad` for a leaf that requires grad,
        or None for an input that needs no gradient (a constant or a number), as ``grad_fn.next_functions`` in
        PyTorch. (One pair per argument the op was applied to: an op may count its arguments differently from
        PyTorch's, e.g. ``where``'s condition appears here.)
        """
        return tuple(_edge(n) for n in self.next)

    @property
    def is_released(self):
        """True when a backward pass has already freed this node's saved arrays."""
        return self.saved is _FREED

    def __repr__(self):
        return f"<{self.name}Backward0>"


class AccumulateGrad:
    """The node ``next_functions`` shows for a leaf: it accumulates into ``variable.grad`` (PyTorch's name).

    Two are equal when they stand for the same leaf; ``next_functions`` is empty (nothing comes before a leaf).
    """

    __slots__ = ("variable",)
    next_functions = ()
    name = "AccumulateGrad"

    def __init__(self, variable):
        self.variable = variable

    def __eq__(self, other):
        return isinstance(other, AccumulateGrad) and other.variable is self.variable

    def __hash__(self):
        return id(self.variable)

    def __repr__(self):
        return f"<AccumulateGrad object at {id(self):#x}>"


def _edge(node):
    """One pair of ``next_functions``; a node standing for one output of a multi-output node says which
    (``output_edge``, see :class:`autograd.function._Output`)."""
    if node is None:
        return (None, 0)
    if isinstance(node, Tensor):
        return (AccumulateGrad(node), 0)
    edge = getattr(node, "output_edge", None)
    return (node, 0) if edge is None else edge


def _promote(op, arrays):
    """Cast ``arrays`` (in place in the list) to PyTorch's result dtype of ``op``'s operands."""
    skip = op.promote_skip
    for a in arrays:  # another library's arrays: checked and cast in their namespace (no call for numpy's)
        if type(a) not in _PLAIN and is_foreign_array(a):
            return _promote_foreign(op, arrays)
    default = get_default_dtype()
    if len(arrays) - skip == 1:
        rt = arrays[skip].dtype
    else:
        operands = arrays[skip:] if skip else arrays
        try:
            rt = result_type(*operands, default_float=default)
        except TypeError:
            kinds = ", ".join(type(a).__name__ if type(a) is not ndarray else "Tensor" for a in operands)
            raise TypeError(f"{op.name.lower()}: unsupported operand type(s): {kinds}") from None
    if op.promotes == "float" and rt.kind not in "fc":
        rt = default
    for i in range(skip, len(arrays)):
        a = arrays[i]
        if type(a) is ndarray:
            if a.dtype is not rt:
                arrays[i] = a.astype(rt, copy=False)
        elif isinstance(a, generic):  # a numpy scalar is a number here (numpy would let a float64 one widen)
            arrays[i] = a.item()


def _foreign_result(op, out, arrays):
    """The array an op's result holds when its forward returned no ndarray: a number as a numpy array, a foreign
    array as it is, after checking that the op's inputs share its namespace and device."""
    if not is_foreign_array(out):
        return asarray(out)
    check_same_namespace(op, arrays)
    return out


def check_same_namespace(op, arrays):
    """RuntimeError when the arrays among ``arrays`` belong to different namespaces or devices (numbers mix freely)."""
    from .backend import namespace

    first = None
    for a in arrays:
        if not hasattr(a, "shape") or isinstance(a, generic):
            continue
        if first is None:
            first, ns, dev = a, namespace(a), _library_device(a)
            continue
        other_ns = namespace(a)
        if other_ns.xp is not ns.xp or _library_device(a) != dev:
            raise RuntimeError(
                f"{op.name.lower()}: expected all tensors to be on the same namespace and device, but found "
                f"{_describe(first)} and {_describe(a)}")


def _library_device(a):
    if type(a) is ndarray:
        return "cpu"
    device = getattr(a, "device", None)
    return device if device is not None else device_of(a)


def _describe(a):
    if type(a) is ndarray:
        return "numpy on cpu"
    return f"{type(a).__module__.split('.')[0]} on {_library_device(a)}"


def _promote_foreign(op, arrays):
    """``_promote`` for arrays of another array-API library: one namespace and device, then PyTorch's result dtype."""
    from .backend import namespace

    skip = op.promote_skip
    check_same_namespace(op, arrays)
    default = get_default_dtype()
    operands = arrays[skip:]
    if len(operands) == 1:
        rt = to_numpy_dtype(operands[0].dtype)
    else:
        rt = result_type(*operands, default_float=default)
    if op.promotes == "float" and rt.kind not in "fc":
        rt = default
    for i in range(skip, len(arrays)):
        a = arrays[i]
        if is_foreign_array(a):
            if to_numpy_dtype(a.dtype) != rt:
                arrays[i] = namespace(a).astype(a, rt)
        elif isinstance(a, generic):
            arrays[i] = a.item()


def _creation_site():
    """The stack at op creation, kept only under ``detect_anomaly``."""
    return traceback.extract_stack()[:-2]


_PLAIN = frozenset((int, float, bool, ndarray))  # constant operands used as they are (others: foreign_operand)
_fill = Tensor._fill  # the one initialiser of a Tensor's slots (see Tensor._make)
_new = object.__new__
_ref = weakref.ref
