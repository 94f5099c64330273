"""Linear algebra: matmul for 1-D, 2-D and batched (broadcast) operands."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..backend import namespace
from ..inplace import _raw
from ..op import Op, check_same_namespace
from ..registry import register
from .shape import squeeze, unsqueeze

if TYPE_CHECKING:
    from ..tensor import Tensor


class MatMul(Op):
    """``a @ b`` for operands of at least 2 dims; batch dims broadcast (the engine sums them back)."""

    __slots__ = ()
    save_inputs = True
    saves_for = ((1,), (0,))  # d/da needs b, d/db needs a
    broadcasts = True

    def forward(self, a, b):
        return a @ b

    def backward(self, grad, a, b):
        xp = namespace(grad)
        ga = xp.matmul(grad, xp.swapaxes(b, -1, -2)) if self.next[0] is not None else None
        gb = xp.matmul(xp.swapaxes(a, -1, -2), grad) if self.next[1] is not None else None
        return ga, gb


@register(method=("matmul", "__matmul__"), reflected="__rmatmul__", xp="matmul")
def matmul(input: Tensor, other: Tensor) -> Tensor:
    """Matrix product with numpy/PyTorch semantics: 1-D operands are promoted and the added dim removed."""
    return _matmul(input, other, "matmul")


def _matmul(input, other, op):
    """matmul, with errors naming ``op`` (mm, bmm, dot call it too)."""
    for x in (input, other):
        if not hasattr(x, "ndim"):  # Tensors and ndarrays; a list or a number is a misuse (TypeError, as PyTorch)
            raise TypeError(f"{op}: unsupported operand type {type(x).__name__}; expected a Tensor")
    if type(_raw(input)) is not type(_raw(other)):  # (matmul does not promote: the mixing check is here)
        check_same_namespace(MatMul(), (_raw(input), _raw(other)))
    if input.ndim == 0 or other.ndim == 0:
        raise RuntimeError(f"{op}: both arguments need at least 1 dim, got shapes {tuple(input.shape)} and {tuple(other.shape)}")
    if input.dtype != other.dtype:  # PyTorch does not promote in matmul
        raise RuntimeError(f"{op}: expected both operands to have the same dtype, but got {input.dtype} and "
                           f"{other.dtype} (shapes {tuple(input.shape)} and {tuple(other.shape)})")
    k_a = input.shape[-1]
    k_b = other.shape[-2] if other.ndim > 1 else other.shape[0]
    if k_a != k_b:
        raise RuntimeError(f"{op}: shapes {tuple(input.shape)} and {tuple(other.shape)} cannot be multiplied ({k_a} != {k_b})")
    a = unsqueeze(input, 0) if input.ndim == 1 else input
    b = unsqueeze(other, -1) if other.ndim == 1 else other
    try:
        out = MatMul().apply(a, b)
    except ValueError:
        raise RuntimeError(f"{op}: batch dims of shapes {tuple(input.shape)} and {tuple(other.shape)} do not broadcast") from None
    # The row dim first: for 1-D @ 1-D the result is (1, 1), and after dropping -1 there is no -2 left.
    if input.ndim == 1:
        out = squeeze(out, -2)
    if other.ndim == 1:
        out = squeeze(out, -1)
    return out


def _check_dims(op, ndim, *operands):
    """RuntimeError naming ``op`` unless every operand is a Tensor of ``ndim`` dims."""
    for x in operands:
        if not hasattr(x, "ndim"):
            raise TypeError(f"{op}: unsupported operand type {type(x).__name__}; expected a Tensor")
    if any(x.ndim != ndim for x in operands):
        shapes = " and ".join(str(tuple(x.shape)) for x in operands)
        raise RuntimeError(f"{op}: expected {ndim}-D tensors, got shapes {shapes}")


@register
def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Product of two 2-D matrices."""
    _check_dims("mm", 2, input, mat2)
    return _matmul(input, mat2, "mm")


@register
def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched product of 3-D tensors ``(b, n, m) @ (b, m, p)``."""
    _check_dims("bmm", 3, input, mat2)
    if input.shape[0] != mat2.shape[0]:
        raise RuntimeError(f"bmm: expected equal batch sizes, got shapes {tuple(input.shape)} and {tuple(mat2.shape)}")
    return _matmul(input, mat2, "bmm")


@register
def dot(input: Tensor, other: Tensor) -> Tensor:
    """Inner product of two 1-D tensors of equal length and dtype."""
    _check_dims("dot", 1, input, other)
    if input.shape != other.shape:
        raise RuntimeError(f"dot: expected 1-D tensors of equal length, got shapes {tuple(input.shape)} and {tuple(other.shape)}")
    return _matmul(input, other, "dot")


@register
def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """Outer product ``(n,) x (m,) -> (n, m)`` of two 1-D tensors (promoting, as PyTorch)."""
    _check_dims("outer", 1, input, vec2)
    return unsqueeze(input, 1) * unsqueeze(vec2, 0)
