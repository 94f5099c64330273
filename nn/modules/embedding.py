"""``Embedding``: a lookup table of ``num_embeddings`` learnable vectors, indexed by integer ids."""
from __future__ import annotations

from typing import TYPE_CHECKING

import autograd as ag

from .. import functional as F
from .. import init
from ..functional.embedding import _check_padding_idx
from ..module import Module
from ..parameter import Parameter
from ._utils import _check_device, shape_of

if TYPE_CHECKING:
    from typing_extensions import Self  # noqa: UP035  (typing.Self is Python 3.11+; 3.10 is supported)

    from autograd.types import DeviceLike, DTypeLike

__all__ = ["Embedding"]


class Embedding(Module):
    """A table of ``num_embeddings`` vectors of size ``embedding_dim``, as ``torch.nn.Embedding``.

    Shapes: indices ``(*)`` (int64/int32) -> ``(*, embedding_dim)``.
    Attributes:
        weight: ``(num_embeddings, embedding_dim)``, drawn from ``N(0, 1)``; the ``padding_idx`` row starts
            at zero and never gets a gradient.
    Args ``padding_idx``, ``max_norm``, ``norm_type``, ``scale_grad_by_freq`` as :func:`nn.functional.embedding`;
    ``_weight`` (an initial weight) and ``_freeze`` (no gradient) as PyTorch; ``sparse=True`` is not supported.
    """

    weight: Parameter

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                 sparse: bool = False, _weight: ag.Tensor | None = None, _freeze: bool = False,
                 device: DeviceLike | None = None, dtype: DTypeLike | None = None) -> None:
        super().__init__()
        _check_device(device, type(self).__name__)
        if sparse:
            raise NotImplementedError("Embedding: sparse=True (sparse gradients) is not supported")
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = _check_padding_idx(padding_idx, num_embeddings, "Embedding")
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        if _weight is None:
            self.weight = Parameter(ag.empty(num_embeddings, embedding_dim, dtype=dtype), requires_grad=not _freeze)
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise AssertionError(f"Embedding: shape of weight {shape_of(_weight)} does not match num_embeddings "
                                     f"and embedding_dim ({num_embeddings}, {embedding_dim})")
            self.weight = Parameter(_weight.detach(), requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        """Draw the weight from ``N(0, 1)`` and zero the padding row."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with ag.no_grad():
                self.weight[self.padding_idx] = 0

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        """Look up. Raises IndexError for an index out of range, RuntimeError for a non-integer input."""
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse)

    @classmethod
    def from_pretrained(cls, embeddings: ag.Tensor, freeze: bool = True, padding_idx: int | None = None,
                        max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> Self:
        """An Embedding holding (a copy of) the 2-D ``embeddings``; ``freeze``: its weight gets no gradient.

        The ``padding_idx`` row is kept as given (not zeroed), as PyTorch. Raises AssertionError (as PyTorch)
        for ``embeddings`` that are not 2-D.
        """
        if embeddings.ndim != 2:
            raise AssertionError(f"Embedding.from_pretrained: embeddings are expected to be 2-dimensional, got shape {shape_of(embeddings)}")
        rows, cols = embeddings.shape
        return cls(rows, cols, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                   _weight=embeddings.clone().detach(), _freeze=freeze)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            text += ", scale_grad_by_freq=True"
        return text
