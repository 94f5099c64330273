"""im2col and col2im: ``unfold``/``fold`` (PyTorch's names) and the numpy kernels under convolution and pooling
(other array-API libraries take the slicing versions in :mod:`.windows`).

Layouts follow PyTorch.  ``unfold`` turns an ``(N, C, H, W)`` input into columns ``(N, C*kh*kw, L)``, where
``L = oh*ow`` counts the sliding blocks and the middle dim runs over ``(c, i, j)`` with ``c`` slowest; ``fold``
is its adjoint (it sums overlapping blocks back into an image).  The book's ``im2col`` returns the transposed
2-D matrix ``(N*oh*ow, C*kh*kw)``; ``F.unfold(x, k).transpose(1, 2).reshape(-1, C*k*k)`` gives it.
``Unfold`` and ``Fold`` are each other's backward: gradients of any order.

Speed: ``_im2col`` is one strided view (``as_strided``) and one copy, with no Python loop over the batch or
the pixels; ``_col2im`` is one vectorised strided write per kernel offset.  The convolution ops run their
GEMMs over slices of the batch (:func:`batch_slices`): columns of a few MiB stay in the caches between the
copy that makes them and the matrix product that reads them, and arrays that small come from the heap that
:mod:`autograd.allocator` keeps, not from fresh ``mmap`` pages.  Columns of the whole batch (45 MB for
DeepConvNet's second convolution at batch 100, ten times that at batch 1,000) would do neither.
"""
import numpy as np

from autograd.op import Op

from . import windows
from ._utils import pair, shape_of
from .windows import out_size

__all__ = ["col2im", "fold", "im2col", "unfold"]

_as_strided = np.lib.stride_tricks.as_strided

CHUNK_BYTES = 4 << 20  # columns per slice of the batch: fits the L3 cache, below glibc's mmap threshold


def batch_slices(n, bytes_per_sample):
    """Slices of a batch of ``n`` whose columns take about :data:`CHUNK_BYTES` each (at least one sample)."""
    step = max(1, CHUNK_BYTES // max(1, bytes_per_sample))
    return [slice(i, min(i + step, n)) for i in range(0, n, step)]


def _zero_padded(x, padding):
    (ph, pw) = padding
    if not (ph or pw):
        return x
    n, c, h, w = x.shape
    padded = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=x.dtype)
    padded[:, :, ph:ph + h, pw:pw + w] = x
    return padded


def _im2col(x, kernel, dilation, padding, stride, ones_row=False):
    """Columns ``(N, C*kh*kw, oh*ow)`` of a 4-D array (a read-only view of ``x`` for 1x1 kernels).

    With ``ones_row`` the columns get one more row of ones, ``(N, C*kh*kw + 1, L)``: multiplying by
    ``[weight | bias]`` then adds the bias inside the matrix product, and the weight gradient's last column
    is the bias gradient.
    """
    if type(x) is not np.ndarray:  # another array-API library: im2col from slicing
        return windows.im2col(x, kernel, dilation, padding, stride, ones_row)
    (kh, kw), (dh, dw), (sh, sw) = kernel, dilation, stride
    n, c, h, w = x.shape
    oh, ow = out_size(h, kh, dh, padding[0], sh), out_size(w, kw, dw, padding[1], sw)
    x = _zero_padded(x, padding)
    s_n, s_c, s_h, s_w = x.strides
    blocks = _as_strided(x, (n, c, kh, kw, oh, ow), (s_n, s_c, dh * s_h, dw * s_w, sh * s_h, sw * s_w), writeable=False)
    if not ones_row:
        return blocks.reshape(n, c * kh * kw, oh * ow)
    k = c * kh * kw
    cols = np.empty((n, k + 1, oh * ow), dtype=x.dtype)
    cols[:, :k].reshape(n, c, kh, kw, oh, ow)[...] = blocks  # a view: the rows of one sample are contiguous
    cols[:, k] = 1
    return cols


