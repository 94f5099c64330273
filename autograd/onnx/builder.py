"""Building the ONNX graph: nodes and initializers, and shapes that follow the dynamic axes.

A traced value's dims are known in every traced run (the export's own, then one run per dynamic axis with that
axis enlarged): a :class:`Dim` holds the sizes, and :meth:`GraphBuilder.dim_tensor` computes a dim that varies
from the graph inputs' shapes when it is ``coefficient * product of dynamic axes`` (a batch, ``batch * 30``).
Reshape and expand targets keep a varying dim as ONNX's ``0`` (copy the input's dim) or ``-1`` (infer it)
where they can, so most graphs need no shape arithmetic at all.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["Dim", "Symbol", "GraphBuilder", "ExportError", "INT64_MAX", "INT64_MIN"]

INT64_MAX = int(np.iinfo(np.int64).max)
INT64_MIN = int(np.iinfo(np.int64).min)


class ExportError(Exception):
    """Why one op cannot be exported (the exporter adds the op's name and where it was applied)."""


class Dim:
    """One dim of a traced value: its size in each traced run (``sizes[0]`` is the export's own run)."""

    __slots__ = ("sizes",)

    def __init__(self, sizes):
        self.sizes = tuple(int(s) for s in sizes)

    @classmethod
    def of(cls, shapes, axis):
        """The dim ``axis`` of a value whose shape in each run is ``shapes[run]``."""
        return cls(shape[axis] for shape in shapes)

    @property
    def value(self):
        """The size in the export's own run."""
        return self.sizes[0]

    @property
    def static(self):
        """True when the size is the same in every run (a constant of the graph)."""
        return all(s == self.sizes[0] for s in self.sizes)

    def __eq__(self, other):
        return isinstance(other, Dim) and other.sizes == self.sizes

    def __hash__(self):
        return hash(self.sizes)

    def __repr__(self):
        return f"Dim{self.sizes}"


def dims_of(shapes):
    """The :class:`Dim` list of a value whose shape in each run is ``shapes[run]`` (same rank in all)."""
    return [Dim.of(shapes, axis) for axis in range(len(shapes[0]))]


class Symbol:
    """A dynamic axis: its name, the run that enlarged it, its size there and in the export's run, and the
    graph inputs' dims that carry it (``sources``: ``(input name, axis)``)."""

    __slots__ = ("name", "run", "base", "probe", "sources")

    def __init__(self, name, run, base, probe, sources):
        self.name, self.run, self.base, self.probe, self.sources = name, run, base, probe, sources


class GraphBuilder:
    """The nodes and initializers of the graph being exported, with helpers the op table uses."""

    def __init__(self, onnx, opset, symbols):
        self.onnx, self.opset, self.symbols = onnx, opset, symbols
        self.nodes, self.initializers = [], []
        self.scope = "graph"  # prefix of node names: the call being exported
        self._names = set()
        self._consts = {}  # small constants by value, so repeated scalars share one initializer
        self._casts = {}
        self._dims = {}

    # -- names, nodes and constants ---------------------------------------------------------------------------

    def reserve(self, name):
        """Claim ``name`` (a graph input's or output's) so that no generated name takes it."""
        if name in self._names:
            raise ValueError(f"export: the name {name!r} is used twice")
        self._names.add(name)
        return name

    def fresh(self, base):
        """A new unique value or node name starting with ``base``."""
        name, k = base, 0
        while name in self._names:
            k += 1
            name = f"{base}_{k}"
        self._names.add(name)
        return name

    def node(self, op_type, inputs, outputs=1, **attrs):
        """Append an ONNX node; returns its output name (a list of names when ``outputs > 1``).

        ``inputs`` may hold None for an omitted optional input; attributes that are None are left out.
        """
        name = self.fresh(f"{self.scope}/{op_type}")
        outs = [self.fresh(f"{name}_output_{i}") for i in range(outputs)]
        ins = ["" if x is None else x for x in inputs]
        while ins and ins[-1] == "":
            ins.pop()
        attrs = {k: v for k, v in attrs.items() if v is not None}
        self.nodes.append(self.onnx.helper.make_node(op_type, ins, outs, name=name, **attrs))
        return outs[0] if outputs == 1 else outs

    def initializer(self, array, name):
        """Add ``array`` as an initializer called ``name`` (made unique); returns the name."""
        name = self.fresh(name)
        self.initializers.append(self.onnx.numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def const(self, array, dtype=None):
        """A constant (an initializer; small ones are shared by value)."""
        array = np.asarray(array, dtype=dtype)
        if array.size > 16:
            return self.initializer(array, f"{self.scope}/const")
        key = (array.dtype.str, array.shape, array.tobytes())
        if key not in self._consts:
            self._consts[key] = self.initializer(array, "const")
        return self._consts[key]

    def ints(self, values):
        """A 1-D int64 constant."""
        return self.const(np.asarray(list(values), dtype=np.int64).reshape(-1))

    def scalar(self, value, dtype):
        """A 0-d constant of ``dtype``."""
        return self.const(np.asarray(value, dtype=dtype))

    def onnx_type(self, dtype):
        """ONNX's element type of a numpy dtype."""
        return self.onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))

    def cast(self, x, from_dtype, to_dtype):
        """``x`` cast from ``from_dtype`` to ``to_dtype`` (itself when they are equal)."""
        if from_dtype is None or np.dtype(from_dtype) == np.dtype(to_dtype):
            return x
        key = (x, np.dtype(to_dtype).str)
        if key not in self._casts:
            self._casts[key] = self.node("Cast", [x], to=self.onnx_type(to_dtype))
        return self._casts[key]

    # -- ops whose form changed between opsets ----------------------------------------------------------------

    def reduce(self, op_type, x, axes, keepdims):
        """A reduction over ``axes`` (None: all); the axes are an input from opset 13 (ReduceSum) or 18 (the rest)."""
        if axes is not None and len(axes) == 0:
            return self.node("Identity", [x])
        keep = int(bool(keepdims))
        if axes is None:
            return self.node(op_type, [x], keepdims=keep)
        if self.opset >= (13 if op_type == "ReduceSum" else 18):
            return self.node(op_type, [x, self.ints(axes)], keepdims=keep)
        return self.node(op_type, [x], axes=[int(a) for a in axes], keepdims=keep)

    def squeeze(self, x, axes):
        """Remove the size-1 ``axes``."""
        return self.node("Squeeze", [x, self.ints(axes)]) if axes else x

    def unsqueeze(self, x, axes):
        """Insert size-1 dims at ``axes`` (positions in the output)."""
        return self.node("Unsqueeze", [x, self.ints(axes)]) if axes else x

    def slice(self, x, starts, ends, axes, steps=None):
        """``Slice`` along ``axes`` (Python's clamping of out-of-range bounds)."""
        if not axes:
            return x
        steps = steps or [1] * len(axes)
        return self.node("Slice", [x, self.ints(starts), self.ints(ends), self.ints(axes), self.ints(steps)])

    # -- shapes that follow the dynamic axes ------------------------------------------------------------------

    def monomial(self, dim):
        """``(coefficient, symbols)`` with ``dim == coefficient * prod(symbols)`` in every run, or None."""
        if dim.static:
            return dim.value, ()
        changed = [s for s in self.symbols if dim.sizes[s.run] != dim.value]
        if not changed or any(dim.sizes[r] != dim.value for r in range(1, len(dim.sizes))
                              if r not in {s.run for s in changed}):
            return None
        denominator = math.prod(s.base for s in changed)
        if denominator == 0 or dim.value % denominator:
            return None
        coefficient = dim.value // denominator
        for s in changed:
            if dim.sizes[s.run] != coefficient * s.probe * (denominator // s.base):
                return None
        return coefficient, tuple(changed)

    def dim_tensor(self, dim):
        """A 1-element int64 tensor holding ``dim``'s size at run time, computed from the graph inputs' shapes."""
        if dim.static:
            return self.ints([dim.value])
        found = self.monomial(dim)
        if found is None:
            names = ", ".join(repr(s.name) for s in self.symbols) or "none"
            raise ExportError(f"a size ({dim.value} here) changes with the dynamic axes ({names}) in a way that is not "
                              "a multiple of them; export with that axis static")
        coefficient, symbols = found
        key = (coefficient, tuple(s.name for s in symbols))
        if key not in self._dims:
            scope, self.scope = self.scope, "shape"
            value = None
            for s in symbols:
                source, axis = s.sources[0]
                size = self.node("Gather", [self.node("Shape", [source]), self.ints([axis])], axis=0)
                value = size if value is None else self.node("Mul", [value, size])
            if coefficient != 1:
                value = self.node("Mul", [value, self.ints([coefficient])])
            self.scope = scope
            self._dims[key] = value
        return self._dims[key]

    def shape_tensor(self, entries):
        """A 1-D int64 shape from entries that are ints (taken as they are) or :class:`Dim` s (computed)."""
        pieces: list[Any] = []
        run: list[int] = []
        for e in entries:
            if isinstance(e, Dim):
                if run:
                    pieces.append(self.ints(run))
                    run = []
                pieces.append(self.dim_tensor(e))
            else:
                run.append(int(e))
        if run or not pieces:
            pieces.append(self.ints(run))
        return pieces[0] if len(pieces) == 1 else self.node("Concat", pieces, axis=0)

    def reshape(self, x, in_dims, out_dims):
        """Reshape ``x`` (dims ``in_dims``; None for an unknown one) to ``out_dims``.

        A dim that varies becomes ``0`` where the input has the same dim at the same place, else ``-1`` when it
        is the only one left, else it is computed from the graph inputs' shapes.
        """
        entries, pending = [], []
        for j, d in enumerate(out_dims):
            if d.static:
                if d.value == 0:
                    raise ExportError("reshape to a shape with a 0-size dim cannot be exported")
                entries.append(d.value)
            elif j < len(in_dims) and in_dims[j] == d:
                entries.append(0)
            else:
                pending.append(j)
                entries.append(d)
        if len(pending) == 1:
            entries[pending[0]] = -1
        return self.node("Reshape", [x, self.shape_tensor(entries)])

    def expand(self, x, in_dims, out_dims):
        """Broadcast ``x`` (dims ``in_dims``) to ``out_dims``; a varying dim the input already has stays 1."""
        lead = len(out_dims) - len(in_dims)
        entries = []
        for j, d in enumerate(out_dims):
            if d.static:
                entries.append(d.value)
            elif j >= lead and in_dims[j - lead] == d:
                entries.append(1)
            else:
                entries.append(d)
        return self.node("Expand", [x, self.shape_tensor(entries)])
