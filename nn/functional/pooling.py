"""Pooling over ``(N, C, H, W)``: ``max_pool2d``, ``avg_pool2d``, ``adaptive_avg_pool2d``.

Two paths.  Non-overlapping windows (stride == kernel, no padding, no dilation: the book's 2x2 pooling) take a
fast path built on the reshape ``(N, C, H/kh, kh, W/kw, kw)``.  numpy's ``max(axis=(3, 5))`` on that view is
slow (its inner loops run over the tiny window axes), so max pooling copies the view once into ``kh*kw``
contiguous planes, one per window position, and scans them with elementwise ops.  The backward never
scatters into strided memory: it upsamples the gradient (``np.repeat``, or a bit trick for ``k = 2``) to the
input's own contiguous layout and multiplies it by a mask of the winners.  Every other geometry reads the
windows as ``kh*kw`` strided views of the (padded) input, the same stride trick as im2col, and its backward
is ``fold`` (col2im).

Max pooling sends the gradient to the first maximum of each window in row-major order (NaN counts as the
maximum), as PyTorch does.  Every backward rule is built from differentiable pieces, so gradients of any order
work.
"""
import numpy as np

from autograd import from_numpy
from autograd.backend import namespace
from autograd.ops import matmul
from autograd.op import Op

from ._utils import pair, shape_of
from .conv import Fold, _col2im, _im2col, _out_size, unfold

__all__ = ["max_pool2d", "avg_pool2d", "adaptive_avg_pool2d"]

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
    """What the two max-pooling algorithms share: a mask of each window's winner (the first maximum) routes the
    gradient; ``indices`` (the winner's position in its window) serves ``return_indices``."""

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
    """General max pooling (any stride, padding, dilation) over the im2col view of the ``-inf``-padded input."""

    __slots__ = ("geometry",)
    attrs = ("geometry",)

    def __init__(self, geometry):
        self.geometry = geometry  # (kernel, dilation, padding, stride)

    def forward(self, x):
        (kh, kw), (dh, dw), (ph, pw), (sh, sw) = self.geometry
        n, c, h, w = x.shape
        self.in_hw = (h, w)
        if ph or pw:
            fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
            padded = np.full((n, c, h + 2 * ph, w + 2 * pw), fill, dtype=x.dtype)
            padded[:, :, ph:ph + h, pw:pw + w] = x
            x = padded
        oh, ow = _out_size(h, kh, dh, ph, sh), _out_size(w, kw, dw, pw, sw)
        s_n, s_c, s_h, s_w = x.strides
        views = [
            _as_strided(x[:, :, i * dh:, j * dw:], (n, c, oh, ow), (s_n, s_c, sh * s_h, sw * s_w), writeable=False)
            for i in range(kh) for j in range(kw)
        ]
        out, idx = _first_argmax(views, x.dtype.kind == "f")
        self.mask = idx[:, :, None] == np.arange(kh * kw, dtype=idx.dtype)[:, None, None]
        self.indices = idx
        return _owned(out, x)

    def backward(self, grad, x):
        xp = namespace(grad)
        n, c, oh, ow = grad.shape
        (kh, kw) = self.geometry[0]
        cols = xp.piecewise_mul(xp.reshape(grad, (n, c, 1, oh, ow)), self.mask, x)
        return Fold(self.in_hw, *self.geometry).apply(xp.reshape(cols, (n, c * kh * kw, oh * ow)))

    def fast_backward(self, grad, x):
        n, c, oh, ow = grad.shape
        (kh, kw) = self.geometry[0]
        cols = grad.reshape(n, c, 1, oh, ow) * self.mask
        return _col2im(cols.reshape(n, c * kh * kw, oh * ow), self.in_hw, *self.geometry)


