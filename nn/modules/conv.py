"""Convolution layers: ``Conv1d`` over ``(N, C, L)``, ``Conv2d`` over ``(N, C, H, W)`` (the book's "Convolution"
layer) and ``ConvTranspose2d`` (its adjoint, for upsampling)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .. import functional as F
from ..functional.conv import same_padding
from ..functional.conv_transpose import transposed_output_padding
from ..module import Module
from ._utils import (
    _check_device,
    _ntuple,
    _reset_weight_and_bias,
    _weight_and_bias,
    shape_of,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    import autograd as ag
    from autograd.types import DeviceLike, DTypeLike

    from ..parameter import Parameter

__all__ = ["Conv1d", "Conv2d", "ConvTranspose2d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
_DIMS = {1: "(N, C, L)", 2: "(N, C, H, W)"}
_UNBATCHED = {1: "(C, L)", 2: "(C, H, W)"}


class _ConvNd(Module):
    """What the convolution layers share: argument checks, weight/bias and their init, padding modes, repr.

    Subclasses set ``_nd`` (spatial dims) and ``_transposed`` (weight ``(in, out/groups, *k)`` instead of
    ``(out, in/groups, *k)``).
    """

    _nd = 2
    _transposed = False
    weight: Parameter
    bias: Parameter | None
    padding: str | tuple[int, ...]  # 'valid'/'same', or per spatial dim

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, ...],
                 stride: int | tuple[int, ...], padding: int | tuple[int, ...] | str, dilation: int | tuple[int, ...],
                 groups: int, bias: bool, padding_mode: str, device: DeviceLike | None, dtype: DTypeLike | None,
                 output_padding: int | tuple[int, ...] = 0) -> None:
        super().__init__()
        _check_device(device, type(self).__name__)
        name, nd = type(self).__name__, self._nd
        if groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer, got groups={groups}")
        if in_channels % groups != 0:
            raise ValueError(f"{name}: in_channels must be divisible by groups, got in_channels={in_channels}, groups={groups}")
        if out_channels % groups != 0:
            raise ValueError(f"{name}: out_channels must be divisible by groups, got out_channels={out_channels}, groups={groups}")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {_PADDING_MODES}, but got padding_mode={padding_mode!r}")
        if self._transposed and padding_mode != "zeros":
            raise ValueError(f'{name}: only "zeros" padding mode is supported, got padding_mode={padding_mode!r}')
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _ntuple(kernel_size, nd, "kernel_size")
        self.stride = _ntuple(stride, nd, "stride")
        self.dilation = _ntuple(dilation, nd, "dilation")
        self.output_padding = _ntuple(output_padding, nd, "output_padding")
        if min(self.kernel_size) <= 0 or min(self.stride) <= 0 or min(self.dilation) <= 0:
            raise ValueError(f"{name}: kernel_size, stride and dilation must be positive, got kernel_size="
                             f"{self.kernel_size}, stride={self.stride}, dilation={self.dilation}")
        if isinstance(padding, str):
            if self._transposed:
                raise ValueError(f"{name}: padding must be an int or a tuple of ints, got {padding!r}")
            if padding not in ("valid", "same"):
                raise ValueError(f"{name}: invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided convolutions, got stride={self.stride}")
            sides = same_padding(self.kernel_size, self.dilation) if padding == "same" else ((0, 0),) * nd
            self.padding = padding
        else:
            self.padding = _ntuple(padding, nd, "padding")
            if min(self.padding) < 0:
                raise ValueError(f"{name}: padding must be non-negative, got {self.padding}")
            sides = tuple((p, p) for p in self.padding)
        # F.pad's argument for a non-zeros padding_mode: (left, right) pairs, the last dim first.
        self._reversed_padding_repeated_twice = tuple(v for side in reversed(sides) for v in side)
        self.groups = groups
        self.padding_mode = padding_mode
        channels = (in_channels, out_channels // groups) if self._transposed else (out_channels, in_channels // groups)
        _weight_and_bias(self, channels + self.kernel_size, bias, dtype, bias_size=out_channels)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draw weight and bias with PyTorch's default initialisation (uniform, bound ``1/sqrt(fan_in)``)."""
        _reset_weight_and_bias(self.weight, self.bias)

    def _check_input(self, input: ag.Tensor) -> None:
        """RuntimeError naming the layer for a wrong rank or channel count."""
        nd = self._nd
        if input.ndim not in (nd + 1, nd + 2) or input.shape[-(nd + 1)] != self.in_channels:
            if input.ndim not in (nd + 1, nd + 2):
                expected = f"a {nd + 2}-D {_DIMS[nd]} or {nd + 1}-D {_UNBATCHED[nd]} input"
            else:
                expected = f"input with {self.in_channels} channels"
            raise RuntimeError(f"{self!r}: expected {expected}, got input of shape {shape_of(input)}")

    def _conv_forward(self, input: ag.Tensor, conv: Callable[..., ag.Tensor]) -> ag.Tensor:
        """``conv`` (F.conv1d/F.conv2d) with this layer's geometry; non-zeros padding modes pad first with F.pad."""
        self._check_input(input)
        if self.padding_mode != "zeros":
            input = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return conv(input, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
        return conv(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self) -> str:
        nd = self._nd
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * nd:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * nd:
            text += f", dilation={self.dilation}"
        if self.output_padding != (0,) * nd:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class Conv1d(_ConvNd):
    """1-D convolution (cross-correlation) over ``(N, C_in, L)`` (or unbatched ``(C_in, L)``), as ``torch.nn.Conv1d``.

    Shapes: ``-> (N, C_out, L_out)``, ``L_out = (L + 2*padding - dilation*(kernel-1) - 1) // stride + 1``.
    Args as :class:`Conv2d`, each an int or a 1-tuple. ``weight``: ``(out_channels, in_channels // groups, k)``.
    """

    _nd = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, ...],
                 stride: int | tuple[int, ...] = 1, padding: int | tuple[int, ...] | str = 0,
                 dilation: int | tuple[int, ...] = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device: DeviceLike | None = None, dtype: DTypeLike | None = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device, dtype)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        """Convolve. Raises RuntimeError for a rank other than 2/3 or the wrong channel count."""
        return self._conv_forward(input, F.conv1d)


