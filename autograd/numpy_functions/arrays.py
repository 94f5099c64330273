"""numpy's elementwise functions and products on Tensors (where, clip, round, dot, outer, einsum), new arrays
(copy, zeros_like...) and questions about arrays whose answers carry no gradient (shape, isclose, nonzero...)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..tensor import Tensor
from .base import array_operand, autograd_function, check_order, implements, tensor_of, unsupported_argument

if TYPE_CHECKING:
    from collections.abc import Callable


@implements(np.where)
def _where(condition, x=None, y=None):
    if x is None and y is None:
        return np.nonzero(condition)  # the Tensor implementation below
    if x is None or y is None:
        raise ValueError("either both or neither of x and y should be given")
    return autograd_function("where", "numpy.where")(*map(array_operand, (condition, x, y)))


@implements(np.clip)
def _clip(a, a_min=None, a_max=None, out=None, *, min=None, max=None, **kwargs):  # noqa: A002  (numpy's names)
    unsupported_argument("numpy.clip", out=out, **kwargs)
    if (a_min is not None and min is not None) or (a_max is not None and max is not None):
        raise ValueError("Passed more than one argument for a bound: a_min and min, or a_max and max")
    low = a_min if min is None else min
    high = a_max if max is None else max
    return autograd_function("clamp", "numpy.clip")(tensor_of(a), low, high)


@implements(np.round, np.around)
def _round(a, decimals=0, out=None):
    unsupported_argument("numpy.round", out=out)
    fn = autograd_function("round", "numpy.round")
    return fn(tensor_of(a), decimals=decimals) if decimals else fn(tensor_of(a))


@implements(np.dot)
def _dot(a, b, out=None):
    unsupported_argument("numpy.dot", out=out)
    a, b = tensor_of(a), tensor_of(b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if b.ndim > 2:  # numpy then sums over b's second-to-last axis, which matmul does not
        raise TypeError(f"numpy.dot on Tensors of shapes {a.shape} and {b.shape}: only a second operand of at most 2 "
                        "dims is supported (then it is autograd.matmul); use autograd.einsum for the rest")
    return autograd_function("matmul", "numpy.dot")(a, b)


@implements(np.outer)
def _outer(a, b, out=None):
    unsupported_argument("numpy.outer", out=out)
    return autograd_function("outer", "numpy.outer")(tensor_of(a).reshape(-1), tensor_of(b).reshape(-1))


@implements(np.einsum)
def _einsum(*operands, out=None, optimize=False, **kwargs):
    unsupported_argument("numpy.einsum", out=out, optimize=optimize or None, **kwargs)
    if not operands or not isinstance(operands[0], str):
        raise TypeError("numpy.einsum on Tensors: only the subscripts-string form is supported")
    return autograd_function("einsum", "numpy.einsum")(operands[0], *map(tensor_of, operands[1:]))


@implements(np.copy)
def _copy(a, order="K", subok=False):
    check_order("numpy.copy", order, "K")
    return tensor_of(a).clone()


def _like(fn, fill):
    """np.zeros_like and friends: a new Tensor (a constant, as PyTorch's ``*_like``); ``fill``: np.full_like's value."""
    label = f"numpy.{fn.__name__}"

    def make(a, args, dtype, order, shape, device):
        unsupported_argument(label, shape=shape, device=None if device in (None, "cpu") else device)
        check_order(label, order, "K")
        return Tensor._make(fn(tensor_of(a)._data, *args, dtype=dtype))

    impl: Callable[..., Any]
    if fill:
        def impl(a, fill_value, dtype=None, order="K", subok=True, shape=None, *, device=None):
            return make(a, (fill_value,), dtype, order, shape, device)
    else:
        def impl(a, dtype=None, order="K", subok=True, shape=None, *, device=None):
            return make(a, (), dtype, order, shape, device)

    impl.__name__ = impl.__qualname__ = fn.__name__
    impl.__doc__ = f"{label} on Tensors: a new Tensor (a constant, as PyTorch's *_like)."
    return impl


_fn: Any  # numpy functions of several signatures
for _fn in (np.zeros_like, np.ones_like, np.empty_like):
    implements(_fn)(_like(_fn, fill=False))
implements(np.full_like)(_like(np.full_like, fill=True))


# -- questions about arrays (results that carry no gradient) -------------------------------------------------------

def _on_arrays(fn):
    """numpy's ``fn`` on the arrays of Tensor arguments: for results that cannot carry a gradient (shapes, bools,
    indices); an array result comes back as a Tensor."""
    def impl(*args, **kwargs):
        out = fn(*(a._data if isinstance(a, Tensor) else a for a in args), **kwargs)
        if isinstance(out, tuple):
            return tuple(Tensor._make(o) if isinstance(o, np.ndarray) else o for o in out)
        return Tensor._make(out) if isinstance(out, np.ndarray) else out

    impl.__name__ = impl.__qualname__ = fn.__name__
    impl.__doc__ = f"numpy.{fn.__name__} on the Tensors' arrays (its result carries no gradient)."
    return impl


for _fn in (np.shape, np.ndim, np.size, np.isclose, np.allclose, np.array_equal, np.array_equiv, np.count_nonzero,
            np.nonzero, np.argwhere, np.flatnonzero, np.shares_memory, np.may_share_memory, np.result_type,
            np.iscomplexobj, np.isrealobj):
    implements(_fn)(_on_arrays(_fn))
