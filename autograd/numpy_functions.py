"""numpy functions on Tensors (``__array_function__``): each runs the differentiable autograd function, with
numpy's arguments translated (``axis`` -> ``dim``, ``keepdims`` -> ``keepdim``, ``ddof`` -> ``correction``) and
numpy's semantics kept where PyTorch's differ (``np.std`` is the population std, ``np.squeeze`` of a dim that is
not 1 raises, ``np.split`` takes indices).

:data:`IMPLEMENTATIONS` maps a numpy function to its implementation here; :func:`autograd.interop.array_function`
dispatches through it and raises TypeError for a numpy function that is not in it. An argument of numpy's with no
autograd equivalent (``out=``, ``where=``, ``order='F'``...) raises TypeError rather than being ignored. The
functions that target an op this version lacks (``cumsum``, ``sort``...) raise TypeError naming it.

Shapes and axes are worked out by numpy itself on a zero-memory stand-in array of the same shape
(:func:`_standin`), so that numpy's own rules and errors apply, and the Tensor is then reshaped or permuted
(differentiably) to match.
"""
from itertools import pairwise

import numpy as np

from . import registry
from .tensor import Tensor

__all__ = ["IMPLEMENTATIONS", "implements", "autograd_function", "unsupported_argument", "array_operand"]

IMPLEMENTATIONS = {}  # numpy function -> implementation on Tensors

_ARGUMENT_HINTS = {
    "out": "assign the result instead (or copy it into a Tensor with .copy_())",
    "dtype": "cast with .to(dtype) first",
    "where": "select with autograd.where instead",
}


def implements(*funcs):
    """Register the decorated function as the Tensor implementation of numpy's ``funcs`` (None entries, names
    this numpy lacks, are skipped)."""
    def decorate(impl):
        for f in funcs:
            if f is not None:
                IMPLEMENTATIONS[f] = impl
        return impl

    return decorate


def autograd_function(name, wanted_by):
    """The registered autograd function ``name``.

    Raises:
        TypeError: this version of autograd has no such function (the message names ``wanted_by``, numpy's name).
    """
    fn = registry.functions.get(name) or registry.internal.get(name)
    if fn is None:
        raise TypeError(f"{wanted_by} on Tensors needs autograd.{name}, which this version of autograd does not "
                        "have; call it on t.detach().numpy() to leave the graph on purpose")
    return fn


def unsupported_argument(label, /, **given):
    """Raise TypeError for the first of ``given`` (keyword -> value) that is not None: an argument of numpy's
    ``label`` function that the autograd function has no equivalent for (never accepted and ignored)."""
    for key, value in given.items():
        if value is not None:
            hint = _ARGUMENT_HINTS.get(key, "autograd has no equivalent")
            raise TypeError(f"{label} on Tensors: the argument {key}={value!r} is not supported; {hint}")


def array_operand(x, takes_arrays=False):
    """An operand for an autograd op: lists and tuples become arrays, as numpy would make them, and arrays become
    (constant) Tensors unless the op ``takes_arrays``; numbers stay numbers (so that they never widen a dtype)."""
    if isinstance(x, (list, tuple)):
        x = np.asarray(x)
    return Tensor._make(x) if type(x) is np.ndarray and not takes_arrays else x


def _tensor(x):
    """``x`` as a Tensor: Tensors as they are, anything else as numpy would make it an array (shared when it is one)."""
    return x if isinstance(x, Tensor) else Tensor._make(np.asarray(x))


def _standin(shape):
    """A read-only bool array of ``shape`` that takes no memory, for numpy to compute shapes and check axes on."""
    return np.broadcast_to(np.empty((), dtype=bool), shape)


def _permutation(fn, ndim, *args):
    """The axis permutation numpy's ``fn(array, *args)`` applies to an array of ``ndim`` dims."""
    return tuple(int(s) - 2 for s in fn(_standin(tuple(range(2, ndim + 2))), *args).shape)


def _no_where(where):
    """``where=True`` is numpy's default (every element); any other mask is unsupported."""
    return None if where is True else where


def _order(where, order, default):
    """Accept only numpy's default memory order (the result's values do not depend on it)."""
    unsupported_argument(where, order=None if order == default else order)


# -- reductions -------------------------------------------------------------------------------------------------

def _reduce(name, where, a, axis=None, keepdims=False, dtype=None, **extra):
    a = _tensor(a)
    if dtype is not None:
        a = a.to(np.dtype(dtype))
    if axis is not None:
        extra["dim"] = tuple(axis) if isinstance(axis, list) else axis
    if keepdims:
        extra["keepdim"] = True
    return autograd_function(name, where)(a, **extra)


