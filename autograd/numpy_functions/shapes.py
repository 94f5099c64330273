"""numpy's shape functions on Tensors (reshape, squeeze, transpose, broadcast_to, flip, pad...), joining
(concatenate, stack, vstack, hstack) and splitting (split, array_split, numpy's index semantics)."""
from itertools import pairwise

import numpy as np

from .base import autograd_function, check_order, implements, permutation, standin, tensor_of, unsupported_argument


def _reshaped(a, fn, *args):
    """``a`` reshaped (differentiably) to the shape numpy's ``fn`` gives an array of its shape."""
    a = tensor_of(a)
    shape = fn(standin(a.shape), *args).shape
    return a if shape == a.shape else a.reshape(shape)


@implements(np.reshape)
def _reshape(a, shape=None, order="C", *, newshape=None, copy=None):
    unsupported_argument("numpy.reshape", copy=copy)
    check_order("numpy.reshape", order, "C")
    return _reshaped(a, np.reshape, newshape if shape is None else shape)


@implements(np.ravel)
def _ravel(a, order="C"):
    check_order("numpy.ravel", order, "C")
    return tensor_of(a).reshape(-1)


@implements(np.squeeze)
def _squeeze(a, axis=None):
    return _reshaped(a, np.squeeze, axis)  # numpy raises for an axis whose size is not 1 (PyTorch ignores it)


@implements(np.expand_dims)
def _expand_dims(a, axis):
    return _reshaped(a, np.expand_dims, axis)


def _atleast(fn):
    def impl(*arys):
        out = [_reshaped(a, fn) for a in arys]
        return out[0] if len(out) == 1 else tuple(out)

    impl.__name__ = impl.__qualname__ = fn.__name__
    impl.__doc__ = f"numpy.{fn.__name__} on Tensors (a reshape)."
    return impl


for _fn in (np.atleast_1d, np.atleast_2d, np.atleast_3d):
    implements(_fn)(_atleast(_fn))


@implements(np.transpose, getattr(np, "permute_dims", None))
def _transpose(a, axes=None):
    a = tensor_of(a)
    return a.permute(*permutation(np.transpose, a.ndim, axes))


@implements(np.swapaxes)
def _swapaxes(a, axis1, axis2):
    a = tensor_of(a)
    return a.permute(*permutation(np.swapaxes, a.ndim, axis1, axis2))


@implements(np.moveaxis)
def _moveaxis(a, source, destination):
    a = tensor_of(a)
    return a.permute(*permutation(np.moveaxis, a.ndim, source, destination))


@implements(np.broadcast_to)
def _broadcast_to(array, shape, subok=False):
    array = tensor_of(array)
    return array.broadcast_to(np.broadcast_to(standin(array.shape), shape).shape)


@implements(np.broadcast_arrays)
def _broadcast_arrays(*args, subok=False):
    tensors = [tensor_of(a) for a in args]
    shape = np.broadcast_shapes(*(t.shape for t in tensors))
    return tuple(t.broadcast_to(shape) for t in tensors)


@implements(np.flip)
def _flip(m, axis=None):
    m = tensor_of(m)
    dims = tuple(range(m.ndim)) if axis is None else (axis,) if isinstance(axis, int) else tuple(axis)
    return autograd_function("flip", "numpy.flip")(m, dims)


@implements(np.roll)
def _roll(a, shift, axis=None):
    return autograd_function("roll", "numpy.roll")(tensor_of(a), shift, axis)


@implements(np.tile)
def _tile(A, reps):
    return autograd_function("tile", "numpy.tile")(tensor_of(A), (reps,) if isinstance(reps, int) else tuple(reps))


@implements(np.repeat)
def _repeat(a, repeats, axis=None):
    return autograd_function("repeat_interleave", "numpy.repeat")(tensor_of(a), repeats, axis)


def _triangle(name):
    def impl(m, k=0):
        return autograd_function(name, f"numpy.{name}")(tensor_of(m), k)

    impl.__name__ = impl.__qualname__ = name
    impl.__doc__ = f"numpy.{name} on Tensors: autograd.{name} (k is PyTorch's diagonal)."
    return impl


