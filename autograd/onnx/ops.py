"""The op table: how each traced op becomes ONNX nodes, one entry per op (``TABLE``).

Keys are the op's class name (``autograd.ops``' and ``nn.functional``'s :class:`~autograd.op.Op` subclasses,
matched exactly: a subclass needs its own entry) or, for the non-differentiable functions a trace records
(:func:`autograd.tracing.leaf`), their public name. An entry is ``emit(g, n) -> output name``: ``g`` is the
:class:`~autograd.onnx.builder.GraphBuilder`, ``n`` the :class:`~autograd.onnx.exporter.Node` (its inputs as
ONNX values ``n.x(i)``, parameters ``n.attr(name)``, dims). An op missing here raises
:class:`~autograd.onnx.UnsupportedOperatorError` naming it and the line that applied it.
"""
import math

import numpy as np

from .builder import INT64_MAX, INT64_MIN

__all__ = ["TABLE"]


# -- shared forms ---------------------------------------------------------------------------------------------

def _same(onnx_op, **attrs):
    """The ONNX op of the same meaning, applied to every argument (promoted as the op promotes)."""
    def emit(g, n):
        return g.node(onnx_op, [n.x(i) for i in range(n.arity)], **attrs)
    return emit


def _scalar(n, value, dtype=None):
    return n.g.scalar(value, dtype or n.out_dtype)


def _trunc(g, n, x):
    """``trunc(x) = sign(x) * floor(|x|)`` (ONNX has no Trunc)."""
    return g.node("Mul", [g.node("Sign", [x]), g.node("Floor", [g.node("Abs", [x])])])


def _pair_pads(padding):
    """ONNX pads ``[top, left, bottom, right]`` of a symmetric ``(ph, pw)``."""
    ph, pw = padding
    return [int(ph), int(pw), int(ph), int(pw)]


def _ints(values):
    return [int(v) for v in values]


# -- autograd.ops.elementwise ---------------------------------------------------------------------------------

def _log1p(g, n):
    return g.node("Log", [g.node("Add", [n.x(0), _scalar(n, 1)])])


def _clamp(g, n):
    lo, hi = n.attr("min"), n.attr("max")
    return g.node("Clip", [n.x(0), None if lo is None else _scalar(n, lo), None if hi is None else _scalar(n, hi)])


def _clamp_tensor(g, n):
    """``minimum(maximum(x, min), max)``: with ``min > max``, ``max`` wins, as PyTorch."""
    out, i = n.x(0), 1
    if n.attr("has_min"):
        out, i = g.node("Max", [out, n.x(1)]), 2
    if n.attr("has_max"):
        out = g.node("Min", [out, n.x(i)])
    return out


# -- autograd.ops.reductions ----------------------------------------------------------------------------------

def _reduce(onnx_op):
    def emit(g, n):
        return g.reduce(onnx_op, n.x(0, n.out_dtype), n.attr("dim"), n.attr("keepdim"))
    return emit


def _select(onnx_op):
    """max/min: over all elements, or the values along ``dim`` (the indices are a separate, untraced result)."""
    def emit(g, n):
        dim = n.attr("dim")
        return g.reduce(onnx_op, n.x(0), dim, n.attr("keepdim") if dim is not None else False)
    return emit


# -- autograd.ops.shape ---------------------------------------------------------------------------------------

def _reshape(g, n):
    return g.reshape(n.x(0), n.in_dims(0), n.out_dims)


def _broadcast_to(g, n):
    return g.expand(n.x(0), n.in_dims(0), n.out_dims)


def _sum_to(g, n):
    in_dims, out_dims = n.in_dims(0), n.out_dims
    lead = len(in_dims) - len(out_dims)
    axes = list(range(lead)) + [lead + i for i, d in enumerate(out_dims)
                                if d.static and d.value == 1 and in_dims[lead + i] != d]
    return g.squeeze(g.reduce("ReduceSum", n.x(0), axes, True), list(range(lead)))


