"""Reductions: sum, mean, var/std (and var_mean/std_mean), max/min (full or along a dim), argmax/argmin,
logsumexp, softmax, log_softmax."""
from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, overload

import numpy as np

from .. import return_types
from ..backend import namespace
from ..op import Op
from ..registry import register
from ..tensor import Tensor
from .dims import accumulate_dtype, dim_aliases, reduce_dims
from .elementwise import Sqrt, maximum, minimum
from .shape import normalize_dims, tensor_input

if TYPE_CHECKING:
    from ..types import Dims, DTypeLike


def _expand_grad(grad, shape, axes, keepdim):
    """Broadcast the gradient of a reduction over ``axes`` back to the input ``shape``."""
    xp = namespace(grad)
    if not keepdim and axes is not None:
        kept = list(shape)
        for ax in axes:
            kept[ax] = 1
        grad = xp.reshape(grad, tuple(kept))
    return xp.broadcast_to(grad, shape)


class Sum(Op):
    __slots__ = ("dim", "keepdim", "shape")
    attrs = ("dim", "keepdim")

    def __init__(self, dim=None, keepdim=False):
        self.dim, self.keepdim = dim, keepdim

    def forward(self, a):
        self.shape = a.shape
        return namespace(a).sum(a, axis=self.dim, keepdims=self.keepdim)

    def backward(self, grad):
        return _expand_grad(grad, self.shape, self.dim, self.keepdim)


class Mean(Sum):
    """The sum's rule scaled by ``1 / n``."""

    __slots__ = ()

    def forward(self, a):
        self.shape = a.shape
        return namespace(a).mean(a, axis=self.dim, keepdims=self.keepdim)

    def backward(self, grad):
        n = np.prod(self.shape) if self.dim is None else np.prod([self.shape[d] for d in self.dim])
        # 1 / n as a Python float: a numpy float64 scalar would promote a float32 gradient to float64.
        return super().backward(grad * (1.0 / float(n)) if n else grad)


class _Select(Op):
    """max/min: the gradient goes to the selected elements.

    Along a dim it goes to the one element whose index is returned (as PyTorch's ``max(dim)``); for a full
    reduction it is shared evenly among tied maxima (as PyTorch's ``max()``/``amax``).  NaN propagates, as in
    PyTorch: ``max()``/``min()`` share the gradient among the NaN elements; ``amax``/``amin`` give NaN to every
    element of a slice whose result is NaN (no element equals it: 0 / 0).
    """

    __slots__ = ("dim", "keepdim", "even_ties", "weight", "indices")
    saved_attrs = ("weight",)
    attrs = ("dim", "keepdim")
    reduce: str  # the namespace functions (each subclass's)
    arg: str

    def __init__(self, dim=None, keepdim=False, even_ties=False):
        self.dim, self.keepdim, self.even_ties = dim, keepdim, even_ties

    def forward(self, a):
        if a.size == 0 and (self.dim is None or any(a.shape[d] == 0 for d in self.dim)):
            raise RuntimeError(f"{self.name}: cannot reduce over an empty dim of the tensor of shape {a.shape} "
                               "(the maximum/minimum of nothing is undefined)")
        xp = namespace(a)
        if self.dim is None or self.even_ties:
            out = getattr(xp, self.reduce)(a, axis=self.dim, keepdims=True)
            hit = a == out
            if self.dim is None and not self.even_ties and xp.kind(out) == "f" and xp.any(xp.isnan(out)):
                hit = xp.isnan(a)  # max()/min(): the NaN elements are the selected ones
            hit = xp.astype(hit, a.dtype)
            with np.errstate(invalid="ignore"):  # amax/amin of a slice with NaN: 0 / 0, NaN as PyTorch
                self.weight = hit / xp.sum(hit, axis=self.dim, keepdims=True)
            self.indices = None
        else:
            (d,) = self.dim
            idx = xp.expand_dims(getattr(xp, self.arg)(a, axis=d), axis=d)
            out = xp.take_along_axis(a, idx, axis=d)
            self.weight = xp.one_hot(idx, a.shape, d, a.dtype)
            self.indices = idx if self.keepdim else xp.squeeze(idx, axis=d)
        if not self.keepdim:
            out = xp.squeeze(out, axis=tuple(range(out.ndim)) if self.dim is None else self.dim)
        return out

    def backward(self, grad):
        return _expand_grad(grad, self.weight.shape, self.dim, self.keepdim) * self.weight


class Max(_Select):
    __slots__ = ()
    reduce, arg = "max", "argmax"


class Min(_Select):
    __slots__ = ()
    reduce, arg = "min", "argmin"


