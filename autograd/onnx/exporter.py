"""Emitting the graph: one :class:`Node` per traced op the outputs need, translated by its table entry.

:class:`Exporter` turns agreeing runs (:mod:`autograd.onnx.runs`) into a ModelProto: arguments become graph
inputs, the values of earlier ops, initializers (parameters keep their ``state_dict`` names) or constants computed
at run time (a fill whose shape follows a dynamic axis); a constant that differs between the runs was computed
from the input by code tracing cannot see, which is an error rather than a wrong graph. ONNX's shape inference
must then agree with the traced dtypes and sizes.
"""
import math

import numpy as np

from ..tensor import Tensor
from ..tracing import format_site
from .builder import ExportError, GraphBuilder, dims_of
from .errors import OnnxExporterError, UnsupportedOperatorError

__all__ = ["Node", "Exporter", "array_of", "same_value", "site_of"]


def site_of(call):
    """Where a traced call was applied, as text."""
    return format_site(call.site)


def array_of(value):
    """The array of a constant (a Tensor or an array-like)."""
    return value.numpy() if isinstance(value, Tensor) else np.asarray(value)


def _needed(runs):
    """Indices of the calls the outputs depend on, in trace order."""
    calls = runs[0].trace.calls
    needed, stack = set(), [r.index for r in runs[0].refs if r.kind == "call"]
    while stack:
        i = stack.pop()
        if i in needed:
            continue
        needed.add(i)
        stack.extend(r.index for r in calls[i].args if r.kind == "call")
    return sorted(needed)


# -- one traced op, as the op table sees it -------------------------------------------------------------------

class Node:
    """One traced op being exported: its ONNX inputs, static attributes and dims (what a table entry reads).

    Attributes:
        g: the :class:`~autograd.onnx.builder.GraphBuilder`.
        op: the op object of the export's own run (read parameters with :meth:`attr`, which checks the runs agree).
        kind: the op's table key (``'Conv2d'``, ``'gt'``).
        arity: the number of arguments.
    """

    def __init__(self, exporter, index):
        self._ex, self.index = exporter, index
        self.calls = [run.trace.calls[index] for run in exporter.runs]
        self.g = exporter.g
        self.op = self.calls[0].op
        self.kind = self.calls[0].kind
        self.arity = len(self.calls[0].args)

    def fail(self, why):
        """Raise the error that says why this op cannot be exported (the exporter adds the op and its site)."""
        raise ExportError(why)

    def attr(self, name):
        """The op's parameter ``name``; ExportError when it differs between the runs (it follows a dynamic axis)."""
        values = [getattr(c.op, name) for c in self.calls]
        if not all(same_value(values[0], v) for v in values[1:]):
            self.fail(f"its parameter {name!r} changes with the size along a dynamic axis ({values[0]!r} here)")
        return values[0]

    def attr_tensor(self, get, dtype=None):
        """An array parameter (``get(op)``, e.g. an index) as a graph value: the traced tensor it is, else a constant."""
        refs = [run.trace.resolve(get(c.op)) for run, c in zip(self._ex.runs, self.calls)]
        name = self._ex.value(refs)
        natural = np.asarray(get(self.op)).dtype
        return self.g.cast(name, natural, dtype or natural)

    def has(self, i):
        """True when argument ``i`` is given (not None)."""
        return self.calls[0].args[i].kind != "none"

    def dtype(self, i):
        """The dtype argument ``i`` reached the op with (after promotion); None for a number."""
        seen = self.calls[0].dtypes[i] if i < len(self.calls[0].dtypes) else None
        return seen if seen is not None else self._natural(i)

    def _natural(self, i):
        ref = self.calls[0].args[i]
        if ref.kind == "input":
            return self._ex.runs[0].inputs[ref.index].dtype
        if ref.kind == "call":
            return self._ex.runs[0].trace.calls[ref.index].output.dtype
        if ref.kind == "constant":
            return array_of(ref.value).dtype
        return None

    def common_dtype(self):
        """The dtype the arguments meet in: the promoted one, or numpy's result type of arrays and numbers."""
        skip = getattr(self.op, "promote_skip", 0)
        if getattr(self.op, "promotes", False):
            for d in self.calls[0].dtypes[skip:]:
                if d is not None:
                    return d
        operands = []
        for i, ref in enumerate(self.calls[0].args[skip:], skip):
            if ref.kind == "number":
                operands.append(ref.value)
            elif ref.kind != "none":
                operands.append(self.dtype(i))
        return np.result_type(*operands)

    def x(self, i, dtype=None):
        """The ONNX value of argument ``i`` (None when not given), cast to ``dtype`` or to what the op received;
        a number becomes a constant of that dtype (the promoted one by default)."""
        ref = self.calls[0].args[i]
        if ref.kind == "none":
            return None
        if ref.kind == "number":
            return self.g.scalar(ref.value, dtype or self.calls[0].dtypes[i] or self.common_dtype())
        name = self._ex.value([c.args[i] for c in self.calls])
        return self.g.cast(name, self._natural(i), dtype or self.dtype(i))

    def in_dims(self, i):
        """The :class:`~autograd.onnx.builder.Dim` s of argument ``i``."""
        return dims_of([run.shape(c.args[i]) for run, c in zip(self._ex.runs, self.calls)])

    def rank(self, i):
        """The number of dims of argument ``i``."""
        return len(self._ex.runs[0].shape(self.calls[0].args[i]))

    def size(self, i, axis):
        """The size of dim ``axis`` of argument ``i``, which must not follow a dynamic axis."""
        dim = self.in_dims(i)[axis]
        if not dim.static:
            self.fail(f"it needs the size of dim {axis} of its input {i}, which changes with a dynamic axis")
        return dim.value

    @property
    def out_dims(self):
        """The :class:`~autograd.onnx.builder.Dim` s of the output."""
        return dims_of([c.output.shape for c in self.calls])

    @property
    def out_dtype(self):
        """The output's dtype."""
        return self.calls[0].output.dtype


