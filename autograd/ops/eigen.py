"""Symmetric eigendecomposition (``linalg.eigh``) and singular values (``linalg.svdvals``), differentiable to any order.

``eigh``'s backward is the classic rule, written with differentiable ops on the decomposition's own outputs, so
that under ``create_graph`` it is recorded too (second derivatives for the nuclear and spectral norms):
``gA = V (diag(gw) + F * (V^T gV)) V^T``, symmetrised, with ``F[i, j] = 1 / (w[j] - w[i])`` off the diagonal.
It assumes distinct eigenvalues (as PyTorch's, which is also unstable at repeated ones).
"""
from ..backend import namespace
from ..function import Function
from ..tensor import Tensor
from .elementwise import clamp, sqrt, where
from .linalg import matmul
from .shape import tensor_input


class Eigh(Function):
    """``(eigenvalues ascending, eigenvectors as columns)`` of symmetric matrices ``(..., n, n)``."""

    @staticmethod
    def forward(ctx, A):
        a = A._data
        w, v = namespace(a).linalg.eigh(a)
        w, v = Tensor._make(w), Tensor._make(v)
        ctx.save_for_backward(w, v)
        return w, v

    @staticmethod
    def backward(ctx, gw, gv):
        w, v = ctx.saved_tensors
        n = w.shape[-1]
        xp = namespace(w._data)
        eye = Tensor._make(xp.eye(n, dtype=bool))
        diff = w.unsqueeze(-2) - w.unsqueeze(-1)  # diff[i, j] = w[j] - w[i]
        f = where(eye, 0.0, 1 / where(eye, 1.0, diff))
        vt = v.mT
        inner = gw.unsqueeze(-1) * Tensor._make(xp.eye(n, dtype=w.dtype)) + f * matmul(vt, gv)
        g = matmul(matmul(v, inner), vt)
        return (g + g.mT) * 0.5


def _symmetric_input(A, name):
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{name}: expected a batch of square matrices (..., n, n), got shape {tuple(A.shape)}")
    if A.dtype.kind != "f":
        raise RuntimeError(f"{name}: expected a floating point tensor, got dtype {A.dtype}")


@tensor_input
def eigh(A):
    """``torch.linalg.eigh``: eigenvalues (ascending) and eigenvectors of symmetric ``A (..., n, n)`` (its lower
    triangle is read, as numpy's and PyTorch's); differentiable, assuming distinct eigenvalues."""
    _symmetric_input(A, "linalg.eigh")
    return Eigh.apply(A)


@tensor_input
def svdvals(A):
    """``torch.linalg.svdvals``: the singular values of ``A (..., m, n)``, in descending order.

    Computed as the square roots of the eigenvalues of the smaller Gram matrix (``A A^T`` or ``A^T A``), which
    is differentiable to any order where the singular values are distinct and nonzero.
    """
    if A.ndim < 2:
        raise RuntimeError(f"linalg.svdvals: expected a matrix or a batch of matrices, got shape {tuple(A.shape)}")
    if A.dtype.kind != "f":
        raise RuntimeError(f"linalg.svdvals: expected a floating point tensor, got dtype {A.dtype}")
    gram = matmul(A, A.mT) if A.shape[-2] <= A.shape[-1] else matmul(A.mT, A)
    w, _ = Eigh.apply(gram)
    return sqrt(clamp(w, min=0.0)).flip(-1)  # rounding can make a zero eigenvalue slightly negative
