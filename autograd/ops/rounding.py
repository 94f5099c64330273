"""Rounding and division with rounding: sign, floor, ceil, round, trunc, floor_divide (``//``), remainder (``%``)
and fmod, with PyTorch's semantics for negative operands, integers and bools.

The rounding ops and ``floor_divide`` are piecewise constant: their gradient is zero, and it stays connected to
the input through ``piecewise_mul`` (see :class:`~autograd.ops.elementwise.PiecewiseMul`), so that a gradient
through them can itself be differentiated.  (PyTorch gives no derivative for ``floor_divide``; here it is
zero, the derivative of ``floor(a / b)`` wherever it exists.)
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..backend import namespace
from ..op import Op
from ..registry import register
from ..tensor import Tensor
from .elementwise import _broadcast_error, _masked_mul
from .shape import tensor_input

if TYPE_CHECKING:
    from ..types import TensorLike


def _zero_grad(grad, source):
    """The zero gradient of a piecewise-constant op with respect to ``source``, still connected to it."""
    return namespace(grad).piecewise_mul(grad, 0.0, source)


class _Step(Op):
    """A piecewise-constant unary op ``xp.<fn>(x)``."""

    __slots__ = ()
    save_inputs = True  # only linked to under create_graph (see PiecewiseMul)
    fn: str  # the namespace function (each subclass's)

    def forward(self, a):
        return getattr(namespace(a), self.fn)(a)

    def backward(self, grad, a):
        return _zero_grad(grad, a)


class Floor(_Step):
    __slots__ = ()
    fn = "floor"


class Ceil(_Step):
    __slots__ = ()
    fn = "ceil"


class Trunc(_Step):
    __slots__ = ()
    fn = "trunc"


class Sign(_Step):
    __slots__ = ()

    def forward(self, a):
        # (a > 0) - (a < 0): 0 for NaN and for -0.0, as PyTorch (numpy's sign gives NaN and -0.0)
        xp = namespace(a)
        return xp.astype(a > 0, a.dtype) - xp.astype(a < 0, a.dtype)


class Round(_Step):
    """Round half to even, at ``decimals`` decimal places (negative: to tens, hundreds...)."""

    __slots__ = ("decimals",)
    attrs = ("decimals",)

    def __init__(self, decimals=0):
        self.decimals = decimals

    def forward(self, a):
        return namespace(a).round(a, self.decimals)


class _Division(Op):
    """Division with rounding, broadcasting and promoting as PyTorch; integer division by zero raises."""

    __slots__ = ()
    broadcasts = True
    promotes = True
    save_inputs = True
    fn: str  # the namespace function, also the name in messages (each subclass's)

    def forward(self, a, b):
        arr = a if hasattr(a, "dtype") else b
        kind = namespace(arr).kind(arr)  # promoted: a number operand has the array's kind
        if kind == "b":
            raise NotImplementedError(f"\"{self.fn}\" not implemented for 'Bool' (shapes {np.shape(a)} and {np.shape(b)})")
        xp = namespace(arr)
        if kind in "iu" and xp.any(xp.asarray(b) == 0):
            raise RuntimeError(f"{self.fn}: ZeroDivisionError (an integer divisor is 0; shapes {np.shape(a)} and {np.shape(b)})")
        try:
            with np.errstate(divide="ignore", invalid="ignore"):  # float division by 0: inf or NaN, silently as PyTorch
                return getattr(xp, self.fn)(a, b)
        except ValueError:  # numpy's broadcast failure; torch raises RuntimeError
            raise _broadcast_error(self.fn, a, b) from None


class FloorDivide(_Division):
    __slots__ = ()
    saves_for = ((0,), (1,))  # each zero gradient is connected to its own input
    fn = "floor_divide"

    def backward(self, grad, a, b):
        return (_zero_grad(grad, a) if self.needs_input_grad(0) else None,
                _zero_grad(grad, b) if self.needs_input_grad(1) else None)


class Remainder(_Division):
    """``a - b * floor(a / b)``: the gradient is 1 for ``a`` and ``-floor(a / b)`` for ``b``."""

    __slots__ = ()
    saves_for = ((1,), (1,))  # only the gradient of b needs a and b
    fn = "remainder"

    def backward(self, grad, a, b):
        gb = _masked_mul(-grad, namespace(grad).floor_divide(a, b)) if self.needs_input_grad(1) else None
        return grad, gb


class Fmod(_Division):
    """``a - b * trunc(a / b)`` (the sign of ``a``, as C's fmod): the gradient is 1 for ``a`` and ``-trunc(a / b)`` for ``b``."""

    __slots__ = ()
    saves_for = ((1,), (1,))  # only the gradient of b needs a and b
    fn = "fmod"

    def backward(self, grad, a, b):
        gb = _masked_mul(-grad, namespace(grad).trunc(a / b)) if self.needs_input_grad(1) else None
        return grad, gb


# -- functional forms ------------------------------------------------------------------------------------


def _rounding(cls, input, name, *args):
    """Apply the rounding op ``cls``: integers are returned as a copy, bools refused (as PyTorch)."""
    kind = input.dtype.kind
    if kind == "b":
        raise NotImplementedError(f"\"{name}\" not implemented for 'Bool' (shape {tuple(input.shape)})")
    if kind in "iu":
        return Tensor._make(namespace(input._data).copy(input._data))
    return cls(*args).apply(input)


@register(xp="floor")
@tensor_input
def floor(input: Tensor) -> Tensor:
    """Elementwise largest integer ``<= input``; zero gradient."""
    return _rounding(Floor, input, "floor")


@register(xp="ceil")
@tensor_input
def ceil(input: Tensor) -> Tensor:
    """Elementwise smallest integer ``>= input``; zero gradient."""
    return _rounding(Ceil, input, "ceil")


@register(xp="trunc")
@tensor_input
def trunc(input: Tensor) -> Tensor:
    """Elementwise rounding toward zero; zero gradient."""
    return _rounding(Trunc, input, "trunc")


fix = register(trunc, name="fix")


@register(xp="round")
@tensor_input
def round(input: Tensor, decimals: int = 0) -> Tensor:
    """Elementwise rounding half to even, at ``decimals`` decimal places (negative: tens, hundreds...); zero gradient.

    Integer tensors are returned unchanged when ``decimals`` is 0 and refused otherwise (as PyTorch).
    """
    if not isinstance(decimals, (int, np.integer)) or isinstance(decimals, bool):
        raise TypeError(f"round(): argument 'decimals' must be int, not {type(decimals).__name__}")
    if decimals and input.dtype.kind in "iu":
        raise NotImplementedError(f"\"round\" with decimals={decimals} not implemented for dtype {input.dtype}")
    return _rounding(Round, input, "round", int(decimals))


@register(xp="sign")
@tensor_input
def sign(input: Tensor) -> Tensor:
    """Elementwise -1, 0 or 1 by the sign of ``input`` (0 for NaN; bool tensors unchanged); zero gradient."""
    if input.dtype.kind == "b":
        return Tensor._make(namespace(input._data).copy(input._data))
    return Sign().apply(input)


def _division(cls, input, other):
    if not (isinstance(input, Tensor) or isinstance(other, Tensor)):
        raise TypeError(f"{cls.fn}(): expected a Tensor operand, got {type(input).__name__} and {type(other).__name__}")
    return cls().apply(input, other)


@register(method=("floor_divide", "__floordiv__"), reflected="__rfloordiv__", xp="floor_divide")
def floor_divide(input: Tensor, other: TensorLike) -> Tensor:
    """``input // other`` elementwise: the quotient rounded toward minus infinity (Python's and PyTorch's ``//``),
    broadcasting; integers stay integer (division by 0 raises RuntimeError); zero gradient."""
    return _division(FloorDivide, input, other)


@register(method=("remainder", "__mod__"), reflected="__rmod__", xp="remainder")
def remainder(input: Tensor, other: TensorLike) -> Tensor:
    """``input % other`` elementwise, with the sign of ``other`` (Python's and PyTorch's ``%``), broadcasting."""
    return _division(Remainder, input, other)


@register(xp="fmod")
@tensor_input
def fmod(input: Tensor, other: TensorLike) -> Tensor:
    """C's ``fmod`` elementwise: the remainder with the sign of ``input``, broadcasting."""
    return _division(Fmod, input, other)