def _getitem(g, n):
    """A basic index (ints, positive-step slices, None, ``...``): one Slice, then Squeeze (ints), Unsqueeze (None)."""
    index, rank = n.attr("index"), n.rank(0)
    consumed = sum(1 for item in index if item is not None and item is not Ellipsis)
    items = []
    for item in index:
        items.extend([slice(None)] * (rank - consumed) if item is Ellipsis else [item])
    starts, ends, axes, steps, ints, nones = [], [], [], [], [], []
    axis = out = 0
    for item in items:
        if item is None:
            nones.append(out)
            out += 1
            continue
        if isinstance(item, slice):
            start, stop, step = item.start, item.stop, item.step or 1
            if not (start in (None, 0) and stop is None and step == 1):
                starts.append(0 if start is None else int(start))
                ends.append(INT64_MAX if stop is None else int(stop))
                axes.append(axis)
                steps.append(int(step))
            out += 1
        else:
            i = int(item)
            starts.append(i)
            ends.append(INT64_MAX if i == -1 else i + 1)
            axes.append(axis)
            steps.append(1)
            ints.append(axis)
        axis += 1
    x = g.slice(n.x(0), starts, ends, axes, steps)
    x = g.squeeze(x, ints)
    x = g.unsqueeze(x, nones)
    return x if x != n.x(0) else g.node("Identity", [x])


def _advanced_index(g, n):
    """One integer index array among full slices: Gather along its dim (a traced index tensor stays an input)."""
    arrays = [i for i, item in enumerate(n.op.index) if isinstance(item, np.ndarray)]
    if len(arrays) != 1 or n.op.index[arrays[0]].dtype.kind not in "iu":
        n.fail("only indexing with one integer index array (among full slices) is supported, not masks or "
               "several index arrays")
    axis = arrays[0]
    if any(item != slice(None) for item in n.op.index if not isinstance(item, np.ndarray)):
        n.fail("the advanced index mixes an index array with partial slices")
    return g.node("Gather", [n.x(0), n.attr_tensor(lambda op: op.index[axis], np.int64)], axis=axis)


def _cat(g, n):
    return g.node("Concat", [n.x(i) for i in range(n.arity)], axis=n.attr("dim"))


def _pad(g, n):
    widths = n.attr("widths")
    pads = [int(lo) for lo, _ in widths] + [int(hi) for _, hi in widths]
    return g.node("Pad", [n.x(0), g.ints(pads), _scalar(n, n.attr("value"))], mode="constant")


def _cast(g, n):
    return g.node("Cast", [n.x(0)], to=g.onnx_type(n.attr("dtype")))


# -- autograd.ops.pointwise and rounding ----------------------------------------------------------------------

def _log_base(base):
    def emit(g, n):
        return g.node("Div", [g.node("Log", [n.x(0)]), _scalar(n, math.log(base))])
    return emit


def _expm1(g, n):
    return g.node("Sub", [g.node("Exp", [n.x(0)]), _scalar(n, 1)])


def _rsqrt(g, n):
    return g.node("Reciprocal", [g.node("Sqrt", [n.x(0)])])


def _frac(g, n):
    x = n.x(0)
    return g.node("Sub", [x, _trunc(g, n, x)])


def _nan_to_num(g, n):
    x, info = n.x(0), np.finfo(n.out_dtype)
    posinf, neginf = n.attr("posinf"), n.attr("neginf")
    out = g.node("Where", [g.node("IsInf", [x], detect_negative=0), _scalar(n, info.max if posinf is None else posinf), x])
    out = g.node("Where", [g.node("IsInf", [x], detect_positive=0), _scalar(n, info.min if neginf is None else neginf), out])
    return g.node("Where", [g.node("IsNaN", [x]), _scalar(n, n.attr("nan")), out])


def _round(g, n):
    decimals = n.attr("decimals")
    if decimals == 0:
        return g.node("Round", [n.x(0)])
    factor = _scalar(n, 10.0 ** abs(decimals))
    scale, unscale = ("Mul", "Div") if decimals > 0 else ("Div", "Mul")  # numpy's order, hence its rounding
    return g.node(unscale, [g.node("Round", [g.node(scale, [n.x(0), factor])]), factor])


def _floor_divide(g, n):
    a, b = n.x(0), n.x(1)
    if np.dtype(n.out_dtype).kind == "f":
        return g.node("Floor", [g.node("Div", [a, b])])
    return g.node("Div", [g.node("Sub", [a, g.node("Mod", [a, b], fmod=0)]), b])  # exact for integers


def _remainder(g, n):
    a, b = n.x(0), n.x(1)
    if np.dtype(n.out_dtype).kind == "f":  # ONNX's Python-style Mod is for integers only
        return g.node("Sub", [a, g.node("Mul", [b, g.node("Floor", [g.node("Div", [a, b])])])])
    return g.node("Mod", [a, b], fmod=0)


def _trunc_op(g, n):
    return _trunc(g, n, n.x(0))


# -- autograd.ops.layout and gather ---------------------------------------------------------------------------

