"""``interpolate``: resizing ``(N, C, L)`` and ``(N, C, H, W)`` inputs, as ``torch.nn.functional.interpolate``.

Nearest modes gather source pixels with one advanced index (its backward sums the gradient back into the
pixels that were repeated).  Linear modes are separable: each spatial dim is one small ``(out, in)``
interpolation matrix with two non-zeros per row, applied as a matrix product (``A_h @ x @ A_w^T``), so the
result and its gradients of any order are ordinary differentiable ops.  ``'area'`` is adaptive average pooling.
The source coordinates follow PyTorch's rules (``area_pixel_compute_source_index``): with ``align_corners``
the corner pixels' centres line up; without, pixel centres are scaled, and a given ``scale_factor`` is used as
``1 / scale_factor`` unless ``recompute_scale_factor`` (then ``in / out``).  The nearest index is
``floor(dst * scale)`` computed in float32, exactly as PyTorch's kernels do.
"""
from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING

import numpy as np

from autograd import Tensor, from_numpy, matmul

from . import generic
from ._utils import shape_of
from .adaptive import adaptive_avg_pool2d

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["interpolate"]

_LINEAR = {"linear": 1, "bilinear": 2}  # mode -> spatial dims it takes
_ANY_RANK = ("nearest", "nearest-exact", "area")
_UNSUPPORTED = ("bicubic", "trilinear", "lanczos")


def _scale(in_size, out_size, scale_factor, align_corners):
    """PyTorch's ``area_pixel_compute_scale`` for one dim."""
    if align_corners:
        return (in_size - 1) / (out_size - 1) if out_size > 1 else 0.0
    return 1.0 / scale_factor if scale_factor is not None else in_size / out_size


def _nearest_index(in_size, out_size, scale_factor, exact):
    """Source index of each output position: ``floor(dst * scale)`` (``'nearest-exact'``: of the pixel centre)."""
    scale = np.float32(1.0 / scale_factor if scale_factor is not None else in_size / out_size)
    dst = np.arange(out_size, dtype=np.float32) + (np.float32(0.5) if exact else np.float32(0))
    return np.minimum(np.floor(dst * scale).astype(np.int64), in_size - 1)


def _linear_matrix(in_size, out_size, scale_factor, align_corners, dtype):
    """``(out, in)`` matrix of linear interpolation along one dim: two weights per row."""
    scale = _scale(in_size, out_size, scale_factor, align_corners)
    dst = np.arange(out_size, dtype=np.float64)
    src = dst * scale if align_corners else np.maximum(scale * (dst + 0.5) - 0.5, 0.0)
    lo = np.minimum(np.floor(src).astype(np.int64), in_size - 1)
    hi = np.minimum(lo + 1, in_size - 1)
    frac = src - lo
    m = np.zeros((out_size, in_size), dtype=np.float64)
    rows = np.arange(out_size)
    np.add.at(m, (rows, lo), 1.0 - frac)
    np.add.at(m, (rows, hi), frac)
    return from_numpy(m.astype(dtype))


def _sizes(input, size, scale_factor, recompute_scale_factor):
    """The output's spatial size and the per-dim scale factors the coordinates use (None: ``in / out``)."""
    nd = input.ndim - 2
    spatial = shape_of(input)[2:]
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: " + ("only one of size or scale_factor should be defined" if size is not None
                                             else "either size or scale_factor should be defined"))
    if size is not None:
        if recompute_scale_factor:
            raise ValueError("interpolate: recompute_scale_factor is not meaningful with an explicit size")
        out = (int(size),) * nd if isinstance(size, numbers.Integral) else tuple(int(s) for s in size)
        if len(out) != nd:
            raise ValueError(f"interpolate: input with spatial size {spatial} and output size {tuple(size)} must have the same number of spatial dims")
        scales = (None,) * nd
    else:
        factors = (float(scale_factor),) * nd if isinstance(scale_factor, numbers.Real) else tuple(float(s) for s in scale_factor)
        if len(factors) != nd:
            raise ValueError(f"interpolate: input with spatial size {spatial} and scale_factor {tuple(scale_factor)} must have the same number of spatial dims")
        out = tuple(math.floor(s * f) for s, f in zip(spatial, factors))
        scales = (None,) * nd if recompute_scale_factor else factors
    if min(out) <= 0 or min(spatial) <= 0:
        raise RuntimeError(f"interpolate: input and output sizes should be greater than 0, got input of shape {shape_of(input)} and output size {out}")
    return out, scales


