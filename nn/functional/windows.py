"""Sliding windows on arrays of any array-API namespace (``array_api_strict``, CuPy...): the generic paths of
im2col/col2im that conv and pooling take when the input is not numpy's (numpy keeps its strided fast paths).

``im2col`` reads the ``kh*kw`` window offsets as strided slices and stacks them, ``col2im`` adds each offset's
slice back into a zero image: the scatter-add of overlapping windows, written with slicing only.
"""
from autograd.backend import namespace

__all__ = ["im2col", "col2im", "out_size"]


def out_size(size, k, d, p, s):
    """Number of sliding positions along one spatial dim."""
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def _padded(x, padding, xp, fill=0):
    ph, pw = padding
    if not (ph or pw):
        return x
    n, c, h, w = x.shape
    out = xp.full((n, c, h + 2 * ph, w + 2 * pw), fill, dtype=x.dtype)
    out[:, :, ph:ph + h, pw:pw + w] = x
    return out


def im2col(x, kernel, dilation, padding, stride, ones_row=False):
    """Columns ``(N, C*kh*kw, oh*ow)`` of ``x (N, C, H, W)``, rows ordered ``(c, i, j)`` as PyTorch's ``unfold``;
    with ``ones_row`` one more row of ones (the fused bias of ``conv2d``)."""
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = kernel, dilation, padding, stride
    xp = namespace(x)
    n, c, h, w = x.shape
    oh, ow = out_size(h, kh, dh, ph, sh), out_size(w, kw, dw, pw, sw)
    x = _padded(x, padding, xp)
    h_span, w_span = sh * (oh - 1) + 1, sw * (ow - 1) + 1
    blocks = [x[:, :, i * dh:i * dh + h_span:sh, j * dw:j * dw + w_span:sw] for i in range(kh) for j in range(kw)]
    cols = xp.reshape(xp.stack(blocks, axis=2), (n, c * kh * kw, oh * ow))
    if ones_row:
        cols = xp.concat([cols, xp.ones((n, 1, oh * ow), dtype=x.dtype)], axis=1)
    return cols


def col2im(cols, size, kernel, dilation, padding, stride):
    """Sum the columns ``(N, C*kh*kw, L)`` back into an ``(N, C, H, W)`` image (the adjoint of :func:`im2col`)."""
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = kernel, dilation, padding, stride
    xp = namespace(cols)
    h, w = size
    n = cols.shape[0]
    c = cols.shape[1] // (kh * kw)
    oh, ow = out_size(h, kh, dh, ph, sh), out_size(w, kw, dw, pw, sw)
    blocks = xp.reshape(cols, (n, c, kh, kw, oh, ow))
    out = xp.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
    h_span, w_span = sh * (oh - 1) + 1, sw * (ow - 1) + 1
    for i in range(kh):
        for j in range(kw):
            index = (slice(None), slice(None), slice(i * dh, i * dh + h_span, sh), slice(j * dw, j * dw + w_span, sw))
            out[index] = out[index] + blocks[:, :, i, j, :, :]
    return out[:, :, ph:ph + h, pw:pw + w] if ph or pw else out
