"""Convolution as im2col + one matrix product: ``unfold``/``fold`` (im2col/col2im), ``conv2d`` and ``conv1d``
(a ``conv2d`` over images of height 1).

Layouts follow PyTorch.  ``unfold`` turns an ``(N, C, H, W)`` input into columns ``(N, C*kh*kw, L)``, where
``L = oh*ow`` counts the sliding blocks and the middle dim runs over ``(c, i, j)`` with ``c`` slowest; ``fold``
is its adjoint (it sums overlapping blocks back into an image).  The book's ``im2col`` returns the transposed
2-D matrix ``(N*oh*ow, C*kh*kw)``; ``F.unfold(x, k).transpose(1, 2).reshape(-1, C*k*k)`` gives it.

``Unfold`` and ``Fold`` are each other's backward, so gradients of any order flow through ``conv2d`` (the
weights and the input alike): DeZero's version breaks under double backward, this one passes gradgradcheck.

Speed: ``unfold`` is one strided view (``np.lib.stride_tricks.as_strided``) and one copy, with no Python
loop over the batch or the pixels; ``fold`` loops over the ``kh*kw`` kernel offsets only, each a vectorised
add.  ``conv2d`` multiplies ``weight (O, C*kh*kw)`` by the columns in a single ``np.matmul`` call whose output
is already ``(N, O, oh*ow)``, i.e. contiguous NCHW, so the ops after it (ReLU, pooling) run on contiguous
memory.  (One 2-D GEMM over ``(C*kh*kw, N*L)`` columns would need a transposing copy of the output, which
costs more than the GEMM.)  With ``groups == 1`` the bias rides along as a row of ones appended to the
columns, so the product adds it and the weight gradient's last column is the bias gradient.  The input
gradient (col2im) is skipped when the input needs none.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from autograd import pad
from autograd.backend import data_of, namespace
from autograd.op import Op, check_same_namespace

from . import generic, windows
from ._utils import ntuple, pair, shape_of

if TYPE_CHECKING:
    from autograd import Tensor

__all__ = ["conv1d", "conv2d", "unfold", "fold", "im2col", "col2im"]

_as_strided = np.lib.stride_tricks.as_strided


def _out_size(size, k, d, p, s):
    """Number of sliding positions along one spatial dim."""
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def _im2col(x, kernel, dilation, padding, stride, ones_row=False):
    """Columns ``(N, C*kh*kw, oh*ow)`` of a 4-D array (a read-only view of ``x`` for 1x1 kernels).

    With ``ones_row`` the columns get one more row of ones, ``(N, C*kh*kw + 1, L)``: multiplying by
    ``[weight | bias]`` then adds the bias inside the matrix product, and the weight gradient's last column
    is the bias gradient (two passes over the ``(N, O, L)`` output saved).
    """
    if type(x) is not np.ndarray:  # another array-API library: im2col from slicing
        return windows.im2col(x, kernel, dilation, padding, stride, ones_row)
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = kernel, dilation, padding, stride
    n, c, h, w = x.shape
    if ph or pw:
        padded = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=x.dtype)
        padded[:, :, ph:ph + h, pw:pw + w] = x
        x = padded
    oh = _out_size(h, kh, dh, ph, sh)
    ow = _out_size(w, kw, dw, pw, sw)
    s_n, s_c, s_h, s_w = x.strides
    blocks = _as_strided(x, (n, c, kh, kw, oh, ow), (s_n, s_c, dh * s_h, dw * s_w, sh * s_h, sw * s_w), writeable=False)
    if not ones_row:
        return blocks.reshape(n, c * kh * kw, oh * ow)
    k = c * kh * kw
    cols = np.empty((n, k + 1, oh * ow), dtype=x.dtype)
    body = cols[:, :k].reshape(n, c, kh, kw, oh, ow)  # a view: the rows of one sample are contiguous
    body[...] = blocks
    cols[:, k] = 1
    return cols


def _col2im(cols, size, kernel, dilation, padding, stride):
    """Sum the columns ``(N, C*kh*kw, L)`` back into an ``(N, C, H, W)`` image (the adjoint of ``_im2col``)."""
    if type(cols) is not np.ndarray:  # another array-API library: slice-adds (a scatter-add of the windows)
        return windows.col2im(cols, size, kernel, dilation, padding, stride)
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = kernel, dilation, padding, stride
    h, w = size
    n = cols.shape[0]
    c = cols.shape[1] // (kh * kw)
    oh = _out_size(h, kh, dh, ph, sh)
    ow = _out_size(w, kw, dw, pw, sw)
    blocks = cols.reshape(n, c, kh, kw, oh, ow)
    out = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
    h_span, w_span = sh * (oh - 1) + 1, sw * (ow - 1) + 1
    for i in range(kh):
        rows = slice(i * dh, i * dh + h_span, sh)
        for j in range(kw):
            out[:, :, rows, j * dw:j * dw + w_span:sw] += blocks[:, :, i, j]
    if ph or pw:
        out = np.ascontiguousarray(out[:, :, ph:ph + h, pw:pw + w])
    return out


class Unfold(Op):
    """im2col: ``(N, C, H, W) -> (N, C*kh*kw, L)``; its backward is :class:`Fold`."""

    __slots__ = ("kernel_size", "dilation", "padding", "stride", "size")
    attrs = ("kernel_size", "dilation", "padding", "stride")

    def __init__(self, kernel_size, dilation, padding, stride):
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, x):
        self.size = x.shape[2:]
        cols = _im2col(x, self.kernel_size, self.dilation, self.padding, self.stride)
        # A 1x1 kernel gives a read-only view of the input; hand out an array of our own instead.
        return cols.copy() if type(cols) is np.ndarray and np.may_share_memory(cols, x) else cols

    def backward(self, grad):
        return Fold(self.size, self.kernel_size, self.dilation, self.padding, self.stride).apply(grad)

    def fast_backward(self, grad):
        return _col2im(grad, self.size, self.kernel_size, self.dilation, self.padding, self.stride)


class Fold(Op):
    """col2im: ``(N, C*kh*kw, L) -> (N, C, H, W)``, summing overlaps; its backward is :class:`Unfold`."""

    __slots__ = ("output_size", "kernel_size", "dilation", "padding", "stride")
    attrs = ("output_size", "kernel_size", "dilation", "padding", "stride")

    def __init__(self, output_size, kernel_size, dilation, padding, stride):
        self.output_size = output_size
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, cols):
        return _col2im(cols, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def backward(self, grad):
        return Unfold(self.kernel_size, self.dilation, self.padding, self.stride).apply(grad)

    def fast_backward(self, grad):
        return _im2col(grad, self.kernel_size, self.dilation, self.padding, self.stride)


class Conv2d(Op):
    """2-D cross-correlation of ``(N, C, H, W)`` with ``weight (O, C/groups, kh, kw)``: im2col + one matmul."""

    __slots__ = ("stride", "padding", "dilation", "groups", "cols")
    attrs = ("stride", "padding", "dilation", "groups")
    save_inputs = True
    saved_attrs = ("cols",)

    def __init__(self, stride, padding, dilation, groups):
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups

    def _geometry(self, weight_shape: tuple[int, ...]) -> tuple[Any, Any, Any, Any]:
        return weight_shape[2:], self.dilation, self.padding, self.stride

    def forward(self, x, weight, bias):
        n = x.shape[0]
        o, g = weight.shape[0], self.groups
        fuse_bias = bias is not None and g == 1
        cols = _im2col(x, *self._geometry(weight.shape), ones_row=fuse_bias)
        length = cols.shape[2]
        if fuse_bias:
            out = np.matmul(np.concatenate([weight.reshape(o, -1), bias[:, None]], axis=1), cols)
        elif g == 1:
            out = np.matmul(weight.reshape(o, -1), cols)
        else:
            out = np.matmul(weight.reshape(g, o // g, -1), cols.reshape(n, g, -1, length)).reshape(n, o, length)
            if bias is not None:
                out += bias[:, None]
        self.cols = cols
        oh = _out_size(x.shape[2], weight.shape[2], self.dilation[0], self.padding[0], self.stride[0])
        return out.reshape(n, o, oh, length // oh)

    def fast_backward(self, grad, x, weight, bias):
        """The fused rule on arrays: reuses the forward's columns, one GEMM per gradient."""
        n, o = grad.shape[:2]
        g = self.groups
        length = grad.shape[2] * grad.shape[3]
        per_group = weight.shape[1] * weight.shape[2] * weight.shape[3]
        grad_g = grad.reshape(n, g, o // g, length)
        gx = gw = gb = None
        need_w = self.needs_input_grad(1)
        need_b = bias is not None and self.needs_input_grad(2)
        fused = self.cols.shape[1] != g * per_group  # the ones row of a fused bias
        if need_w:
            cols = self.cols.reshape(n, g, -1, length)
            # Per-sample products summed over the batch: no transposing copy of grad or cols is needed.
            gw = np.matmul(grad_g, cols.swapaxes(-1, -2)).sum(0)
            if fused:
                gb = gw[0, :, -1].copy() if need_b else None
                gw = gw[..., :-1]
            gw = gw.reshape(weight.shape)
        if need_b and gb is None:  # a matrix-vector product sums the pixels faster than np.sum over (0, 2, 3)
            gb = np.matmul(grad.reshape(n, o, length), np.ones(length, dtype=grad.dtype)).sum(0)
        if self.needs_input_grad(0):
            gcols = np.matmul(weight.reshape(g, o // g, per_group).swapaxes(-1, -2), grad_g)
            gx = _col2im(gcols.reshape(n, g * per_group, length), x.shape[2:], *self._geometry(weight.shape))
        return gx, gw, gb

    def backward(self, grad, x, weight, bias):
        """The differentiable rule (``create_graph=True``): unfold/fold are each other's backward."""
        xp = namespace(grad)
        n, o = grad.shape[:2]
        g = self.groups
        length = grad.shape[2] * grad.shape[3]
        per_group = weight.shape[1] * weight.shape[2] * weight.shape[3]
        grad_g = xp.reshape(grad, (n, g, o // g, length))
        gx = gw = gb = None
        if bias is not None and self.needs_input_grad(2):
            gb = xp.sum(grad, (0, 2, 3))
        if self.needs_input_grad(1):
            cols = xp.reshape(Unfold(*self._geometry(weight.shape)).apply(x), (n, g, per_group, length))
            gw = xp.reshape(xp.sum(xp.matmul(grad_g, xp.swapaxes(cols, -1, -2)), 0), weight.shape)
        if self.needs_input_grad(0):
            gcols = xp.matmul(xp.swapaxes(xp.reshape(weight, (g, o // g, per_group)), -1, -2), grad_g)
            gx = Fold(x.shape[2:], *self._geometry(weight.shape)).apply(xp.reshape(gcols, (n, g * per_group, length)))
        return gx, gw, gb


def _check_geometry(op, stride, padding, dilation):
    """RuntimeError (naming ``op``) for a non-positive stride or dilation, or a negative padding."""
    if min(stride) <= 0:
        raise RuntimeError(f"{op}: non-positive stride {stride} is not supported")
    if min(padding) < 0:
        raise RuntimeError(f"{op}: negative padding {padding} is not supported")
    if min(dilation) <= 0:
        raise RuntimeError(f"{op}: non-positive dilation {dilation} is not supported")


def same_padding(kernel, dilation):
    """PyTorch's ``padding='same'`` as ``(left, right)`` per spatial dim: the odd extra pixel goes right/bottom."""
    totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
    return tuple((t // 2, t - t // 2) for t in totals)


def _padding_arg(op, input, padding, kernel, dilation, stride):
    """``padding`` (an int, a tuple, ``'valid'`` or ``'same'``) as symmetric per-dim ints, after padding
    ``input`` on the right/bottom by the odd pixel ``'same'`` may need. Returns ``(input, padding)``."""
    nd = len(kernel)
    if not isinstance(padding, str):
        return input, ntuple(padding, nd, "padding", op)
    if padding == "valid":
        return input, (0,) * nd
    if padding != "same":
        raise RuntimeError(f"{op}: invalid padding string {padding!r}, expected 'valid' or 'same'")
    if any(s != 1 for s in stride):
        raise RuntimeError(f"{op}: padding='same' is not supported for strided convolutions (stride={stride})")
    sides = same_padding(kernel, dilation)
    extra = [hi - lo for lo, hi in sides][::-1]  # pad()'s order: the last dim first
    if any(extra):
        input = pad(input, tuple(v for e in extra for v in (0, e)))
    return input, tuple(lo for lo, _ in sides)


def check_conv_args(op, input, weight, bias, groups, channels_dim=1):
    """The checks every convolution shares: groups, channel counts, bias shape, dtypes (RuntimeError, naming ``op``).

    ``channels_dim`` is the weight dim matching the input's channels (1 for a convolution, 0 for a transposed one).
    """
    if not isinstance(groups, (int, np.integer)) or groups <= 0:
        raise RuntimeError(f"{op}: groups must be a positive int, got {groups!r}")
    c = input.shape[1]
    expected = weight.shape[1] * groups if channels_dim == 1 else weight.shape[0]
    if weight.shape[0] % groups:
        raise RuntimeError(f"{op}: given groups={groups}, expected weight of shape {shape_of(weight)} to be divisible by {groups} at dim 0")
    if expected != c:
        raise RuntimeError(
            f"{op}: given groups={groups}, weight of shape {shape_of(weight)} expects input with "
            f"{expected} channels, but got input of shape {shape_of(input)} with {c} channels"
        )
    o = weight.shape[0] if channels_dim == 1 else weight.shape[1] * groups
    if bias is not None and shape_of(bias) != (o,):
        raise RuntimeError(f"{op}: expected bias of shape ({o},), got {shape_of(bias)}")
    if input.dtype != weight.dtype or (bias is not None and bias.dtype != weight.dtype):
        raise RuntimeError(
            f"{op}: input ({input.dtype}), weight ({weight.dtype})"
            + (f" and bias ({bias.dtype})" if bias is not None else "") + " must have the same dtype"
        )


def _conv(op, nd, input, weight, bias, stride, padding, dilation, groups):
    """The front end of ``conv1d``/``conv2d``: checks (naming ``op``), unbatched input, padding strings, and
    the lift of 1-D convolutions to 2-D ones of unit height; then one :class:`Conv2d` op."""
    letters = "HW" if nd == 2 else "L"
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{op}: expected a {nd + 1}-D (unbatched) or {nd + 2}-D (batched) input (N, C, {', '.join(letters)}), got input of shape {shape_of(input)}")
    if weight.ndim != nd + 2:
        raise RuntimeError(f"{op}: expected a {nd + 2}-D weight (out_channels, in_channels/groups, {', '.join('k' + c.lower() for c in letters)}), got weight of shape {shape_of(weight)}")
    if input.ndim == nd + 1:
        return _conv(op, nd, input.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(0)
    stride, dilation = ntuple(stride, nd, "stride", op), ntuple(dilation, nd, "dilation", op)
    kernel = shape_of(weight)[2:]
    input, padding = _padding_arg(op, input, padding, kernel, dilation, stride)
    _check_geometry(op, stride, padding, dilation)
    check_conv_args(op, input, weight, bias, groups)
    size = shape_of(input)[2:]
    padded = [s + 2 * p for s, p in zip(size, padding)]
    eff = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    if any(p < e for p, e in zip(padded, eff)):
        raise RuntimeError(
            f"{op}: padded input size per channel ({' x '.join(map(str, padded))}) is smaller than the (dilated) kernel size "
            f"({' x '.join(map(str, eff))}); input shape {shape_of(input)}, weight shape {shape_of(weight)}, padding {padding}"
        )
    if type(data_of(input)) is not type(data_of(weight)):  # (one fused op, no promotion: the mixing check)
        check_same_namespace(Conv2d(stride, padding, dilation, groups), (data_of(input), data_of(weight)))
    if not generic.is_numpy(input):  # another array-API library: unfold + matmul from differentiable ops
        if nd == 1:
            geometry = ((1,) + tuple(kernel), (1,) + dilation, (0,) + padding, (1,) + stride)
            return generic.conv2d(input.unsqueeze(2), weight.unsqueeze(2), bias, geometry, int(groups)).squeeze(2)
        return generic.conv2d(input, weight, bias, (tuple(kernel), dilation, padding, stride), int(groups))
    if nd == 1:  # a 1-D convolution is a 2-D one over images of height 1
        out = Conv2d((1,) + stride, (0,) + padding, (1,) + dilation, int(groups)).apply(input.unsqueeze(2), weight.unsqueeze(2), bias)
        return out.squeeze(2)
    return Conv2d(stride, padding, dilation, int(groups)).apply(input, weight, bias)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int | tuple[int, ...] = 1,
           padding: int | tuple[int, ...] | str = 0, dilation: int | tuple[int, ...] = 1, groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation, as PyTorch) of ``input (N, C, H, W)`` with ``weight (O, C/groups, kh, kw)``.

    The book's ``Convolution`` layer.  Computed as im2col + one matrix product; gradients of any order.

    Args:
        input: ``(N, C, H, W)`` or unbatched ``(C, H, W)``.
        weight: ``(O, C/groups, kh, kw)``.
        bias: ``(O,)`` or None.
        stride, padding, dilation: an int or a pair ``(h, w)``; ``padding`` may also be ``'valid'`` or ``'same'``.
        groups: split the channels into ``groups`` independent convolutions.
    Returns:
        ``(N, O, oh, ow)`` with ``oh = (H + 2*ph - dh*(kh-1) - 1) // sh + 1`` (and likewise ``ow``).
    Raises:
        RuntimeError: wrong ranks, channel counts that do not match ``weight`` and ``groups``, a kernel larger
            than the padded input, mismatched dtypes, non-positive stride/dilation or negative padding, an
            unknown padding string, or ``'same'`` with a stride.
    """
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int | tuple[int, ...] = 1,
           padding: int | tuple[int, ...] | str = 0, dilation: int | tuple[int, ...] = 1, groups: int = 1) -> Tensor:
    """1-D convolution (cross-correlation) of ``input (N, C, L)`` with ``weight (O, C/groups, k)``, as PyTorch.

    Runs as :func:`conv2d` over images of height 1 (the same im2col + matrix product and gradients of any
    order).  Args as :func:`conv2d`, each an int or a 1-tuple; ``padding`` also ``'valid'``/``'same'``.

    Returns:
        ``(N, O, (L + 2*padding - dilation*(k-1) - 1) // stride + 1)``; unbatched ``(C, L)`` gives ``(O, L_out)``.
    Raises:
        RuntimeError: as :func:`conv2d`, with the message naming ``conv1d``.
    """
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def _block_geometry(op, kernel_size, dilation, padding, stride):
    """The checked ``(kernel, dilation, padding, stride)`` pairs of ``unfold``/``fold``."""
    geometry = tuple(pair(v, name, op) for v, name in zip((kernel_size, dilation, padding, stride), ("kernel_size", "dilation", "padding", "stride")))
    if min(geometry[0]) <= 0:
        raise RuntimeError(f"{op}: kernel_size must be positive, got {geometry[0]}")
    _check_geometry(op, geometry[3], geometry[2], geometry[1])
    return geometry


def unfold(input: Tensor, kernel_size: int | tuple[int, ...], dilation: int | tuple[int, ...] = 1,
           padding: int | tuple[int, ...] = 0, stride: int | tuple[int, ...] = 1) -> Tensor:
    """Extract sliding blocks (im2col): ``(N, C, H, W) -> (N, C*kh*kw, L)``, as ``torch.nn.functional.unfold``.

    ``L = oh*ow`` is the number of blocks; the middle dim runs over ``(c, i, j)`` with ``c`` slowest.  An
    unbatched ``(C, H, W)`` input gives ``(C*kh*kw, L)``.  Differentiable to any order (its backward is ``fold``).

    Raises:
        RuntimeError: the input is not 3-D/4-D, or the (dilated) kernel does not fit in the padded input.
    """
    if input.ndim == 3:
        return unfold(input.unsqueeze(0), kernel_size, dilation, padding, stride).squeeze(0)
    if input.ndim != 4:
        raise RuntimeError(f"unfold: expected a 3-D (unbatched) or 4-D (batched) input (N, C, H, W), got input of shape {shape_of(input)}")
    geometry = _block_geometry("unfold", kernel_size, dilation, padding, stride)
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = geometry
    h, w = input.shape[2:]
    oh, ow = _out_size(h, kh, dh, ph, sh), _out_size(w, kw, dw, pw, sw)
    if oh < 1 or ow < 1:
        raise RuntimeError(
            f"unfold: input of shape {shape_of(input)} with kernel_size {(kh, kw)}, dilation {(dh, dw)}, padding "
            f"{(ph, pw)}, stride {(sh, sw)} gives ({oh}, {ow}) sliding blocks; both must be at least 1"
        )
    return Unfold(*geometry).apply(input)


def fold(input: Tensor, output_size: int | tuple[int, ...], kernel_size: int | tuple[int, ...],
         dilation: int | tuple[int, ...] = 1, padding: int | tuple[int, ...] = 0,
         stride: int | tuple[int, ...] = 1) -> Tensor:
    """Combine sliding blocks into an image (col2im): ``(N, C*kh*kw, L) -> (N, C, H, W)``, summing overlaps.

    The adjoint of :func:`unfold` with the same arguments, as ``torch.nn.functional.fold``; an unbatched
    ``(C*kh*kw, L)`` input gives ``(C, H, W)``.

    Raises:
        RuntimeError: wrong rank, a dim 1 not divisible by ``kh*kw``, or ``L`` different from the number of
            blocks that ``output_size`` and the geometry give.
    """
    if input.ndim == 2:
        return fold(input.unsqueeze(0), output_size, kernel_size, dilation, padding, stride).squeeze(0)
    if input.ndim != 3:
        raise RuntimeError(f"fold: expected a 2-D (unbatched) or 3-D (batched) input (N, C*kh*kw, L), got input of shape {shape_of(input)}")
    size = pair(output_size, "output_size", "fold")
    geometry = _block_geometry("fold", kernel_size, dilation, padding, stride)
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = geometry
    if input.shape[1] % (kh * kw):
        raise RuntimeError(f"fold: expected dim 1 of the input {shape_of(input)} to be divisible by the product of kernel_size {(kh, kw)}")
    oh, ow = _out_size(size[0], kh, dh, ph, sh), _out_size(size[1], kw, dw, pw, sw)
    if oh < 1 or ow < 1 or oh * ow != input.shape[2]:
        raise RuntimeError(
            f"fold: output_size {size}, kernel_size {(kh, kw)}, dilation {(dh, dw)}, padding {(ph, pw)} and stride "
            f"{(sh, sw)} give {oh} x {ow} = {oh * ow} blocks, but the input of shape {shape_of(input)} has {input.shape[2]}"
        )
    return Fold(size, *geometry).apply(input)


im2col = unfold
col2im = fold
