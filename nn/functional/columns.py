"""im2col and col2im on numpy arrays, the kernels under convolution and pooling (other array-API libraries take
the slicing versions in :mod:`.windows`).

``im2col`` is one strided view (``as_strided``) and one copy, with no Python loop over the batch or the pixels.
``col2im`` sums the columns back with one vectorised strided write per kernel offset (see :func:`col2im`).

The convolution ops run their GEMMs over slices of the batch (:func:`batch_slices`): columns of a few MiB
stay in the caches between the copy that makes them and the matrix product that reads them, and arrays that
small come from the heap that :mod:`autograd.allocator` keeps, not from fresh ``mmap`` pages.  Columns of
the whole batch (45 MB for DeepConvNet's second convolution at batch 100, ten times that at batch 1,000)
would do neither.
"""
import numpy as np

from . import windows
from .windows import out_size

__all__ = ["batch_slices", "col2im", "im2col", "out_size"]

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


def im2col(x, kernel, dilation, padding, stride, ones_row=False):
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


def col2im(cols, size, kernel, dilation, padding, stride):
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