class Conv2d(_ConvNd):
    """2-D convolution (cross-correlation, as every framework): the book's "Convolution" layer.

    Shapes: input ``(N, C_in, H, W)`` (or unbatched ``(C_in, H, W)``) -> output ``(N, C_out, H_out, W_out)``
    with ``H_out = (H + 2*padding - dilation*(kernel-1) - 1) // stride + 1``.

    Args:
        in_channels, out_channels: channel counts. kernel_size, stride, dilation: int or (h, w).
        padding: int, (h, w), ``'valid'`` (no padding) or ``'same'`` (output as large as the input;
            stride 1 only). groups: split channels into independent groups (``in_channels`` groups is a
            depthwise convolution). bias: add a learnable per-channel bias.
        padding_mode: ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'`` (what the padding holds).
    Attributes:
        weight: ``(out_channels, in_channels // groups, kh, kw)`` (the book's filter ``W``, ``(FN, C, FH, FW)``).
        bias: ``(out_channels,)`` or None. Both initialised as PyTorch (uniform, bound ``1/sqrt(fan_in)``).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, ...],
                 stride: int | tuple[int, ...] = 1, padding: int | tuple[int, ...] | str = 0,
                 dilation: int | tuple[int, ...] = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device: DeviceLike | None = None, dtype: DTypeLike | None = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device, dtype)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        """Convolve. Raises RuntimeError for a rank other than 3/4 or the wrong channel count."""
        return self._conv_forward(input, F.conv2d)


class ConvTranspose2d(_ConvNd):
    """2-D transposed convolution (the adjoint of :class:`Conv2d` in its input), as ``torch.nn.ConvTranspose2d``.

    Shapes: ``(N, C_in, H, W) -> (N, C_out, H_out, W_out)`` with
    ``H_out = (H-1)*stride - 2*padding + dilation*(kernel-1) + output_padding + 1``.
    Attributes:
        weight: ``(in_channels, out_channels // groups, kh, kw)``; bias ``(out_channels,)``; PyTorch's init.
    Only ``padding_mode='zeros'`` exists for transposed convolutions (as PyTorch).
    """

    _transposed = True
    padding: tuple[int, ...]  # (never a string: transposed convolutions refuse 'valid'/'same')

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, ...],
                 stride: int | tuple[int, ...] = 1, padding: int | tuple[int, ...] = 0,
                 output_padding: int | tuple[int, ...] = 0, groups: int = 1, bias: bool = True,
                 dilation: int | tuple[int, ...] = 1, padding_mode: str = "zeros", device: DeviceLike | None = None,
                 dtype: DTypeLike | None = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device, dtype, output_padding)

    def forward(self, input: ag.Tensor, output_size: Sequence[int] | None = None) -> ag.Tensor:
        """Transposed convolution; ``output_size`` (the spatial size, optionally with N and C in front) picks the
        output padding. Raises RuntimeError for a wrong rank/channel count, ValueError for an unreachable size."""
        self._check_input(input)
        extra = self.output_padding
        if output_size is not None:
            extra = transposed_output_padding(repr(self), shape_of(input)[-2:], output_size, self.kernel_size,
                                              self.stride, self.padding, self.dilation)
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding, extra, self.groups,
                                  self.dilation)
