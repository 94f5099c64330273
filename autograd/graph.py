"""A read-only view of a recorded graph, for tools such as graph viewers.

Start from one or more outputs and walk the ops that produced them::

    for node in autograd.graph.walk(loss):
        print(node.name, node.attrs, [e.shape for e in node.inputs], node.output.shape)

Nothing here modifies the graph, and tools never need the engine's private attributes.
"""
import numpy as np

from .op import Op
from .tensor import Tensor

__all__ = ["GraphNode", "InputEdge", "walk", "nodes_of"]


class InputEdge:
    """One input of an op: the leaf tensor or the producing op (``source``), or a constant.

    Attributes:
        kind: ``'leaf'`` (a tensor that requires grad), ``'op'`` (the output of another op) or ``'constant'``
            (a Tensor that needs no grad, or a plain number/array).
        tensor: the leaf Tensor (for ``'leaf'``), the producing op's output Tensor if still alive
            (for ``'op'``), the constant Tensor if still alive (for ``'constant'``), else None.
        source: the producing :class:`GraphNode` (for ``'op'``), else None.
        shape, dtype: of the input when known (from the saved arrays or the live tensor), else None.
    """

    __slots__ = ("kind", "tensor", "source", "shape", "dtype")

    def __init__(self, kind, tensor, source, shape, dtype):
        self.kind, self.tensor, self.source, self.shape, self.dtype = kind, tensor, source, shape, dtype

    def __repr__(self):
        return f"InputEdge({self.kind}, shape={self.shape})"


class GraphNode:
    """A read-only view of one recorded op.

    Attributes:
        name: the op's name (``'Mul'``, ``'Conv2d'``...).
        function: the underlying op object (for identity comparisons only).
        attrs: the op's parameters as a dict (e.g. ``{'stride': 1, 'padding': 0}``).
        inputs: a list of :class:`InputEdge`, in argument order.
        output: the output Tensor while it is alive, else None.
        output_shape, output_dtype: of the output, always known.
        saved: list of ``(label, shape, dtype)`` of the arrays kept for backward (empty once freed).
        released: True after a backward freed the saved arrays.
    """

    __slots__ = ("function",)

    def __init__(self, function):
        self.function = function

    @property
    def name(self):
        return self.function.name

    @property
    def attrs(self):
        f = self.function
        return {a: getattr(f, a) for a in type(f).attrs if hasattr(f, a)}

    @property
    def output(self):
        return self.function.out()

    @property
    def output_shape(self):
        return self.function.out_meta[0]

    @property
    def output_dtype(self):
        return self.function.out_meta[1]

    @property
    def released(self):
        return self.function.is_released

    @property
    def inputs(self):
        f = self.function
        saved = () if f.is_released or not f.save_inputs else f.saved
        constants = {i: ref() for i, ref in getattr(f, "constants", ())}
        edges = []
        for i, nxt in enumerate(f.next):
            arr = saved[i] if i < len(saved) and isinstance(saved[i], np.ndarray) else None
            if isinstance(nxt, Tensor):
                edges.append(InputEdge("leaf", nxt, None, nxt.shape, nxt.dtype))
                continue
            if isinstance(nxt, Op):
                edges.append(InputEdge("op", nxt.out(), GraphNode(nxt), nxt.out_meta[0], nxt.out_meta[1]))
                continue
            t = constants.get(i)
            ref = t if t is not None else arr
            edges.append(InputEdge("constant", t, None, getattr(ref, "shape", None), getattr(ref, "dtype", None)))
        return edges

    @property
    def saved(self):
        f = self.function
        if f.is_released:
            return []
        labels = [f"input {i}" for i in range(len(f.next))] if f.save_inputs else []
        if f.save_output:
            labels.append("output")
        items = [(lab, np.shape(a), getattr(a, "dtype", None)) for lab, a in zip(labels, f.saved) if isinstance(a, np.ndarray)]
        for name in type(f).saved_attrs:
            a = getattr(f, name, None)
            if isinstance(a, np.ndarray):
                items.append((name, a.shape, a.dtype))
        return items

    def __eq__(self, other):
        return isinstance(other, GraphNode) and other.function is self.function

    def __hash__(self):
        return id(self.function)

    def __repr__(self):
        return f"GraphNode({self.name})"


def nodes_of(outputs):
    """The ops that produced ``outputs`` (a Tensor or a sequence), each once, inputs before outputs."""
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    roots = [t.grad_fn for t in outputs if isinstance(t, Tensor) and t.grad_fn is not None]
    order, seen, stack = [], set(), [(r, False) for r in roots]
    while stack:
        f, expanded = stack.pop()
        if expanded:
            order.append(GraphNode(f))
            continue
        if id(f) in seen:
            continue
        seen.add(id(f))
        stack.append((f, True))
        stack.extend((n, False) for n in f.next if isinstance(n, Op) and id(n) not in seen)
    return order


walk = nodes_of
