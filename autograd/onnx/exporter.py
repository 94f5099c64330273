"""The exporter: trace the model, check that the traces agree, and emit one ONNX node group per traced op.

The model runs in eval mode under ``no_grad`` inside :func:`autograd.tracing.trace`, once with the given
arguments and once more per dynamic axis with that axis enlarged (every input's values reordered too); without
dynamic axes the second run only reorders the values. The runs must apply the same ops: a dim that differs
between them follows a dynamic axis (:mod:`autograd.onnx.builder`), and a constant that differs was computed from
the input by code tracing cannot see, which is an error rather than a wrong graph. Only the ops the outputs
depend on are exported; each is translated by its entry in :data:`autograd.onnx.ops.TABLE`.
"""
import numpy as np

from ..creation import from_numpy
from ..grad_mode import no_grad
from ..tensor import Tensor
from ..tracing import format_site, trace
from .builder import Dim, ExportError, GraphBuilder, Symbol, dims_of

__all__ = ["OnnxExporterError", "UnsupportedOperatorError", "export_model"]


class OnnxExporterError(RuntimeError):
    """The model cannot be exported to ONNX (the message says why and where), as ``torch.onnx.errors``."""


class UnsupportedOperatorError(OnnxExporterError):
    """An op the model applies has no ONNX form here; the message names it and where it was applied."""


# -- running the model ----------------------------------------------------------------------------------------

class _Run:
    """One traced forward: the trace, the input Tensors and the output Tensors with their refs."""

    def __init__(self, model, positional, keywords, slots, inputs):
        args, kwargs = list(positional), dict(keywords)
        for (where, key), t in zip(slots, inputs):
            (args if where == "args" else kwargs)[key] = t
        with no_grad(), trace(inputs) as t:
            out = model(*args, **kwargs)
        self.trace, self.inputs = t, inputs
        self.outputs = _flatten(out)
        self.refs = [t.resolve(o) for o in self.outputs]

    def shape(self, ref):
        """The shape of what ``ref`` refers to in this run."""
        if ref.kind == "input":
            return self.inputs[ref.index].shape
        if ref.kind == "call":
            return self.trace.calls[ref.index].output.shape
        return np.shape(_array(ref.value))


def _flatten(out):
    if isinstance(out, Tensor):
        return [out]
    if isinstance(out, (tuple, list)):
        return [t for item in out for t in _flatten(item)]
    raise TypeError(f"export: the model returned a {type(out).__name__}; only Tensors and tuples or lists of "
                    "Tensors can be outputs of an ONNX graph")


def _array(value):
    return value.numpy() if isinstance(value, Tensor) else np.asarray(value)


def _probe_inputs(inputs, axes, symbol):
    """Inputs for another run: the dims of ``symbol`` enlarged (``n`` -> ``2n + 1``), every input's values reordered.

    The values come from the input itself (rows repeated, then the whole array reversed), so their range and
    kind (class indices, masks) stay valid.
    """
    probes = []
    for k, t in enumerate(inputs):
        a = t.numpy()
        for axis, name in axes.get(k, {}).items():
            if name == symbol:
                n = a.shape[axis]
                a = np.take(a, (np.arange(2 * n + 1) * 7 + 3) % n, axis=axis)
        probes.append(from_numpy(np.ascontiguousarray(a.reshape(-1)[::-1].reshape(a.shape))))
    return probes


# -- the runs must agree --------------------------------------------------------------------------------------

def _site(call):
    return format_site(call.site)


def _structure_error(runs, symbols, i, why):
    base = runs[0].trace.calls
    where = f"op #{i} ({base[i].kind} at {_site(base[i])})" if i < len(base) else "the end of the trace"
    if symbols:
        cause = (f"the model applies other ops when the size along a dynamic axis changes "
                 f"({', '.join(repr(s.name) for s in symbols)}): a Python loop or branch over a size, or a size "
                 "read as a number, cannot be exported with that axis dynamic")
    else:
        cause = "the model applies other ops for other input values (a branch on the values cannot be exported)"
    return OnnxExporterError(f"export: {cause}; the runs differ at {where}: {why}")


