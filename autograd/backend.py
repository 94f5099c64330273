"""Array namespaces that backward rules compute with.

``namespace(grad)`` returns :data:`numpy_ns` when ``grad`` is an array (a plain backward pass) and
:data:`autograd.registry.graph_namespace` when it is a Tensor (``create_graph=True``): the registered
differentiable ops under their array-API names.  A rule that writes ``xp = namespace(grad); xp.cos(x)``
therefore runs in both modes without asking which.  Arrays of other libraries (``array_api_strict``, CuPy)
get their library's namespace, found with ``array-api-compat`` and wrapped with the same helpers
(:class:`autograd.array_api.ArrayApiNamespace`); numpy arrays keep the fast ``numpy_ns``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .array_api import ArrayApiNamespace
from .devices import to_numpy_dtype  # noqa: F401  (re-exported)
from .registry import graph_namespace
from .tensor import Tensor

__all__ = ["namespace", "numpy_ns", "sum_to", "index_add", "mask_factor", "array_namespace", "wrap_namespace",
           "to_numpy_dtype", "data_of"]


def sum_to(x, shape):
    """Sum array ``x`` down to ``shape`` (the inverse of numpy broadcasting)."""
    if x.shape == shape:
        return x
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1 and x.shape[i + lead] != 1)
    y = x.sum(axis=axes, keepdims=True)
    return y.reshape(shape) if lead else y


def index_add(shape, index, values):
    """A zero array of ``shape`` with ``values`` added at ``index`` (repeated indices accumulate)."""
    out = np.zeros(shape, dtype=values.dtype)
    if _is_basic_index(index):
        out[index] = values
    else:
        np.add.at(out, index, values)
    return out


def mask_factor(mask, dtype):
    """The bool array ``mask`` as a factor that multiplies a gradient of ``dtype``: numpy's bools multiply as they
    are, other libraries' are cast (the array API has no arithmetic on bools)."""
    return mask if type(mask) is np.ndarray else namespace(mask).astype(mask, dtype)


def _is_basic_index(index):
    """True for indices made of ints, slices, None and Ellipsis only (no repeats possible)."""
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, (int, slice, np.integer)) for i in items)


class _NumpyNamespace:
    """numpy as backward rules see it on arrays: every numpy function under its own name, plus the helpers
    numpy lacks (``sum_to``, ``index_add``, ``getitem``, ``astype``, ``piecewise_mul``) and a writable ``diagonal``."""

    xp = np  # the module wrapped, and its device, as ArrayApiNamespace has them
    device = None
    sum_to = staticmethod(sum_to)
    index_add = staticmethod(index_add)
    # Array-API names that numpy < 2 lacks.
    permute_dims = staticmethod(np.transpose)
    concat = staticmethod(np.concatenate)
    bitwise_invert = staticmethod(np.invert)
    astype = staticmethod(lambda x, dtype: x.astype(dtype, copy=False))

    @staticmethod
    def piecewise_mul(grad, factor, source):
        """``grad * factor`` for a ``factor`` piecewise constant in ``source`` (see ``autograd.ops.PiecewiseMul``)."""
        return grad * factor

    @staticmethod
    def diagonal(x, offset=0, axis1=0, axis2=1):
        """``np.diagonal``'s view, but writable when ``x`` is (numpy's is read-only), as PyTorch's diagonal."""
        view = np.diagonal(x, offset, axis1, axis2)
        if not (x.flags.writeable and view.size):
            return view
        start = [slice(None)] * x.ndim  # the first diagonal element becomes the data pointer
        start[axis1], start[axis2] = slice(max(-offset, 0), None), slice(max(offset, 0), None)
        return np.lib.stride_tricks.as_strided(x[tuple(start)], view.shape, view.strides)

    @staticmethod
    def getitem(x, index):
        """``x[index]``."""
        return x[index]

    @staticmethod
    def setitem(x, index, value):
        """``x[index] = value`` in place."""
        x[index] = value

    @staticmethod
    def kind(x):
        """The numpy kind character of ``x``'s dtype (``'f'``, ``'i'``, ``'b'``...)."""
        return x.dtype.kind

    @staticmethod
    def one_hot(index, shape, axis, dtype):
        """Zeros of ``shape`` with ones at ``index`` along ``axis`` (``index`` keeps that axis, of size 1)."""
        out = np.zeros(shape, dtype=dtype)
        np.put_along_axis(out, index, 1, axis=axis)
        return out

    def __getattr__(self, name):
        value = getattr(np, name)  # the rest is numpy's own (exp, where, matmul...); cached after the first use
        setattr(self, name, value)
        return value


