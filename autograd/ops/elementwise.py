"""Elementwise ops: arithmetic, exp/log, trigonometric, activations, clamp, maximum/minimum, where.

Gradient masking: where an op's local derivative is infinite or NaN (``log`` at 0, ``sqrt`` at 0, ``1/b``
at ``b = 0``, ``exp`` overflow, ``x ** p`` at 0), the gradient is taken as 0 wherever the incoming gradient
is exactly 0.  That is what makes ``where(x > 0, log(x), 0)`` give finite gradients: ``where`` sends an exact
zero into the branch not taken, and the branch's own backward no longer turns ``0 * inf`` into NaN.  (PyTorch,
JAX, HIPS autograd and tinygrad return NaN there.)
"""
from __future__ import annotations

import builtins
import math
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from ..backend import data_of, namespace
from ..creation import get_default_dtype
from ..devices import to_numpy_dtype
from ..dtypes import result_type
from ..inplace import _raw
from ..op import Op
from ..registry import register
from ..tensor import Tensor
from .comparison import nonzero

if TYPE_CHECKING:
    from ..types import Number, TensorLike


def _masked_mul(grad, deriv):
    """``grad * deriv``, but 0 wherever ``grad`` is exactly 0 and ``deriv`` is not finite (see module doc)."""
    prod = grad * deriv
    xp = namespace(prod)
    if not (math.isfinite(deriv) if isinstance(deriv, (int, float)) else xp.all(xp.isfinite(deriv))):
        return xp.where(grad == 0, 0, prod)
    return prod


def _broadcast_error(op, *operands):
    """The RuntimeError PyTorch raises for operands that do not broadcast, naming ``op`` and every shape."""
    shapes = " and ".join(str(tuple(getattr(x, "shape", ()))) for x in operands)
    return RuntimeError(f"{op}: operands of shapes {shapes} cannot be broadcast together")


class _Arithmetic(Op):
    """Binary arithmetic: broadcasting, and PyTorch's promotion of number operands (see ``Op.promotes``)."""

    __slots__ = ()
    broadcasts = True
    promotes: bool | str = True


class Add(_Arithmetic):
    __slots__ = ()

    def forward(self, a, b):
        try:
            return a + b
        except ValueError:  # numpy's broadcast failure; torch raises RuntimeError
            raise _broadcast_error("add", a, b) from None

    def backward(self, grad):
        return grad, grad


class Sub(_Arithmetic):
    __slots__ = ()

    def forward(self, a, b):
        try:
            return a - b
        except ValueError:  # numpy's broadcast failure; torch raises RuntimeError
            raise _broadcast_error("sub", a, b) from None

    def backward(self, grad):
        return grad, -grad


class Mul(_Arithmetic):
    __slots__ = ()
    save_inputs = True
    saves_for = ((1,), (0,))  # d/da needs b, d/db needs a

    def forward(self, a, b):
        try:
            return a * b
        except ValueError:  # numpy's broadcast failure; torch raises RuntimeError
            raise _broadcast_error("mul", a, b) from None

    def backward(self, grad, a, b):
        return (grad * b if self.next[0] is not None else None), (grad * a if self.next[1] is not None else None)


class Div(_Arithmetic):
    __slots__ = ()
    promotes = "float"  # true division: integers give the default float dtype
    save_inputs = True
    saves_for = ((1,), (0, 1))  # d/da = 1/b; d/db = -a/b^2

    def forward(self, a, b):
        try:
            return a / b
        except ValueError:  # numpy's broadcast failure; torch raises RuntimeError
            raise _broadcast_error("div", a, b) from None

    def backward(self, grad, a, b):
        ga = _masked_mul(grad, _reciprocal(b)) if self.next[0] is not None else None
        gb = _masked_mul(grad, -a / (b * b)) if self.next[1] is not None else None
        return ga, gb


def _is_bool(x):
    """A bool array or a Python bool."""
    if type(x) is bool:
        return True
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        return False
    return dtype == np.bool_ if isinstance(dtype, np.dtype) else to_numpy_dtype(dtype) == np.bool_


def _reciprocal(b):
    """``1 / b``; for the number 0 it is signed infinity (as numpy gives for arrays), not ZeroDivisionError."""
    if isinstance(b, (int, float)) and b == 0:
        return math.copysign(math.inf, b)
    return 1 / b


