"""``Conv2d``: 2-D convolution over ``(N, C, H, W)`` images (the book's "Convolution" layer)."""
from .. import functional as F
from ..module import Module
from ._utils import _check_device, _pair, _reset_weight_and_bias, _weight_and_bias, shape_of

__all__ = ["Conv2d"]


class Conv2d(Module):
    """2-D convolution (cross-correlation, as every framework): the book's "Convolution" layer.

    Shapes: input ``(N, C_in, H, W)`` (or unbatched ``(C_in, H, W)``) -> output ``(N, C_out, H_out, W_out)``
    with ``H_out = (H + 2*padding - dilation*(kernel-1) - 1) // stride + 1``.

    Args:
        in_channels, out_channels: channel counts. kernel_size, stride, dilation: int or (h, w).
        padding: int, (h, w), ``'valid'`` (no padding) or ``'same'`` (output as large as the input;
            stride 1 only). groups: split channels into independent groups (``in_channels`` groups is a
            depthwise convolution). bias: add a learnable per-channel bias.
    Attributes:
        weight: ``(out_channels, in_channels // groups, kh, kw)`` (the book's filter ``W``, ``(FN, C, FH, FW)``).
        bias: ``(out_channels,)`` or None. Both initialised as PyTorch (uniform, bound ``1/sqrt(fan_in)``).
    Only ``padding_mode='zeros'`` is supported.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        _check_device(device, type(self).__name__)
        if groups <= 0:
            raise ValueError(f"Conv2d: groups must be a positive integer, got groups={groups}")
        if in_channels % groups != 0:
            raise ValueError(f"Conv2d: in_channels must be divisible by groups, got in_channels={in_channels}, "
                             f"groups={groups}")
        if out_channels % groups != 0:
            raise ValueError(f"Conv2d: out_channels must be divisible by groups, got out_channels={out_channels}, "
                             f"groups={groups}")
        if padding_mode != "zeros":
            raise ValueError(f"Conv2d: padding_mode {padding_mode!r} is not supported (only 'zeros')")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.stride = _pair(stride, "stride")
        self.dilation = _pair(dilation, "dilation")
        if min(self.kernel_size) <= 0 or min(self.stride) <= 0 or min(self.dilation) <= 0:
            raise ValueError(f"Conv2d: kernel_size, stride and dilation must be positive, got kernel_size="
                             f"{self.kernel_size}, stride={self.stride}, dilation={self.dilation}")
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(f"Conv2d: invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == "same" and self.stride != (1, 1):
                raise ValueError(f"Conv2d: padding='same' is not supported for strided convolutions, "
                                 f"got stride={self.stride}")
            self.padding = padding
        else:
            self.padding = _pair(padding, "padding")
            if min(self.padding) < 0:
                raise ValueError(f"Conv2d: padding must be non-negative, got {self.padding}")
        self.groups = groups
        self.padding_mode = padding_mode
        _weight_and_bias(self, (out_channels, in_channels // groups, *self.kernel_size), bias, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        """Re-draw weight and bias with PyTorch's default initialisation."""
        _reset_weight_and_bias(self.weight, self.bias)

    def forward(self, input):
        """Convolve. Raises RuntimeError for a rank other than 3/4 or the wrong channel count."""
        if input.ndim not in (3, 4) or input.shape[-3] != self.in_channels:
            if input.ndim not in (3, 4):
                expected = "a 4-D (N, C, H, W) or 3-D (C, H, W) input"
            else:
                expected = f"input with {self.in_channels} channels"
            raise RuntimeError(f"{self!r}: expected {expected}, got input of shape {shape_of(input)}")
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self):
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text