implements(np.tril)(_triangle("tril"))
implements(np.triu)(_triangle("triu"))


@implements(np.pad)
def _pad(array, pad_width, mode="constant", **kwargs):
    """numpy's ``pad_width`` (per axis, first axis first) as PyTorch's flat pad (last dim first)."""
    unsupported_argument("numpy.pad", mode=None if mode == "constant" else mode,
                         **{k: v for k, v in kwargs.items() if k != "constant_values"})
    value = kwargs.get("constant_values", 0)
    if np.ndim(value) != 0:
        raise TypeError("numpy.pad on Tensors: constant_values must be one number (autograd.pad pads with one value)")
    array = tensor_of(array)
    widths = np.asarray(pad_width)
    if widths.dtype.kind not in "iu":
        raise TypeError("`pad_width` must be of integral type.")
    if (widths < 0).any():
        raise ValueError("index can't contain negative values")
    widths = np.broadcast_to(widths, (array.ndim, 2))
    flat = tuple(int(w) for pair in widths[::-1] for w in pair)
    return autograd_function("pad", "numpy.pad")(array, flat, value=value)


# -- joining and splitting ----------------------------------------------------------------------------------------

def _joined(label, arrays, out, dtype, casting):
    """The Tensors to join, after refusing numpy's ``out``, ``dtype`` and non-default ``casting``."""
    unsupported_argument(label, out=out, dtype=dtype, casting=None if casting == "same_kind" else casting)
    return [tensor_of(a) for a in arrays]


@implements(np.concatenate, getattr(np, "concat", None))
def _concatenate(arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    tensors = _joined("numpy.concatenate", arrays, out, dtype, casting)
    if axis is None:  # numpy flattens first
        tensors, axis = [t.reshape(-1) for t in tensors], 0
    return autograd_function("cat", "numpy.concatenate")(tensors, dim=axis)


@implements(np.stack)
def _stack(arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    return autograd_function("stack", "numpy.stack")(_joined("numpy.stack", arrays, out, dtype, casting), dim=axis)


@implements(np.vstack)
def _vstack(tup, *, dtype=None, casting="same_kind"):
    tensors = [_reshaped(t, np.atleast_2d) for t in _joined("numpy.vstack", tup, None, dtype, casting)]
    return autograd_function("cat", "numpy.vstack")(tensors, dim=0)


@implements(np.hstack)
def _hstack(tup, *, dtype=None, casting="same_kind"):
    tensors = [_reshaped(t, np.atleast_1d) for t in _joined("numpy.hstack", tup, None, dtype, casting)]
    return autograd_function("cat", "numpy.hstack")(tensors, dim=0 if tensors and tensors[0].ndim == 1 else 1)


def _split_at(ary, bounds, axis):
    """Slices of ``ary`` between consecutive ``bounds`` along ``axis`` (Python's slice rules, as numpy's)."""
    lead = (slice(None),) * (axis % max(ary.ndim, 1))
    return [ary[lead + (slice(start, stop),)] for start, stop in pairwise(bounds)]


@implements(np.split)
def _split(ary, indices_or_sections, axis=0):
    ary = tensor_of(ary)
    n = ary.shape[axis]
    if np.ndim(indices_or_sections) == 0:
        sections = int(indices_or_sections)
        if sections <= 0 or n % sections:
            raise ValueError("array split does not result in an equal division")
        return _split_at(ary, [i * (n // sections) for i in range(sections + 1)], axis)
    return _split_at(ary, [0, *indices_or_sections, n], axis)


@implements(np.array_split)
def _array_split(ary, indices_or_sections, axis=0):
    ary = tensor_of(ary)
    n = ary.shape[axis]
    if np.ndim(indices_or_sections) != 0:
        return _split_at(ary, [0, *indices_or_sections, n], axis)
    sections = int(indices_or_sections)
    if sections <= 0:
        raise ValueError("number sections must be larger than 0.")
    each, extras = divmod(n, sections)  # the first `extras` pieces are one longer, as numpy's
    return _split_at(ary, [i * each + min(i, extras) for i in range(sections + 1)], axis)