class StdSqrt(Sqrt):
    """std's square root: where the std is 0 (a constant slice) the derivative is 0, not ``0.5 / 0``.

    PyTorch's ``std_backward`` masks the same places, so std of a constant input has a zero gradient.
    """

    __slots__ = ()

    def backward(self, grad, y):
        xp = namespace(grad)
        zero = y == 0
        return xp.where(zero, 0, grad * (0.5 / xp.where(zero, 1, y)))


class LogSumExp(Op):
    __slots__ = ("dim", "keepdim")
    save_inputs = True
    save_output = True
    attrs = ("dim", "keepdim")

    def __init__(self, dim, keepdim=False):
        self.dim, self.keepdim = dim, keepdim

    def forward(self, a):
        xp = namespace(a)
        if a.size == 0:  # logsumexp of nothing is log(0) = -inf, as PyTorch (no max to subtract)
            shape = tuple(1 if i in self.dim else n for i, n in enumerate(a.shape))
            out = xp.full(shape, -np.inf, dtype=a.dtype)
            return out if self.keepdim else xp.squeeze(out, axis=self.dim)
        m = xp.max(a, axis=self.dim, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)
        out = xp.log(xp.sum(xp.exp(a - m), axis=self.dim, keepdims=True)) + m
        return out if self.keepdim else xp.squeeze(out, axis=self.dim)

    def backward(self, grad, a, y):
        xp = namespace(grad)
        shape = a.shape
        return _expand_grad(grad, shape, self.dim, self.keepdim) * xp.exp(a - _expand_grad(y, shape, self.dim, self.keepdim))


class Softmax(Op):
    __slots__ = ("dim",)
    save_output = True
    attrs = ("dim",)

    def __init__(self, dim):
        self.dim = dim

    def forward(self, a):
        if a.size == 0:  # nothing to normalise (the max of an empty dim would raise)
            return a * 1
        xp = namespace(a)
        e = xp.exp(a - xp.max(a, axis=self.dim, keepdims=True))
        return e / xp.sum(e, axis=self.dim, keepdims=True)

    def backward(self, grad, y):
        gy = grad * y
        return gy - y * namespace(grad).sum(gy, axis=self.dim, keepdims=True)


class LogSoftmax(Op):
    __slots__ = ("dim",)
    save_output = True
    attrs = ("dim",)

    def __init__(self, dim):
        self.dim = dim

    def forward(self, a):
        if a.size == 0:
            return a * 1
        xp = namespace(a)
        z = a - xp.max(a, axis=self.dim, keepdims=True)
        return z - xp.log(xp.sum(xp.exp(z), axis=self.dim, keepdims=True))

    def backward(self, grad, y):
        xp = namespace(grad)
        return grad - xp.exp(y) * xp.sum(grad, axis=self.dim, keepdims=True)


# -- functional forms ------------------------------------------------------------------------------------


@register(xp=False)
@dim_aliases
@tensor_input
def sum(input: Tensor, dim: Dims | None = None, keepdim: bool = False, *, dtype: DTypeLike | None = None) -> Tensor:
    """Sum of all elements, or over ``dim`` (an int or a tuple of ints).

    ``dtype`` casts the input first; without it bool and integer tensors sum to int64, as in PyTorch.
    """
    input = accumulate_dtype(input, dtype)
    return Sum(reduce_dims(dim, input.ndim, "sum"), keepdim).apply(input)


@register
@dim_aliases
@tensor_input
def mean(input: Tensor, dim: Dims | None = None, keepdim: bool = False, *, dtype: DTypeLike | None = None) -> Tensor:
    """Mean of all elements, or over ``dim``; floating-point tensors only (``dtype`` casts the input first)."""
    if dtype is not None:
        if np.dtype(dtype).kind not in "fc":
            raise RuntimeError(f"mean(): could not infer output dtype. Optional dtype must be either a floating point "
                               f"or complex dtype. Got: {np.dtype(dtype)}")
        input = input.to(dtype)
    if input.dtype.kind not in "fc":
        raise RuntimeError(f"mean(): could not infer output dtype; input dtype is {input.dtype}, expected a floating point dtype")
    return Mean(reduce_dims(dim, input.ndim, "mean"), keepdim).apply(input)


def _correction(name, dim, unbiased, correction):
    """PyTorch's var/std overloads: ``(dim, unbiased)``, ``(unbiased)`` alone, or ``correction=``; returns
    ``(dim, correction)``."""
    if isinstance(dim, bool):  # var(x, True): the one-argument overload var(input, unbiased)
        if unbiased is not None:
            raise TypeError(f"{name}(): got unbiased={dim!r} positionally and unbiased={unbiased!r}")
        dim, unbiased = None, dim
    if unbiased is None:
        return dim, 1 if correction is None else correction
    if not isinstance(unbiased, (bool, np.bool_)):
        raise TypeError(f"{name}(): argument 'unbiased' must be bool, not {type(unbiased).__name__}")
    if correction is not None:
        raise TypeError(f"{name}(): pass either unbiased or correction, not both")
    return dim, int(unbiased)