@implements(np.sum)
def _sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=True):
    unsupported_argument("numpy.sum", out=out, initial=initial, where=_no_where(where))
    return _reduce("sum", "numpy.sum", a, axis, keepdims, dtype)


@implements(np.prod)
def _prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=True):
    unsupported_argument("numpy.prod", out=out, initial=initial, where=_no_where(where))
    return _reduce("prod", "numpy.prod", a, axis, keepdims, dtype)


@implements(np.mean)
def _mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=True):
    unsupported_argument("numpy.mean", out=out, where=_no_where(where))
    return _reduce("mean", "numpy.mean", a, axis, keepdims, dtype)


def _spread(name):
    """np.var / np.std: numpy's ``ddof`` (default 0, the population statistic) is PyTorch's ``correction``."""
    label = f"numpy.{name}"

    def impl(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True, mean=None, correction=None):
        unsupported_argument(label, out=out, where=_no_where(where), mean=mean)
        if correction is not None and ddof != 0:
            raise ValueError("ddof and correction can't be provided simultaneously.")
        return _reduce(name, label, a, axis, keepdims, dtype, correction=ddof if correction is None else correction)

    impl.__name__ = impl.__qualname__ = name
    impl.__doc__ = f"{label} on Tensors: autograd.{name} with correction=ddof."
    return impl


implements(np.var)(_spread("var"))
implements(np.std)(_spread("std"))


def _extreme(name, numpy_name):
    label = f"numpy.{numpy_name}"

    def impl(a, axis=None, out=None, keepdims=False, initial=None, where=True):
        unsupported_argument(label, out=out, initial=initial, where=_no_where(where))
        return _reduce(name, label, a, axis, keepdims)

    impl.__name__ = impl.__qualname__ = numpy_name
    impl.__doc__ = f"{label} on Tensors: autograd.{name}."
    return impl


implements(np.max, np.amax)(_extreme("amax", "max"))
implements(np.min, np.amin)(_extreme("amin", "min"))


def _logical(name):
    def impl(a, axis=None, out=None, keepdims=False, *, where=True):
        unsupported_argument(f"numpy.{name}", out=out, where=_no_where(where))
        return _reduce(name, f"numpy.{name}", a, axis, keepdims)

    impl.__name__ = impl.__qualname__ = name
    impl.__doc__ = f"numpy.{name} on Tensors: autograd.{name}."
    return impl


implements(np.all)(_logical("all"))
implements(np.any)(_logical("any"))


def _arg(name):
    def impl(a, axis=None, out=None, *, keepdims=False):
        unsupported_argument(f"numpy.{name}", out=out)
        return _reduce(name, f"numpy.{name}", a, axis, keepdims)

    impl.__name__ = impl.__qualname__ = name
    impl.__doc__ = f"numpy.{name} on Tensors: autograd.{name} (flat index for axis=None)."
    return impl


implements(np.argmax)(_arg("argmax"))
implements(np.argmin)(_arg("argmin"))


def _scan(name):
    def impl(a, axis=None, dtype=None, out=None):
        unsupported_argument(f"numpy.{name}", out=out)
        a = _tensor(a)
        if dtype is not None:
            a = a.to(np.dtype(dtype))
        if axis is None:  # numpy scans the flattened array
            a, axis = a.reshape(-1), 0
        return autograd_function(name, f"numpy.{name}")(a, dim=axis)

    impl.__name__ = impl.__qualname__ = name
    impl.__doc__ = f"numpy.{name} on Tensors: autograd.{name} (over the flattened tensor for axis=None)."
    return impl


implements(np.cumsum)(_scan("cumsum"))
implements(np.cumprod)(_scan("cumprod"))


def _sorting(name):
    def impl(a, axis=-1, kind=None, order=None, *, stable=None):
        unsupported_argument(f"numpy.{name}", kind=kind, order=order, stable=stable)
        a = _tensor(a)
        if axis is None:
            a, axis = a.reshape(-1), 0
        out = autograd_function(name, f"numpy.{name}")(a, dim=axis)
        return out[0] if name == "sort" else out  # torch.sort returns (values, indices)

    impl.__name__ = impl.__qualname__ = name
    impl.__doc__ = f"numpy.{name} on Tensors: autograd.{name} (over the flattened tensor for axis=None)."
    return impl


implements(np.sort)(_sorting("sort"))
implements(np.argsort)(_sorting("argsort"))


# -- shapes -----------------------------------------------------------------------------------------------------

