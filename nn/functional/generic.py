"""Convolution, pooling and batch normalisation for tensors of non-numpy namespaces (``array_api_strict``, CuPy),
composed from differentiable ops: ``unfold``/``fold`` (whose arrays go through :mod:`.windows`' im2col from
slicing and col2im by slice-adds), ``matmul``, ``max``/``mean`` over a window dim.

numpy tensors never come here: they keep the fused ops and strided fast paths of :mod:`.conv`,
:mod:`.pooling` and :mod:`.normalization`, whose public functions send other tensors to these (after their
own argument checks). Gradients of any order flow, as through the fast paths.
"""
import numpy as np

import autograd as ag
from autograd.backend import data_of, namespace

__all__ = ["is_numpy", "conv2d", "max_pool2d", "flat_indices", "adaptive_max_pool2d", "placed_like", "batch_norm"]


def is_numpy(t):
    """True for a tensor holding a numpy array (the fast paths' kind)."""
    return type(data_of(t)).__module__ == "numpy"


def _unfold(x, geometry):
    from .columns import Unfold

    return Unfold(*geometry).apply(x)


def conv2d(x, weight, bias, geometry, groups):
    """``conv2d`` of ``x (N, C, H, W)`` as ``weight @ unfold(x)``; ``geometry`` is ``(kernel, dilation, padding,
    stride)`` (symmetric padding, checked by the caller)."""
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = geometry
    n, _, h, w = x.shape
    o, g = weight.shape[0], groups
    oh, ow = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1, (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    cols = _unfold(x, geometry)  # (N, C*kh*kw, L)
    length = cols.shape[2]
    if g == 1:
        out = ag.matmul(weight.reshape(o, -1), cols)
    else:
        out = ag.matmul(weight.reshape(g, o // g, -1), cols.reshape(n, g, -1, length)).reshape(n, o, length)
    if bias is not None:
        out = out + bias.reshape(o, 1)
    return out.reshape(n, o, oh, ow)


def max_pool2d(x, geometry, extra):
    """Max pooling as the max over the window dim of ``unfold`` of the ``-inf``-padded input; the gradient goes
    to the first maximum of each window, as PyTorch. ``extra``: the bottom/right rows/columns of ceil_mode."""
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = geometry
    eh, ew = extra
    n, c, h, w = x.shape
    if ph or pw or eh or ew:
        fill = float("-inf") if x.is_floating_point() else int(np.iinfo(x.dtype).min)
        x = ag.pad(x, (pw, pw + ew, ph, ph + eh), value=fill)
    hp, wp = x.shape[2:]
    oh, ow = (hp - dh * (kh - 1) - 1) // sh + 1, (wp - dw * (kw - 1) - 1) // sw + 1
    cols = _unfold(x, ((kh, kw), (dh, dw), (0, 0), (sh, sw))).reshape(n, c, kh * kw, oh * ow)
    values, indices = cols.max(dim=2)
    return values.reshape(n, c, oh, ow), indices.reshape(n, c, oh, ow)


def flat_indices(window_index, geometry, in_hw):
    """PyTorch's ``return_indices`` from each window's argmax: the flat ``h * W + w`` position in the input."""
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = geometry
    oh, ow = window_index.shape[2:]
    place = namespace(data_of(window_index))
    rows = ag.arange(oh).reshape(oh, 1).to(place) * sh - ph
    cols = ag.arange(ow).reshape(1, ow).to(place) * sw - pw
    hs = rows + (window_index // kw) * dh
    ws = cols + (window_index % kw) * dw
    return hs * in_hw[1] + ws


def adaptive_max_pool2d(x, rows, cols):
    """Adaptive max pooling of ``x (N, C, H, W)`` as the max over bins gathered by one index: ``rows (oh, kh)``
    and ``cols (ow, kw)`` are the bins' positions (short bins repeat their last one, which never wins: the
    gradient goes to the first maximum, as PyTorch). Returns the values and PyTorch's flat ``h * W + w`` indices."""
    n, c, _, w = x.shape
    (oh, kh), (ow, kw) = rows.shape, cols.shape
    windows = x[:, :, rows[:, :, None, None], cols[None, None, :, :]]  # (N, C, oh, kh, ow, kw)
    values, window_index = windows.permute(0, 1, 2, 4, 3, 5).reshape(n, c, oh, ow, kh * kw).max(dim=-1)
    flat = (rows[:, None, :, None] * w + cols[None, :, None, :]).reshape(1, 1, oh, ow, kh * kw)
    flat = placed_like(x, ag.tensor(flat, dtype=ag.int64)).expand(n, c, oh, ow, kh * kw)
    return values, ag.gather(flat, 4, window_index.unsqueeze(-1)).squeeze(-1)


def placed_like(input, t):
    """``t`` (a numpy tensor of constants: window counts, averaging matrices) in ``input``'s namespace and device."""
    return t.to(namespace(data_of(input)))


def batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps):
    """Batch normalisation from ordinary ops (the arguments checked by the caller), as ``batch_norm``."""
    axes = (0,) + tuple(range(2, input.ndim))
    shape = (1, -1) + (1,) * (input.ndim - 2)
    if training:
        mean = input.mean(axes, keepdim=True)
        centred = input - mean
        var = (centred * centred).mean(axes, keepdim=True)
        if running_mean is not None:
            count = input.numel() // input.shape[1]
            with ag.no_grad():
                running_mean.mul_(1 - momentum).add_(mean.detach().reshape(-1), alpha=momentum)
                running_var.mul_(1 - momentum).add_(var.detach().reshape(-1) * (count / (count - 1)), alpha=momentum)
        out = centred / (var + eps).sqrt()
    else:
        out = (input - running_mean.to(input.dtype).reshape(shape)) / (running_var.to(input.dtype).reshape(shape) + eps).sqrt()
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out