def _check_agree(runs, symbols):
    """OnnxExporterError unless every run applied the same ops to the same kinds of arguments."""
    first = runs[0].trace.calls
    for run in runs[1:]:
        calls = run.trace.calls
        for i, (a, b) in enumerate(zip(first, calls)):
            if a.kind != b.kind:
                raise _structure_error(runs, symbols, i, f"{a.kind} in one run, {b.kind} in another")
            if len(a.args) != len(b.args):
                raise _structure_error(runs, symbols, i, "a different number of arguments")
            for j, (x, y) in enumerate(zip(a.args, b.args)):
                same = x.kind == y.kind and (x.index == y.index if x.kind in ("input", "call") else True)
                if x.kind == "number" and same:
                    same = x.value == y.value or (x.value != x.value and y.value != y.value)  # NaN == NaN
                if not same:
                    raise _structure_error(runs, symbols, i, f"argument {j} is {_describe(x)} in one run and "
                                           f"{_describe(y)} in another")
        if len(calls) != len(first):
            raise _structure_error(runs, symbols, min(len(calls), len(first)),
                                   f"{len(first)} ops in one run, {len(calls)} in another")
        if run.refs != runs[0].refs:
            raise _structure_error(runs, symbols, len(first), "the outputs come from other ops")


def _describe(ref):
    if ref.kind == "number":
        return f"the number {ref.value!r}"
    if ref.kind == "call":
        return f"the output of op #{ref.index}"
    if ref.kind == "input":
        return f"input {ref.index}"
    return f"a {ref.kind}"


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
        if not all(_same(values[0], v) for v in values[1:]):
            self.fail(f"its parameter {name!r} changes with the size along a dynamic axis ({values[0]!r} here)")
        return values[0]

    def attr_tensor(self, get, dtype=None):
        """An array parameter (``get(op)``, e.g. an index) as a graph value: the traced tensor it is, else a constant."""
        refs = [run.trace.resolve(get(c.op)) for run, c in zip(self._ex.runs, self.calls)]
        name = self._ex.value(refs, self)
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
            return _array(ref.value).dtype
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
        name = self._ex.value([c.args[i] for c in self.calls], self)
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


def _same(a, b):
    """Equality of op parameters: tuples, slices, arrays and numbers (NaN equals NaN)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape and \
            np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
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

    def value(self, refs, node):
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
            return self._constant(refs, node)
        raise ExportError(f"unexpected argument {ref!r}")

    def _constant(self, refs, node):
        base = refs[0].value
        if id(base) in self._constants:
            return self._constants[id(base)]
        for r in refs:
            if r.version is not None and r.value._version[0] != r.version:
                raise ExportError("a constant input of it was changed in place after the op used it")
        arrays = [_array(r.value) for r in refs]
        if all(a.shape == arrays[0].shape and _same(a, arrays[0]) for a in arrays[1:]):
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
        calls = self.runs[0].trace.calls
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
                                           f"scratchgrad's exporter; it was applied at {_site(call)}")
        scope, self.g.scope = self.g.scope, f"{call.kind}_{i}"
        try:
            out = entry(self.g, Node(self, i))
        except ExportError as exc:
            raise UnsupportedOperatorError(f"export: {call.op.name} ({call.kind}) at {_site(call)} cannot be "
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
                source = self.value([r.refs[k] for r in self.runs], None) if ref.kind != "call" else self.values[ref.index]
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
        except Exception as exc:  # onnx raises InferenceError / ValidationError
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
                                        f"{call.kind} at {_site(call)}")


def _uniform(a, value):
    return bool(np.all(a == value)) or (a.dtype.kind == "f" and value != value and bool(np.all(np.isnan(a))))


# -- arguments ------------------------------------------------------------------------------------------------

def _split_args(args):
    """``(positional, keywords)`` from torch's ``args``: a Tensor, or a tuple whose last item may be a dict."""
    if isinstance(args, Tensor):
        return (args,), {}
    if not isinstance(args, (tuple, list)):
        raise TypeError(f"export: args must be a Tensor or a tuple of arguments, got {type(args).__name__}")
    args = tuple(args)
    if args and isinstance(args[-1], dict):
        return args[:-1], dict(args[-1])
    return args, {}


def _names(given, count, what):
    if given is None:
        given = []
    given = list(given)
    if len(given) > count:
        raise ValueError(f"export: {len(given)} {what} names given for {count} {what}s")
    defaults = [what] if count == 1 else [f"{what}_{i}" for i in range(count)]
    names = [str(n) for n in given] + defaults[len(given):]
    if len(set(names)) != len(names):
        raise ValueError(f"export: the {what} names {names} are not unique")
    return names


