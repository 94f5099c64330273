"""Scans and products: cumsum, cumprod (along one dim) and prod (of all elements or along one dim).

Zeros in the input are the hard part of products: ``d prod / d x_i = prod / x_i`` is 0 / 0 there. The rules
below never divide by an element that is zero, and stay differentiable there (second derivatives included).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..backend import namespace
from ..op import Op
from ..registry import register
from .dims import accumulate_dtype, dim_aliases, single_dim
from .reductions import _expand_grad
from .shape import tensor_input

if TYPE_CHECKING:
    from ..tensor import Tensor
    from ..types import DTypeLike


def _reversed(x, d, xp):
    """``x`` reversed along axis ``d`` (an integer-array index: both namespaces differentiate it)."""
    index = (slice(None),) * d + (np.arange(x.shape[d] - 1, -1, -1),)
    return xp.getitem(x, index)


def _reverse_cumsum(x, d):
    """``out[i] = sum(x[j] for j >= i)`` along axis ``d``: the transpose of ``cumsum``."""
    xp = namespace(x)
    return _reversed(xp.cumsum(_reversed(x, d, xp), axis=d), d, xp)


class CumSum(Op):
    __slots__ = ("dim",)
    attrs = ("dim",)

    def __init__(self, dim):
        self.dim = dim

    def forward(self, a):
        return namespace(a).cumsum(a, axis=self.dim)

    def backward(self, grad):
        return _reverse_cumsum(grad, self.dim)


class CumProd(Op):
    """``out[i] = x[0] * ... * x[i]``; its gradient is ``sum(g[j] * out[j] / x[i] for j >= i)`` away from zeros.

    At a zero ``x[i]`` (the r-th zero of its slice) the gradient is ``sum(g[j] * cumprod(x with x[i] := 1)[j])``:
    one more cumprod per zero rank, exact and differentiable. Past the first zero of a slice every value of it
    is 0, so the plain backward (``fast_backward``) needs the first rank only; the differentiable rule computes
    every rank, because their derivatives are not 0 (what PyTorch's O(n^2) double-backward path computes).
    """

    __slots__ = ("dim",)
    save_inputs = True
    save_output = True
    attrs = ("dim",)

    def __init__(self, dim):
        self.dim = dim

    def forward(self, a):
        return namespace(a).cumprod(a, axis=self.dim)

    def backward(self, grad, a, out):
        return _cumprod_grad(grad, a, out, self.dim, every_rank=True)

    def fast_backward(self, grad, a, out):
        return _cumprod_grad(grad, a, out, self.dim, every_rank=False)


def _cumprod_grad(grad, a, out, d, every_rank):
    xp = namespace(grad)
    zero = a == 0
    away = _reverse_cumsum(grad * out, d)  # valid wherever x[i] != 0
    if not xp.any(zero):
        return away / a
    result = xp.where(zero, 0, away / xp.where(zero, 1, a))
    rank = xp.cumsum(xp.astype(zero, np.int64), axis=d)  # at a zero: 1 for the first zero of its slice, 2 for the second...
    r = 1
    while True:
        hit = zero & (rank == r)
        if not xp.any(hit):
            return result
        at_zero = _reverse_cumsum(grad * xp.cumprod(xp.where(hit, 1, a), axis=d), d)
        result = xp.where(hit, at_zero, result)
        if not every_rank:  # later zeros get exactly 0 (their value), already in result
            return result
        r += 1


class Prod(Op):
    """Product over one dim (or all elements); ``g * out / x`` away from zeros.

    With zeros, the gradient of ``x[i]`` is ``g * (product of the elements before i) * (product after i)``,
    both exclusive cumprods, so it stays exact and differentiable (as PyTorch's ``prod_safe_zeros_backward``).
    """

    __slots__ = ("dim", "keepdim")
    save_inputs = True
    save_output = True
    attrs = ("dim", "keepdim")

    def __init__(self, dim=None, keepdim=False):
        self.dim, self.keepdim = dim, keepdim  # dim: None (all elements) or a 1-tuple

    def forward(self, a):
        return namespace(a).prod(a, axis=self.dim, keepdims=self.keepdim)

    def backward(self, grad, a, out):
        xp = namespace(grad)
        g = _expand_grad(grad, a.shape, self.dim, self.keepdim)
        zero = a == 0
        if not xp.any(zero):
            return g * _expand_grad(out, a.shape, self.dim, self.keepdim) / a
        if a.ndim == 0:
            return g
        if self.dim is None:  # all elements: the same rule along the one axis of the flattened input
            flat = xp.reshape(a, (-1,))
            return g * xp.reshape(_exclusive_products(flat, 0, xp), a.shape)
        return g * _exclusive_products(a, self.dim[0], xp)


def _exclusive_products(a, d, xp):
    """``prod(a[j] for j != i)`` along axis ``d``, without division: the products before ``i`` times those after."""
    n = a.shape[d]
    lead = (slice(None),) * d
    pad = [(0, 0)] * a.ndim
    pad[d] = (1, 0)
    before = xp.cumprod(xp.pad(xp.getitem(a, lead + (slice(0, n - 1),)), pad, constant_values=1), axis=d)
    rev = _reversed(a, d, xp)
    after = _reversed(xp.cumprod(xp.pad(xp.getitem(rev, lead + (slice(0, n - 1),)), pad, constant_values=1), axis=d), d, xp)
    return before * after


# -- functional forms ------------------------------------------------------------------------------------


def _scan(cls, input, dim, dtype, name):
    input = accumulate_dtype(input, dtype)
    d = single_dim(dim, input.ndim, name)
    if input.ndim == 0:  # PyTorch: a 0-d tensor scans to itself (dim 0 or -1)
        return cls(0).apply(input.reshape(1)).reshape(())
    return cls(d).apply(input)


@register(xp="cumsum")
@dim_aliases
@tensor_input
def cumsum(input: Tensor, dim: int, *, dtype: DTypeLike | None = None) -> Tensor:
    """Cumulative sums along ``dim``: ``out[i] = input[0] + ... + input[i]``.

    ``dtype`` casts the input first; without it bool and integer tensors accumulate in int64, as in PyTorch.
    """
    return _scan(CumSum, input, dim, dtype, "cumsum")


@register(xp="cumprod")
@dim_aliases
@tensor_input
def cumprod(input: Tensor, dim: int, *, dtype: DTypeLike | None = None) -> Tensor:
    """Cumulative products along ``dim``: ``out[i] = input[0] * ... * input[i]``; exact gradients at zeros.

    ``dtype`` casts the input first; without it bool and integer tensors accumulate in int64, as in PyTorch.
    """
    return _scan(CumProd, input, dim, dtype, "cumprod")


@register
@dim_aliases
@tensor_input
def prod(input: Tensor, dim: int | None = None, keepdim: bool = False, *, dtype: DTypeLike | None = None) -> Tensor:
    """Product of all elements, or along ``dim`` (one int, as PyTorch); exact gradients at zeros.

    ``dtype`` casts the input first; without it bool and integer tensors multiply in int64, as in PyTorch.
    """
    input = accumulate_dtype(input, dtype)
    if dim is None:
        if keepdim:
            raise TypeError("prod(): keepdim=True needs a dim (the product of all elements is one value)")
        return Prod().apply(input)
    d = single_dim(dim, input.ndim, "prod")
    return Prod(() if input.ndim == 0 else (d,), keepdim).apply(input)
