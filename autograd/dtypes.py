"""PyTorch's type promotion (``torch.result_type``) over numpy arrays and Python numbers.

A low-level module: it imports numpy only, so tensor, function and the ops can all build on it. The default
float dtype is passed in by the caller (``creation.get_default_dtype()``) rather than read from a global here,
so this module owns no setting, only caches of what it has worked out.

Operands come in three priority classes, highest first: dimensioned arrays (``ndim >= 1``), 0-d arrays, and
numbers (Python ``bool``/``int``/``float``/``complex`` and numpy scalars, which torch treats as wrapped numbers).
Dtypes fall into the categories bool < integer < floating < complex. Within one class dtypes promote fully
(``promote_types``); across classes a lower class only matters when its category is higher, and then it decides
the dtype, except that a complex lower class keeps a floating higher class's precision
(float64 array + 0-d complex64 -> complex128), as torch's ``combine_categories`` does.
"""
from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["promote_for_division", "promote_types", "result_type", "to_numpy_dtype"]

_BOOL, _INT, _FLOAT, _COMPLEX = 0, 1, 2, 3
_CATEGORY = {np.dtype(name): cat for name, cat in [
    ("bool", _BOOL), ("uint8", _INT), ("int8", _INT), ("int16", _INT), ("int32", _INT), ("int64", _INT),
    ("uint16", _INT), ("uint32", _INT), ("uint64", _INT),
    ("float16", _FLOAT), ("float32", _FLOAT), ("float64", _FLOAT),
    ("complex64", _COMPLEX), ("complex128", _COMPLEX)]}
# torch has uint16/32/64 only as storage types: they promote with themselves and with floats, nothing else.
_LIMITED = {np.dtype("uint16"), np.dtype("uint32"), np.dtype("uint64")}
_INT64, _BOOL_DT = np.dtype("int64"), np.dtype("bool")
# numpy has no complex32 (torch's complex of float16), so float16 widens to complex64.
_TO_COMPLEX = {np.dtype("float16"): np.dtype("complex64"), np.dtype("float32"): np.dtype("complex64"),
               np.dtype("float64"): np.dtype("complex128")}


def _promote_pair(a, b):
    """torch.promote_types for two supported native dtypes, worked out from the categories."""
    ca, cb = _CATEGORY[a], _CATEGORY[b]
    if a == b:
        return a
    if (a in _LIMITED or b in _LIMITED) and max(ca, cb) < _FLOAT:
        raise RuntimeError(f"Promotion for uint16, uint32, uint64 types is not supported, "
                           f"attempted to promote {a} and {b}")
    if ca != cb and min(ca, cb) < _FLOAT:
        # torch: the higher category's dtype wins outright (int64 + float16 -> float16; numpy says float64)
        return a if ca > cb else b
    # same category, or floating with complex: numpy agrees with torch here
    return np.promote_types(a, b)


_PROMOTE = {}
for _a in _CATEGORY:
    for _b in _CATEGORY:
        try:
            _PROMOTE[_a, _b] = _promote_pair(_a, _b)
        except RuntimeError:
            pass  # left out of the table; promote_types reports it
del _a, _b


def _canonical(dtype, op):
    """The supported native-order dtype equal to ``dtype``, or TypeError naming ``op``."""
    if dtype in _CATEGORY:
        return dtype
    if isinstance(dtype, np.dtype) and not dtype.isnative and dtype.newbyteorder("=") in _CATEGORY:
        return dtype.newbyteorder("=")  # torch has no byte order; a big-endian float32 is a float32
    raise TypeError(f"{op}: unsupported dtype {dtype}; expected bool, (u)int8-64, float16/32/64 or complex64/128")


def promote_types(type1, type2):
    """The smallest dtype both dtypes convert to without losing category, as ``torch.promote_types``.

    Unlike ``np.promote_types``, an integer with a float gives the float (int64 + float16 -> float16).
    Raises RuntimeError for uint16/32/64 with bool or another integer (torch refuses those too).
    """
    return _promote(_canonical(np.dtype(type1), "promote_types"), _canonical(np.dtype(type2), "promote_types"))


def _promote(a, b):
    out = _PROMOTE.get((a, b))
    return out if out is not None else _promote_pair(a, b)  # only the refused uint16/32/64 pairs get here


_DEFAULTS: dict[Any, np.dtype[Any]] = {}  # default_float argument (type, dtype or name) -> np.dtype, so np.dtype() stays off the hot path


def _float_dtype(default_float):
    dtype = _DEFAULTS.get(default_float)
    if dtype is None:
        dtype = np.dtype(default_float)
        if dtype not in _TO_COMPLEX:
            raise TypeError(f"result_type: default_float must be float16, float32 or float64, got {dtype}")
        _DEFAULTS[default_float] = dtype
    return dtype


def _number_dtype(x, default_float):
    """The dtype torch gives a wrapped number: bool, int64, the default float or its complex."""
    # bool before int: True is an int too. np.bool_ counts as a bool (torch 2.13 takes it for a float).
    if isinstance(x, (bool, np.bool_)):
        return _BOOL_DT
    if isinstance(x, (int, np.integer)):
        return _INT64
    if isinstance(x, (float, np.floating)):
        return _float_dtype(default_float)
    if isinstance(x, (complex, np.complexfloating)):
        return _TO_COMPLEX[_float_dtype(default_float)]
    raise TypeError(f"result_type: expected numpy arrays or numbers, got {type(x).__name__}")