def _variance(input, dim, correction, keepdim, name):
    if input.dtype.kind not in "fc":
        raise RuntimeError(f"{name}(): std and var only support floating point and complex dtypes, got {input.dtype}")
    dims = reduce_dims(dim, input.ndim, name)
    n = input.numel() if dims is None else int(np.prod([input.shape[d] for d in dims]))
    # Shift by a constant (one element of each slice) first: it changes neither the variance nor its gradient,
    # and equal elements then give exactly 0. The mean of equal floats is not always exact (0.1 three times),
    # which would leave a variance of ~1e-17 and an O(1) gradient of std at a constant input.
    first = tuple(slice(0, 1) if dims is None or d in dims else slice(None) for d in range(input.ndim))
    shifted = input - input.data[first]
    centred = shifted - mean(shifted, dims, keepdim=True)
    # A scalar of the input's dtype: keeps float32 as float32, and when correction >= n the division by 0 gives
    # inf in forward and backward (as PyTorch) instead of a ZeroDivisionError from a Python int in backward.
    return sum(centred * centred, dims, keepdim) / input.dtype.type(builtins.max(n - correction, 0))


@register
@dim_aliases
@tensor_input
def var(input: Tensor, dim: Dims | None = None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: float | None = None) -> Tensor:
    """Variance over ``dim`` with Bessel's ``correction`` (1, PyTorch's default: unbiased; 0: biased).

    PyTorch's forms all work: ``x.var(1, True)`` and ``x.var(unbiased=False)`` (``unbiased`` is ``correction``
    1 or 0), ``x.var(True)``, ``x.var(1, correction=0)`` (any number, also a float).
    """
    dim, correction = _correction("var", dim, unbiased, correction)
    return _variance(input, dim, correction, keepdim, "var")


@register
@dim_aliases
@tensor_input
def std(input: Tensor, dim: Dims | None = None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: float | None = None) -> Tensor:
    """Standard deviation: ``sqrt(var(...))`` with var's arguments; its gradient is 0 where it is 0 (as PyTorch)."""
    dim, correction = _correction("std", dim, unbiased, correction)
    return StdSqrt().apply(_variance(input, dim, correction, keepdim, "std"))


@register(method=False)
@dim_aliases
@tensor_input
def var_mean(input: Tensor, dim: Dims | None = None, unbiased: bool | None = None, keepdim: bool = False, *,
             correction: float | None = None) -> tuple[Tensor, Tensor]:
    """The tuple ``(var(input, ...), mean(input, dim, keepdim))``, with var's arguments."""
    dim, correction = _correction("var_mean", dim, unbiased, correction)
    return _variance(input, dim, correction, keepdim, "var_mean"), mean(input, dim, keepdim)


@register(method=False)
@dim_aliases
@tensor_input
def std_mean(input: Tensor, dim: Dims | None = None, unbiased: bool | None = None, keepdim: bool = False, *,
             correction: float | None = None) -> tuple[Tensor, Tensor]:
    """The tuple ``(std(input, ...), mean(input, dim, keepdim))``, with std's arguments."""
    dim, correction = _correction("std_mean", dim, unbiased, correction)
    return StdSqrt().apply(_variance(input, dim, correction, keepdim, "std_mean")), mean(input, dim, keepdim)


def _select(cls, input, dim, keepdim, name):
    """max/min: the full reduction, or with ``dim`` the named tuple ``(values, indices)``."""
    if dim is None:
        if keepdim:
            raise TypeError(f"{name}(): keepdim=True needs a dim (the full reduction returns one value)")
        return cls(None, False).apply(input)
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{name}(): dim must be an int when indices are returned, got {dim!r}")
    result = getattr(return_types, name)
    if input.ndim == 0:  # PyTorch accepts dim 0 / -1 here: the value itself, at index 0
        reduce_dims(dim, 0, name)
        zero = namespace(input._data).zeros((), dtype=np.int64)
        return result(cls((), keepdim, even_ties=True).apply(input), Tensor._make(zero))
    fn = cls(normalize_dims(dim, input.ndim, name), keepdim)
    values = fn.apply(input)
    return result(values, Tensor._make(fn.indices))


def _pairwise(fn, input, other, keepdim, name):
    """``max(input, other)`` / ``min(input, other)`` with a Tensor ``other``: the elementwise form, as PyTorch."""
    if keepdim:
        raise TypeError(f"{name}(): keepdim is not an argument of {name}(input, other)")
    return fn(input, other)