def _flip(g, n):
    dims = _ints(n.attr("dims"))
    return g.slice(n.x(0), [-1] * len(dims), [INT64_MIN] * len(dims), dims, [-1] * len(dims))


def _roll(g, n):
    shifts, dims = n.attr("shifts"), n.attr("dims")
    x = n.x(0)
    if dims is None:  # numpy's roll of the flattened tensor, reshaped back
        flat = g.node("Reshape", [x, g.ints([-1])])
        size = math.prod(n.size(0, a) for a in range(n.rank(0)))
        shifted = _roll_axis(g, flat, int(shifts), 0, size)
        return g.node("Reshape", [shifted, g.shape_tensor([d.value for d in n.in_dims(0)])])
    for shift, dim in zip(shifts, dims):
        if shift:
            x = _roll_axis(g, x, int(shift), int(dim), n.size(0, dim))
    return x if x != n.x(0) else g.node("Identity", [x])


def _roll_axis(g, x, shift, axis, size):
    s = shift % size if size else 0
    if s == 0:
        return x
    return g.node("Concat", [g.slice(x, [size - s], [INT64_MAX], [axis]), g.slice(x, [0], [size - s], [axis])], axis=axis)


def _repeat(g, n):
    sizes = _ints(n.attr("sizes"))
    x = g.unsqueeze(n.x(0), list(range(len(sizes) - n.rank(0))))
    return g.node("Tile", [x, g.ints(sizes)])


def _triangle(upper):
    def emit(g, n):
        if g.opset < 14:
            n.fail("Trilu needs opset 14 or later")
        return g.node("Trilu", [n.x(0), g.scalar(n.attr("diagonal"), np.int64)], upper=upper)
    return emit


def _gather(g, n):
    dim = n.attr("dim")
    return g.node("GatherElements", [n.x(0), n.attr_tensor(lambda op: op.index[op.dim], np.int64)], axis=dim)


def _index_select(g, n):
    dim = n.attr("dim")
    return g.node("Gather", [n.x(0), n.attr_tensor(lambda op: op.index[op.dim], np.int64)], axis=dim)


# -- nn.functional --------------------------------------------------------------------------------------------

def _linear(g, n):
    """Gemm for 2-D input (as PyTorch exports it), else MatMul with the transposed weight."""
    x, w, b = n.x(0), n.x(1), n.x(2)
    if n.rank(0) == 2:
        return g.node("Gemm", [x, w, b], transB=1)
    y = g.node("MatMul", [x, g.node("Transpose", [w], perm=[1, 0])])
    return y if b is None else g.node("Add", [y, b])


def _conv2d(g, n):
    kernel = [n.size(1, 2), n.size(1, 3)]
    return g.node("Conv", [n.x(0), n.x(1), n.x(2)], kernel_shape=kernel, strides=_ints(n.attr("stride")),
                  pads=_pair_pads(n.attr("padding")), dilations=_ints(n.attr("dilation")), group=int(n.attr("groups")))


def _unfold(g, n):
    """im2col as a convolution with an identity kernel: output channel ``(c, i, j)`` reads channel c at (i, j)."""
    (kh, kw), dilation, padding, stride = (n.attr(a) for a in ("kernel_size", "dilation", "padding", "stride"))
    c = n.size(0, 1)
    k = c * kh * kw
    eye = g.const(np.eye(k, dtype=n.out_dtype).reshape(k, c, kh, kw))
    cols = g.node("Conv", [n.x(0), eye], kernel_shape=[kh, kw], strides=_ints(stride), pads=_pair_pads(padding),
                  dilations=_ints(dilation))
    batch = n.in_dims(0)[0]
    return g.reshape(cols, [batch, None, None, None], n.out_dims)


def _fold(g, n):
    if g.opset < 18:
        n.fail("fold (col2im) needs opset 18 or later (ONNX Col2Im)")
    size, kernel, dilation, padding, stride = (n.attr(a) for a in ("output_size", "kernel_size", "dilation",
                                                                   "padding", "stride"))
    return g.node("Col2Im", [n.x(0), g.ints(size), g.ints(kernel)], dilations=_ints(dilation),
                  pads=_pair_pads(padding), strides=_ints(stride))


def _max_pool_fast(g, n):
    k = _ints(n.attr("kernel_size"))
    return g.node("MaxPool", [n.x(0)], kernel_shape=k, strides=k)


