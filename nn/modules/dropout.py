"""``Dropout``: randomly zero activations while training (the book's "Dropout" layer)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .. import functional as F
from ..module import Module

if TYPE_CHECKING:
    import autograd as ag

__all__ = ["Dropout"]


class Dropout(Module):
    """Zero each element with probability ``p`` in training mode and scale the rest by ``1 / (1 - p)``.

    This is "inverted" dropout, as PyTorch: the book's Dropout layer instead keeps the values while
    training and multiplies by ``1 - p`` at test time; both give the same expected activation, but here
    evaluation (``model.eval()``) is the identity. ``inplace=True`` overwrites the input while training.

    Raises:
        ValueError: ``p`` outside ``[0, 1]``.
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        """Apply dropout when ``self.training``; return the input unchanged otherwise."""
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
