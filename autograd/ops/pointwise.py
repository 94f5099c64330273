"""Pointwise math beyond elementwise.py: expm1, log2/log10, reciprocal/rsqrt/square, tan and the inverse
trigonometric functions, sinh/cosh, atan2, frac and nan_to_num.

Each unary op is a :class:`_Unary`: ``forward`` is the namespace's function of the same name, ``backward``
multiplies the incoming gradient by ``derivative`` (masked where it is not finite, as in elementwise.py).
Bool and integer inputs give the default float dtype, as PyTorch's floating functions do.
"""
from __future__ import annotations

import math

from ..backend import mask_factor, namespace
from ..op import Op
from ..registry import register
from ..tensor import Tensor
from .elementwise import _broadcast_error, _masked_mul, pow
from .shape import tensor_input

_LN2, _LN10 = math.log(2.0), math.log(10.0)  # Python floats: they keep a float32 gradient float32


class _Unary(Op):
    """``y = xp.<fn>(x)``; the gradient is ``grad * derivative(xp, x or y)`` (the input, or the output when
    the class sets ``save_output``)."""

    __slots__ = ()
    promotes = "float"
    save_inputs = True
    fn: str  # the namespace function (each subclass's)

    def forward(self, a):
        return getattr(namespace(a), self.fn)(a)

    def derivative(self, xp, saved):
        raise NotImplementedError

    def backward(self, grad, saved):
        return _masked_mul(grad, self.derivative(namespace(grad), saved))


class _UnaryOfOutput(_Unary):
    """A :class:`_Unary` whose derivative is written with its output."""

    __slots__ = ()
    save_inputs = False
    save_output = True


class Expm1(_UnaryOfOutput):
    __slots__ = ()
    fn = "expm1"

    def derivative(self, xp, y):
        return y + 1


class Log2(_Unary):
    __slots__ = ()
    fn = "log2"

    def derivative(self, xp, x):
        return 1 / (x * _LN2)


class Log10(_Unary):
    __slots__ = ()
    fn = "log10"

    def derivative(self, xp, x):
        return 1 / (x * _LN10)


class Reciprocal(_UnaryOfOutput):
    __slots__ = ()
    fn = "reciprocal"

    def derivative(self, xp, y):
        return -(y * y)


class Rsqrt(_UnaryOfOutput):
    __slots__ = ()

    def forward(self, a):
        return 1 / namespace(a).sqrt(a)

    def derivative(self, xp, y):
        return -0.5 * (y * y * y)


class Tan(_UnaryOfOutput):
    __slots__ = ()
    fn = "tan"

    def derivative(self, xp, y):
        return 1 + y * y


class Asin(_Unary):
    __slots__ = ()
    fn = "asin"

    def derivative(self, xp, x):
        return 1 / xp.sqrt(1 - x * x)


class Acos(_Unary):
    __slots__ = ()
    fn = "acos"

    def derivative(self, xp, x):
        return -1 / xp.sqrt(1 - x * x)


class Atan(_Unary):
    __slots__ = ()
    fn = "atan"

    def derivative(self, xp, x):
        return 1 / (1 + x * x)


class Sinh(_Unary):
    __slots__ = ()
    fn = "sinh"

    def derivative(self, xp, x):
        return xp.cosh(x)


class Cosh(_Unary):
    __slots__ = ()
    fn = "cosh"

    def derivative(self, xp, x):
        return xp.sinh(x)


class Frac(Op):
    """``x - trunc(x)``: its derivative is 1 (the trunc part is piecewise constant)."""

    __slots__ = ()

    def forward(self, a):
        return a - namespace(a).trunc(a)

    def backward(self, grad):
        return grad


class NanToNum(Op):
    """NaN and infinities replaced by numbers; the gradient passes where the input is finite (as PyTorch)."""

    __slots__ = ("nan", "posinf", "neginf", "mask")
    saved_attrs = ("mask",)
    attrs = ("nan", "posinf", "neginf")

    def __init__(self, nan, posinf, neginf):
        self.nan, self.posinf, self.neginf = nan, posinf, neginf

    def forward(self, a):
        xp = namespace(a)
        self.mask = xp.isfinite(a)
        return xp.nan_to_num(a, nan=self.nan, posinf=self.posinf, neginf=self.neginf)

    def backward(self, grad):
        return grad * mask_factor(self.mask, grad.dtype)


