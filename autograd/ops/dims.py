"""The ``dim`` and ``dtype`` arguments of reductions, scans and sorts: numpy's aliases, the dims a reduction
covers, and the dtype sums and products accumulate in.

One decorator, :func:`dim_aliases`, gives every op that takes ``dim`` the numpy spellings PyTorch's argument
parser accepts (``x.sum(axis=0)``, ``ag.cumsum(x, axis=1)``, ``x.amax(axis=(0, 1), keepdims=True)``).
"""
from __future__ import annotations

import functools
from typing import TYPE_CHECKING, cast

import numpy as np

from .shape import normalize_dims

if TYPE_CHECKING:
    from ..types import Fn

__all__ = ["dim_aliases", "reduce_dims", "single_dim", "accumulate_dtype"]

_ALIASES = (("axis", "dim"), ("keepdims", "keepdim"))


def dim_aliases(fn: Fn) -> Fn:
    """Let ``fn`` take ``axis=`` for ``dim=`` and ``keepdims=`` for ``keepdim=``.

    Passing both a name and its alias (``dim=0, axis=0``) is a TypeError naming the op.
    """
    name = fn.__name__

    @functools.wraps(fn)
    def op(*args, **kwargs):
        if kwargs and ("axis" in kwargs or "keepdims" in kwargs):
            for alias, canonical in _ALIASES:
                if alias in kwargs:
                    if canonical in kwargs:
                        raise TypeError(f"{name}(): got both '{canonical}' and its alias '{alias}'; pass one of them")
                    kwargs[canonical] = kwargs.pop(alias)
        return fn(*args, **kwargs)

    return cast("Fn", op)


def reduce_dims(dim, ndim, op):
    """``normalize_dims`` for reductions: on a 0-d tensor dim 0 (or -1) is valid, as in PyTorch, and reduces nothing."""
    dims = normalize_dims(dim, ndim, op)
    return () if ndim == 0 and dims is not None else dims


def single_dim(dim, ndim, op):
    """One dim (an int, negatives allowed) as an axis of a tensor of ``ndim`` dims; a 0-d tensor takes 0 or -1.

    Raises TypeError for a non-int (PyTorch's scans and sorts take one dim), IndexError when out of range.
    """
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{op}(): argument 'dim' must be int, not {type(dim).__name__}")
    return normalize_dims(dim, ndim, op)[0]


def accumulate_dtype(input, dtype):
    """``input`` cast as PyTorch's sum/prod/cumsum/cumprod cast it: to ``dtype`` when given, else bool and integer
    tensors to int64 (floating tensors stay as they are); the cast is differentiable between floating dtypes."""
    if dtype is None:
        if input.dtype.kind not in "biu" or input.dtype == np.int64:
            return input
        dtype = np.int64
    return input.to(dtype)