class Pow(_Arithmetic):
    __slots__ = ()
    save_inputs = True
    save_output = True

    def forward(self, a, b):
        if _is_bool(a) and _is_bool(b):
            if type(b) is bool and type(a) is not bool:
                return a | (not b)  # x ** True == x, x ** False == True: PyTorch's one bool power
            raise NotImplementedError('"pow" not implemented for \'Bool\' (both operands are bool)')
        try:
            return a ** b
        except ValueError:  # numpy's broadcast failure; torch raises RuntimeError
            raise _broadcast_error("pow", a, b) from None

    def backward(self, grad, a, b, y):
        xp = namespace(grad)
        ga = None
        if self.next[0] is not None:
            deriv = b * a ** (b - 1)
            zero = (b == 0) & (a == 0)
            if xp.any(zero):
                # a ** 0 is constant: its derivative is 0 at a == 0 too, where b * a**(b-1) is 0 * inf (as PyTorch).
                # Masking only where a == 0 keeps the b-dependence (second derivatives) everywhere else.
                deriv = xp.where(zero, 0, deriv)
            ga = _masked_mul(grad, deriv)
        gb = None
        if self.next[1] is not None:
            # d(a**b)/db = a**b * log(a); taken as 0 at a == 0 (the limit for b > 0), as PyTorch does.
            if isinstance(a, (int, float)):  # a Python number: its log as a float keeps a float32 gradient float32
                log_a = 0.0 if a == 0 else math.log(a)
            else:
                log_a = xp.log(xp.where(a == 0, 1, a))
            gb = _masked_mul(grad, y * log_a)
        return ga, gb


class Neg(Op):
    __slots__ = ()

    def forward(self, a):
        return -a

    def backward(self, grad):
        return -grad


class Exp(Op):
    __slots__ = ()
    promotes = "float"
    save_output = True

    def forward(self, a):
        return namespace(a).exp(a)

    def backward(self, grad, y):
        return _masked_mul(grad, y)


class Log(Op):
    __slots__ = ()
    promotes = "float"
    save_inputs = True

    def forward(self, a):
        return namespace(a).log(a)

    def backward(self, grad, a):
        return _masked_mul(grad, 1 / a)


class Log1p(Op):
    __slots__ = ()
    promotes = "float"
    save_inputs = True

    def forward(self, a):
        return namespace(a).log1p(a)

    def backward(self, grad, a):
        return _masked_mul(grad, 1 / (1 + a))


class Sqrt(Op):
    __slots__ = ()
    promotes = "float"
    save_output = True

    def forward(self, a):
        return namespace(a).sqrt(a)

    def backward(self, grad, y):
        return _masked_mul(grad, 0.5 / y)


class Abs(Op):
    __slots__ = ("sign",)
    saved_attrs = ("sign",)
    save_inputs = True  # only linked to under create_graph (see PiecewiseMul); PyTorch saves it too

    def forward(self, a):
        xp = namespace(a)
        self.sign = xp.sign(a)
        return xp.abs(a)

    def backward(self, grad, a):
        return namespace(grad).piecewise_mul(grad, self.sign, a)


class Sin(Op):
    __slots__ = ()
    promotes = "float"
    save_inputs = True

    def forward(self, a):
        return namespace(a).sin(a)

    def backward(self, grad, a):
        return grad * namespace(grad).cos(a)


class Cos(Op):
    __slots__ = ()
    promotes = "float"
    save_inputs = True

    def forward(self, a):
        return namespace(a).cos(a)

    def backward(self, grad, a):
        return -grad * namespace(grad).sin(a)


class Tanh(Op):
    __slots__ = ()
    promotes = "float"
    save_output = True

    def forward(self, a):
        return namespace(a).tanh(a)

    def backward(self, grad, y):
        gy = grad * y
        return grad - gy * y  # grad * (1 - y * y) without a Python number (numpy's slow path for those)


class Sigmoid(Op):
    __slots__ = ()
    promotes = "float"
    save_output = True

    def forward(self, a):
        # exp(min(a, 0)) / (1 + exp(-|a|)): exp only of non-positive numbers (no overflow), full relative
        # precision for very negative a, and no np.where (slow on random masks).
        xp = namespace(a)
        return xp.exp(xp.minimum(a, 0)) / (1 + xp.exp(-xp.abs(a)))

    def backward(self, grad, y):
        gy = grad * y
        return gy - gy * y  # grad * y * (1 - y), as for tanh