def _max_pool_windows(g, n):
    kernel, dilation, padding, stride = n.attr("geometry")
    return g.node("MaxPool", [n.x(0)], kernel_shape=_ints(kernel), strides=_ints(stride), pads=_pair_pads(padding),
                  dilations=_ints(dilation))


def _avg_pool_fast(g, n):
    """Windows that tile the input, each sum times ``scale`` (``1 / (kh * kw)`` unless divisor_override)."""
    k = _ints(n.attr("kernel_size"))
    out = g.node("AveragePool", [n.x(0)], kernel_shape=k, strides=k)
    factor = n.attr("scale") * k[0] * k[1]
    return out if factor == 1 else g.node("Mul", [out, _scalar(n, factor)])


def _gelu(g, n):
    approximate = n.attr("approximate")
    x = n.x(0)
    if g.opset >= 20:
        return g.node("Gelu", [x], approximate=approximate)
    if approximate == "tanh":  # 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        cube = g.node("Mul", [g.node("Mul", [x, x]), x])
        inner = g.node("Mul", [g.node("Add", [x, g.node("Mul", [cube, _scalar(n, 0.044715)])]),
                               _scalar(n, math.sqrt(2.0 / math.pi))])
        phi = g.node("Add", [g.node("Tanh", [inner]), _scalar(n, 1)])
    else:  # 0.5 x (1 + erf(x / sqrt(2)))
        phi = g.node("Add", [g.node("Erf", [g.node("Mul", [x, _scalar(n, 1 / math.sqrt(2.0))])]), _scalar(n, 1)])
    return g.node("Mul", [g.node("Mul", [x, _scalar(n, 0.5)]), phi])


def _softplus(g, n):
    """``softplus(beta x) / beta``, and ``x`` itself where ``beta x > threshold``."""
    beta, threshold = n.attr("beta"), n.attr("threshold")
    x = n.x(0)
    bx = x if beta == 1 else g.node("Mul", [x, _scalar(n, beta)])
    out = g.node("Softplus", [bx])
    if beta != 1:
        out = g.node("Div", [out, _scalar(n, beta)])
    if math.isinf(threshold) and threshold > 0:
        return out
    return g.node("Where", [g.node("Greater", [bx, _scalar(n, threshold)]), x, out])


def _training_only(what):
    """Ops that exist only in training mode: export runs the model in eval mode, so a forward that asks for them
    explicitly (``F.dropout(x, training=True)``) has no deterministic graph."""
    def emit(g, n):
        n.fail(f"{what} in training mode has no ONNX form; export puts the model in eval mode, so pass "
               "training=self.training to the functional form")
    return emit


def _leaky_relu(g, n):
    return g.node("LeakyRelu", [n.x(0)], alpha=float(n.attr("negative_slope")))


# -- non-differentiable functions (autograd.tracing.leaf) -----------------------------------------------------

def _compare(onnx_op, negate=False):
    def emit(g, n):
        dtype = n.common_dtype()
        out = g.node(onnx_op, [n.x(0, dtype), n.x(1, dtype)])
        return g.node("Not", [out]) if negate else out
    return emit


def _bitwise(logical, bitwise):
    def emit(g, n):
        dtype = n.common_dtype()
        if dtype.kind == "b":
            return g.node(logical, [n.x(0, dtype), n.x(1, dtype)])
        if g.opset < 18:
            n.fail(f"bitwise operators on integers need opset 18 or later ({bitwise})")
        return g.node(bitwise, [n.x(0, dtype), n.x(1, dtype)])
    return emit


def _bitwise_not(g, n):
    if np.dtype(n.dtype(0)).kind == "b":
        return g.node("Not", [n.x(0)])
    if g.opset < 18:
        n.fail("bitwise_not on integers needs opset 18 or later (BitwiseNot)")
    return g.node("BitwiseNot", [n.x(0)])


def _logical(onnx_op):
    def emit(g, n):
        return g.node(onnx_op, [n.x(i, np.bool_) for i in range(n.arity)])
    return emit


def _float_test(build):
    def emit(g, n):
        if np.dtype(n.dtype(0)).kind != "f":
            n.fail(f"it is only exported for floating-point input, got {n.dtype(0)}")
        return build(g, n.x(0))
    return emit


def _copy(g, n):
    """``target.copy_(source)``: the source broadcast to the target's shape and cast to its dtype."""
    src = n.x(0, n.out_dtype)
    in_dims = n.in_dims(0)
    return src if in_dims == n.out_dims else g.expand(src, in_dims, n.out_dims)


