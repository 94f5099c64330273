"""``Upsample``: resizing ``(N, C, L)`` / ``(N, C, H, W)`` inputs by a size or a scale factor (``F.interpolate``)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .. import functional as F
from ..module import Module

if TYPE_CHECKING:
    import autograd as ag

__all__ = ["Upsample"]


class Upsample(Module):
    """Resize to ``size`` or by ``scale_factor`` with ``mode`` (``'nearest'``, ``'linear'``, ``'bilinear'``...), as
    ``torch.nn.Upsample``; the arguments are :func:`nn.functional.interpolate`'s. No parameters."""

    def __init__(self, size: int | tuple[int, ...] | None = None, scale_factor: float | tuple[float, ...] | None = None,
                 mode: str = "nearest", align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        self.size = size
        self.scale_factor: float | tuple[float, ...] | None
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor is not None else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        """Resize. Raises as :func:`nn.functional.interpolate` (ValueError when neither size nor scale_factor is set)."""
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        info = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        return info + f", mode={self.mode!r}"