def _combine(higher, lower):
    """Torch's combine_categories: a lower priority class decides only when its category is higher."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    ch, cl = _CATEGORY[higher], _CATEGORY[lower]
    if cl <= ch:
        return higher
    if cl == _COMPLEX and ch == _FLOAT:
        return _TO_COMPLEX[higher]  # keeps the array's precision: float64 + 0-d complex64 -> complex128
    return lower


def _general(operands, default_float):
    dim = zero = number = None
    for x in operands:
        if isinstance(x, np.ndarray) or (hasattr(x, "shape") and hasattr(x, "dtype") and not isinstance(x, np.generic)):
            # a numpy array, or another library's (its dtype read as numpy's)
            dtype = _canonical(x.dtype if isinstance(x, np.ndarray) else to_numpy_dtype(x.dtype), "result_type")
            if x.ndim:
                dim = dtype if dim is None else _promote(dim, dtype)
            else:
                zero = dtype if zero is None else _promote(zero, dtype)
        else:
            dtype = _number_dtype(x, default_float)
            number = dtype if number is None else _promote(number, dtype)
    if dim is None and zero is None and number is None:
        raise TypeError("result_type: expected at least one operand")
    return _combine(dim, _combine(zero, number))


# Result of (array of dtype d) op (Python float): d when it is floating or complex, else the default float.
_DEFAULT = object()
_WITH_FLOAT: dict[np.dtype[Any], Any] = {d: (d if c >= _FLOAT else _DEFAULT) for d, c in _CATEGORY.items()}
_WITH_INT = {d: (d if c >= _INT else _INT64) for d, c in _CATEGORY.items()}
_SAME = {d: d for d in _CATEGORY}
_PAIRS: dict[tuple[Any, ...], np.dtype[Any]] = {}  # (dtype, dtype, is 0-d, is 0-d) -> result, filled on first use; at most 14 * 14 * 4 entries
_ndarray = np.ndarray


def result_type(*operands, default_float=np.float32):
    """The dtype ``torch.result_type`` (and so a binary op) gives these operands.

    Args:
        operands: numpy arrays (``ndim >= 1`` outrank 0-d ones) and numbers (Python or numpy scalars).
        default_float: the dtype of Python floats, normally ``autograd.get_default_dtype()``.
    Returns:
        a numpy dtype. Python ints give int64, bools bool, complex numbers the default float's complex.
    Raises:
        TypeError for other operands or dtypes (object, str, longdouble...); RuntimeError for
        uint16/32/64 mixed with another integer, as torch.
    """
    # Hot paths for binary ops on the engine's own arrays: an ndarray's dtype is numpy's cached singleton, so
    # `is` and one dict lookup settle float32 + float32 and float32 + 2.5; other array pairs are cached by
    # (dtypes, which are 0-d). Only exact ndarray/float/int types qualify: np.float64 scalars, bools and
    # subclasses take the general path.
    if len(operands) == 2:
        a, b = operands
        if type(a) is _ndarray:
            da = a.dtype
            if type(b) is _ndarray:
                db = b.dtype
                if da is db:
                    out = _SAME.get(da)
                    if out is not None:
                        return out
                key = (da, db, a.ndim == 0, b.ndim == 0)
                out = _PAIRS.get(key)
                if out is None:
                    out = _PAIRS[key] = _general(operands, default_float)  # raises before storing a bad pair
                return out
            if type(b) is float:
                out = _WITH_FLOAT.get(da)
                if out is not None:
                    return out if out is not _DEFAULT else _float_dtype(default_float)
            elif type(b) is int:
                out = _WITH_INT.get(da)
                if out is not None:
                    return out
        elif type(b) is _ndarray:
            if type(a) is float:
                out = _WITH_FLOAT.get(b.dtype)
                if out is not None:
                    return out if out is not _DEFAULT else _float_dtype(default_float)
            elif type(a) is int:
                out = _WITH_INT.get(b.dtype)
                if out is not None:
                    return out
    return _general(operands, default_float)


def promote_for_division(dtype, default_float=np.float32):
    """The dtype of true division and float functions (exp, sqrt, sigmoid...) of ``dtype``.

    Bool and integer dtypes give ``default_float`` (int64 / int64 -> float32), as in torch; floating and
    complex dtypes are kept. Apply it to ``result_type(...)`` of the operands.
    """
    dtype = _canonical(np.dtype(dtype), "promote_for_division")
    return dtype if _CATEGORY[dtype] >= _FLOAT else _float_dtype(default_float)


_DTYPE_NAMES = frozenset(("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                          "float16", "float32", "float64", "complex64", "complex128"))


def to_numpy_dtype(dtype):
    """The numpy dtype of any library's dtype (``array_api_strict.float32`` -> ``np.float32``)."""
    if isinstance(dtype, np.dtype):
        return dtype
    name = str(dtype).rsplit(".", 1)[-1]  # 'array_api_strict.float32', 'torch.float32'
    if name in _DTYPE_NAMES:
        return np.dtype(name)
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"no numpy dtype for {dtype!r}") from None
