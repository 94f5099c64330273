"""PyTorch's indexing rules, planned as a numpy basic index followed by an optional advanced index.

numpy and PyTorch agree on basic indices (ints, positive-step slices, None, one Ellipsis) but part ways once
ints meet advanced indices (lists, integer or bool arrays): PyTorch applies every int first as a ``select``,
so ``x[0, :, [1, 2]]`` on shape ``(a, b, c)`` has shape ``(b, 2)`` in torch and ``(2, b)`` in numpy, where the
int joins the advanced indices.  :func:`plan_index` splits an index into ``basic`` (ints, slices, None: a view)
and ``advanced`` (only full slices and index arrays, where numpy's placement rule is torch's), so that
``x[basic][advanced]`` is what ``torch_x[index]`` gives.  :func:`index_grad` is the matching backward.

Inside an index an ``np.ndarray`` stands for a Tensor (callers swap Tensors for their arrays), so a 0-d
integer array selects like an int, a 0-d bool array acts like ``True``/``False``, uint8 arrays are masks.
Python lists and tuples nested in the index are converted as torch converts them (floats truncate towards
zero, bool lists are masks), and a top-level list shorter than 32 that holds a sequence, slice, None or
Ellipsis is read as a tuple.  Depends on numpy only.
"""
from __future__ import annotations

import operator
import warnings
from typing import Any

import numpy as np

from .devices import is_foreign_array
from .transfer import host

__all__ = ["plan_index", "index_grad"]

_INVALID = "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices (got {})"
_BAD_DTYPE = "tensors used as indices must be long, int, byte or bool tensors"
_SLICE_TYPE = "slice indices must be integers or None or have an __index__ method"
_ZERO_DIM = ("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ "
             "to convert a 0-dim tensor to a number")
_INDEX_DTYPES = (np.dtype(np.int64), np.dtype(np.int32))

# Kinds of converted index items.
_INT, _SLICE, _NONE, _ELLIPSIS, _BOOL, _ARRAY = range(6)


def plan_index(index, shape):
    """Split a PyTorch-semantics ``index`` into ``(basic, advanced)`` for an array of ``shape``.

    Returns ``basic``, a tuple of ints, positive-step slices, None and Ellipsis (``x[basic]`` is a view, never a scalar copy), and
    ``advanced``, None or a tuple of full slices and index arrays to apply to ``x[basic]``:
    ``x[basic][advanced]`` (``x[basic]`` when ``advanced`` is None) equals ``torch_x[index]`` in values and shape.

    Raises (as torch does): IndexError for an int or index array out of range, too many indices, a bool mask
    whose shape does not match the dims it covers, index arrays that do not broadcast, an index of an invalid
    type (float, object) or an array of a dtype other than int64/int32/uint8/bool; ValueError for a slice step
    below 1; TypeError for strings and non-integer slice bounds.
    """
    kind = type(index)
    if kind is tuple:
        basic = _basic(index, shape)
        if basic is not None:
            return basic, None
    elif kind is int or (kind is not bool and isinstance(index, (int, np.integer))):
        # torch's single-int path: its own 0-d message, and dimension 0 in the bounds message.
        if not shape:
            raise IndexError(_ZERO_DIM)
        n = shape[0]
        if not -n <= index < n:
            raise IndexError(f"index {index} is out of bounds for dimension 0 with size {n}")
        return ((int(index), Ellipsis) if len(shape) == 1 else (int(index),)), None
    elif kind is slice:
        if not shape:
            raise IndexError("slice() cannot be applied to a 0-dim tensor.")
        if _is_simple_slice(index):
            return (index,), None
    return _plan(_as_tuple(index), shape)


def index_grad(shape, plan, grad, xp=np):
    """Gradient of ``x[index]`` wrt ``x`` of ``shape``: zeros with ``grad`` added where ``plan`` reads.

    ``plan`` is :func:`plan_index`'s ``(basic, advanced)``; ``grad`` has the shape of the indexed result.
    Places read several times by the advanced part accumulate (``xp.add.at`` into the basic view).
    """
    basic, advanced = plan
    out = xp.zeros(shape, dtype=grad.dtype)
    if advanced is None:
        out[basic] = grad  # a basic index reads each place at most once: plain assignment suffices
    else:
        # An advanced part always leaves a slice or None in basic, so out[basic] is a view, never a scalar copy.
        xp.add.at(out[basic], advanced, grad)
    return out


def _is_simple_slice(s):
    """True for a slice of Python ints (or None) whose step is positive: numpy and torch agree on it."""
    step, start, stop = s.step, s.start, s.stop
    return ((step is None or (type(step) is int and step > 0)) and (start is None or type(start) is int)
            and (stop is None or type(stop) is int))


