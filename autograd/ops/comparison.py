"""Comparisons, logical/bitwise operators and tests of values: not differentiable, their results are leaves."""
from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, overload

import numpy as np

from ..backend import namespace
from ..creation import get_default_dtype
from ..dtypes import result_type
from ..inplace import _raw
from ..registry import register
from ..tensor import Tensor
from ..tracing import leaf
from .shape import tensor_input
from .dims import dim_aliases, reduce_dims

if TYPE_CHECKING:
    from ..types import Dims, TensorLike


def _elementwise(name, xp_name, a, b):
    """``xp_name(a, b)`` on arrays, with PyTorch's RuntimeError for shapes that do not broadcast."""
    try:
        return getattr(namespace(a if hasattr(a, "shape") else b), xp_name)(a, b)  # a number takes the array's
    except ValueError:  # numpy's broadcast failure; torch raises RuntimeError
        raise RuntimeError(f"{name}: operands of shapes {tuple(getattr(a, 'shape', ()))} and "
                           f"{tuple(getattr(b, 'shape', ()))} cannot be broadcast together") from None


def _compare(name: str, xp_name: str, symbol: str) -> Callable[[Tensor, TensorLike], Tensor]:
    def op(input: Tensor, other: TensorLike) -> Tensor:
        return leaf(name, (input, other), _elementwise(name, xp_name, _raw(input), _raw(other)))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``input {symbol} other`` as a bool tensor (broadcasting)."
    return op


eq = register(_compare("eq", "equal", "=="), method=("eq", "__eq__"), xp="equal")
ne = register(_compare("ne", "not_equal", "!="), method=("ne", "__ne__"), xp="not_equal")
lt = register(_compare("lt", "less", "<"), method=("lt", "__lt__"), xp="less")
le = register(_compare("le", "less_equal", "<="), method=("le", "__le__"), xp="less_equal")
gt = register(_compare("gt", "greater", ">"), method=("gt", "__gt__"), xp="greater")
ge = register(_compare("ge", "greater_equal", ">="), method=("ge", "__ge__"), xp="greater_equal")


def _bitwise(name: str, xp_name: str, symbol: str) -> Callable[[Tensor, TensorLike], Tensor]:
    """A bitwise operator on bool and integer operands, promoting as PyTorch; floats are refused (as PyTorch)."""

    def op(input: Tensor, other: TensorLike) -> Tensor:
        a, b = _raw(input), _raw(other)
        try:
            rt = result_type(a, b, default_float=get_default_dtype())
        except TypeError:
            raise TypeError(f"{name}(): unsupported operand types {type(input).__name__} and {type(other).__name__}") from None
        if rt.kind not in "biu":
            raise NotImplementedError(f"\"{name}\" not implemented for dtype {rt} (operands of shapes "
                                      f"{tuple(getattr(a, 'shape', ()))} and {tuple(getattr(b, 'shape', ()))}): bool and integer tensors only")
        a, b = (x.astype(rt, copy=False) if isinstance(x, np.ndarray) else x for x in (a, b))
        return leaf(name, (input, other), _elementwise(name, xp_name, a, b))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``input {symbol} other`` of bool or integer tensors (logical for bool, bitwise for integers)."
    return op


bitwise_and = register(_bitwise("bitwise_and", "bitwise_and", "&"), method=("bitwise_and", "__and__"),
                       reflected="__rand__")
bitwise_or = register(_bitwise("bitwise_or", "bitwise_or", "|"), method=("bitwise_or", "__or__"),
                      reflected="__ror__")
bitwise_xor = register(_bitwise("bitwise_xor", "bitwise_xor", "^"), method=("bitwise_xor", "__xor__"),
                       reflected="__rxor__")


@register(method=("bitwise_not", "__invert__"))
def bitwise_not(input: Tensor) -> Tensor:
    """Elementwise NOT of a bool tensor, bitwise NOT of an integer tensor."""
    if input.dtype.kind not in "biu":
        raise TypeError(f"bitwise_not: only integer and bool tensors are supported, got dtype {input.dtype}")
    return leaf("bitwise_not", (input,), namespace(input._data).bitwise_invert(input._data))


def _unary_test(xp_name, input):
    a = _raw(input)
    return leaf(xp_name, (input,), getattr(namespace(a), xp_name)(a))


def _logical(name: str, xp_name: str, word: str) -> Callable[[Tensor, Tensor], Tensor]:
    compare = _compare(name, xp_name, word)

    def op(input: Tensor, other: Tensor) -> Tensor:
        for arg, x in (("input", input), ("other", other)):
            if not isinstance(x, Tensor):
                raise TypeError(f"{name}(): argument '{arg}' must be Tensor, not {type(x).__name__}")
        return compare(input, other)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``input {word} other`` of truth values (nonzero is True) as a bool tensor, broadcasting."
    return op


