"""Shape-only modules: ``Identity``, ``Flatten``, ``Unflatten``."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..module import Module

if TYPE_CHECKING:
    from collections.abc import Sequence

    import autograd as ag

__all__ = ["Identity", "Flatten", "Unflatten"]


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. to switch a layer off); ignores constructor arguments."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        """Return ``input``."""
        return input


class Flatten(Module):
    """Merge dims ``start_dim..end_dim`` into one: ``(N, C, H, W) -> (N, C*H*W)`` by default.

    Sits between the convolutional part and the fully connected part of a CNN.
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        """Return the flattened view."""
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size``: ``Unflatten(1, (C, H, W))`` undoes ``Flatten()``."""

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        """Return the reshaped view. Raises RuntimeError when the sizes do not multiply to the dim's size."""
        dim = self.dim % input.ndim if input.ndim else 0
        size = input.shape[dim]
        if -1 not in self.unflattened_size and math.prod(self.unflattened_size) != size:
            raise RuntimeError(f"{self!r}: unflattened_size {self.unflattened_size} does not multiply to the size "
                               f"{size} of dim {self.dim} of input of shape {tuple(input.shape)}")
        return input.reshape(input.shape[:dim] + self.unflattened_size + input.shape[dim + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