def _basic(index, shape):
    """Quick path: ``index`` as a basic index when it is in-range Python ints, simple slices, None and at most
    one Ellipsis; else None.

    Anything else (including every error case) returns None and goes to the full planner, which raises
    torch's errors in torch's order.
    """
    ndim = len(shape)
    dim = ints = 0
    ellipsis = False
    for item in index:
        kind = type(item)
        if kind is int:
            if dim >= ndim or not -shape[dim] <= item < shape[dim]:
                return None
            dim += 1
            ints += 1
        elif kind is slice:
            if dim >= ndim or not _is_simple_slice(item):
                return None
            dim += 1
        elif item is None:
            continue
        elif item is Ellipsis and not ellipsis:
            ellipsis = True
            # Every other item is an int, slice or None here, or we return None before using this count.
            specified = sum(1 for i in index if i is not None and i is not Ellipsis)
            if specified > ndim:
                return None
            dim += ndim - specified
        else:
            return None
    if ints == ndim == len(index):
        return index + (Ellipsis,)  # numpy gives a scalar copy for all-int indices; the Ellipsis keeps a 0-d view
    return index


def _as_tuple(index):
    """The index as a tuple of items, following torch's rule for top-level lists (numpy < 1.23's rule)."""
    if type(index) is tuple:
        return index
    if isinstance(index, list) and len(index) < 32:
        for item in index:
            if item is None or item is Ellipsis or isinstance(item, (np.ndarray, list, tuple, range, str, bytes, slice)):
                warnings.warn("Using a non-tuple sequence for multidimensional indexing is deprecated; use "
                              "x[tuple(seq)] instead of x[seq]", UserWarning, stacklevel=3)
                return tuple(index)
    return (index,)


def _type_name(obj):
    """The type's name as CPython's tp_name spells it (``object``, ``numpy.bool``)."""
    t = type(obj)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _slice_bound(v):
    """A slice's start/stop/step as a Python int or None (a 1-element integer array counts, as in torch)."""
    if v is None or type(v) is int:
        return v
    if isinstance(v, np.ndarray) and v.size == 1 and v.dtype.kind in "iu":
        return int(v.reshape(()))
    try:
        return operator.index(v)
    except TypeError:
        raise TypeError(_SLICE_TYPE) from None


def _slice(s):
    """``s`` with int bounds, checked: torch rejects a zero or negative step."""
    step = _slice_bound(s.step)
    if step is not None and step <= 0:
        raise ValueError("slice step cannot be zero" if step == 0 else "step must be greater than zero")
    return slice(_slice_bound(s.start), _slice_bound(s.stop), step)


def _tensor(arr):
    """Convert an array standing for a Tensor to (kind, value, dims it counts as)."""
    dt = arr.dtype
    is_mask = dt.kind == "b" or dt == np.uint8
    if arr.ndim == 0:
        if is_mask:
            return _BOOL, bool(arr), 0
        if dt.kind in "iu":  # any integer dtype selects when 0-d, even those torch refuses as index tensors
            return _INT, int(arr), 1
        raise IndexError(_BAD_DTYPE)
    if dt == np.uint8:
        warnings.warn("indexing with dtype uint8 is deprecated, please use a bool mask instead", UserWarning, stacklevel=4)
        arr = arr != 0  # numpy would read uint8 as positions
    elif not is_mask and dt not in _INDEX_DTYPES:
        raise IndexError(_BAD_DTYPE)
    return _ARRAY, arr, arr.ndim if is_mask else 1


def _sequence(seq):
    """A Python list/tuple index as torch builds it: bool mask if all bools, else int64 (floats truncated)."""
    try:
        arr = np.asarray(seq)
    except ValueError:
        raise ValueError(f"expected a rectangular nested sequence as an index, got {seq!r}") from None
    kind = arr.dtype.kind
    if kind == "b":
        return arr
    if kind in "iuf":  # includes the empty list, which numpy makes float64 and torch makes int64
        return arr.astype(np.int64, copy=False)
    if kind in "US":
        raise TypeError(f"new(): invalid data type '{'str' if kind == 'U' else 'bytes'}'")
    if kind == "c":
        raise TypeError("'complex' object cannot be interpreted as an integer")
    bad = next((v for v in arr.flat if not isinstance(v, (bool, int, float, np.number, np.bool_))), None)
    raise RuntimeError(f"Could not infer dtype of {type(bad).__name__}")