class ReLU(Op):
    __slots__ = ("mask",)
    saved_attrs = ("mask",)
    save_output = True  # only linked to under create_graph (see PiecewiseMul); PyTorch saves it too

    def forward(self, a):
        self.mask = a > 0
        return namespace(a).maximum(a, 0)

    def backward(self, grad, y):
        return namespace(grad).piecewise_mul(grad, self.mask, y)


class PiecewiseMul(Op):
    """``grad * factor``, where the constant ``factor`` (relu's mask, abs's sign) is piecewise constant in ``source``.

    The rules of piecewise-linear ops (relu, abs, leaky_relu, max-pooling) use it, through
    ``xp.piecewise_mul(grad, factor, source)``, in place of ``grad * factor``.  On arrays it is that product;
    under ``create_graph`` it is this op, whose derivative with respect to ``source`` is zero but which keeps
    the gradient connected to ``source``, so that the second derivative of a network of such ops is zeros
    instead of "input was not used in the graph" (PyTorch's ``threshold_backward`` and
    ``max_pool2d_with_indices_backward`` take the input the same way).  ``source`` may have any shape.
    """

    __slots__ = ("factor",)
    saved_attrs = ("factor",)
    save_inputs = True
    broadcasts = True  # the factor may broadcast the gradient (max-pooling's windows)

    def __init__(self, factor):
        self.factor = factor

    def forward(self, grad, source):
        if type(grad) is np.ndarray:
            return grad * self.factor
        return namespace(grad).piecewise_mul(grad, self.factor, source)  # (a bool factor selects there)

    def backward(self, grad, _, source):
        xp = namespace(grad)
        g = xp.piecewise_mul(grad, self.factor, source) if self.next[0] is not None else None
        return g, xp.zeros_like(source)


class Clamp(Op):
    __slots__ = ("min", "max", "mask")
    saved_attrs = ("mask",)
    attrs = ("min", "max")

    def __init__(self, min=None, max=None):
        self.min, self.max = min, max

    def forward(self, a):
        xp = namespace(a)
        self.mask = xp.ones(a.shape, dtype=bool)
        if self.min is not None:
            self.mask &= a >= self.min
        if self.max is not None:
            self.mask &= a <= self.max
        if type(a) is not np.ndarray:  # the array API has no arithmetic on bools
            self.mask = xp.astype(self.mask, a.dtype)
        return xp.clip(a, self.min, self.max)

    def backward(self, grad):
        return grad * self.mask


class ClampTensor(Op):
    """clamp with Tensor bounds (broadcasting), with PyTorch's gradients: ``input`` where ``min <= x <= max``,
    ``min`` where ``x < min`` (and ``min < max``), ``max`` where ``x > max`` or ``max < min``."""

    __slots__ = ("has_min", "has_max", "masks")
    saved_attrs = ("masks",)
    broadcasts = True
    promotes = True
    attrs = ("has_min", "has_max")

    def __init__(self, has_min, has_max):
        self.has_min, self.has_max = has_min, has_max

    def forward(self, a, *bounds):
        lo = bounds[0] if self.has_min else None
        hi = bounds[-1] if self.has_max else None
        xp = namespace(a)
        try:
            shape = np.broadcast_shapes(*(np.shape(x) for x in (a,) + bounds))
        except ValueError:
            raise _broadcast_error("clamp", a, *bounds) from None
        masks: tuple[Any, ...]
        if lo is None:
            masks = (a <= hi, a > hi)
        elif hi is None:
            masks = (a >= lo, a < lo)
        else:
            masks = ((a >= lo) & (a <= hi), (a < lo) & (lo < hi), (a > hi) | (hi < lo))
        self.masks = tuple(xp.broadcast_to(m if type(a) is np.ndarray else xp.astype(m, a.dtype), shape)
                           for m in masks)  # (the array API has no arithmetic on bools)
        out = a if lo is None else xp.maximum(a, lo)
        return out if hi is None else xp.minimum(out, hi)

    def backward(self, grad):
        return tuple(grad * m if self.needs_input_grad(i) else None for i, m in enumerate(self.masks))


