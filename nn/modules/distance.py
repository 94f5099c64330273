"""Distance layers: ``CosineSimilarity`` and ``PairwiseDistance`` over ``nn.functional``'s functions."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .. import functional as F
from ..module import Module

if TYPE_CHECKING:
    import autograd as ag

__all__ = ["CosineSimilarity", "PairwiseDistance"]


class CosineSimilarity(Module):
    """Cosine of the angle between ``x1`` and ``x2`` along ``dim`` (norms clamped to ``>= eps``).

    Shapes: ``x1`` and ``x2`` broadcastable, e.g. ``(N, D)`` -> ``(N,)`` with ``dim=1``.
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1: ag.Tensor, x2: ag.Tensor) -> ag.Tensor:
        """The cosine similarity of ``x1`` and ``x2``."""
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """``||x1 - x2 + eps||_p`` along the last dim. Shapes: ``(N, D)`` and ``(N, D)`` -> ``(N,)`` (``(N, 1)`` with keepdim)."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1: ag.Tensor, x2: ag.Tensor) -> ag.Tensor:
        """The distance between ``x1`` and ``x2``."""
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
