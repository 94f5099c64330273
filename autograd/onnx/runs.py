"""Running the model for export: the traced runs, their agreement, and the arguments of ``export``.

The model runs in eval mode under ``no_grad`` inside :func:`autograd.tracing.trace`, once with the given
arguments and once more per dynamic axis with that axis enlarged (every input's values reordered too); without
dynamic axes the second run only reorders the values. The runs must apply the same ops to the same kinds of
arguments: a dim that differs between them follows a dynamic axis (:mod:`autograd.onnx.builder`).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..creation import from_numpy
from ..grad_mode import no_grad
from ..tensor import Tensor
from ..tracing import trace
from .builder import Symbol
from .errors import OnnxExporterError
from .exporter import Exporter, array_of, same_value, site_of

__all__ = ["export_model"]


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
        return np.shape(array_of(ref.value))


def _flatten(out):
    if isinstance(out, Tensor):
        return [out]
    if isinstance(out, (tuple, list)):
        return [t for item in out for t in _flatten(item)]
    raise TypeError(f"export: the model returned a {type(out).__name__}; only Tensors and tuples or lists of "
                    "Tensors can be outputs of an ONNX graph")


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

def _structure_error(runs, symbols, i, why):
    base = runs[0].trace.calls
    where = f"op #{i} ({base[i].kind} at {site_of(base[i])})" if i < len(base) else "the end of the trace"
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
                    same = same_value(x.value, y.value)
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
    names: dict[Any, str] = {}
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
    groups: dict[str, list[tuple[int, int]]] = {}  # symbol name -> [(input index, axis)]
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
        for s in symbols or [None]:  # type: ignore[list-item]  # (None: one run, no symbol)
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