class _Extremum(Op):
    """Shared rule of maximum/minimum: the winner gets the gradient, ties split it evenly (as PyTorch)."""

    __slots__ = ("wa", "wb")
    saved_attrs = ("wa", "wb")
    broadcasts = True
    promotes = True
    pick: str  # the namespace function's name (each subclass's)

    def forward(self, a, b):
        try:
            out = getattr(namespace(a), self.pick)(a, b)
        except ValueError:
            raise _broadcast_error(self.pick, a, b) from None
        xp = namespace(out)
        tie = xp.astype(a == b, out.dtype) * 0.5
        self.wa = xp.astype(a == out, out.dtype) - tie
        self.wb = xp.astype(b == out, out.dtype) - tie
        return out

    def backward(self, grad):
        return grad * self.wa, grad * self.wb


class Maximum(_Extremum):
    __slots__ = ()
    pick = "maximum"


class Minimum(_Extremum):
    __slots__ = ()
    pick = "minimum"


class Where(Op):
    __slots__ = ("cond",)
    saved_attrs = ("cond",)
    broadcasts = True
    promotes = True
    promote_skip = 1  # the condition

    def forward(self, cond, a, b):
        self.cond = cond
        try:
            return namespace(cond).where(cond, a, b)
        except ValueError:
            raise _broadcast_error("where", cond, a, b) from None

    def backward(self, grad):
        xp = namespace(grad)
        return None, xp.where(self.cond, grad, 0), xp.where(self.cond, 0, grad)


# -- functional forms ------------------------------------------------------------------------------------


@register(method=("add", "__add__"), reflected="__radd__")
def add(input: Tensor, other: TensorLike, *, alpha: Number = 1) -> Tensor:
    """``input + alpha * other``, broadcasting."""
    return Add().apply(input, other if alpha == 1 else other * alpha)


@register(method=("sub", "__sub__"), reflected="__rsub__")
def sub(input: Tensor, other: TensorLike, *, alpha: Number = 1) -> Tensor:
    """``input - alpha * other``, broadcasting; bool operands are refused, as in PyTorch."""
    if _is_bool(_raw(input)) or _is_bool(_raw(other)):
        raise RuntimeError("sub: subtraction, the `-` operator, with a bool tensor is not supported; use `^` or "
                           "logical_xor() for bools, `~` or logical_not() to invert a mask")
    return Sub().apply(input, other if alpha == 1 else other * alpha)


@register(method=("mul", "__mul__"), reflected="__rmul__")
def mul(input: Tensor, other: TensorLike) -> Tensor:
    """Elementwise product, broadcasting."""
    return Mul().apply(input, other)


@register(method=("div", "__truediv__"), reflected="__rtruediv__")
def div(input: Tensor, other: TensorLike) -> Tensor:
    """Elementwise true division, broadcasting."""
    return Div().apply(input, other)


@register(method=("pow", "__pow__"), reflected="__rpow__")
def pow(input: Tensor, exponent: TensorLike) -> Tensor:
    """``input ** exponent`` elementwise; ``exponent`` may be a number or a Tensor."""
    return Pow().apply(input, exponent)


@register(method=("neg", "__neg__"))
def neg(input: Tensor) -> Tensor:
    """``-input``."""
    return Neg().apply(input)


@register(method="__pos__", export=False)
def positive(input: Tensor) -> Tensor:
    """``+input``: the tensor itself."""
    return input


@register(xp="exp")
def exp(input: Tensor) -> Tensor:
    """Elementwise ``e ** input``."""
    return Exp().apply(input)


@register(xp="log")
def log(input: Tensor) -> Tensor:
    """Elementwise natural logarithm."""
    return Log().apply(input)


@register(xp="log1p")
def log1p(input: Tensor) -> Tensor:
    """Elementwise ``log(1 + input)``, accurate for small inputs."""
    return Log1p().apply(input)


@register(xp="sqrt")
def sqrt(input: Tensor) -> Tensor:
    """Elementwise square root."""
    return Sqrt().apply(input)


@register(method=("abs", "__abs__"), xp="abs")
def abs(input: Tensor) -> Tensor:
    """Elementwise absolute value (gradient 0 at 0, as PyTorch)."""
    return Abs().apply(input)


@register(xp="sin")
def sin(input: Tensor) -> Tensor:
    """Elementwise sine."""
    return Sin().apply(input)


@register(xp="cos")
def cos(input: Tensor) -> Tensor:
    """Elementwise cosine."""
    return Cos().apply(input)


@register(xp="tanh")
def tanh(input: Tensor) -> Tensor:
    """Elementwise hyperbolic tangent."""
    return Tanh().apply(input)