TABLE = {
    # autograd.ops.elementwise
    "Add": _same("Add"), "Sub": _same("Sub"), "Mul": _same("Mul"), "Div": _same("Div"), "Pow": _same("Pow"),
    "Neg": _same("Neg"), "Exp": _same("Exp"), "Log": _same("Log"), "Log1p": _log1p, "Sqrt": _same("Sqrt"),
    "Abs": _same("Abs"), "Sin": _same("Sin"), "Cos": _same("Cos"), "Tanh": _same("Tanh"),
    "Sigmoid": _same("Sigmoid"), "ReLU": _same("Relu"), "Clamp": _clamp, "ClampTensor": _clamp_tensor,
    "Maximum": _same("Max"), "Minimum": _same("Min"), "Where": _same("Where"),
    # autograd.ops.reductions
    "Sum": _reduce("ReduceSum"), "Mean": _reduce("ReduceMean"), "Max": _select("ReduceMax"),
    "Min": _select("ReduceMin"), "StdSqrt": _same("Sqrt"), "LogSumExp": _reduce("ReduceLogSumExp"),
    "Softmax": lambda g, n: g.node("Softmax", [n.x(0)], axis=n.attr("dim")),
    "LogSoftmax": lambda g, n: g.node("LogSoftmax", [n.x(0)], axis=n.attr("dim")),
    # autograd.ops.linalg
    "MatMul": _same("MatMul"),
    # autograd.ops.shape
    "Reshape": _reshape, "Permute": lambda g, n: g.node("Transpose", [n.x(0)], perm=_ints(n.attr("dims"))),
    "BroadcastTo": _broadcast_to, "SumTo": _sum_to, "GetItem": _getitem, "AdvancedIndex": _advanced_index,
    "Cat": _cat, "Pad": _pad, "Clone": _same("Identity"), "Cast": _cast,
    # autograd.ops.pointwise
    "Expm1": _expm1, "Log2": _log_base(2), "Log10": _log_base(10), "Reciprocal": _same("Reciprocal"),
    "Rsqrt": _rsqrt, "Tan": _same("Tan"), "Asin": _same("Asin"), "Acos": _same("Acos"), "Atan": _same("Atan"),
    "Sinh": _same("Sinh"), "Cosh": _same("Cosh"), "Frac": _frac, "NanToNum": _nan_to_num,
    # autograd.ops.rounding
    "Floor": _same("Floor"), "Ceil": _same("Ceil"), "Trunc": _trunc_op, "Sign": _same("Sign"), "Round": _round,
    "FloorDivide": _floor_divide, "Remainder": _remainder, "Fmod": _same("Mod", fmod=1),
    # autograd.ops.layout and gather
    "Flip": _flip, "Roll": _roll, "Repeat": _repeat, "Tril": _triangle(0), "Triu": _triangle(1),
    "Gather": _gather, "IndexSelect": _index_select, "MaskedFill": _same("Where"),
    # nn.functional
    "Linear": _linear, "Conv2d": _conv2d, "Unfold": _unfold, "Fold": _fold, "MaxPool2dFast": _max_pool_fast,
    "MaxPool2dWindows": _max_pool_windows, "AvgPool2dFast": _avg_pool_fast, "LeakyReLU": _leaky_relu,
    "Erf": _same("Erf"), "GELU": _gelu, "Softplus": _softplus,
    "Dropout": _training_only("dropout"), "BatchNormTrain": _training_only("batch norm with batch statistics"),
    # non-differentiable functions (autograd.tracing.leaf) and copy_
    "eq": _compare("Equal"), "ne": _compare("Equal", negate=True), "lt": _compare("Less"),
    "le": _compare("LessOrEqual"), "gt": _compare("Greater"), "ge": _compare("GreaterOrEqual"),
    "bitwise_and": _bitwise("And", "BitwiseAnd"), "bitwise_or": _bitwise("Or", "BitwiseOr"),
    "bitwise_xor": _bitwise("Xor", "BitwiseXor"), "bitwise_not": _bitwise_not,
    "logical_and": _logical("And"), "logical_or": _logical("Or"), "logical_xor": _logical("Xor"),
    "logical_not": _logical("Not"),
    "isnan": _float_test(lambda g, x: g.node("IsNaN", [x])), "isinf": _float_test(lambda g, x: g.node("IsInf", [x])),
    "isfinite": _float_test(lambda g, x: g.node("Not", [g.node("Or", [g.node("IsNaN", [x]), g.node("IsInf", [x])])])),
    "copy_": _copy,
}
