"""``autograd.Function``: user-defined differentiable functions, written as in PyTorch.

    class Exp(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return grad * y

    y = Exp.apply(x)

``forward`` runs with grad mode off and receives the arguments as given (Tensors and anything else;
keyword arguments too, which PyTorch refuses, but only positional Tensors get gradients);
``backward`` receives one gradient per output, as Tensors (zeros for an output that got none, or None after
``ctx.set_materialize_grads(False)``; always None for a non-Tensor output), and returns one gradient per
positional argument of ``forward`` (None for non-Tensors and for inputs that need none; extra trailing Nones
are ignored, a wrong count or shape is a RuntimeError naming the Function).  When ``backward`` is written with
Tensor ops it is itself recorded under ``create_graph=True``, so gradgradcheck works.  An applied Function is
a graph node (an :class:`~autograd.op.Op`) named after its class, drawn by ``viz`` like any other op.
"""
from __future__ import annotations

import weakref
from typing import Any

from .backend import namespace
from .grad_mode import _Global, _State
from .inplace import _broadcasts_to, current_history
from .op import _FREED, Op, _creation_site, creation_sites
from .tensor import Tensor

__all__ = ["Function", "FunctionCtx"]


class FunctionCtx:
    """The ``ctx`` of a Function: what ``forward`` leaves for ``backward`` (any attribute may be set on it)."""

    def __init__(self, needs_input_grad: tuple[bool, ...]) -> None:
        self.needs_input_grad = needs_input_grad  # one bool per positional argument of forward
        self.materialize_grads = True
        self._saved: tuple[Tensor | None, ...] | None = ()  # None once a backward freed them
        self._non_differentiable: tuple[Any, ...] = ()

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Keep Tensors (or None) for ``backward``; changing one in place before backward raises there."""
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward can only save Tensors or None, but argument {i} is {type(t).__name__}")
        self._saved = tensors

    @property
    def saved_tensors(self) -> tuple[Tensor | None, ...]:
        """The Tensors given to ``save_for_backward``, in order."""
        if self._saved is None:
            raise RuntimeError("Trying to backward through the graph a second time: the saved tensors were freed; "
                               "pass retain_graph=True to the first backward")
        return self._saved

    def mark_non_differentiable(self, *outputs: Tensor) -> None:
        """Declare outputs (integer indices, masks...) that never carry a gradient: they will not require grad."""
        self._non_differentiable = outputs

    def set_materialize_grads(self, value: bool) -> None:
        """With False, ``backward`` gets None (not zeros) for outputs that received no gradient."""
        self.materialize_grads = bool(value)


class _Grads:
    """The gradients of a multi-output Function's outputs, gathered slot by slot by the engine's ``+``."""

    __slots__ = ("slots",)

    def __init__(self, slots):
        self.slots = slots

    def __add__(self, other):
        return _Grads([a if b is None else b if a is None else a + b for a, b in zip(self.slots, other.slots)])


class _FunctionNode(Op):
    """The graph node of an applied Function: runs the user's ``backward`` with Tensors."""

    __slots__ = ("ctx", "fn", "in_meta", "out_meta_all")
    saved_attrs = ("ctx",)
    ctx: FunctionCtx
    fn: type[Function]
    in_meta: tuple[Any, ...]  # per input: its shape (None for a non-Tensor)
    out_meta_all: tuple[Any, ...]  # per output: (shape, dtype) (None for a non-Tensor)

    @property
    def name(self):
        return self.fn.__name__

    def backward(self, grad, *saved):
        ctx = self.ctx
        slots = grad.slots if isinstance(grad, _Grads) else [grad]
        grads: list[Tensor | None] = []
        present = next(g for g in slots if g is not None)  # missing gradients are zeros in its namespace
        xp = namespace(present._data if isinstance(present, Tensor) else present)
        for g, meta in zip(slots, self.out_meta_all):
            if meta is None:  # a non-Tensor output: its gradient is None, as in PyTorch
                grads.append(None)
                continue
            if g is None and ctx.materialize_grads:
                g = Tensor._make(xp.zeros(meta[0], dtype=meta[1]))
            grads.append(g if g is None or isinstance(g, Tensor) else Tensor._make(g))
        result = self.fn.backward(ctx, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        n_in = len(self.next)
        if len(result) > n_in and all(g is None for g in result[n_in:]):
            result = result[:n_in]  # PyTorch accepts extra trailing Nones
        if len(result) != n_in:
            raise RuntimeError(f"function {self.name}Backward returned an incorrect number of gradients "
                               f"(expected {n_in}, got {len(result)})")
        out: list[Any] = []
        for i, (g, nxt) in enumerate(zip(result, self.next)):
            if nxt is None or g is None:
                out.append(None)
                continue
            if not isinstance(g, Tensor):
                raise RuntimeError(  # noqa: TRY004  (PyTorch raises RuntimeError here)
                    f"function {self.name}Backward returned a gradient of type {type(g).__name__} at index {i}; "
                    "expected a Tensor or None")
            shape = self.in_meta[i]
            if g.shape != shape:
                if not _broadcasts_to(shape, g.shape):
                    raise RuntimeError(f"Function {self.name}Backward returned an invalid gradient at index {i} - "
                                       f"got {list(g.shape)} but expected shape compatible with {list(shape)}")
                g = g.sum_to(shape)
            out.append(g if _State.grad_enabled else g._data)
        return tuple(out)

    def release(self):
        # As PyTorch: only the saved tensors are freed (a second backward then raises); a Function that
        # saved none, and the attributes set on ctx, stay usable.
        if self.ctx._saved:
            self.ctx._saved = None
            self.saved = _FREED


class _Output(Op):
    """Output ``index`` of a multi-output Function: routes its gradient into that slot of the Function's node."""

    __slots__ = ("index", "n")
    attrs = ("index",)
    index: int
    n: int

    def __init__(self, index, n):
        self.index, self.n = index, n

    @property
    def name(self):
        """The Function's name: every output's ``grad_fn`` reads ``<NameBackward>``, as in PyTorch."""
        return self.next[0].name

    @property
    def output_edge(self):
        """``(the Function's node, this output's index)``: what ``next_functions`` shows for this output, as PyTorch."""
        return (self.next[0], self.index)

    def backward(self, grad):
        slots = [None] * self.n
        slots[self.index] = grad
        return _Grads(slots)


class Function:
    """Base class of user-defined differentiable functions (PyTorch's ``torch.autograd.Function``).

    Subclasses define ``@staticmethod forward(ctx, *args, **kwargs)`` and ``@staticmethod backward(ctx,
    *grads)`` and are called as ``Cls.apply(*args, **kwargs)``; see the module docstring.
    """

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any, **kwargs: Any) -> Any:
        """Compute the outputs from the inputs (grad mode is off here)."""
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Any) -> Any:
        """Return one gradient per positional input of ``forward``, given one per output."""
        raise NotImplementedError("You must implement the backward function for custom autograd.Function.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError(f"{type(self).__name__}: call {type(self).__name__}.apply(...) instead of instantiating "
                           "the Function (PyTorch's new-style Functions have static methods)")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` and record one graph node for the call when some Tensor input requires grad.

        Keyword arguments reach ``forward`` as given but are never differentiated (PyTorch accepts none):
        a Tensor that requires grad must be passed positionally.
        """
        needs = tuple(isinstance(a, Tensor) and current_history(a).requires_grad for a in args)
        if _State.grad_enabled:
            for key, value in kwargs.items():
                if isinstance(value, Tensor) and value.requires_grad:
                    raise TypeError(f"{cls.__name__}.apply(): the Tensor passed as keyword argument {key!r} requires "
                                    "grad, but only positional arguments get gradients; pass it positionally")
        ctx = FunctionCtx(needs)
        prev = _State.grad_enabled
        _State.grad_enabled = False
        try:
            outputs = cls.forward(ctx, *args, **kwargs)
        finally:
            _State.grad_enabled = prev
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        if not (prev and any(needs)):
            return outputs
        node = object.__new__(_FunctionNode)
        node.fn, node.ctx = cls, ctx
        node.next = tuple((a.grad_fn or a) if need else None for a, need in zip(args, needs))
        node.in_meta = tuple(a.shape if isinstance(a, Tensor) else None for a in args)
        node.saved = ()
        node.constants = ()
        saved = [t for t in ctx._saved or () if t is not None]
        node.versions = [t._version for t in saved]
        node.clock = _Global.clock
        if _State.anomaly:
            creation_sites[node] = _creation_site()
        # One gradient slot per output, as in PyTorch (None is passed to backward for a non-Tensor output).
        node.out_meta_all = tuple((o.shape, o.dtype) if isinstance(o, Tensor) else None for o in outs)
        n_out = len(outs)
        fixed: list[Any] = []
        for k, o in enumerate(outs):
            if not isinstance(o, Tensor):
                fixed.append(o)
                continue
            frozen = any(o is m for m in ctx._non_differentiable) or o.dtype.kind not in "fc"
            if any(o is a for a in args) or o.grad_fn is not None:
                o = o.detach()  # never rewire the caller's tensor
            if frozen:
                fixed.append(o)
                continue
            owner: Op = node
            if n_out > 1:
                output = owner = object.__new__(_Output)
                output.index, output.n = k, n_out
                output.next = (node,)
                output.saved, output.versions, output.constants = (), (), ()
                output.clock = node.clock
                output.out = weakref.ref(o)
                output.out_meta = (o.shape, o.dtype)
            o.grad_fn = owner
            o.requires_grad = True
            if owner is node:
                node.out = weakref.ref(o)
                node.out_meta = (o.shape, o.dtype)
            fixed.append(o)
        if n_out != 1 or not hasattr(node, "out"):
            node.out = lambda: None
            metas = [m for m in node.out_meta_all if m is not None]
            node.out_meta = metas[0] if metas else ((), None)
        return fixed[0] if single else tuple(fixed)