def interpolate(input: Tensor, size: int | Sequence[int] | None = None,
                scale_factor: float | Sequence[float] | None = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize ``(N, C, L)`` or ``(N, C, H, W)`` to ``size`` or by ``scale_factor``, as ``torch.nn.functional.interpolate``.

    Args:
        size: the output's spatial size (an int for every dim, or one per dim).
        scale_factor: a float for every dim or one per dim; the size is ``floor(in * scale_factor)``.
        mode: ``'nearest'`` (source ``floor(dst * in/out)``), ``'nearest-exact'``, ``'linear'`` (3-D input),
            ``'bilinear'`` (4-D input) or ``'area'`` (adaptive average pooling).
        align_corners: linear modes only: map the corner pixels' centres onto each other (default False).
        recompute_scale_factor: compute the coordinates from the output size rather than ``scale_factor``.
        antialias: not supported (only False).
    Raises:
        ValueError: both or neither of ``size``/``scale_factor``, sizes of the wrong length, ``align_corners`` with
            a non-linear mode, ``recompute_scale_factor`` with ``size``.
        NotImplementedError: an input other than 3-D/4-D, a mode this input's rank lacks or an unknown mode
            (bicubic, trilinear...), ``antialias=True``.
        RuntimeError: an empty input or output size. TypeError: ``input`` is not a Tensor.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"interpolate: argument 'input' must be Tensor, not {type(input).__name__}")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    known = _ANY_RANK + tuple(_LINEAR)
    if mode not in known:
        what = "is not supported" if mode in _UNSUPPORTED else "is unknown"
        raise NotImplementedError(f"interpolate: mode {mode!r} {what} (supported: {', '.join(known)}); input of shape {shape_of(input)}")
    if input.ndim not in (3, 4):
        raise NotImplementedError(f"interpolate: only 3-D (N, C, L) and 4-D (N, C, H, W) inputs are supported, got input of shape {shape_of(input)}")
    if mode in _LINEAR and _LINEAR[mode] != input.ndim - 2:
        raise NotImplementedError(f"interpolate: mode {mode!r} needs a {_LINEAR[mode] + 2}-D input, got input of shape {shape_of(input)}")
    if align_corners is not None and mode not in _LINEAR:
        raise ValueError(f"interpolate: align_corners can only be set with the linear modes (linear, bilinear), got mode {mode!r}")
    out, scales = _sizes(input, size, scale_factor, recompute_scale_factor)
    spatial = shape_of(input)[2:]
    # PyTorch's 'nearest' and linear kernels copy a dim whose size does not change, and 'nearest' doubles a dim
    # as ``i >> 1``, whatever the scale factor: both are the ``in / out`` coordinates ('nearest-exact' keeps it).
    if mode != "nearest-exact":
        scales = tuple(None if o == i or (mode == "nearest" and o == 2 * i) else f for i, o, f in zip(spatial, out, scales))
    if mode == "area":
        if input.ndim == 3:
            return adaptive_avg_pool2d(input.unsqueeze(2), (1, out[0])).squeeze(2)
        return adaptive_avg_pool2d(input, out)
    if mode in _LINEAR:
        mats = [_linear_matrix(i, o, s, bool(align_corners), input.dtype) for i, o, s in zip(spatial, out, scales)]
        if not generic.is_numpy(input):
            mats = [generic.placed_like(input, m) for m in mats]
        result = matmul(input, mats[-1].T)
        return matmul(mats[0], result) if len(mats) == 2 else result
    index = [_nearest_index(i, o, s, mode == "nearest-exact") for i, o, s in zip(spatial, out, scales)]
    if len(index) == 2:
        index = [index[0][:, None], index[1][None, :]]
    key = (Ellipsis, *index)  # (mypy reads a starred subscript as 3.11-only syntax)
    return input[key]
