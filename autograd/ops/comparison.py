"""Comparisons, logical/bitwise operators and tests of values: not differentiable, their results are leaves."""
import numbers

import numpy as np

from ..backend import namespace
from ..inplace import _raw
from ..registry import register
from ..tensor import Tensor


def _compare(name, xp_name, symbol):
    def op(input, other):
        a, b = _raw(input), _raw(other)
        try:
            return Tensor._make(getattr(namespace(a), xp_name)(a, b))
        except ValueError:  # numpy's broadcast failure; torch raises RuntimeError
            raise RuntimeError(f"{name}: operands of shapes {tuple(getattr(a, 'shape', ()))} and "
                               f"{tuple(getattr(b, 'shape', ()))} cannot be broadcast together") from None

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``input {symbol} other`` as a bool tensor (broadcasting)."
    return op


eq = register(_compare("eq", "equal", "=="), method=("eq", "__eq__"), xp="equal")
ne = register(_compare("ne", "not_equal", "!="), method=("ne", "__ne__"), xp="not_equal")
lt = register(_compare("lt", "less", "<"), method=("lt", "__lt__"), xp="less")
le = register(_compare("le", "less_equal", "<="), method=("le", "__le__"), xp="less_equal")
gt = register(_compare("gt", "greater", ">"), method=("gt", "__gt__"), xp="greater")
ge = register(_compare("ge", "greater_equal", ">="), method=("ge", "__ge__"), xp="greater_equal")
bitwise_and = register(_compare("bitwise_and", "bitwise_and", "&"), method=("bitwise_and", "__and__"),
                       reflected="__rand__", xp="logical_and")
bitwise_or = register(_compare("bitwise_or", "bitwise_or", "|"), method=("bitwise_or", "__or__"),
                      reflected="__ror__", xp="logical_or")
bitwise_xor = register(_compare("bitwise_xor", "bitwise_xor", "^"), method=("bitwise_xor", "__xor__"),
                       reflected="__rxor__")


@register(method=("bitwise_not", "__invert__"))
def bitwise_not(input):
    """Elementwise NOT of a bool tensor, bitwise NOT of an integer tensor."""
    if input.dtype.kind not in "biu":
        raise TypeError(f"bitwise_not: only integer and bool tensors are supported, got dtype {input.dtype}")
    return Tensor._make(namespace(input._data).bitwise_invert(input._data))


def _unary_test(xp_name, input):
    a = _raw(input)
    return Tensor._make(getattr(namespace(a), xp_name)(a))


@register(xp="isfinite")
def isfinite(input):
    """Elementwise: True where the value is neither infinite nor NaN."""
    return _unary_test("isfinite", input)


@register(xp="isnan")
def isnan(input):
    """Elementwise: True where the value is NaN."""
    return _unary_test("isnan", input)


@register(xp="all")
def all(input):
    """True (a 0-d bool tensor) when every element is nonzero."""
    return _unary_test("all", input)


@register(xp="any")
def any(input):
    """True (a 0-d bool tensor) when some element is nonzero."""
    return _unary_test("any", input)


@register(method="__contains__", export=False)
def _contains(self, element):
    """``element in tensor``: True when some element equals it (as PyTorch)."""
    if not isinstance(element, (Tensor, numbers.Number, np.bool_)):
        raise RuntimeError(f"Tensor.__contains__ only supports Tensor or scalar, but you passed in a {type(element).__name__}")
    return bool((self._data == _raw(element)).any())