def _arg_indices(cls, input, dim, keepdim):
    xp = namespace(input._data)
    idx = getattr(xp, cls.arg)(input._data, axis=dim)
    return xp.expand_dims(idx, axis=dim) if keepdim else idx


@overload
def max(input: Tensor, dim: None = None, keepdim: bool = False) -> Tensor: ...
@overload
def max(input: Tensor, dim: int, keepdim: bool = False) -> return_types.max: ...
@overload
def max(input: Tensor, dim: Tensor, keepdim: bool = False) -> Tensor: ...


@register
@dim_aliases
@tensor_input
def max(input: Tensor, dim: int | Tensor | None = None, keepdim: bool = False) -> Tensor | return_types.max:
    """Largest element; with ``dim``, the named tuple ``(values, indices)`` along that dim, as PyTorch; with a Tensor
    in place of ``dim``, the elementwise :func:`maximum`."""
    if isinstance(dim, Tensor):
        return _pairwise(maximum, input, dim, keepdim, "max")
    return _select(Max, input, dim, keepdim, "max")


@overload
def min(input: Tensor, dim: None = None, keepdim: bool = False) -> Tensor: ...
@overload
def min(input: Tensor, dim: int, keepdim: bool = False) -> return_types.min: ...
@overload
def min(input: Tensor, dim: Tensor, keepdim: bool = False) -> Tensor: ...


@register
@dim_aliases
@tensor_input
def min(input: Tensor, dim: int | Tensor | None = None, keepdim: bool = False) -> Tensor | return_types.min:
    """Smallest element; with ``dim``, the named tuple ``(values, indices)`` along that dim, as PyTorch; with a Tensor
    in place of ``dim``, the elementwise :func:`minimum`."""
    if isinstance(dim, Tensor):
        return _pairwise(minimum, input, dim, keepdim, "min")
    return _select(Min, input, dim, keepdim, "min")


@register
@dim_aliases
@tensor_input
def amax(input: Tensor, dim: Dims | None = None, keepdim: bool = False) -> Tensor:
    """Largest values over ``dim`` (any number of dims); ties share the gradient evenly."""
    return Max(reduce_dims(dim, input.ndim, "amax"), keepdim, even_ties=True).apply(input)


@register
@dim_aliases
@tensor_input
def amin(input: Tensor, dim: Dims | None = None, keepdim: bool = False) -> Tensor:
    """Smallest values over ``dim`` (any number of dims); ties share the gradient evenly."""
    return Min(reduce_dims(dim, input.ndim, "amin"), keepdim, even_ties=True).apply(input)


@register
@dim_aliases
@tensor_input
def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the largest element (flattened when ``dim`` is None); never requires grad."""
    if dim is None:
        xp = namespace(input._data)
        return Tensor._make(xp.asarray(xp.argmax(xp.reshape(input._data, (-1,)), axis=0)))
    return Tensor._make(_arg_indices(Max, input, normalize_dims(dim, input.ndim, "argmax")[0], keepdim))


@register
@dim_aliases
@tensor_input
def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the smallest element (flattened when ``dim`` is None); never requires grad."""
    if dim is None:
        xp = namespace(input._data)
        return Tensor._make(xp.asarray(xp.argmin(xp.reshape(input._data, (-1,)), axis=0)))
    return Tensor._make(_arg_indices(Min, input, normalize_dims(dim, input.ndim, "argmin")[0], keepdim))


@register
@dim_aliases
@tensor_input
def logsumexp(input: Tensor, dim: Dims, keepdim: bool = False) -> Tensor:
    """``log(sum(exp(input), dim))`` computed stably (finite for inputs of 1e4)."""
    return LogSumExp(reduce_dims(dim, input.ndim, "logsumexp"), keepdim).apply(input)


@register
@dim_aliases
@tensor_input
def softmax(input: Tensor, dim: int) -> Tensor:
    """``exp(x) / sum(exp(x), dim)``, computed stably."""
    return Softmax(normalize_dims(dim, input.ndim, "softmax")[0]).apply(input)


@register
@dim_aliases
@tensor_input
def log_softmax(input: Tensor, dim: int) -> Tensor:
    """``x - logsumexp(x, dim)``, computed stably (finite for logits of 1e4)."""
    return LogSoftmax(normalize_dims(dim, input.ndim, "log_softmax")[0]).apply(input)


@register(method=False, export=False, xp="sum")
def _sum_xp(x, axis=None, keepdims=False):
    """The array API's ``sum`` signature, for backward rules under ``create_graph``."""
    return Sum(reduce_dims(axis, x.ndim, "sum"), keepdims).apply(x)