def _reshaped(a, fn, *args):
    """``a`` reshaped (differentiably) to the shape numpy's ``fn`` gives an array of its shape."""
    a = _tensor(a)
    shape = fn(_standin(a.shape), *args).shape
    return a if shape == a.shape else a.reshape(shape)


@implements(np.reshape)
def _reshape(a, shape=None, order="C", *, newshape=None, copy=None):
    unsupported_argument("numpy.reshape", copy=copy)
    _order("numpy.reshape", order, "C")
    return _reshaped(a, np.reshape, newshape if shape is None else shape)


@implements(np.ravel)
def _ravel(a, order="C"):
    _order("numpy.ravel", order, "C")
    return _tensor(a).reshape(-1)


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
    a = _tensor(a)
    return a.permute(*_permutation(np.transpose, a.ndim, axes))


@implements(np.swapaxes)
def _swapaxes(a, axis1, axis2):
    a = _tensor(a)
    return a.permute(*_permutation(np.swapaxes, a.ndim, axis1, axis2))


@implements(np.moveaxis)
def _moveaxis(a, source, destination):
    a = _tensor(a)
    return a.permute(*_permutation(np.moveaxis, a.ndim, source, destination))


@implements(np.broadcast_to)
def _broadcast_to(array, shape, subok=False):
    array = _tensor(array)
    return array.broadcast_to(np.broadcast_to(_standin(array.shape), shape).shape)


@implements(np.broadcast_arrays)
def _broadcast_arrays(*args, subok=False):
    tensors = [_tensor(a) for a in args]
    shape = np.broadcast_shapes(*(t.shape for t in tensors))
    return tuple(t.broadcast_to(shape) for t in tensors)


@implements(np.flip)
def _flip(m, axis=None):
    m = _tensor(m)
    dims = tuple(range(m.ndim)) if axis is None else (axis,) if isinstance(axis, int) else tuple(axis)
    return autograd_function("flip", "numpy.flip")(m, dims)


@implements(np.roll)
def _roll(a, shift, axis=None):
    return autograd_function("roll", "numpy.roll")(_tensor(a), shift, axis)


@implements(np.tile)
def _tile(A, reps):
    return autograd_function("tile", "numpy.tile")(_tensor(A), (reps,) if isinstance(reps, int) else tuple(reps))


@implements(np.repeat)
def _repeat(a, repeats, axis=None):
    return autograd_function("repeat_interleave", "numpy.repeat")(_tensor(a), repeats, axis)


def _triangle(name):
    def impl(m, k=0):
        return autograd_function(name, f"numpy.{name}")(_tensor(m), k)

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
    array = _tensor(array)
    widths = np.asarray(pad_width)
    if widths.dtype.kind not in "iu":
        raise TypeError("`pad_width` must be of integral type.")
    if (widths < 0).any():
        raise ValueError("index can't contain negative values")
    widths = np.broadcast_to(widths, (array.ndim, 2))
    flat = tuple(int(w) for pair in widths[::-1] for w in pair)
    return autograd_function("pad", "numpy.pad")(array, flat, value=value)


# -- joining and splitting ----------------------------------------------------------------------------------------

