"""``conv_transpose2d``: the transposed ("fractionally strided") convolution, the adjoint of ``conv2d`` in its input.

Computed with the pieces of ``conv2d`` run the other way: one matrix product ``weight^T @ input`` per group gives
the columns ``(N, C_out*kh*kw, H*W)``, and ``fold`` (col2im) sums them into the unpadded output canvas of size
``(H-1)*stride + dilation*(k-1) + 1``; cropping ``padding`` from both sides and adding ``output_padding`` rows
and columns at the bottom/right (zeros where no kernel reaches) gives PyTorch's output.  Every piece is a
differentiable op, so gradients of any order flow to the input, the weight and the bias.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from autograd import matmul, pad

from ._utils import pair, shape_of
from .columns import Fold, _check_geometry
from .conv import check_conv_args

if TYPE_CHECKING:
    from collections.abc import Sequence

    from autograd import Tensor

__all__ = ["conv_transpose2d", "transposed_output_padding"]


def transposed_output_padding(op: str, in_hw: Sequence[int], output_size: Sequence[int], kernel: Sequence[int],
                              stride: Sequence[int], padding: Sequence[int],
                              dilation: Sequence[int]) -> tuple[int, ...]:
    """The ``output_padding`` that makes a transposed convolution's output ``output_size``, as PyTorch's
    ``ConvTranspose2d(..., output_size=)``; ValueError when that size cannot be reached."""
    size = tuple(int(s) for s in output_size)[-2:]
    if len(size) != 2:
        raise ValueError(f"{op}: output_size must have 2 or more elements (got {tuple(output_size)})")
    low = [(i - 1) * s - 2 * p + d * (k - 1) + 1 for i, s, p, d, k in zip(in_hw, stride, padding, dilation, kernel)]
    high = [lo + s - 1 for lo, s in zip(low, stride)]
    if any(not lo <= v <= hi for v, lo, hi in zip(size, low, high)):
        raise ValueError(f"{op}: requested an output size of {size}, but valid sizes range from {tuple(low)} to {tuple(high)} "
                         f"(for an input of spatial size {tuple(in_hw)})")
    return tuple(v - lo for v, lo in zip(size, low))


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int | tuple[int, ...] = 1,
                     padding: int | tuple[int, ...] = 0, output_padding: int | tuple[int, ...] = 0, groups: int = 1,
                     dilation: int | tuple[int, ...] = 1) -> Tensor:
    """2-D transposed convolution of ``input (N, C_in, H, W)`` with ``weight (C_in, C_out/groups, kh, kw)``, as PyTorch.

    Args:
        input: ``(N, C_in, H, W)`` or unbatched ``(C_in, H, W)``.
        weight: ``(C_in, C_out/groups, kh, kw)`` (the layout of the ``conv2d`` it transposes).
        bias: ``(C_out,)`` or None.
        stride, padding, output_padding, dilation: an int or a pair; ``output_padding`` (smaller than the
            stride or the dilation) adds rows/columns at the bottom/right of the output.
    Returns:
        ``(N, C_out, H_out, W_out)`` with ``H_out = (H-1)*sh - 2*ph + dh*(kh-1) + oph + 1``.
    Raises:
        RuntimeError: wrong ranks, channels that do not match the weight and ``groups``, a bad bias, mismatched
            dtypes, non-positive stride/dilation, negative padding, ``output_padding`` not smaller than stride or
            dilation, or an output size below 1.
        TypeError: a padding string (transposed convolutions take none, as PyTorch).
    """
    op = "conv_transpose2d"
    if input.ndim not in (3, 4):
        raise RuntimeError(f"{op}: expected a 3-D (unbatched) or 4-D (batched) input (N, C, H, W), got input of shape {shape_of(input)}")
    if weight.ndim != 4:
        raise RuntimeError(f"{op}: expected a 4-D weight (in_channels, out_channels/groups, kh, kw), got weight of shape {shape_of(weight)}")
    if input.ndim == 3:
        return conv_transpose2d(input.unsqueeze(0), weight, bias, stride, padding, output_padding, groups, dilation).squeeze(0)
    stride, padding, dilation = pair(stride, "stride", op), pair(padding, "padding", op), pair(dilation, "dilation", op)
    extra = pair(output_padding, "output_padding", op)
    _check_geometry(op, stride, padding, dilation)
    if any(e < 0 or (e >= s and e >= d) for e, s, d in zip(extra, stride, dilation)):
        raise RuntimeError(f"{op}: output_padding {extra} must be non-negative and smaller than either stride {stride} or dilation {dilation}")
    check_conv_args(op, input, weight, bias, groups, channels_dim=0)
    n, c, h, w = shape_of(input)
    g = int(groups)
    c_in, c_out_g, kh, kw = shape_of(weight)
    kernel = (kh, kw)
    canvas = tuple((i - 1) * s + d * (k - 1) + 1 for i, s, d, k in zip((h, w), stride, dilation, kernel))
    out_hw = tuple(v - 2 * p + e for v, p, e in zip(canvas, padding, extra))
    if min(out_hw) < 1:
        raise RuntimeError(f"{op}: input of shape {shape_of(input)} with weight {shape_of(weight)}, stride {stride}, padding {padding}, "
                           f"dilation {dilation} and output_padding {extra} gives an output size {out_hw}, which is too small")
    # Per group: (C_out/g * kh * kw, C_in/g) @ (C_in/g, H*W) -> the columns of the output blocks.
    weight_t = weight.reshape(g, c_in // g, c_out_g * kh * kw).transpose(1, 2)
    cols = matmul(weight_t, input.reshape(n, g, c // g, h * w))
    out = Fold(canvas, kernel, dilation, (0, 0), stride).apply(cols.reshape(n, g * c_out_g * kh * kw, h * w))
    (ph, pw), (eh, ew) = padding, extra
    if ph or pw or eh or ew:
        out = pad(out, (-pw, ew - pw, -ph, eh - ph))
    if bias is not None:
        out = out + bias.reshape(1, -1, 1, 1)
    return out