def _convert(item):
    """One index item as (kind, value, dims it counts as), in the order torch tests the types."""
    kind = type(item)
    if kind is int:
        return _INT, item, 1
    if kind is slice:
        return _SLICE, _slice(item), 1
    if item is Ellipsis:
        return _ELLIPSIS, None, 0
    if item is None:
        return _NONE, None, 0
    if kind is bool:
        return _BOOL, item, 0
    if isinstance(item, (int, np.integer)):
        return _INT, int(item), 1
    if isinstance(item, np.ndarray):
        return _tensor(item)
    if is_foreign_array(item):  # another library's index array: planned on the host, used in its library
        return _tensor(host(item))
    if isinstance(item, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{kind.__name__}'")
    if isinstance(item, (list, tuple, range)):
        # torch counts a nested sequence as one dim even when it becomes a multi-dim mask.
        return _ARRAY, _sequence(item), 1
    try:
        return _INT, operator.index(item), 1
    except TypeError:
        raise IndexError(_INVALID.format(_type_name(item))) from None


def _plan(items, shape):
    """The full planner: walk the items as torch's applySlicing does, then check the advanced indices."""
    ndim = len(shape)
    conv = [_convert(item) for item in items]
    specified = sum(c[2] for c in conv)
    too_many = f"too many indices for tensor of dimension {ndim}"
    if specified > ndim:
        raise IndexError(too_many)
    basic: list[Any] = []
    sizes: list[int] = []
    adv: list[tuple[int, Any, int]] = []  # sizes: shape of x[basic]; adv: (position in x[basic], array, dims covered)
    src = 0  # dims of x consumed so far
    for pos, (kind, value, _) in enumerate(conv):
        if kind is _ELLIPSIS:
            # Like torch, every Ellipsis skips ndim - specified dims; a second one overshoots unless nothing follows.
            k = ndim - specified
            take = max(0, min(k, ndim - src))
            basic.extend([slice(None)] * take)
            sizes.extend(shape[src:src + take])
            src += k
            continue
        cover = value.ndim if kind is _ARRAY and value.dtype.kind == "b" else int(kind in (_INT, _SLICE, _ARRAY))
        if src + cover > ndim:
            raise IndexError(too_many)
        if kind is _INT:
            n = shape[src]
            if not -n <= value < n:
                # torch names the item's position in the index as "dimension".
                raise IndexError(f"index {value} is out of bounds for dimension {pos} with size {n}")
            basic.append(value)
        elif kind is _SLICE:
            basic.append(value)
            sizes.append(len(range(*value.indices(shape[src]))))
        elif kind is _ARRAY:
            adv.append((len(sizes), value, cover))
            basic.extend([slice(None)] * cover)
            sizes.extend(shape[src:src + cover])
        else:  # None, or a bool scalar: torch unsqueezes, then indexes the new dim with [0] (True) or [] (False)
            basic.append(None)
            if kind is _BOOL:
                adv.append((len(sizes), np.zeros(int(value), dtype=np.intp), 1))
            sizes.append(1)
        src += cover
    while basic and basic[-1] == slice(None):  # trailing full slices add nothing
        basic.pop()
    if not adv:
        if len(basic) == ndim and all(type(b) is int for b in basic):
            basic.append(Ellipsis)  # keeps numpy from returning a scalar copy
        return tuple(basic), None
    sliced = sizes + list(shape[src:])
    adv = _check_advanced(adv, sliced)
    advanced, at = [], 0
    for start, arr, cover in adv:
        advanced.extend([slice(None)] * (start - at))
        advanced.append(arr)
        at = start + cover
    return tuple(basic), tuple(advanced)


def _check_advanced(adv, sliced):
    """torch's checks on the index arrays against ``x[basic]``'s shape: masks, broadcasting, bounds.

    Returns ``adv``, with out-of-range positions zeroed where torch accepts them because nothing is read.
    """
    shapes = []
    for start, arr, cover in adv:
        if arr.dtype.kind == "b":
            for j in range(cover):
                if arr.shape[j] != sliced[start + j]:
                    raise IndexError(f"The shape of the mask {list(arr.shape)} at index {j} does not match the shape "
                                     f"of the indexed tensor {sliced} at index {start + j}")
            shapes.extend([(int(np.count_nonzero(arr)),)] * cover)
        else:
            shapes.append(arr.shape)
    try:
        common = np.broadcast_shapes(*shapes)
    except ValueError:
        listed = ", ".join(str(list(s)) for s in shapes)
        raise IndexError(f"shape mismatch: indexing tensors could not be broadcast together with shapes {listed}") from None
    if 0 in common:
        return adv  # nothing is read, so torch (and numpy) never look at the positions
    covered = {start + j for start, _, cover in adv for j in range(cover)}
    empty = any(n == 0 for i, n in enumerate(sliced) if i not in covered)
    checked, ordinal = [], 0  # torch names an index array's rank among the index arrays (masks expanded) "dimension"
    for start, arr, cover in adv:
        if arr.dtype.kind != "b":
            n = sliced[start]
            if arr.min() < -n or arr.max() >= n:
                if n == 0:  # torch refuses these even when the result is empty
                    raise IndexError("index is out of bounds for dimension with size 0")
                if not empty:
                    bad = arr.flat[np.argmax((arr < -n) | (arr >= n))]
                    raise IndexError(f"index {bad} is out of bounds for dimension {ordinal} with size {n}")
                # An empty result reads nothing, so torch does not check; numpy would, so give it valid positions.
                arr = np.zeros_like(arr)
        checked.append((start, arr, cover))
        ordinal += cover
    return checked