def _flat_indices(fn, geometry, in_hw, out_hw):
    """PyTorch's ``return_indices``: the flat ``h * W + w`` position of each window's maximum."""
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = geometry
    idx = fn.indices.astype(np.int64)
    oh, ow = out_hw
    hs = np.arange(oh)[:, None] * sh - ph + (idx // kw) * dh
    ws = np.arange(ow)[None, :] * sw - pw + (idx % kw) * dw
    return from_numpy(hs * in_hw[1] + ws)


def _pool_args(op, input, kernel_size, stride, padding, dilation=1, ceil_mode=False):
    """Normalise and check pooling arguments; returns ``(kernel, dilation, padding, stride)``.

    Raises:
        NotImplementedError: ``ceil_mode``. RuntimeError: a wrong rank, a non-positive kernel, stride or
            dilation, a negative padding or one above half the kernel, or a kernel larger than the padded input.
    """
    if ceil_mode:
        raise NotImplementedError(f"{op}: ceil_mode=True is not supported")
    if input.ndim != 4:
        raise RuntimeError(f"{op}: expected a 3-D (unbatched) or 4-D (batched) input (N, C, H, W), got input of shape {shape_of(input)}")
    kernel = pair(kernel_size, "kernel_size", op)
    stride = kernel if stride is None or (not isinstance(stride, int) and len(stride) == 0) else pair(stride, "stride", op)
    padding, dilation = pair(padding, "padding", op), pair(dilation, "dilation", op)
    if min(kernel) <= 0 or min(stride) <= 0 or min(dilation) <= 0 or min(padding) < 0:
        raise RuntimeError(f"{op}: kernel_size {kernel}, stride {stride} and dilation {dilation} must be positive, padding {padding} non-negative")
    eff = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(2 * p > e for p, e in zip(padding, eff)):
        raise RuntimeError(f"{op}: padding {padding} should be at most half of the (dilated) kernel size {eff}")
    h, w = input.shape[2:]
    oh = _out_size(h, kernel[0], dilation[0], padding[0], stride[0])
    ow = _out_size(w, kernel[1], dilation[1], padding[1], stride[1])
    if oh < 1 or ow < 1:
        raise RuntimeError(
            f"{op}: input of shape {shape_of(input)} padded by {padding} is smaller than the (dilated) kernel {eff}; "
            f"calculated output size ({oh} x {ow}) is too small"
        )
    return kernel, dilation, padding, stride


def _unbatched(fn, input, *args, **kwargs):
    """Run the pooling ``fn`` on an unbatched ``(C, H, W)`` input as a batch of one; squeeze the result(s)."""
    out = fn(input.unsqueeze(0), *args, **kwargs)
    if isinstance(out, tuple):
        return tuple(o.squeeze(0) for o in out)
    return out.squeeze(0)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """2-D max pooling of ``(N, C, H, W)`` (or unbatched ``(C, H, W)``), as ``torch.nn.functional.max_pool2d``.

    The book's ``Pooling`` layer.  ``stride`` defaults to ``kernel_size``; padding is with ``-inf``.  The
    gradient goes to the first maximum of each window (row-major), as PyTorch.

    Returns:
        ``(N, C, oh, ow)``; with ``return_indices`` also the flat ``h * W + w`` index of each maximum.
    Raises:
        RuntimeError: wrong rank, padding above half the kernel, or a kernel larger than the padded input.
        NotImplementedError: ``ceil_mode=True``.
    """
    if input.ndim == 3:
        return _unbatched(max_pool2d, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)
    geometry = _pool_args("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode)
    kernel, dil, pad, strd = geometry
    if strd == kernel and pad == (0, 0) and dil == (1, 1):
        fn = MaxPool2dFast(kernel)
        out = fn.apply(input)
        if input.dtype.kind == "f" and np.isnan(out.numpy()).any():
            fn = MaxPool2dWindows(geometry)  # NaN: the fast path's mask would miss it
            out = fn.apply(input)
    else:
        fn = MaxPool2dWindows(geometry)
        out = fn.apply(input)
    if return_indices:
        return out, _flat_indices(fn, geometry, input.shape[2:], out.shape[2:])
    return out


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


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None):
    """2-D average pooling of ``(N, C, H, W)`` (or unbatched ``(C, H, W)``), as ``torch.nn.functional.avg_pool2d``.

    ``stride`` defaults to ``kernel_size``.  Zero padding counts in the average unless
    ``count_include_pad=False``; ``divisor_override`` replaces the divisor.

    Raises:
        RuntimeError: wrong rank, padding above half the kernel, or a kernel larger than the padded input.
        NotImplementedError: ``ceil_mode=True``.
    """
    if input.ndim == 3:
        return _unbatched(avg_pool2d, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
    kernel, dilation, pad, strd = _pool_args("avg_pool2d", input, kernel_size, stride, padding, ceil_mode=ceil_mode)
    area = kernel[0] * kernel[1]
    if strd == kernel and pad == (0, 0):
        return AvgPool2dFast(kernel, 1.0 / (divisor_override or area)).apply(input)
    n, c, h, w = input.shape
    flat = input.reshape(n * c, 1, h, w)
    sums = unfold(flat, kernel, 1, pad, strd).sum(1)
    oh, ow = _out_size(h, kernel[0], 1, pad[0], strd[0]), _out_size(w, kernel[1], 1, pad[1], strd[1])
    if divisor_override:
        divisor = float(divisor_override)
    elif count_include_pad or pad == (0, 0):
        divisor = float(area)
    else:
        ones = np.ones((1, 1, h, w), dtype=input.dtype)
        counts = _im2col(ones, kernel, (1, 1), pad, strd).sum(1)
        divisor = from_numpy(counts)
    return (sums / divisor).reshape(n, c, oh, ow)


def _adaptive_matrix(size, out, dtype):
    """``(out, size)`` averaging matrix with PyTorch's bins ``[floor(i*size/out), ceil((i+1)*size/out))``."""
    m = np.zeros((out, size), dtype=dtype)
    for i in range(out):
        lo, hi = (i * size) // out, -((-(i + 1) * size) // out)
        m[i, lo:hi] = 1.0 / (hi - lo)
    return m


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed ``output_size`` (an int, or a pair whose entries may be None = keep), as PyTorch.

    Bins are ``[floor(i*H/oh), ceil((i+1)*H/oh))``; divisible sizes use the fast tiled path, others two small
    averaging matrix products (``P_h @ x @ P_w^T``).
    """
    if input.ndim == 3:
        return _unbatched(adaptive_avg_pool2d, input, output_size)
    if input.ndim != 4:
        raise RuntimeError(f"adaptive_avg_pool2d: expected a 3-D (unbatched) or 4-D (batched) input (N, C, H, W), got input of shape {shape_of(input)}")
    h, w = input.shape[2:]
    if isinstance(output_size, (int, np.integer)) or output_size is None:
        output_size = (output_size, output_size)
    oh, ow = (s if o is None else int(o) for o, s in zip(output_size, (h, w)))
    if oh <= 0 or ow <= 0:
        raise RuntimeError(f"adaptive_avg_pool2d: output_size must be positive, got {(oh, ow)} for input of shape {shape_of(input)}")
    if h % oh == 0 and w % ow == 0:
        k = (h // oh, w // ow)
        return AvgPool2dFast(k, 1.0 / (k[0] * k[1])).apply(input)
    ph = from_numpy(_adaptive_matrix(h, oh, input.dtype))
    pw_t = from_numpy(np.ascontiguousarray(_adaptive_matrix(w, ow, input.dtype).T))
    return matmul(ph, matmul(input, pw_t))