def _joined(where, arrays, out, dtype, casting):
    unsupported_argument(where, out=out, dtype=dtype, casting=None if casting == "same_kind" else casting)
    return [_tensor(a) for a in arrays]


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
    ary = _tensor(ary)
    n = ary.shape[axis]
    if np.ndim(indices_or_sections) == 0:
        sections = int(indices_or_sections)
        if sections <= 0 or n % sections:
            raise ValueError("array split does not result in an equal division")
        return _split_at(ary, [i * (n // sections) for i in range(sections + 1)], axis)
    return _split_at(ary, [0, *indices_or_sections, n], axis)


@implements(np.array_split)
def _array_split(ary, indices_or_sections, axis=0):
    ary = _tensor(ary)
    n = ary.shape[axis]
    if np.ndim(indices_or_sections) != 0:
        return _split_at(ary, [0, *indices_or_sections, n], axis)
    sections = int(indices_or_sections)
    if sections <= 0:
        raise ValueError("number sections must be larger than 0.")
    each, extras = divmod(n, sections)  # the first `extras` pieces are one longer, as numpy's
    return _split_at(ary, [i * each + min(i, extras) for i in range(sections + 1)], axis)


# -- elementwise and products --------------------------------------------------------------------------------------

@implements(np.where)
def _where(condition, x=None, y=None):
    if x is None and y is None:
        return _nonzero(condition)
    if x is None or y is None:
        raise ValueError("either both or neither of x and y should be given")
    return autograd_function("where", "numpy.where")(*map(array_operand, (condition, x, y)))


@implements(np.clip)
def _clip(a, a_min=None, a_max=None, out=None, *, min=None, max=None, **kwargs):  # noqa: A002  (numpy's names)
    unsupported_argument("numpy.clip", out=out, **kwargs)
    if (a_min is not None and min is not None) or (a_max is not None and max is not None):
        raise ValueError("Passed more than one argument for a bound: a_min and min, or a_max and max")
    low = a_min if min is None else min
    high = a_max if max is None else max
    return autograd_function("clamp", "numpy.clip")(_tensor(a), low, high)


@implements(np.round, np.around)
def _round(a, decimals=0, out=None):
    unsupported_argument("numpy.round", out=out)
    fn = autograd_function("round", "numpy.round")
    return fn(_tensor(a), decimals=decimals) if decimals else fn(_tensor(a))


@implements(np.dot)
def _dot(a, b, out=None):
    unsupported_argument("numpy.dot", out=out)
    a, b = _tensor(a), _tensor(b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if b.ndim > 2:  # numpy then sums over b's second-to-last axis, which matmul does not
        raise TypeError(f"numpy.dot on Tensors of shapes {a.shape} and {b.shape}: only a second operand of at most 2 "
                        "dims is supported (then it is autograd.matmul); use autograd.einsum for the rest")
    return autograd_function("matmul", "numpy.dot")(a, b)


@implements(np.outer)
def _outer(a, b, out=None):
    unsupported_argument("numpy.outer", out=out)
    return autograd_function("outer", "numpy.outer")(_tensor(a).reshape(-1), _tensor(b).reshape(-1))


@implements(np.einsum)
def _einsum(*operands, out=None, optimize=False, **kwargs):
    unsupported_argument("numpy.einsum", out=out, optimize=optimize or None, **kwargs)
    if not operands or not isinstance(operands[0], str):
        raise TypeError("numpy.einsum on Tensors: only the subscripts-string form is supported")
    return autograd_function("einsum", "numpy.einsum")(operands[0], *map(_tensor, operands[1:]))


@implements(np.copy)
def _copy(a, order="K", subok=False):
    _order("numpy.copy", order, "K")
    return _tensor(a).clone()


def _like(fn, fill):
    """np.zeros_like and friends: a new Tensor (a constant, as PyTorch's ``*_like``); ``fill``: np.full_like's value."""
    label = f"numpy.{fn.__name__}"

    def make(a, args, dtype, order, shape, device):
        unsupported_argument(label, shape=shape, device=None if device in (None, "cpu") else device)
        _order(label, order, "K")
        return Tensor._make(fn(_tensor(a)._data, *args, dtype=dtype))

    if fill:
        def impl(a, fill_value, dtype=None, order="K", subok=True, shape=None, *, device=None):
            return make(a, (fill_value,), dtype, order, shape, device)
    else:
        def impl(a, dtype=None, order="K", subok=True, shape=None, *, device=None):
            return make(a, (), dtype, order, shape, device)

    impl.__name__ = impl.__qualname__ = fn.__name__
    impl.__doc__ = f"{label} on Tensors: a new Tensor (a constant, as PyTorch's *_like)."
    return impl


for _fn in (np.zeros_like, np.ones_like, np.empty_like):
    implements(_fn)(_like(_fn, fill=False))
implements(np.full_like)(_like(np.full_like, fill=True))


# -- questions about arrays (results that carry no gradient) -------------------------------------------------------

def _on_arrays(fn):
    """numpy's ``fn`` on the arrays of Tensor arguments: for results that cannot carry a gradient (shapes, bools,
    indices); an array result comes back as a Tensor."""
    def impl(*args, **kwargs):
        out = fn(*(a._data if isinstance(a, Tensor) else a for a in args), **kwargs)
        if isinstance(out, tuple):
            return tuple(Tensor._make(o) if isinstance(o, np.ndarray) else o for o in out)
        return Tensor._make(out) if isinstance(out, np.ndarray) else out

    impl.__name__ = impl.__qualname__ = fn.__name__
    impl.__doc__ = f"numpy.{fn.__name__} on the Tensors' arrays (its result carries no gradient)."
    return impl


for _fn in (np.shape, np.ndim, np.size, np.isclose, np.allclose, np.array_equal, np.array_equiv, np.count_nonzero,
            np.nonzero, np.argwhere, np.flatnonzero, np.shares_memory, np.may_share_memory, np.result_type,
            np.iscomplexobj, np.isrealobj):
    implements(_fn)(_on_arrays(_fn))

_nonzero = IMPLEMENTATIONS[np.nonzero]