numpy_ns = _NumpyNamespace()


def data_of(x):
    """The array a Tensor holds, in its own library (numpy's for numpy tensors: ``x.numpy()``, with no copy; a
    CuPy or array-API array otherwise); arrays pass through, other values through ``np.asarray``. For fused ops
    outside ``autograd`` (``nn.functional``) that compute on the tensor's namespace."""
    if isinstance(x, Tensor):
        return x._data
    return x if hasattr(x, "__array_namespace__") or type(x).__module__.split(".")[0] == "cupy" else np.asarray(x)

_ndarray = np.ndarray
_NUMPY_TYPES = (int, float, bool, complex)
_foreign: dict[Any, Any] = {}  # (array type, device) -> its wrapped namespace (one lookup per kind, then a dict hit)


def namespace(x):
    """The namespace a rule should use for ``x``: numpy's for numpy arrays and numbers, the registered ops for
    Tensors, and for any other array the wrapped array-API namespace of its library (:func:`array_namespace`)."""
    t = type(x)
    if t is _ndarray:
        return numpy_ns
    if isinstance(x, Tensor):
        return graph_namespace
    if t in _NUMPY_TYPES or isinstance(x, np.generic):
        return numpy_ns
    key = (t, getattr(x, "device", None))
    try:
        ns = _foreign.get(key)
    except TypeError:  # a library whose device objects are not hashable: looked up each time
        return array_namespace(x)
    return ns if ns is not None else _foreign_namespace(x, key)


def _foreign_namespace(x, key):
    """The wrapped namespace of a non-numpy array (found with ``array-api-compat``), cached by type and device."""
    if isinstance(x, np.ndarray):  # an ndarray subclass: numpy
        return numpy_ns
    ns = array_namespace(x)
    _foreign[key] = ns
    return ns


def array_namespace(x):
    """The :class:`ArrayApiNamespace` of array ``x`` (numpy's own fast one for numpy arrays).

    Raises:
        TypeError: ``x`` is no array of a library following the array API (nor one array-api-compat knows).
    """
    if isinstance(x, (np.ndarray, np.generic)):
        return numpy_ns
    try:
        import array_api_compat
    except ImportError:  # pragma: no cover - an install without the devices extra
        raise TypeError(f"{type(x).__name__} arrays need array-api-compat: pip install 'scratchgrad[devices]'") from None
    try:
        xp = array_api_compat.array_namespace(x)
    except TypeError:
        raise TypeError(f"expected an array of a library following the array API, got {type(x).__name__}") from None
    return wrap_namespace(xp, array_api_compat.device(x))


_wrapped: dict[Any, Any] = {}


def wrap_namespace(xp, device=None):
    """``xp`` (an array-API namespace module) as rules see it: an :class:`ArrayApiNamespace` making its arrays on
    ``device`` (the library's device object; None: its default), one per module and device.

    numpy itself (and array-api-compat's numpy) gives :data:`numpy_ns`.
    """
    if xp is np or xp is numpy_ns or getattr(xp, "__name__", "") in ("array_api_compat.numpy", "numpy"):
        return numpy_ns
    if isinstance(xp, ArrayApiNamespace):
        if device is None or device == xp.device:
            return xp
        xp = xp.xp
    try:
        key = (id(xp), device)
        ns = _wrapped.get(key)
    except TypeError:  # unhashable device objects: a new wrapper (equal devices still compare equal)
        return ArrayApiNamespace(xp, device)
    if ns is None:
        ns = _wrapped[key] = ArrayApiNamespace(xp, device)
    return ns
