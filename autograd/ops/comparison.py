"""Comparisons, logical/bitwise operators and tests of values: not differentiable, their results are leaves."""
import numpy as np

from ..inplace import _raw
from ..registry import register
from ..tensor import Tensor
from .dims import dim_aliases, reduce_dims


def _compare(name, ufunc, symbol):
    def op(input, other):
        try:
            return Tensor._make(ufunc(_raw(input), _raw(other)))
        except ValueError:  # numpy's broadcast failure; torch raises RuntimeError
            raise RuntimeError(f"{name}: operands of shapes {tuple(np.shape(_raw(input)))} and "
                               f"{tuple(np.shape(_raw(other)))} cannot be broadcast together") from None

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``input {symbol} other`` as a bool tensor (broadcasting)."
    return op


eq = register(_compare("eq", np.equal, "=="), method=("eq", "__eq__"), xp="equal")
ne = register(_compare("ne", np.not_equal, "!="), method=("ne", "__ne__"), xp="not_equal")
lt = register(_compare("lt", np.less, "<"), method=("lt", "__lt__"), xp="less")
le = register(_compare("le", np.less_equal, "<="), method=("le", "__le__"), xp="less_equal")
gt = register(_compare("gt", np.greater, ">"), method=("gt", "__gt__"), xp="greater")
ge = register(_compare("ge", np.greater_equal, ">="), method=("ge", "__ge__"), xp="greater_equal")
bitwise_and = register(_compare("bitwise_and", np.bitwise_and, "&"), method=("bitwise_and", "__and__"),
                       reflected="__rand__", xp="logical_and")
bitwise_or = register(_compare("bitwise_or", np.bitwise_or, "|"), method=("bitwise_or", "__or__"),
                      reflected="__ror__", xp="logical_or")
bitwise_xor = register(_compare("bitwise_xor", np.bitwise_xor, "^"), method=("bitwise_xor", "__xor__"),
                       reflected="__rxor__")


@register(method=("bitwise_not", "__invert__"))
def bitwise_not(input):
    """Elementwise NOT of a bool tensor, bitwise NOT of an integer tensor."""
    if input.dtype.kind not in "biu":
        raise TypeError(f"bitwise_not: only integer and bool tensors are supported, got dtype {input.dtype}")
    return Tensor._make(np.invert(input._data))


@register(xp="isfinite")
def isfinite(input):
    """Elementwise: True where the value is neither infinite nor NaN."""
    return Tensor._make(np.isfinite(_raw(input)))


@register(xp="isnan")
def isnan(input):
    """Elementwise: True where the value is NaN."""
    return Tensor._make(np.isnan(_raw(input)))


def _logical_reduce(name, reduce, input, dim, keepdim):
    a = _raw(input)
    axes = reduce_dims(dim, np.ndim(a), name)
    return Tensor._make(np.asarray(reduce(a, axis=axes, keepdims=keepdim)))


@register(xp="all")
@dim_aliases
def all(input, dim=None, keepdim=False):
    """True (a bool tensor) where every element (over ``dim``: an int or a tuple; all when None) is nonzero."""
    return _logical_reduce("all", np.all, input, dim, keepdim)


@register(xp="any")
@dim_aliases
def any(input, dim=None, keepdim=False):
    """True (a bool tensor) where some element (over ``dim``: an int or a tuple; all when None) is nonzero."""
    return _logical_reduce("any", np.any, input, dim, keepdim)


@register(method="__contains__", export=False)
def _contains(self, element):
    """``element in tensor``: True when some element equals it (as PyTorch)."""
    if not isinstance(element, (Tensor, int, float, bool, np.number, np.bool_)):
        raise RuntimeError(f"Tensor.__contains__ only supports Tensor or scalar, but you passed in a {type(element).__name__}")
    return bool(np.any(self._data == _raw(element)))
