"""Pooling layers (the book's "Pooling"): ``MaxPool1d``/``MaxPool2d``, ``AvgPool1d``/``AvgPool2d``,
``AdaptiveAvgPool2d``/``AdaptiveMaxPool2d`` and ``MaxUnpool2d``."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import functional as F
from ..module import Module
from ._utils import _ntuple, _pair, shape_of

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    import autograd as ag

    from ..module import Module as _Module

__all__ = ["MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "MaxUnpool2d"]

_LAYOUTS = {1: ("(N, C, L)", "(C, L)"), 2: ("(N, C, H, W)", "(C, H, W)")}


def _check_rank(layer: _Module, input: ag.Tensor, nd: int = 2) -> None:
    """Batched or unbatched input for ``nd`` spatial dims only; the error names the layer."""
    if input.ndim not in (nd + 1, nd + 2):
        batched, unbatched = _LAYOUTS[nd]
        raise RuntimeError(f"{layer!r}: expected a {nd + 2}-D {batched} or {nd + 1}-D {unbatched} input, "
                           f"got input of shape {shape_of(input)}")


class _MaxPoolNd(Module):
    """What the max-pooling layers share (``_nd`` spatial dims, ``_pool`` the functional form)."""

    _nd = 2
    _pool: Callable[..., Any]  # the functional form (each subclass's)

    def __init__(self, kernel_size: int | tuple[int, ...], stride: int | tuple[int, ...] | None = None,
                 padding: int | tuple[int, ...] = 0, dilation: int | tuple[int, ...] = 1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input: ag.Tensor) -> Any:  # a Tensor; (output, indices) with return_indices
        """Pool. Raises RuntimeError for a wrong rank."""
        _check_rank(self, input, self._nd)
        return type(self)._pool(input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                                self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool2d(_MaxPoolNd):
    """The maximum over each ``kernel_size`` window: the book's "Pooling" layer (max pooling).

    Shapes: ``(N, C, H, W) -> (N, C, H_out, W_out)`` with ``H_out = (H + 2*padding - kernel) // stride + 1``
    (rounded up with ``ceil_mode``; ``stride`` defaults to ``kernel_size``: non-overlapping windows, as in the
    book's 2x2 pooling). ``return_indices=True`` also returns the flat index of each maximum.
    """

    _pool = staticmethod(F.max_pool2d)


class MaxPool1d(_MaxPoolNd):
    """The maximum over each ``kernel_size`` window of ``(N, C, L)``, as ``torch.nn.MaxPool1d`` (args as :class:`MaxPool2d`)."""

    _nd = 1
    _pool = staticmethod(F.max_pool1d)


class AvgPool2d(Module):
    """The mean over each ``kernel_size`` window (``stride`` defaults to ``kernel_size``).

    Shapes as :class:`MaxPool2d`. ``count_include_pad=False`` leaves padded zeros out of the mean;
    ``divisor_override`` divides by a fixed number instead; ``ceil_mode`` rounds the output size up.
    """

    def __init__(self, kernel_size: int | tuple[int, ...], stride: int | tuple[int, ...] | None = None,
                 padding: int | tuple[int, ...] = 0, ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        """Pool. Raises RuntimeError for a rank other than 3/4."""
        _check_rank(self, input)
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(Module):
    """The mean over each ``kernel_size`` window of ``(N, C, L)``, as ``torch.nn.AvgPool1d`` (no ``divisor_override``)."""

    def __init__(self, kernel_size: int | tuple[int, ...], stride: int | tuple[int, ...] | None = None,
                 padding: int | tuple[int, ...] = 0, ceil_mode: bool = False, count_include_pad: bool = True) -> None:
        super().__init__()
        self.kernel_size = _ntuple(kernel_size, 1, "kernel_size")
        self.stride = _ntuple(kernel_size if stride is None else stride, 1, "stride")
        self.padding = _ntuple(padding, 1, "padding")
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        """Pool. Raises RuntimeError for a rank other than 2/3."""
        _check_rank(self, input, 1)
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average-pool to a fixed ``output_size`` (int or (h, w)) whatever the input's height and width.

    Lets a classifier head accept several input sizes (e.g. 28x28 and 32x32).
    """

    def __init__(self, output_size: int | tuple[int | None, ...]) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        """Pool. Raises RuntimeError for a rank other than 3/4."""
        _check_rank(self, input)
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(Module):
    """Max-pool to a fixed ``output_size`` (int or (h, w), None keeps a dim), as ``torch.nn.AdaptiveMaxPool2d``;
    ``return_indices=True`` also returns the flat index of each maximum."""

    def __init__(self, output_size: int | tuple[int | None, ...], return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, input: ag.Tensor) -> Any:  # a Tensor; (output, indices) with return_indices
        """Pool. Raises RuntimeError for a rank other than 3/4."""
        _check_rank(self, input)
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class MaxUnpool2d(Module):
    """The partial inverse of :class:`MaxPool2d`: values back at their indices, zeros elsewhere, as
    ``torch.nn.MaxUnpool2d``. ``forward(input, indices, output_size=None)``."""

    def __init__(self, kernel_size: int | tuple[int, ...], stride: int | tuple[int, ...] | None = None,
                 padding: int | tuple[int, ...] = 0) -> None:
        super().__init__()
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.stride = _pair(kernel_size if stride is None else stride, "stride")
        self.padding = _pair(padding, "padding")

    def forward(self, input: ag.Tensor, indices: ag.Tensor, output_size: Sequence[int] | None = None) -> ag.Tensor:
        """Unpool (``output_size``: ``(H, W)`` or ``(N, C, H, W)``). Raises RuntimeError for a wrong rank or bad indices."""
        _check_rank(self, input)
        return F.max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