logical_and = register(_logical("logical_and", "logical_and", "and"), xp="logical_and")
logical_or = register(_logical("logical_or", "logical_or", "or"), xp="logical_or")
logical_xor = register(_logical("logical_xor", "logical_xor", "xor"), xp="logical_xor")


@register(xp="logical_not")
@tensor_input
def logical_not(input: Tensor) -> Tensor:
    """Elementwise ``not input`` (nonzero is True) as a bool tensor."""
    return leaf("logical_not", (input,), namespace(input._data).logical_not(input._data))


@register(xp="isfinite")
def isfinite(input: Tensor) -> Tensor:
    """Elementwise: True where the value is neither infinite nor NaN."""
    return _unary_test("isfinite", input)


@register(xp="isnan")
def isnan(input: Tensor) -> Tensor:
    """Elementwise: True where the value is NaN."""
    return _unary_test("isnan", input)


@register(xp="isinf")
@tensor_input
def isinf(input: Tensor) -> Tensor:
    """Elementwise: True where the value is +inf or -inf."""
    return leaf("isinf", (input,), namespace(input._data).isinf(input._data))


@register
@tensor_input
def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """True when ``|input - other| <= atol + rtol * |other|`` everywhere (broadcasting); the dtypes must match."""
    if not isinstance(other, Tensor):
        raise TypeError(f"allclose(): argument 'other' must be Tensor, not {type(other).__name__}")
    a, b = input._data, other._data
    if a.dtype != b.dtype:
        raise RuntimeError(f"allclose(): expected both tensors to have the same dtype, got {a.dtype} and {b.dtype}")
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise RuntimeError(f"allclose(): tensors of shapes {a.shape} and {b.shape} cannot be broadcast together") from None
    xp = namespace(a)
    return bool(xp.all(xp.isclose(xp.broadcast_to(a, shape), b, rtol=rtol, atol=atol, equal_nan=equal_nan)))


@register
@tensor_input
def equal(input: Tensor, other: Tensor) -> bool:
    """True when both tensors have the same shape and equal elements (NaN is never equal)."""
    if not isinstance(other, Tensor):
        raise TypeError(f"equal(): argument 'other' must be Tensor, not {type(other).__name__}")
    return input.shape == other.shape and bool(namespace(input._data).all(input._data == other._data))


@overload
def nonzero(input: Tensor, *, as_tuple: Literal[False] = False) -> Tensor: ...
@overload
def nonzero(input: Tensor, *, as_tuple: Literal[True]) -> tuple[Tensor, ...]: ...


@register
@tensor_input
def nonzero(input: Tensor, *, as_tuple: bool = False) -> Tensor | tuple[Tensor, ...]:
    """Indices of the nonzero elements: an int64 tensor of shape ``(n, ndim)``, or with ``as_tuple`` one 1-D
    tensor per dim (for a 0-d input, one tensor of the indices into it seen as 1-D, as PyTorch)."""
    data = input._data
    xp = namespace(data)
    if as_tuple:
        return tuple(Tensor._make(xp.astype(i, np.int64)) for i in xp.nonzero(xp.reshape(data, (-1,)) if data.ndim == 0 else data))
    return Tensor._make(xp.astype(xp.argwhere(data), np.int64))


def _logical_reduce(name, input, dim, keepdim):
    a = _raw(input)
    a = a if hasattr(a, "shape") else np.asarray(a)
    axes = reduce_dims(dim, a.ndim, name)
    xp = namespace(a)
    if xp.kind(a) != "b":
        a = a != 0
    return Tensor._make(xp.asarray(getattr(xp, name)(a, axis=axes, keepdims=keepdim)))


@register(xp="all")
@dim_aliases
def all(input: Tensor, dim: Dims | None = None, keepdim: bool = False) -> Tensor:
    """True (a bool tensor) where every element (over ``dim``: an int or a tuple; all when None) is nonzero."""
    return _logical_reduce("all", input, dim, keepdim)


@register(xp="any")
@dim_aliases
def any(input: Tensor, dim: Dims | None = None, keepdim: bool = False) -> Tensor:
    """True (a bool tensor) where some element (over ``dim``: an int or a tuple; all when None) is nonzero."""
    return _logical_reduce("any", input, dim, keepdim)


@register(method="__contains__", export=False)
def _contains(self: Tensor, element: TensorLike) -> bool:
    """``element in tensor``: True when some element equals it (as PyTorch)."""
    if not isinstance(element, (Tensor, numbers.Number, np.bool_)):
        raise RuntimeError(f"Tensor.__contains__ only supports Tensor or scalar, but you passed in a {type(element).__name__}")
    return bool(namespace(self._data).any(self._data == _raw(element)))
