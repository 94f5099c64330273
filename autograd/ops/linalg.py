"""Linear algebra: matmul for 1-D, 2-D and batched (broadcast) operands."""

from ..backend import namespace
from ..op import Op
from ..registry import register
from .shape import squeeze, unsqueeze

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
def matmul(input, other):
    """Matrix product with numpy/PyTorch semantics: 1-D operands are promoted and the added dim removed."""
    for x in (input, other):
        if not hasattr(x, "ndim"):  # Tensors and ndarrays; a list or a number is a misuse (TypeError, as PyTorch)
            raise TypeError(f"matmul: unsupported operand type {type(x).__name__}; expected a Tensor")
    if input.ndim == 0 or other.ndim == 0:
        raise RuntimeError(f"matmul: both arguments need at least 1 dim, got shapes {tuple(input.shape)} and {tuple(other.shape)}")
    if input.dtype != other.dtype:  # PyTorch does not promote in matmul
        raise RuntimeError(f"matmul: expected both operands to have the same dtype, but got {input.dtype} and "
                           f"{other.dtype} (shapes {tuple(input.shape)} and {tuple(other.shape)})")
    k_a = input.shape[-1]
    k_b = other.shape[-2] if other.ndim > 1 else other.shape[0]
    if k_a != k_b:
        raise RuntimeError(f"matmul: shapes {tuple(input.shape)} and {tuple(other.shape)} cannot be multiplied ({k_a} != {k_b})")
    a = unsqueeze(input, 0) if input.ndim == 1 else input
    b = unsqueeze(other, -1) if other.ndim == 1 else other
    try:
        out = MatMul().apply(a, b)
    except ValueError:
        raise RuntimeError(f"matmul: batch dims of shapes {tuple(input.shape)} and {tuple(other.shape)} do not broadcast") from None
    # The row dim first: for 1-D @ 1-D the result is (1, 1), and after dropping -1 there is no -2 left.
    if input.ndim == 1:
        out = squeeze(out, -2)
    if other.ndim == 1:
        out = squeeze(out, -1)
    return out


@register
def mm(input, mat2):
    """Product of two 2-D matrices."""
    if input.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(f"mm: expected 2-D tensors, got shapes {tuple(input.shape)} and {tuple(mat2.shape)}")
    return matmul(input, mat2)


@register
def bmm(input, mat2):
    """Batched product of 3-D tensors ``(b, n, m) @ (b, m, p)``."""
    if input.ndim != 3 or mat2.ndim != 3 or input.shape[0] != mat2.shape[0]:
        raise RuntimeError(f"bmm: expected 3-D tensors with equal batch size, got shapes {tuple(input.shape)} and {tuple(mat2.shape)}")
    return matmul(input, mat2)


@register
def dot(input, other):
    """Inner product of two 1-D tensors of equal length."""
    if input.ndim != 1 or other.ndim != 1 or input.shape != other.shape:
        raise RuntimeError(f"dot: expected 1-D tensors of equal length, got shapes {tuple(input.shape)} and {tuple(other.shape)}")
    return matmul(input, other)


@register
def outer(input, vec2):
    """Outer product of two 1-D tensors."""
    return unsqueeze(input, 1) * unsqueeze(vec2, 0)
