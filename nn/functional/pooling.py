"""Pooling over ``(N, C, H, W)``: ``max_pool2d``, ``avg_pool2d`` (1-D pooling is in :mod:`.pooling1d`, adaptive
pooling in :mod:`.adaptive`, unpooling in :mod:`.unpool`).

Two paths.  Non-overlapping windows (stride == kernel, no padding, no dilation: the book's 2x2 pooling) take a
fast path built on the reshape ``(N, C, H/kh, kh, W/kw, kw)``.  numpy's ``max(axis=(3, 5))`` on that view is
slow (its inner loops run over the tiny window axes), so max pooling copies the view once into ``kh*kw``
contiguous planes, one per window position, and scans them with elementwise ops.  The backward never
scatters into strided memory: it upsamples the gradient (``np.repeat``, or a bit trick for ``k = 2``) to the
input's own contiguous layout and multiplies it by a mask of the winners.  Every other geometry reads the
windows as ``kh*kw`` strided views of the (padded) input, the same stride trick as im2col; its backward
scatter-adds the gradient onto each window's winner (``np.add.at``), overlapping windows included.

Max pooling sends the gradient to the first maximum of each window in row-major order (NaN counts as the
maximum), as PyTorch does.  Every backward rule is built from differentiable pieces, so gradients of any order
work.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Literal, overload

import numpy as np

from autograd import from_numpy
from autograd import pad as pad_
from autograd.backend import namespace
from autograd.op import Op

from . import generic
from ._utils import pair, shape_of
from .columns import Fold, _im2col, unfold
from .columns import out_size as _out_size

if TYPE_CHECKING:
    from autograd import Tensor

__all__ = ["max_pool2d", "avg_pool2d"]

_as_strided = np.lib.stride_tricks.as_strided


_WIDER = {1: (np.uint8, np.uint16), 2: (np.uint16, np.uint32), 4: (np.uint32, np.uint64)}


def _repeat_last(a, k):
    """``a.repeat(k, axis=-1)``; for ``k == 2`` and items of 1, 2 or 4 bytes, a bit trick about 4x faster.

    ``np.repeat`` copies one element at a time.  Zero-extending each item to twice its width and OR-ing in
    a shifted copy writes both halves of the wide item at once, and viewing the result with the original
    dtype yields every item twice in a row (the two halves are equal, so byte order does not matter).
    """
    if k != 2 or a.dtype.itemsize not in _WIDER:
        return a.repeat(k, axis=-1)
    narrow, wide = _WIDER[a.dtype.itemsize]
    doubled = np.ascontiguousarray(a).view(narrow).astype(wide)
    doubled |= doubled << (8 * a.dtype.itemsize)
    return doubled.view(a.dtype)


def _upsample_array(a, kernel):
    """Nearest-neighbour upsampling of an array, the fast way (see :func:`_repeat_last`)."""
    kh, kw = kernel
    return _repeat_last(a, kw).repeat(kh, axis=2)


def _upsample(grad, kernel):
    """Nearest-neighbour upsampling ``(N, C, ho, wo) -> (N, C, ho*kh, wo*kw)``, written with the namespace."""
    kh, kw = kernel
    n, c, ho, wo = grad.shape
    xp = namespace(grad)
    wide = xp.broadcast_to(xp.reshape(grad, (n, c, ho, 1, wo, 1)), (n, c, ho, kh, wo, kw))
    return xp.reshape(wide, (n, c, ho * kh, wo * kw))


def _restore_crop(gx, full_hw):
    """Zero-pad a gradient computed on the cropped input back to the full ``(H, W)``."""
    h, w = full_hw
    ch, cw = gx.shape[2:]
    if (ch, cw) == (h, w):
        return gx
    return namespace(gx).pad(gx, ((0, 0), (0, 0), (0, h - ch), (0, w - cw)))


def _first_argmax(views, nan_aware):
    """Running max over equally shaped arrays and the index of the first maximum (NaN wins, as PyTorch).

    ``better`` marks where view ``t`` beats every earlier view; ``t`` grows, so the index of the last such
    view is a running ``maximum`` (no ``np.where``, which is slow on random masks).
    """
    itype = np.int8 if len(views) <= 127 else np.int32
    best = views[0]
    idx = np.zeros(best.shape, dtype=itype)
    for t in range(1, len(views)):
        v = views[t]
        better = v > best
        if nan_aware:
            better |= np.isnan(v)
        best = np.maximum(best, v)
        np.maximum(idx, np.multiply(better, itype(t), dtype=itype), out=idx)
    return best, idx


def _crop(x, kernel):
    """The part of ``x (N, C, H, W)`` that whole ``kh x kw`` windows tile: a view without the leftover rows/columns."""
    kh, kw = kernel
    h, w = x.shape[2:]
    return x[:, :, :h - h % kh, :w - w % kw]


def _owned(out, x):
    """``out`` as a contiguous array of its own: a 1x1 window leaves the result a view of the input ``x``."""
    return out.copy() if np.may_share_memory(out, x) else np.ascontiguousarray(out)


class _MaxPool2d(Op):
    """What the two max-pooling algorithms share: each window's winner (the first maximum) takes the gradient;
    ``indices`` (the winner's position in its window) serves ``return_indices``."""

    name = "MaxPool2d"  # the op users asked for; a subclass's name only says which algorithm runs

    __slots__ = ("mask", "in_hw", "indices")
    saved_attrs = ("mask",)
    save_inputs = True  # only linked to under create_graph (see autograd's PiecewiseMul); PyTorch saves it too


class MaxPool2dFast(_MaxPool2d):
    """Max pooling with stride == kernel, no padding, no dilation (windows tile the cropped input)."""

    __slots__ = ("kernel_size",)
    attrs = ("kernel_size",)

    def __init__(self, kernel_size):
        self.kernel_size = kernel_size

    def forward(self, x):
        kh, kw = self.kernel_size
        self.in_hw = x.shape[2:]
        xc = _crop(x, self.kernel_size)
        n, c, hc, wc = xc.shape
        ho, wo = hc // kh, wc // kw
        # One gathering copy puts each window position in its own contiguous plane (kh*kw, N*C*ho*wo), in
        # row-major window order; every comparison after it runs on contiguous memory (about 5x faster than
        # the same ufuncs on strided views), and scanning the planes in order finds the first maximum.
        planes = np.ascontiguousarray(xc.reshape(n * c * ho, kh, wo, kw).transpose(1, 3, 0, 2))
        planes = planes.reshape(kh * kw, -1)
        out, idx = _first_argmax(planes, False)  # NaN: max_pool2d falls back to the window path
        out = out.reshape(n, c, ho, wo)
        idx = idx.reshape(n, c, ho, wo)
        offsets = ((np.arange(hc)[:, None] % kh) * kw + np.arange(wc)[None, :] % kw).astype(idx.dtype)
        self.mask = _upsample_array(idx, (kh, kw)) == offsets
        self.indices = idx
        return _owned(out, x)

    def backward(self, grad, x):
        return _restore_crop(namespace(grad).piecewise_mul(_upsample(grad, self.kernel_size), self.mask, x), self.in_hw)

    def fast_backward(self, grad, x):
        gx = _upsample_array(grad, self.kernel_size)
        gx *= self.mask  # a fresh array: multiply in place
        return _restore_crop(gx, self.in_hw)


class MaxPool2dWindows(_MaxPool2d):
    """General max pooling (any stride, padding, dilation, ceil_mode) over the im2col view of the ``-inf``-padded
    input; ``extra`` rows/columns at the bottom/right hold the windows that ``ceil_mode`` adds.  The winners'
    offsets (``indices``, int8) route the gradient; the differentiable rule builds the mask from them."""

    __slots__ = ("geometry", "extra")
    attrs = ("geometry", "extra")
    saved_attrs = ("indices",)

    def __init__(self, geometry, extra=(0, 0)):
        self.geometry = geometry  # (kernel, dilation, padding, stride)
        self.extra = extra

    def forward(self, x):
        (kh, kw), (dh, dw), (ph, pw), (sh, sw) = self.geometry
        eh, ew = self.extra
        n, c, h, w = x.shape
        self.in_hw = (h, w)
        if ph or pw or eh or ew:
            fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
            padded = np.full((n, c, h + 2 * ph + eh, w + 2 * pw + ew), fill, dtype=x.dtype)
            padded[:, :, ph:ph + h, pw:pw + w] = x
            x = padded
        oh, ow = _out_size(h + eh, kh, dh, ph, sh), _out_size(w + ew, kw, dw, pw, sw)
        s_n, s_c, s_h, s_w = x.strides
        views = [
            _as_strided(x[:, :, i * dh:, j * dw:], (n, c, oh, ow), (s_n, s_c, sh * s_h, sw * s_w), writeable=False)
            for i in range(kh) for j in range(kw)
        ]
        out, idx = _first_argmax(views, x.dtype.kind == "f")
        self.indices = idx
        return _owned(out, x)

    def _extended_hw(self):
        return tuple(s + e for s, e in zip(self.in_hw, self.extra))

    def _drop_extra(self, gx):
        """The gradient of the ``extra`` rows/columns (none reaches them) is not the input's."""
        if self.extra == (0, 0):
            return gx
        h, w = self.in_hw
        return namespace(gx).getitem(gx, (slice(None), slice(None), slice(0, h), slice(0, w)))

    def backward(self, grad, x):
        xp = namespace(grad)
        n, c, oh, ow = grad.shape
        (kh, kw) = self.geometry[0]
        mask = self.indices[:, :, None] == np.arange(kh * kw, dtype=self.indices.dtype)[:, None, None]
        cols = xp.piecewise_mul(xp.reshape(grad, (n, c, 1, oh, ow)), mask, x)
        return self._drop_extra(Fold(self._extended_hw(), *self.geometry).apply(xp.reshape(cols, (n, c * kh * kw, oh * ow))))

    def fast_backward(self, grad, x):
        """Scatter-add each window's gradient onto its winner: one ``np.add.at`` over the output (about ten times
        faster than masked columns summed by col2im for 3x3/2 windows), overlapping windows included."""
        n, c = grad.shape[:2]
        (ph, pw) = self.geometry[2]
        hp, wp = (s + 2 * p for s, p in zip(self._extended_hw(), (ph, pw)))
        flat = _window_positions(self.indices, self.geometry, wp, (0, 0))
        flat = flat + (np.arange(n * c, dtype=np.int64) * (hp * wp)).reshape(n, c, 1, 1)
        gx = np.zeros((n, c, hp, wp), dtype=grad.dtype)
        np.add.at(gx.reshape(-1), flat.reshape(-1), grad.reshape(-1))
        h, w = self.in_hw
        return np.ascontiguousarray(gx[:, :, ph:ph + h, pw:pw + w]) if (hp, wp) != (h, w) else gx


def _window_positions(idx, geometry, width, origin):
    """Flat ``row * width + column`` positions of the inputs that ``idx`` (an offset in each window, row-major)
    picks, counting rows and columns from ``origin`` in the padded input."""
    (_, kw), (dh, dw), _, (sh, sw) = geometry
    idx = idx.astype(np.int64)
    oh, ow = idx.shape[2:]
    rows = np.arange(oh)[:, None] * sh - origin[0] + (idx // kw) * dh
    return rows * width + (np.arange(ow)[None, :] * sw - origin[1] + (idx % kw) * dw)


def _flat_indices(fn, geometry, in_hw):
    """PyTorch's ``return_indices``: the flat ``h * W + w`` position of each window's maximum."""
    return from_numpy(_window_positions(fn.indices, geometry, in_hw[1], geometry[2]))


def _pooled_size(size, k, d, p, s, ceil_mode):
    """PyTorch's pooling output size; with ``ceil_mode`` the last window may overhang, but must start inside the
    input or its left padding."""
    span = size + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _pool_args(op, input, kernel_size, stride, padding, dilation=1, ceil_mode=False, nd=2):
    """Normalise and check pooling arguments of a 4-D input (``nd=1``: a 1-D pooling lifted to height 1, whose
    messages show the last dim only); returns ``((kernel, dilation, padding, stride), extra)``, ``extra``
    the rows/columns ``ceil_mode`` adds at the bottom/right.

    Raises:
        RuntimeError: a non-positive kernel, stride or dilation, a negative padding or one above half the
            kernel, or a kernel larger than the padded input.
    """
    kernel = pair(kernel_size, "kernel_size", op)
    stride = kernel if stride is None or (not isinstance(stride, int) and len(stride) == 0) else pair(stride, "stride", op)
    padding, dilation = pair(padding, "padding", op), pair(dilation, "dilation", op)
    shown = (lambda t: t) if nd == 2 else (lambda t: t[1:])  # noqa: E731
    if min(kernel) <= 0 or min(stride) <= 0 or min(dilation) <= 0 or min(padding) < 0:
        raise RuntimeError(f"{op}: kernel_size {shown(kernel)}, stride {shown(stride)} and dilation {shown(dilation)} must be positive, padding {shown(padding)} non-negative")
    eff = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(2 * p > e for p, e in zip(padding, eff)):
        raise RuntimeError(f"{op}: padding {shown(padding)} should be at most half of the (dilated) kernel size {shown(eff)}")
    size = shape_of(input)[2:]
    out = tuple(_pooled_size(*args, ceil_mode) for args in zip(size, kernel, dilation, padding, stride))
    shape = shape_of(input) if nd == 2 else shape_of(input.squeeze(2))
    if min(out) < 1:
        raise RuntimeError(
            f"{op}: input of shape {shape} padded by {shown(padding)} is smaller than the (dilated) kernel {shown(eff)}; "
            f"calculated output size {shown(out)} is too small"
        )
    extra = tuple(max(0, (o - 1) * s + e - (n + 2 * p)) for o, s, e, n, p in zip(out, stride, eff, size, padding))
    return (kernel, dilation, padding, stride), extra


def _unbatched(fn, input, *args, **kwargs):
    """Run the pooling ``fn`` on an unbatched ``(C, H, W)`` input as a batch of one; squeeze the result(s)."""
    out = fn(input.unsqueeze(0), *args, **kwargs)
    if isinstance(out, tuple):
        return tuple(o.squeeze(0) for o in out)
    return out.squeeze(0)


def _check_rank(op, input, nd):
    """RuntimeError naming ``op`` unless ``input`` is batched or unbatched for ``nd`` spatial dims."""
    if input.ndim not in (nd + 1, nd + 2):
        layout = "(N, C, H, W)" if nd == 2 else "(N, C, L)"
        raise RuntimeError(f"{op}: expected a {nd + 1}-D (unbatched) or {nd + 2}-D (batched) input {layout}, got input of shape {shape_of(input)}")


def _max_pool(op, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, nd=2):
    """Max pooling of a 4-D input (the body of ``max_pool2d`` and of ``max_pool1d`` lifted to height 1)."""
    geometry, extra = _pool_args(op, input, kernel_size, stride, padding, dilation, ceil_mode, nd)
    kernel, dil, pad, strd = geometry
    if not generic.is_numpy(input):  # another array-API library: the max over unfold's window dim
        out, window_index = generic.max_pool2d(input, geometry, extra)
        return (out, generic.flat_indices(window_index, geometry, input.shape[2:])) if return_indices else out
    fn: _MaxPool2d
    if strd == kernel and pad == (0, 0) and dil == (1, 1) and extra == (0, 0):
        fn = MaxPool2dFast(kernel)
        out = fn.apply(input)
        if input.dtype.kind == "f" and np.isnan(out.numpy()).any():
            fn = MaxPool2dWindows(geometry)  # NaN: the fast path's mask would miss it
            out = fn.apply(input)
    else:
        fn = MaxPool2dWindows(geometry, extra)
        out = fn.apply(input)
    if return_indices:
        return out, _flat_indices(fn, geometry, input.shape[2:])
    return out


@overload
def max_pool2d(input: Tensor, kernel_size: int | tuple[int, ...], stride: int | tuple[int, ...] | None = None,
               padding: int | tuple[int, ...] = 0, dilation: int | tuple[int, ...] = 1, ceil_mode: bool = False,
               return_indices: Literal[False] = False) -> Tensor: ...
@overload
def max_pool2d(input: Tensor, kernel_size: int | tuple[int, ...], stride: int | tuple[int, ...] | None = None,
               padding: int | tuple[int, ...] = 0, dilation: int | tuple[int, ...] = 1, ceil_mode: bool = False, *,
               return_indices: Literal[True]) -> tuple[Tensor, Tensor]: ...
@overload
def max_pool2d(input: Tensor, kernel_size: int | tuple[int, ...], stride: int | tuple[int, ...] | None = None,
               padding: int | tuple[int, ...] = 0, dilation: int | tuple[int, ...] = 1, ceil_mode: bool = False,
               return_indices: bool = ...) -> Tensor | tuple[Tensor, Tensor]: ...


def max_pool2d(input: Tensor, kernel_size: int | tuple[int, ...], stride: int | tuple[int, ...] | None = None,
               padding: int | tuple[int, ...] = 0, dilation: int | tuple[int, ...] = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """2-D max pooling of ``(N, C, H, W)`` (or unbatched ``(C, H, W)``), as ``torch.nn.functional.max_pool2d``.

    The book's ``Pooling`` layer.  ``stride`` defaults to ``kernel_size``; padding is with ``-inf``.  The
    gradient goes to the first maximum of each window (row-major), as PyTorch.  ``ceil_mode`` rounds the
    output size up (a last, overhanging window per dim when it starts inside the input or left padding).

    Returns:
        ``(N, C, oh, ow)``; with ``return_indices`` also the flat ``h * W + w`` index of each maximum.
    Raises:
        RuntimeError: wrong rank, padding above half the kernel, or a kernel larger than the padded input.
    """
    _check_rank("max_pool2d", input, 2)
    if input.ndim == 3:
        return _unbatched(max_pool2d, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)
    return _max_pool("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


class AvgPool2dFast(Op):
    """Average pooling with stride == kernel, no padding (windows tile the cropped input)."""

    name = "AvgPool2d"  # the op users asked for; the class name only says which algorithm runs

    __slots__ = ("kernel_size", "in_hw", "scale")
    attrs = ("kernel_size",)

    def __init__(self, kernel_size, scale):
        self.kernel_size, self.scale = kernel_size, scale

    def forward(self, x):
        kh, kw = self.kernel_size
        self.in_hw = x.shape[2:]
        xc = _crop(x, self.kernel_size)
        n, c, hc, wc = xc.shape
        acc = xc[:, :, :, 0::kw].copy()
        for j in range(1, kw):
            acc += xc[:, :, :, j::kw]
        rows = acc.reshape(n, c, hc // kh, kh, wc // kw)
        out = rows[:, :, :, 0].copy()
        for i in range(1, kh):
            out += rows[:, :, :, i]
        out *= out.dtype.type(self.scale)
        return out

    def backward(self, grad):
        return _restore_crop(_upsample(grad * self.scale, self.kernel_size), self.in_hw)

    def fast_backward(self, grad):
        return _restore_crop(_upsample_array(grad * grad.dtype.type(self.scale), self.kernel_size), self.in_hw)


def _avg_pool(op, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, nd=2):
    """Average pooling of a 4-D input (the body of ``avg_pool2d`` and of ``avg_pool1d`` lifted to height 1)."""
    (kernel, _, pad, strd), extra = _pool_args(op, input, kernel_size, stride, padding, ceil_mode=ceil_mode, nd=nd)
    if divisor_override is not None and (not isinstance(divisor_override, (int, np.integer)) or divisor_override == 0):
        raise RuntimeError(f"{op}: divisor_override must be a non-zero int, got {divisor_override!r}")
    area = kernel[0] * kernel[1]
    numpy_input = generic.is_numpy(input)  # other libraries take the unfold path below
    if strd == kernel and pad == (0, 0) and extra == (0, 0) and numpy_input:
        return AvgPool2dFast(kernel, 1.0 / (divisor_override or area)).apply(input)
    n, c, h, w = input.shape
    flat = input.reshape(n * c, 1, h, w)
    (eh, ew) = extra
    if eh or ew:  # ceil_mode's overhanging windows read zeros, which count in no divisor
        flat = pad_(flat, (0, ew, 0, eh))
    sums = unfold(flat, kernel, 1, pad, strd).sum(1)
    oh, ow = _out_size(h + eh, kernel[0], 1, pad[0], strd[0]), _out_size(w + ew, kernel[1], 1, pad[1], strd[1])
    divisor: float | Tensor
    if divisor_override:
        divisor = float(divisor_override)
    elif (count_include_pad or pad == (0, 0)) and extra == (0, 0):
        divisor = float(area)
    else:
        # PyTorch's divisor: the cells of each window inside the padded input (count_include_pad), or inside the
        # input itself; never the overhang of ceil_mode.
        (ph, pw) = pad
        inside = np.zeros((1, 1, h + 2 * ph + eh, w + 2 * pw + ew), dtype=input.dtype)
        if count_include_pad:
            inside[:, :, :h + 2 * ph, :w + 2 * pw] = 1
        else:
            inside[:, :, ph:ph + h, pw:pw + w] = 1
        divisor = from_numpy(_im2col(inside, kernel, (1, 1), (0, 0), strd).sum(1))
        if not numpy_input:
            divisor = generic.placed_like(input, divisor)
    return (sums / divisor).reshape(n, c, oh, ow)


def avg_pool2d(input: Tensor, kernel_size: int | tuple[int, ...], stride: int | tuple[int, ...] | None = None,
               padding: int | tuple[int, ...] = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """2-D average pooling of ``(N, C, H, W)`` (or unbatched ``(C, H, W)``), as ``torch.nn.functional.avg_pool2d``.

    ``stride`` defaults to ``kernel_size``.  Zero padding counts in the average unless
    ``count_include_pad=False``; ``divisor_override`` replaces the divisor; ``ceil_mode`` rounds the output size
    up (the overhanging part of a last window counts in no divisor, as PyTorch).

    Raises:
        RuntimeError: wrong rank, padding above half the kernel, a kernel larger than the padded input, or a
            zero ``divisor_override``.
    """
    _check_rank("avg_pool2d", input, 2)
    if input.ndim == 3:
        return _unbatched(avg_pool2d, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
    return _avg_pool("avg_pool2d", input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