@register
def sigmoid(input: Tensor) -> Tensor:
    """Elementwise logistic function ``1 / (1 + exp(-x))``, computed without overflow."""
    return Sigmoid().apply(input)


@register
def relu(input: Tensor) -> Tensor:
    """Elementwise ``max(x, 0)`` (gradient 0 at 0, as PyTorch)."""
    return ReLU().apply(input)


@register(method=False, export=False, xp="piecewise_mul")
def _piecewise_mul_xp(grad, factor, source):
    """``grad * factor`` kept connected to ``source`` with a zero derivative (see :class:`PiecewiseMul`)."""
    return PiecewiseMul(factor).apply(grad, source)


@register(method=False, export=False, xp="zeros_like")
def _zeros_like_xp(x):
    """Zeros shaped like ``x`` (a constant), for backward rules under ``create_graph``."""
    return Tensor._make(namespace(x._data).zeros(x.shape, dtype=x.dtype))


@register(method=("clamp", "clip"))
def clamp(input: Tensor, min: TensorLike | None = None, max: TensorLike | None = None) -> Tensor:
    """Clamp every element into ``[min, max]`` (``max`` wins where ``min > max``, as PyTorch).

    The bounds are numbers, or Tensors that broadcast with ``input`` and receive the gradient where they are
    active: ``min`` where ``input < min``, ``max`` where ``input > max`` (and ``input`` where it lies inside).
    A number may be mixed with a Tensor bound only when that Tensor is 0-d (it is then used as a number, as
    PyTorch's overloads do).
    """
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    given = [b for b in (min, max) if b is not None]
    tensors = [b for b in given if isinstance(b, Tensor)]
    if tensors and len(tensors) == len(given):
        return ClampTensor(min is not None, max is not None).apply(input, *given)
    if tensors and builtins.any(t.ndim for t in tensors):
        raise TypeError("clamp(): min and max must both be Tensors or both numbers (a Tensor bound of shape "
                        f"{tuple(tensors[0].shape)} with a number bound)")
    min, max = (b.item() if isinstance(b, Tensor) else b for b in (min, max))
    # Number bounds promote the input as PyTorch does (an integer tensor clamped at 1.5 becomes float).
    rt = result_type(input._data, *(b for b in (min, max) if b is not None), default_float=get_default_dtype())
    if rt is not input.dtype:
        input = input.to(rt)
    return Clamp(min, max).apply(input)


clip = register(clamp, name="clip", method=False)


@register(xp="maximum")
def maximum(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise maximum of two tensors, broadcasting; ties share the gradient equally."""
    if not isinstance(other, Tensor):
        raise TypeError(f"maximum(): argument 'other' must be Tensor, not {type(other).__name__}")
    return Maximum().apply(input, other)


@register(xp="minimum")
def minimum(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise minimum of two tensors, broadcasting; ties share the gradient equally."""
    if not isinstance(other, Tensor):
        raise TypeError(f"minimum(): argument 'other' must be Tensor, not {type(other).__name__}")
    return Minimum().apply(input, other)


@overload
def where(condition: Tensor) -> tuple[Tensor, ...]: ...
@overload
def where(condition: TensorLike, input: TensorLike, other: TensorLike) -> Tensor: ...


@register(method=False, xp="where")
def where(condition: TensorLike, input: TensorLike | None = None,
          other: TensorLike | None = None) -> Tensor | tuple[Tensor, ...]:
    """Pick ``input`` where ``condition`` holds, else ``other`` (broadcasting); ``where(condition)`` alone is
    ``nonzero(condition, as_tuple=True)``.

    The branch not taken receives an exact zero gradient, and ops below it mask ``0 * inf`` to 0, so a
    NaN or Inf in the unused branch never reaches the gradient (see module doc).
    """
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)  # type: ignore[call-overload]  # (raises TypeError for no Tensor)
    if input is None or other is None:
        raise TypeError("where(): expected a condition alone, or a condition, input and other")
    cond = data_of(condition)
    if not _is_bool(cond):
        raise RuntimeError(f"where: expected condition to be a bool tensor, got dtype {to_numpy_dtype(cond.dtype)}")
    return Where().apply(cond, input, other)


@register(name="where", method="where", export=False)
def _where_method(self: Tensor, condition: TensorLike, other: TensorLike) -> Tensor:
    """``where(condition, self, other)``."""
    return where(condition, self, other)
