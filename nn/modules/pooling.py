"""Pooling layers over ``(N, C, H, W)``: ``MaxPool2d``, ``AvgPool2d``, ``AdaptiveAvgPool2d`` (the book's "Pooling")."""
from .. import functional as F
from ..module import Module
from ._utils import shape_of

__all__ = ["MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d"]


def _check_rank(layer, input):
    """Batched ``(N, C, H, W)`` or unbatched ``(C, H, W)`` only; the error names the layer."""
    if input.ndim not in (3, 4):
        raise RuntimeError(f"{layer!r}: expected a 4-D (N, C, H, W) or 3-D (C, H, W) input, "
                           f"got input of shape {shape_of(input)}")


class MaxPool2d(Module):
    """The maximum over each ``kernel_size`` window: the book's "Pooling" layer (max pooling).

    Shapes: ``(N, C, H, W) -> (N, C, H_out, W_out)`` with ``H_out = (H + 2*padding - kernel) // stride + 1``
    (``stride`` defaults to ``kernel_size``: non-overlapping windows, as in the book's 2x2 pooling).
    ``return_indices=True`` also returns the flat index of each maximum.
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input):
        """Pool. Raises RuntimeError for a rank other than 3/4."""
        _check_rank(self, input)
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                            self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    """The mean over each ``kernel_size`` window (``stride`` defaults to ``kernel_size``).

    Shapes as :class:`MaxPool2d`. ``count_include_pad=False`` leaves padded zeros out of the mean;
    ``divisor_override`` divides by a fixed number instead.
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input):
        """Pool. Raises RuntimeError for a rank other than 3/4."""
        _check_rank(self, input)
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average-pool to a fixed ``output_size`` (int or (h, w)) whatever the input's height and width.

    Lets a classifier head accept several input sizes (e.g. 28x28 and 32x32).
    """

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        """Pool. Raises RuntimeError for a rank other than 3/4."""
        _check_rank(self, input)
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"