def _col2im(cols, size, kernel, dilation, padding, stride):
    """Sum the columns ``(N, C*kh*kw, L)`` back into an ``(N, C, H, W)`` image (the adjoint of :func:`im2col`).

    One vectorised strided write per kernel offset.  An offset whose first row and column fall in the first
    stride cell (``i*dh < sh`` and ``j*dw < sw``) is the first to reach its phase of the image, so it is a plain
    assignment rather than an add (about twice as fast): windows that do not overlap (span <= stride) need no
    add at all, 3x3 windows at stride 2 take four assignments and five adds.  (Grouping the offsets by phase
    into one add each measured slower: the phase-major layout needs a de-interleaving copy.)
    """
    if type(cols) is not np.ndarray:  # another array-API library: slice-adds (a scatter-add of the windows)
        return windows.col2im(cols, size, kernel, dilation, padding, stride)
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = kernel, dilation, padding, stride
    h, w = size
    n = cols.shape[0]
    c = cols.shape[1] // (kh * kw)
    oh, ow = out_size(h, kh, dh, ph, sh), out_size(w, kw, dw, pw, sw)
    blocks = cols.reshape(n, c, kh, kw, oh, ow)
    out = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
    h_span, w_span = sh * (oh - 1) + 1, sw * (ow - 1) + 1
    for i in range(kh):
        rows = slice(i * dh, i * dh + h_span, sh)
        for j in range(kw):
            target = out[:, :, rows, j * dw:j * dw + w_span:sw]
            if i * dh < sh and j * dw < sw:
                target[...] = blocks[:, :, i, j]
            else:
                target += blocks[:, :, i, j]
    if ph or pw:
        out = np.ascontiguousarray(out[:, :, ph:ph + h, pw:pw + w])
    return out


def _check_geometry(op, stride, padding, dilation):
    """RuntimeError (naming ``op``) for a non-positive stride or dilation, or a negative padding."""
    if min(stride) <= 0:
        raise RuntimeError(f"{op}: non-positive stride {stride} is not supported")
    if min(padding) < 0:
        raise RuntimeError(f"{op}: negative padding {padding} is not supported")
    if min(dilation) <= 0:
        raise RuntimeError(f"{op}: non-positive dilation {dilation} is not supported")


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


def _block_geometry(op, kernel_size, dilation, padding, stride):
    """The checked ``(kernel, dilation, padding, stride)`` pairs of ``unfold``/``fold``."""
    geometry = tuple(pair(v, name, op) for v, name in zip((kernel_size, dilation, padding, stride), ("kernel_size", "dilation", "padding", "stride")))
    if min(geometry[0]) <= 0:
        raise RuntimeError(f"{op}: kernel_size must be positive, got {geometry[0]}")
    _check_geometry(op, geometry[3], geometry[2], geometry[1])
    return geometry


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
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
    oh, ow = out_size(h, kh, dh, ph, sh), out_size(w, kw, dw, pw, sw)
    if oh < 1 or ow < 1:
        raise RuntimeError(
            f"unfold: input of shape {shape_of(input)} with kernel_size {(kh, kw)}, dilation {(dh, dw)}, padding "
            f"{(ph, pw)}, stride {(sh, sw)} gives ({oh}, {ow}) sliding blocks; both must be at least 1"
        )
    return Unfold(*geometry).apply(input)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
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
    oh, ow = out_size(size[0], kh, dh, ph, sh), out_size(size[1], kw, dw, pw, sw)
    if oh < 1 or ow < 1 or oh * ow != input.shape[2]:
        raise RuntimeError(
            f"fold: output_size {size}, kernel_size {(kh, kw)}, dilation {(dh, dw)}, padding {(ph, pw)} and stride "
            f"{(sh, sw)} give {oh} x {ow} = {oh * ow} blocks, but the input of shape {shape_of(input)} has {input.shape[2]}"
        )
    return Fold(size, *geometry).apply(input)


im2col = unfold
col2im = fold
