"""``autograd.linalg``: PyTorch's ``torch.linalg`` functions that scratchgrad has (norms, ``eigh``, ``svdvals``,
``matmul``).

    import autograd as ag
    ag.linalg.vector_norm(x, ord=2, dim=-1)
    ag.linalg.matrix_norm(A, ord="fro")

The ops themselves live in :mod:`autograd.ops.norms` (and :mod:`autograd.ops.linalg` for ``matmul``).
"""
from .ops.eigen import eigh, svdvals
from .ops.linalg import matmul
from .ops.norms import linalg_norm as norm
from .ops.norms import matrix_norm, vector_norm

__all__ = ["vector_norm", "matrix_norm", "norm", "matmul", "eigh", "svdvals"]
