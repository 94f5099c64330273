"""Convolution as im2col + matrix products: ``conv2d`` and ``conv1d`` (a ``conv2d`` over images of height 1).

The columns come from :mod:`.columns` (``unfold``/``fold``, im2col/col2im).  The differentiable backward rule is
built from ``Unfold``/``Fold``, each other's backward, so gradients of any order flow through ``conv2d`` (the
weights and the input alike): DeZero's version breaks under double backward, this one passes gradgradcheck.

Speed.  The forward runs per slice of the batch (columns of a few MiB, kept in cache) one ``np.matmul`` of
``weight (O, C*kh*kw)`` by the columns, whose output is already ``(N, O, oh*ow)``, i.e. contiguous NCHW, so
the ops after it (ReLU, pooling) run on contiguous memory; with ``groups == 1`` the bias rides along as a row
of ones appended to the columns.  Backward, at stride 1 the input gradient is a convolution of the output
gradient with the flipped kernels (im2col of the gradient + a GEMM), and those columns give the weight
gradient as well: no col2im.  Strided convolutions, and stride-1 ones whose output is much smaller than the
input (unpadded large kernels, see :meth:`Conv2d.correlates_gradient`), take ``weight^T @ grad`` + col2im;
whenever the weight gradient comes from the input's columns (then, or for an input that needs no gradient),
the op keeps the forward's columns for it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from autograd import is_grad_enabled, pad
from autograd.backend import data_of, namespace
from autograd.op import Op, check_same_namespace

from . import generic
from ._utils import ntuple, shape_of
from .columns import Fold, Unfold, _check_geometry, _col2im, _im2col, batch_slices
from .columns import out_size as _out_size

if TYPE_CHECKING:
    from autograd import Tensor

__all__ = ["conv1d", "conv2d"]

# What one element costs, in multiply-adds of a GEMM (measured with OpenBLAS on DeepConvNet's shapes): copied by
# im2col, about 10; added by col2im (strided adds), about 60.
_COPY_COST, _FOLD_COST = 10, 60


class Conv2d(Op):
    """2-D cross-correlation of ``(N, C, H, W)`` with ``weight (O, C/groups, kh, kw)``: im2col + matmul.

    The GEMMs run per sample over slices of the batch (:func:`.columns.batch_slices`).  ``keep_columns`` keeps
    the forward's columns for the weight gradient (set when it will need them; else it makes them again).
    """

    __slots__ = ("cols", "dilation", "groups", "keep_columns", "padding", "stride")
    attrs = ("stride", "padding", "dilation", "groups")
    save_inputs = True
    saved_attrs = ("cols",)

    def __init__(self, stride, padding, dilation, groups, keep_columns=False):
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        self.keep_columns = keep_columns
        self.cols = None

    def _geometry(self, weight_shape: tuple[int, ...]) -> tuple[Any, Any, Any, Any]:
        return weight_shape[2:], self.dilation, self.padding, self.stride

    def correlates_gradient(self, x_shape, weight_shape):
        """True when the input gradient is computed as a convolution of the output gradient (stride 1, and
        cheaper than col2im: the gradient's columns ``O*kh*kw x H*W`` against the input's ``C*kh*kw x L``)."""
        if self.stride != (1, 1):
            return False
        c, o = x_shape[1], weight_shape[0]
        hw = x_shape[2] * x_shape[3]
        length = 1
        for args in zip(x_shape[2:], weight_shape[2:], self.dilation, self.padding, self.stride):
            length *= _out_size(*args)
        # the gradient's columns feed two GEMMs (input and weight gradients); col2im's route has two of the same
        # kind over the input's columns, plus the strided adds
        return o * hw * (2 * c + _COPY_COST) <= c * length * (2 * o + _FOLD_COST)

    def forward(self, x, weight, bias):
        n = x.shape[0]
        o, g = weight.shape[0], self.groups
        oh, ow = (_out_size(*a) for a in zip(x.shape[2:], weight.shape[2:], self.dilation, self.padding, self.stride))
        length = oh * ow
        fuse_bias = bias is not None and g == 1
        wmat = weight.reshape(g, o // g, -1)
        if fuse_bias:
            wmat = np.concatenate([wmat[0], bias[:, None]], axis=1)
        out = np.empty((n, o, length), dtype=np.result_type(x, weight))
        kept: list[np.ndarray] | None = [] if self.keep_columns else None
        for b in batch_slices(n, g * wmat.shape[-1] * length * x.itemsize):
            cols = _im2col(x[b], *self._geometry(weight.shape), ones_row=fuse_bias)
            m = cols.shape[0]
            # Per sample (O/g, K/g) @ (K/g, oh*ow): the output is already contiguous NCHW for the ops after it.
            np.matmul(wmat, cols.reshape(m, g, -1, length), out=out[b].reshape(m, g, o // g, length))
            if kept is not None:
                kept.append(cols)
        self.cols = kept
        if bias is not None and not fuse_bias:
            out += bias[:, None]
        return out.reshape(n, o, oh, ow)

    def fast_backward(self, grad, x, weight, bias):
        """The fused rule on arrays: GEMMs per sample over slices of the batch; at stride 1 (mostly) no col2im."""
        gx = gw = gb = None
        need_x, need_w, need_b = self.needs_input_grad(0), self.needs_input_grad(1), bias is not None and self.needs_input_grad(2)
        if need_x and self.correlates_gradient(x.shape, weight.shape):
            gx, gw = self._grads_from_grad_columns(grad, x, weight, need_w)
        elif need_x:
            gx = self._input_grad_col2im(grad, x, weight)
        if need_w and gw is None:
            gw, gb = self._weight_grad(grad, x, weight, bias is not None and self.groups == 1)
        if need_b and gb is None:  # a matrix-vector product sums the pixels faster than np.sum over (0, 2, 3)
            n, o, oh, ow = grad.shape
            gb = np.matmul(grad.reshape(n, o, oh * ow), np.ones(oh * ow, dtype=grad.dtype)).sum(0)
        return gx, gw, gb if need_b else None

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

    def _weight_grad(self, grad, x, weight, ones_row):
        """``sum_n grad[n] @ cols[n]^T`` over the input's columns (the forward's, when kept); with the ones row of
        a fused bias, the last column is the bias gradient.  Returns ``(weight gradient, bias gradient or None)``."""
        n, o, oh, ow = grad.shape
        g, length = self.groups, oh * ow
        gw = np.zeros((g, o // g, weight[0].size + ones_row), dtype=grad.dtype)
        slices = batch_slices(n, g * gw.shape[2] * length * x.itemsize)
        kept = self.cols or [None] * len(slices)  # the forward sliced the batch the same way
        for b, cols in zip(slices, kept):
            if cols is None:
                cols = _im2col(x[b], *self._geometry(weight.shape), ones_row=ones_row)
            m = cols.shape[0]
            gw += np.matmul(grad[b].reshape(m, g, o // g, length), cols.reshape(m, g, -1, length).swapaxes(-1, -2)).sum(0)
        if ones_row:
            return gw[..., :-1].reshape(weight.shape), gw[0, :, -1].copy()
        return gw.reshape(weight.shape), None

    def _grads_from_grad_columns(self, grad, x, weight, need_w):
        """Stride 1: the input gradient is the convolution of the output gradient, padded by ``d*(k-1) - p``
        (cropped where that is negative), with the flipped kernels, input and output channels swapped.  The
        gradient's columns serve the weight gradient too (``cols @ x^T`` is the flipped weight gradient), so
        one im2col per slice of the batch feeds both GEMMs, and there is no col2im."""
        n, c, h, w = x.shape
        o, g = weight.shape[0], self.groups
        kernel = weight.shape[2:]
        edges = [d * (k - 1) - p for k, d, p in zip(kernel, self.dilation, self.padding)]
        crop = [max(0, -e) for e in edges]
        if any(crop):
            grad = grad[:, :, crop[0]:grad.shape[2] - crop[0], crop[1]:grad.shape[3] - crop[1]]
        pads = tuple(max(0, e) for e in edges)
        flipped = weight.reshape(g, o // g, c // g, *kernel)[..., ::-1, ::-1].transpose(0, 2, 1, 3, 4)
        wmat = np.ascontiguousarray(flipped).reshape(g, c // g, -1)
        length = h * w
        gx = np.empty((n, c, length), dtype=grad.dtype)
        flipped_gw = np.zeros((g, wmat.shape[2], c // g), dtype=grad.dtype)  # (g, O/g*kh*kw, C/g)
        for b in batch_slices(n, o * kernel[0] * kernel[1] * length * grad.itemsize):
            cols = _im2col(grad[b], kernel, self.dilation, pads, (1, 1))
            m = cols.shape[0]
            cols = cols.reshape(m, g, -1, length)
            np.matmul(wmat, cols, out=gx[b].reshape(m, g, c // g, length))
            if need_w:
                flipped_gw += np.matmul(cols, x[b].reshape(m, g, c // g, length).swapaxes(-1, -2)).sum(0)
        if not need_w:
            return gx.reshape(x.shape), None
        gw = flipped_gw.reshape(g, o // g, *kernel, c // g)[:, :, ::-1, ::-1].transpose(0, 1, 4, 2, 3)
        return gx.reshape(x.shape), gw.reshape(weight.shape)

    def _input_grad_col2im(self, grad, x, weight):
        """The columns' gradient ``weight^T @ grad`` summed back into the image (col2im), per slice of the batch."""
        n, o, oh, ow = grad.shape
        g = self.groups
        k = weight[0].size
        wmat = weight.reshape(g, o // g, k).swapaxes(-1, -2)
        gx = np.empty(x.shape, dtype=grad.dtype)
        for b in batch_slices(n, g * k * oh * ow * grad.itemsize):
            m = grad[b].shape[0]
            gcols = np.matmul(wmat, grad[b].reshape(m, g, o // g, oh * ow)).reshape(m, g * k, oh * ow)
            gx[b] = _col2im(gcols, x.shape[2:], *self._geometry(weight.shape))
        return gx

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
        return _apply_conv2d(input.unsqueeze(2), weight.unsqueeze(2), bias, (1,) + stride, (0,) + padding, (1,) + dilation, groups).squeeze(2)
    return _apply_conv2d(input, weight, bias, stride, padding, dilation, groups)


def _apply_conv2d(input, weight, bias, stride, padding, dilation, groups):
    """One :class:`Conv2d` op, told to keep its columns when the weight gradient will be computed from them."""
    op = Conv2d(stride, padding, dilation, int(groups))
    op.keep_columns = is_grad_enabled() and weight.requires_grad and not (
        input.requires_grad and op.correlates_gradient(shape_of(input), shape_of(weight)))
    return op.apply(input, weight, bias)


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