class Atan2(Op):
    """``atan2(a, b)``, the angle of the point ``(b, a)``; broadcasting."""

    __slots__ = ()
    broadcasts = True
    promotes = "float"
    save_inputs = True

    def forward(self, a, b):
        try:
            return namespace(a).atan2(a, b)
        except ValueError:  # numpy's broadcast failure; torch raises RuntimeError
            raise _broadcast_error("atan2", a, b) from None

    def backward(self, grad, a, b):
        scale = grad / (a * a + b * b)  # at a = b = 0 PyTorch's gradient is NaN too
        return (scale * b if self.needs_input_grad(0) else None), (-scale * a if self.needs_input_grad(1) else None)


# -- functional forms ------------------------------------------------------------------------------------


@register(xp="expm1")
def expm1(input: Tensor) -> Tensor:
    """Elementwise ``exp(input) - 1``, accurate for small inputs."""
    return Expm1().apply(input)


@register(xp="log2")
def log2(input: Tensor) -> Tensor:
    """Elementwise base-2 logarithm."""
    return Log2().apply(input)


@register(xp="log10")
def log10(input: Tensor) -> Tensor:
    """Elementwise base-10 logarithm."""
    return Log10().apply(input)


@register(xp="reciprocal")
def reciprocal(input: Tensor) -> Tensor:
    """Elementwise ``1 / input`` (signed infinity at zero)."""
    return Reciprocal().apply(input)


@register
def rsqrt(input: Tensor) -> Tensor:
    """Elementwise ``1 / sqrt(input)``."""
    return Rsqrt().apply(input)


@register(xp="square")
def square(input: Tensor) -> Tensor:
    """Elementwise ``input * input``; integer inputs stay integer and bool gives int64, as ``pow(input, 2)``."""
    return pow(input, 2)


@register(xp="tan")
def tan(input: Tensor) -> Tensor:
    """Elementwise tangent."""
    return Tan().apply(input)


@register(xp="asin")
def asin(input: Tensor) -> Tensor:
    """Elementwise inverse sine (NaN outside ``[-1, 1]``)."""
    return Asin().apply(input)


@register(xp="acos")
def acos(input: Tensor) -> Tensor:
    """Elementwise inverse cosine (NaN outside ``[-1, 1]``)."""
    return Acos().apply(input)


@register(xp="atan")
def atan(input: Tensor) -> Tensor:
    """Elementwise inverse tangent."""
    return Atan().apply(input)


@register(xp="sinh")
def sinh(input: Tensor) -> Tensor:
    """Elementwise hyperbolic sine."""
    return Sinh().apply(input)


@register(xp="cosh")
def cosh(input: Tensor) -> Tensor:
    """Elementwise hyperbolic cosine."""
    return Cosh().apply(input)


@register(xp="atan2")
@tensor_input
def atan2(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise ``atan2(input, other)``: the angle in ``(-pi, pi]`` of the point ``(other, input)``, broadcasting."""
    if not isinstance(other, Tensor):
        raise TypeError(f"atan2(): argument 'other' must be Tensor, not {type(other).__name__}")
    return Atan2().apply(input, other)


arcsin = register(asin, name="arcsin")
arccos = register(acos, name="arccos")
arctan = register(atan, name="arctan")
arctan2 = register(atan2, name="arctan2")


@register
@tensor_input
def frac(input: Tensor) -> Tensor:
    """Fractional part ``input - trunc(input)`` (keeps the sign); floating tensors only, as PyTorch."""
    if input.dtype.kind not in "fc":
        raise NotImplementedError(f'"frac" not implemented for dtype {input.dtype} (shape {tuple(input.shape)})')
    return Frac().apply(input)


@register
@tensor_input
def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Tensor:
    """Replace NaN by ``nan``, +inf by ``posinf`` and -inf by ``neginf`` (default: the dtype's largest and smallest
    finite values). Integer and bool tensors are copied unchanged. The gradient is 0 where the input is not finite."""
    if input.dtype.kind not in "fc":
        return Tensor._make(namespace(input._data).copy(input._data))
    return NanToNum(nan, posinf, neginf).apply(input)