def same_value(a, b):
    """Equality of op parameters: tuples, slices, arrays and numbers (NaN equals NaN)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape and \
            np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return a is b


# -- the export -----------------------------------------------------------------------------------------------

class Exporter:
    """Builds the ONNX model of agreeing runs (see the module docstring)."""

    def __init__(self, onnx, table, runs, symbols, input_names, output_names, output_axes, opset, names):
        self.onnx, self.table, self.runs, self.symbols = onnx, table, runs, symbols
        self.input_names, self.output_names, self.output_axes = input_names, output_names, output_axes
        self.opset, self.param_names = opset, names
        self.g = GraphBuilder(onnx, opset, symbols)
        for name in list(input_names) + list(output_names):
            self.g.reserve(name)
        self.values = {}  # call index -> ONNX value name
        self._constants = {}  # id of the export run's constant -> initializer name
        self._expected = {}  # value name -> (call, dtype, dims): what shape inference must agree with

    def value(self, refs):
        """The ONNX value of one argument (its ref in each run)."""
        ref = refs[0]
        if ref.kind in ("input", "call") and any(r != ref for r in refs):
            raise ExportError("an index or other tensor parameter of it comes from other ops in other runs")
        if ref.kind == "input":
            return self.input_names[ref.index]
        if ref.kind == "call":
            if ref.index not in self.values:  # a tensor parameter (an index) made by an op the outputs need
                self._emit(ref.index)
            return self.values[ref.index]
        if ref.kind == "stale":
            raise ExportError("an input of it was changed in place by an operation that tracing does not record "
                              "(an in-place op such as add_ or x[...] = v, or assigning .data); use the out-of-place "
                              "form in forward")
        if ref.kind == "constant":
            return self._constant(refs)
        raise ExportError(f"unexpected argument {ref!r}")

    def _constant(self, refs):
        base = refs[0].value
        if id(base) in self._constants:
            return self._constants[id(base)]
        for r in refs:
            if r.version is not None and r.value._version[0] != r.version:
                raise ExportError("a constant input of it was changed in place after the op used it")
        arrays = [array_of(r.value) for r in refs]
        if all(a.shape == arrays[0].shape and same_value(a, arrays[0]) for a in arrays[1:]):
            name = self.g.initializer(arrays[0], self.param_names.get(id(base)) or
                                      self.param_names.get(id(arrays[0])) or f"{self.g.scope}/constant")
        elif all(a.size and a.dtype == arrays[0].dtype and _uniform(a, arrays[0].flat[0]) for a in arrays):
            # zeros(batch, hidden) and the like: a constant fill whose shape follows a dynamic axis
            value = self.onnx.numpy_helper.from_array(arrays[0].reshape(-1)[:1].copy())
            shape = self.g.shape_tensor(dims_of([a.shape for a in arrays]))
            name = self.g.node("ConstantOfShape", [shape], value=value)
        else:
            raise ExportError(
                "a tensor it uses was computed from the input outside autograd's ops (numpy code, .numpy(), "
                ".item(), an integer cast, indices returned by max(dim)) or is random, so its value differs between "
                "traced runs and it cannot be a constant of the graph; compute it with autograd ops")
        self._constants[id(base)] = name
        return name

    def build(self):
        """The ONNX ModelProto."""
        from .. import __version__

        onnx = self.onnx
        for i in _needed(self.runs):
            if i not in self.values:
                self._emit(i)
        self.g.scope = "graph"
        outputs = self._outputs()
        inputs = [self._value_info(name, t.dtype, self._input_dims(k, t)) for k, (name, t) in
                  enumerate(zip(self.input_names, self.runs[0].inputs))]
        graph = onnx.helper.make_graph(self.g.nodes, "scratchgrad", inputs, outputs, self.g.initializers)
        opset = onnx.helper.make_opsetid("", self.opset)
        model = onnx.helper.make_model(graph, producer_name="scratchgrad", producer_version=__version__,
                                       opset_imports=[opset],
                                       ir_version=onnx.helper.find_min_ir_version_for([opset]))
        self._verify(model)
        onnx.checker.check_model(model)
        return model

    def _emit(self, i):
        """Translate call ``i`` with its table entry (its arguments are translated already)."""
        call = self.runs[0].trace.calls[i]
        entry = self.table.get(call.kind)
        if entry is None:
            raise UnsupportedOperatorError(f"export: the op {call.op.name} ({call.kind}) has no ONNX form in "
                                           f"scratchgrad's exporter; it was applied at {site_of(call)}")
        scope, self.g.scope = self.g.scope, f"{call.kind}_{i}"
        try:
            out = entry(self.g, Node(self, i))
        except ExportError as exc:
            raise UnsupportedOperatorError(f"export: {call.op.name} ({call.kind}) at {site_of(call)} cannot be "
                                           f"exported: {exc}") from None
        self.g.scope = scope
        self.values[i] = out
        self._expected[out] = (call, call.output.dtype, dims_of([r.trace.calls[i].output.shape for r in self.runs]))

    def _input_dims(self, k, tensor):
        names = {axis: s.name for s in self.symbols for (src, axis) in s.sources if src == self.input_names[k]}
        return [names.get(axis, n) for axis, n in enumerate(tensor.shape)]

    def _outputs(self):
        """The graph outputs: each output value renamed to its output name (through Identity where it must)."""
        infos, renames = [], {}
        produced = {out for node in self.g.nodes for out in node.output}
        for k, (name, ref) in enumerate(zip(self.output_names, self.runs[0].refs)):
            if ref.kind == "call" and self.values[ref.index] in produced and self.values[ref.index] not in renames:
                renames[self.values[ref.index]] = name
            else:  # an input, a constant or a value already output under another name
                try:
                    source = self.value([r.refs[k] for r in self.runs])
                except ExportError as exc:
                    raise OnnxExporterError(f"export: output {name!r} cannot be exported: {exc}") from None
                self.g.nodes.append(self.onnx.helper.make_node("Identity", [source], [name],
                                                               name=self.g.fresh(f"output_{k}/Identity")))
            out = self.runs[0].outputs[k]
            dims = dims_of([run.outputs[k].shape for run in self.runs])
            infos.append(self._value_info(name, out.dtype, self._output_dims(name, dims)))
        for node in self.g.nodes:
            node.input[:] = [renames.get(x, x) for x in node.input]
            node.output[:] = [renames.get(x, x) for x in node.output]
        self._expected = {renames.get(k, k): v for k, v in self._expected.items()}
        return infos

    def _output_dims(self, name, dims):
        named = self.output_axes.get(name, {})
        out = []
        for axis, d in enumerate(dims):
            if axis in named:
                out.append(named[axis])
            elif d.static:
                out.append(d.value)
            else:
                found = self.g.monomial(d)
                out.append(found[1][0].name if found and found[0] == 1 and len(found[1]) == 1 else f"{name}_dim_{axis}")
        return out

    def _value_info(self, name, dtype, dims):
        return self.onnx.helper.make_tensor_value_info(name, self.g.onnx_type(dtype), dims)

    def _verify(self, model):
        """OnnxExporterError when ONNX's shape inference disagrees with the traced dtypes and sizes (an exporter
        bug or an unsupported dtype): a size it finds fixed must be one that no dynamic axis changes."""
        onnx = self.onnx
        try:
            inferred = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True, data_prop=True)
        except (onnx.shape_inference.InferenceError, onnx.checker.ValidationError) as exc:
            raise OnnxExporterError(f"export: ONNX rejects the exported graph: {exc}") from None
        infos = list(inferred.graph.value_info) + list(inferred.graph.output)
        for info in infos:
            expected = self._expected.get(info.name)
            if expected is None or not info.type.HasField("tensor_type"):
                continue
            call, dtype, dims = expected
            tt = info.type.tensor_type
            problem = None
            if tt.elem_type != self.g.onnx_type(dtype):
                problem = f"element type {onnx.helper.tensor_dtype_to_np_dtype(tt.elem_type)}, traced {dtype}"
            elif tt.HasField("shape"):
                got = tt.shape.dim
                if len(got) != len(dims):
                    problem = f"rank {len(got)}, traced {len(dims)}"
                for axis, (g, d) in enumerate(zip(got, dims)):
                    if problem is None and g.HasField("dim_value") and (not d.static or g.dim_value != d.value):
                        problem = f"dim {axis} of size {g.dim_value}, traced sizes {d.sizes}"
            if problem:
                raise OnnxExporterError(f"export: internal error: ONNX infers {problem} for the output of "
                                        f"{call.kind} at {site_of(call)}")


def _uniform(a, value):
    return bool(np.all(a == value)) or (a.dtype.kind == "f" and bool(np.isnan(value)) and bool(np.all(np.isnan(a))))