def _axes(dynamic_axes):
    """``{name: {axis: symbol}}`` from torch's ``dynamic_axes`` (lists get ``<name>_dynamic_axes_<i>`` names)."""
    if dynamic_axes is None:
        return {}
    if not isinstance(dynamic_axes, dict):
        raise TypeError(f"export: dynamic_axes must be a dict, got {type(dynamic_axes).__name__}")
    out = {}
    for name, axes in dynamic_axes.items():
        if isinstance(axes, dict):
            out[name] = {int(a): str(s) for a, s in axes.items()}
        elif isinstance(axes, (list, tuple)):
            out[name] = {int(a): f"{name}_dynamic_axes_{i + 1}" for i, a in enumerate(axes)}
        else:
            raise TypeError(f"export: dynamic_axes[{name!r}] must be a list of axes or a dict axis -> name, "
                            f"got {type(axes).__name__}")
    return out


def _check_axes(axes, name, rank):
    for axis in axes:
        if not 0 <= axis < rank:
            raise ValueError(f"export: dynamic axis {axis} of {name!r} is out of range for its {rank} dims")


def _parameter_names(model):
    """Initializer names of the model's parameters and buffers (by tensor and by array)."""
    names = {}
    for method in ("named_parameters", "named_buffers"):
        if hasattr(model, method):
            for name, t in getattr(model, method)():
                if isinstance(t, Tensor):
                    names.setdefault(id(t), name)
                    names.setdefault(id(t.numpy()), name)
    return names


class _EvalMode:
    """The model in eval mode for the export, its training flags restored afterwards."""

    def __init__(self, model):
        self.model = model
        modules = model.modules() if hasattr(model, "modules") else []
        self.flags = [(m, m.training) for m in modules if hasattr(m, "training")]

    def __enter__(self):
        if hasattr(self.model, "eval"):
            self.model.eval()

    def __exit__(self, *exc):
        for m, flag in self.flags:
            m.training = flag
        return False


def export_model(onnx, table, model, args, input_names, output_names, dynamic_axes, opset_version):
    """The ONNX ModelProto of ``model`` applied to ``args`` (see :func:`autograd.onnx.export`)."""
    positional, keywords = _split_args(args)
    slots = [("args", i) for i, a in enumerate(positional) if isinstance(a, Tensor)]
    slots += [("kwargs", k) for k, v in keywords.items() if isinstance(v, Tensor)]
    inputs = [positional[i] if where == "args" else keywords[i] for where, i in slots]
    input_names = _names(input_names, len(inputs), "input")
    axes = _axes(dynamic_axes)
    by_input = {}
    groups = {}  # symbol name -> [(input index, axis)]
    for k, name in enumerate(input_names):
        if name in axes:
            _check_axes(axes[name], name, inputs[k].ndim)
            by_input[k] = axes[name]
            for axis, sym in axes[name].items():
                groups.setdefault(sym, []).append((k, axis))
    symbols = []
    for run, (sym, places) in enumerate(groups.items(), 1):
        sizes = {inputs[k].shape[axis] for k, axis in places}
        if len(sizes) != 1:
            raise ValueError(f"export: the dynamic axis {sym!r} has different sizes in the inputs ({sorted(sizes)})")
        base = sizes.pop()
        if base < 1:
            raise ValueError(f"export: the dynamic axis {sym!r} has size 0; trace with at least one element")
        symbols.append(Symbol(sym, run, base, 2 * base + 1, [(input_names[k], axis) for k, axis in places]))
    with _EvalMode(model):
        runs = [_Run(model, positional, keywords, slots, inputs)]
        for s in symbols or [None]:
            probe = _probe_inputs(inputs, by_input, s.name if s else None)
            try:
                runs.append(_Run(model, positional, keywords, slots, probe))
            except Exception as exc:
                if s is None:
                    raise
                raise OnnxExporterError(
                    f"export: the model fails when the dynamic axis {s.name!r} has size {s.probe} instead of {s.base} "
                    f"({type(exc).__name__}: {exc}); a dynamic axis must accept other sizes (give inputs that must "
                    "match one axis name in dynamic_axes)") from exc
    output_names = _names(output_names, len(runs[0].outputs), "output")
    out_axes = {}
    for name, spec in axes.items():
        if name in input_names:
            continue
        if name not in output_names:
            raise ValueError(f"export: dynamic_axes names {name!r}, which is neither an input ({input_names}) nor an "
                             f"output ({output_names})")
        _check_axes(spec, name, runs[0].outputs[output_names.index(name)].ndim)
        out_axes[name] = spec
    _check_agree(runs, symbols)
    exporter = Exporter(onnx, table, runs, symbols, input_names, output_names, out_axes, opset_version,
                        _parameter_names(model))
    return exporter.build()
