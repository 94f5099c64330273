"""Norms: ``norm`` (PyTorch's ``torch.norm``) and the functions of :mod:`autograd.linalg` (``vector_norm``,
``matrix_norm``, ``norm``).

Gradients follow PyTorch's ``norm_backward``: 0 (not NaN) where the norm is 0 (the 2-norm of a zero vector),
0 at zero elements for orders below 1, ties of the inf-norm share the gradient evenly, and the 0-"norm" (the
count of nonzeros) has no gradient.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ..backend import namespace
from ..op import Op
from ..registry import register
from .dims import dim_aliases, reduce_dims
from .eigen import svdvals
from .elementwise import abs as absolute
from .reductions import _expand_grad, amax, amin
from .reductions import sum as reduce_sum
from .shape import tensor_input

if TYPE_CHECKING:
    from ..tensor import Tensor
    from ..types import Dims, DTypeLike

_INF = math.inf


def _is_number(x):
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, (bool, np.bool_))


class VectorNorm(Op):
    """``sum(|x| ** ord) ** (1 / ord)`` over ``dim``; ord inf / -inf: the largest / smallest ``|x|``; 0: the count
    of nonzeros."""

    __slots__ = ("ord", "dim", "keepdim", "factor")
    save_inputs = True
    save_output = True
    saved_attrs = ("factor",)
    attrs = ("ord", "dim", "keepdim")

    def __init__(self, ord, dim, keepdim):
        self.ord, self.dim, self.keepdim = ord, dim, keepdim

    def forward(self, a):
        xp = namespace(a)
        p, axes = self.ord, self.dim
        x = xp.abs(a)
        self.factor = None  # orders 1 and +-inf: the constant derivative, sign(a) (shared among ties)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if p in (_INF, -_INF):
                out = (xp.max if p > 0 else xp.min)(x, axis=axes, keepdims=True)
                hit = xp.astype(x == out, a.dtype)
                self.factor = xp.astype(xp.sign(a) * hit / xp.sum(hit, axis=axes, keepdims=True), a.dtype)
            elif p == 0:
                out = xp.sum(xp.astype(x != 0, a.dtype), axis=axes, keepdims=True)
            elif p == 1:
                out = xp.sum(x, axis=axes, keepdims=True)
                self.factor = xp.sign(a)
            elif p == 2:
                out = xp.sqrt(xp.sum(a * a, axis=axes, keepdims=True))
            else:
                out = xp.sum(x ** p, axis=axes, keepdims=True) ** (1.0 / p)
        out = xp.astype(out, a.dtype)
        return out if self.keepdim else xp.reshape(out, _reduced_shape(a.shape, axes))

    def backward(self, grad, a, y):
        p = self.ord
        if p == 0:
            return None  # piecewise constant: PyTorch gives no gradient
        xp = namespace(grad)
        g = _expand_grad(grad, a.shape, self.dim, self.keepdim)
        if self.factor is not None:
            return xp.piecewise_mul(g, self.factor, a)
        y = _expand_grad(y, a.shape, self.dim, self.keepdim)
        at_zero = y == 0
        if p == 2:
            return xp.where(at_zero, 0, g * a / xp.where(at_zero, 1, y))
        zero = a == 0  # |a| ** (p - 2) is infinite there for p < 2; PyTorch takes sign(a) |a| ** (p - 1) = 0
        scaled = xp.where(zero, 0, a * xp.abs(xp.where(zero, 1, a)) ** (p - 2))
        return xp.where(at_zero, 0, g * scaled / xp.where(at_zero, 1, y) ** (p - 1))


def _reduced_shape(shape, axes):
    return () if axes is None else tuple(n for i, n in enumerate(shape) if i not in axes)


def _float_input(A, dtype, name):
    if dtype is not None:
        if np.dtype(dtype).kind not in "fc":
            raise RuntimeError(f"{name}: dtype should be floating point, got {np.dtype(dtype)}")
        A = A.to(dtype)
    if A.dtype.kind not in "fc":
        raise RuntimeError(f"{name}: Expected a floating point tensor as input. Got {A.dtype}")
    return A


@dim_aliases
@tensor_input
def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """The vector ``ord``-norm of ``x`` over ``dim`` (an int, a tuple, or None: all elements, any shape).

    ``ord``: any number, ``inf`` (largest ``|x|``), ``-inf`` (smallest), 0 (count of nonzeros). ``dtype`` casts
    ``x`` first. The gradient of the 2-norm at the zero vector is 0, as in PyTorch.
    """
    if not _is_number(ord):
        raise TypeError(f"linalg.vector_norm(): argument 'ord' must be a number, not {type(ord).__name__}")
    x = _float_input(x, dtype, "linalg.vector_norm")
    axes = reduce_dims(dim, x.ndim, "linalg.vector_norm")
    if (ord < 0 or ord == _INF) and (x.numel() == 0 or axes and any(x.shape[d] == 0 for d in axes)):
        raise RuntimeError(f"linalg.vector_norm cannot compute the {ord} norm on an empty tensor of shape "
                           f"{tuple(x.shape)} because the operation does not have an identity")
    return VectorNorm(float(ord), axes, keepdim).apply(x)


def _matrix_dims(dim, ndim, name):
    if not isinstance(dim, (tuple, list)):
        raise TypeError(f"{name}(): argument 'dim' must be a tuple of two ints, not {type(dim).__name__}")
    if len(dim) != 2:
        raise RuntimeError(f"{name}: dim must be a 2-tuple. Got {' '.join(map(str, dim))}")
    dims = [reduce_dims(d, ndim, name)[0] for d in dim]
    if dims[0] == dims[1]:
        raise RuntimeError(f"{name}: dims must be different. Got ({dim[0]}, {dim[1]})")
    return dims


@dim_aliases
@tensor_input
def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """The matrix norm of ``A`` over the two dims ``dim`` (the rest are batch dims).

    ``ord``: ``'fro'`` (Frobenius), 1 / -1 (largest / smallest absolute column sum), inf / -inf (row sums).
    ``'nuc'`` (the sum of the singular values), 2 / -2 (the largest / smallest one). Raises RuntimeError for other
    orders, fewer than 2 dims, or equal dims.
    """
    name = "linalg.matrix_norm"
    A = _float_input(A, dtype, name)
    if A.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions, got shape {tuple(A.shape)}")
    rows, cols = _matrix_dims(dim, A.ndim, name)
    if ord == "fro":
        return vector_norm(A, 2, (rows, cols), keepdim)
    if ord in ("nuc", 2, -2):  # from the singular values (autograd.ops.eigen.svdvals), the two dims moved last
        rest = [d for d in range(A.ndim) if d not in (rows, cols)]
        s = svdvals(A.permute(*rest, rows, cols))
        out = s.sum(-1) if ord == "nuc" else s[..., 0] if ord == 2 else s[..., -1]
        if keepdim:
            out = out.reshape(tuple(1 if i in (rows, cols) else n for i, n in enumerate(A.shape)))
        return out
    if not (_is_number(ord) and ord in (1, -1, _INF, -_INF)):
        raise RuntimeError(f"{name}: Order {ord} not supported.")
    # 1-norms sum each column (over the rows) and take the extreme sum; inf-norms the same with rows and columns
    # swapped. Composed of differentiable reductions, as PyTorch composes them.
    summed, across = (rows, cols) if ord in (1, -1) else (cols, rows)
    pick = amax if ord > 0 else amin
    out = pick(reduce_sum(absolute(A), summed, keepdim=True), across, keepdim=True)
    return out if keepdim else out.reshape(_reduced_shape(A.shape, (rows, cols)))


@dim_aliases
@tensor_input
def linalg_norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """``torch.linalg.norm``: a vector norm when ``dim`` is an int or a 1-tuple, a matrix norm when it is a 2-tuple.

    With ``dim=None``: the 2-norm of all elements when ``ord`` is None too, else ``A`` must be 1-D (vector
    norm) or 2-D (matrix norm).
    """
    if isinstance(dim, (int, np.integer)) or isinstance(dim, (tuple, list)) and len(dim) == 1:
        return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
    if dim is not None:
        return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    if A.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {A.ndim}D "
                       f"(shape {tuple(A.shape)})")


@register  # no axis= alias: torch.norm (a Python function) takes dim only
@tensor_input
def norm(input: Tensor, p: float | str | None = "fro", dim: Dims | None = None, keepdim: bool = False, *,
         dtype: DTypeLike | None = None) -> Tensor:
    """PyTorch's ``torch.norm``: ``p='fro'`` (the default) or a number is a vector norm over ``dim`` (all elements
    when None); ``'nuc'`` or ``'fro'`` over more than 2 dims go to :func:`matrix_norm`.

    ``p`` numbers: any, ``inf``, ``-inf``, 0; ``'nuc'``: the nuclear norm of a matrix (``dim`` two dims, or None
    for a 2-D input).
    """
    if isinstance(p, str):
        if p == "fro" and (dim is None or isinstance(dim, (int, np.integer)) or len(dim) <= 2):
            return vector_norm(input, 2, dim, keepdim, dtype=dtype)
        dims = tuple(range(input.ndim)) if dim is None else dim
        return matrix_norm(input, p, dims, keepdim, dtype=dtype)
    return vector_norm(input, 2 if p is None else p, dim, keepdim, dtype=dtype)
