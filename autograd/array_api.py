"""The array-API namespace of a library other than numpy, as op bodies and backward rules see it.

:class:`ArrayApiNamespace` wraps a namespace module (``array_api_strict``, CuPy through ``array-api-compat``...)
with the helpers :data:`autograd.backend.numpy_ns` has (``sum_to``, ``index_add``, ``getitem``, ``astype``,
``piecewise_mul``) written with array-API functions only, numpy's names for the functions the array API renames
(``transpose``, ``concatenate``, ``power``...), and numpy dtypes accepted wherever a dtype is.
"""
import functools
import math

import numpy as np

from .array_api_gaps import einsum, index_put, isclose, nan_to_num, take_index
from .devices import to_numpy_dtype

__all__ = ["ArrayApiNamespace"]

# numpy's name -> the array API's, for op bodies written against numpy's names.
_ALIASES = {"concatenate": "concat", "power": "pow", "absolute": "abs", "arccos": "acos", "arcsin": "asin",
            "arctan": "atan", "arctan2": "atan2", "arccosh": "acosh", "arcsinh": "asinh", "arctanh": "atanh",
            "invert": "bitwise_invert", "left_shift": "bitwise_left_shift", "right_shift": "bitwise_right_shift",
            "bool_": "bool", "amax": "max", "amin": "min", "true_divide": "divide",
            "cumsum": "cumulative_sum", "cumprod": "cumulative_prod"}
_ONE_HOT_BLOCK = 1 << 22  # elements of one block of the generic scatter-add's one-hot matrix


def _is_array(x):
    return hasattr(x, "__array_namespace__") or hasattr(x, "__dlpack__")


_CREATION = frozenset(("zeros", "ones", "empty", "full", "arange", "eye", "linspace", "asarray", "tril_indices",
                       "triu_indices"))


class ArrayApiNamespace:
    """A library's array-API namespace on one device, plus the helpers rules use (see the module docstring).

    Creation functions (``zeros``, ``arange``...) make their arrays on ``device`` unless told otherwise, so an
    op's new arrays sit with its inputs.

    Attributes:
        xp: the wrapped namespace module.
        device: the library's device object the arrays live on (None: the library's default).
    """

    def __init__(self, xp, device=None):
        self.xp = xp
        self.device = device
        self.__name__ = getattr(xp, "__name__", type(xp).__name__)

    def __repr__(self):
        return f"<array-API namespace {self.__name__} on {self.device}>"

    # -- dtypes ------------------------------------------------------------------------------------------

    def as_dtype(self, dtype):
        """This library's dtype for ``dtype`` (a numpy dtype, a numpy scalar type, a name or this library's own)."""
        if dtype is None:
            return None
        if isinstance(dtype, str) or isinstance(dtype, np.dtype) or (isinstance(dtype, type) and
                                                                    issubclass(dtype, (np.generic, float, int, bool, complex))):
            name = np.dtype(dtype).name
            return getattr(self.xp, name)
        return dtype

    def astype(self, x, dtype):
        """``x`` cast to ``dtype`` (no copy when it already has it)."""
        dtype = self.as_dtype(dtype)
        return x if x.dtype == dtype else self.xp.astype(x, dtype)

    def asarray(self, obj, dtype=None, **kwargs):
        """The array API's ``asarray``, taking numpy dtypes and numpy arrays (copied into this library)."""
        if isinstance(obj, np.ndarray) and obj.ndim:
            obj = obj.tolist() if obj.dtype.kind == "O" else obj
        if isinstance(obj, (np.ndarray, np.generic)):
            dtype = obj.dtype if dtype is None else dtype
            obj = obj.tolist() if obj.ndim == 0 else obj
        kwargs.setdefault("device", self.device)
        return self.xp.asarray(obj, dtype=self.as_dtype(dtype), **kwargs)

    # -- the helpers numpy_ns has --------------------------------------------------------------------------

    def sum_to(self, x, shape):
        """Sum ``x`` down to ``shape`` (the inverse of broadcasting)."""
        if x.shape == shape:
            return x
        lead = x.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1 and x.shape[i + lead] != 1)
        y = self.xp.sum(x, axis=axes, keepdims=True)
        return self.xp.reshape(y, shape) if lead else y

    def index_add(self, shape, index, values):
        """A zero array of ``shape`` with ``values`` added at ``index`` (repeated indices accumulate).

        Basic indices assign; advanced ones scatter-add through linear positions (CuPy's ``scatter_add``, else
        a blocked one-hot product: the array API has no scatter-add).
        """
        xp = self.xp
        out = self.zeros(shape, dtype=values.dtype)
        index = self._complete(self._index(index), len(shape))
        if _is_basic(index):
            out[index] = values
            return out
        size = math.prod(shape)
        positions = xp.reshape(self.getitem(xp.reshape(self.arange(size), shape), index), (-1,))
        flat = xp.reshape(xp.broadcast_to(values, positions.shape if values.ndim == 0 else values.shape), (-1,))
        scatter = _cupy_scatter_add(xp)
        if scatter is not None:
            out = xp.reshape(out, (-1,))
            scatter(out, positions, flat)
            return xp.reshape(out, shape)
        total = self.zeros((size,), dtype=values.dtype)
        cells = self.arange(size)
        step = max(1, _ONE_HOT_BLOCK // max(size, 1))
        count = positions.shape[0]
        for start in range(0, count, step):
            stop = min(start + step, count)  # the array API refuses slices past the end
            hit = xp.astype(positions[start:stop, None] == cells[None, :], values.dtype)
            total = total + xp.matmul(flat[None, start:stop], hit)[0, ...]
        return xp.reshape(total, shape)

    def getitem(self, x, index):
        """``x[index]`` with numpy's indexing where the array API is narrower: numpy index arrays become this
        library's, missing trailing dims are filled with ``:``, one integer array among slices is taken with
        ``take``, and several index arrays (or masks) among slices are turned into integer arrays only
        (:func:`autograd.array_api_gaps.take_index`).

        Raises:
            IndexError: None among several index arrays (numpy-only), index arrays that do not broadcast.
        """
        items = self._complete(self._index(index), x.ndim)
        arrays = [k for k, i in enumerate(items) if _is_array(i)]
        if not arrays:
            return x[items]
        if len(items) == 1 or all((_is_array(i) and not _is_mask(i)) or isinstance(i, int) for i in items):
            return x[items if len(items) > 1 else items[0]]
        if len(arrays) > 1 or _is_mask(items[arrays[0]]) or any(isinstance(i, int) for i in items):
            return take_index(self, x, items)  # (ints join the index arrays in numpy's placement rule)
        k = arrays[0]
        y = x[tuple(slice(None) if j == k else i for j, i in enumerate(items))]
        return self.take(y, items[k], axis=k)  # (every item before k, a slice or None, is one dim of y)

    @staticmethod
    def _complete(index, ndim):
        """``index`` as a tuple naming every dim: Ellipsis expanded into slices, missing trailing dims as ``:``
        (numpy's implicit rule, which the array API leaves out). A boolean mask alone stays as it is."""
        items = index if isinstance(index, tuple) else (index,)
        only = items[0] if len(items) == 1 and _is_array(items[0]) else None
        if only is not None and ndim and (ndim == 1 or (only.ndim == ndim and _is_mask(only))):
            return items  # a mask of every dim, or an integer array on a 1-d array
        used = sum(i.ndim if _is_array(i) and _is_mask(i) else 1 for i in items if i is not None and i is not Ellipsis)
        fill = (slice(None),) * max(ndim - used, 0)
        for k, i in enumerate(items):
            if i is Ellipsis:
                return items[:k] + fill + items[k + 1:]
        return items + fill

    def _index(self, index):
        """``index`` with numpy arrays (and numpy integers) turned into this library's arrays / Python ints."""
        if isinstance(index, tuple):
            return tuple(self._index_item(i) for i in index)
        return self._index_item(index)

    def _index_item(self, i):
        if isinstance(i, np.ndarray):
            return self.asarray(i)
        if isinstance(i, np.integer):
            return int(i)
        return i

    @staticmethod
    def kind(x):
        """The numpy kind character of ``x``'s dtype (``'f'``, ``'i'``, ``'b'``...)."""
        return to_numpy_dtype(x.dtype).kind

    def one_hot(self, index, shape, axis, dtype):
        """Zeros of ``shape`` with ones at ``index`` along ``axis`` (``index`` keeps that axis, of size 1)."""
        positions = self.xp.reshape(self.arange(shape[axis]), tuple(-1 if i == axis else 1 for i in range(len(shape))))
        return self.astype(positions == index, dtype)

    def piecewise_mul(self, grad, factor, source):
        """``grad * factor`` for a ``factor`` piecewise constant in ``source`` (see ``autograd.ops.PiecewiseMul``);
        a boolean ``factor`` selects (the array API has no arithmetic on bools)."""
        if getattr(factor, "dtype", None) == self.xp.bool:
            return self.xp.where(factor, grad, self.xp.zeros_like(grad))
        return grad * factor

    def transpose(self, x, axes=None):
        """numpy's ``transpose``: ``permute_dims``, reversing the dims by default."""
        return self.xp.permute_dims(x, tuple(range(x.ndim))[::-1] if axes is None else tuple(axes))

    def swapaxes(self, x, a, b):
        """numpy's ``swapaxes``."""
        dims = list(range(x.ndim))
        dims[a], dims[b] = dims[b], dims[a]
        return self.xp.permute_dims(x, tuple(dims))

    def copy(self, x):
        """A copy of ``x``."""
        return self.xp.asarray(x, copy=True)

    def to_device(self, x):
        """``x`` (an array of this library) on this namespace's device."""
        return x if self.device is None or x.device == self.device else x.to_device(self.device)

    def argwhere(self, x):
        """numpy's ``argwhere``: the indices of the nonzero elements, one row per element."""
        return self.xp.stack(self.xp.nonzero(x), axis=1) if x.ndim else self.zeros((int(bool(x)), 0), dtype=np.int64)

    # -- numpy's signatures for functions the array API spells differently ----------------------------------

    def round(self, x, decimals=0):
        """numpy's ``round`` (``decimals`` digits after the point)."""
        if not decimals:
            return self.xp.round(x)
        scale = 10.0 ** decimals
        return self.xp.round(x * scale) / scale

    def argsort(self, x, axis=-1, kind=None):
        """numpy's ``argsort``; ``kind='stable'`` keeps ties in order."""
        return self.xp.argsort(x, axis=axis, stable=kind in ("stable", "mergesort") or kind is None)

    def sort(self, x, axis=-1, kind=None):
        """numpy's ``sort``."""
        return self.xp.sort(x, axis=axis, stable=kind in ("stable", "mergesort") or kind is None)

    def take(self, x, indices, axis=None):
        """numpy's ``take``: ``indices`` of any shape (a numpy array or this library's; negatives count from the
        end) replace dim ``axis`` (the flattened array when None)."""
        xp = self.xp
        if axis is None:
            x, axis = xp.reshape(x, (-1,)), 0
        indices = self._index_item(indices)
        n = x.shape[axis]
        flat = xp.reshape(indices, (-1,))
        taken = xp.take(x, xp.where(flat < 0, flat + n, flat), axis=axis)
        return xp.reshape(taken, x.shape[:axis] + tuple(indices.shape) + x.shape[axis + 1:])

    def fmod(self, x1, x2):
        """C's ``fmod`` (the sign of ``x1``), from the array API's ``remainder`` (the sign of ``x2``)."""
        xp = self.xp
        r = xp.remainder(x1, x2)
        return xp.where((r != 0) & ((r < 0) != (x1 < 0)), r - x2, r)

    def roll(self, x, shift, axis=None):
        """numpy's ``roll``."""
        return self.xp.roll(x, shift, axis=axis)

    def tril(self, x, k=0):
        """numpy's ``tril``."""
        return self.xp.tril(x, k=k)

    def triu(self, x, k=0):
        """numpy's ``triu``."""
        return self.xp.triu(x, k=k)

    def diagonal(self, x, offset=0, axis1=0, axis2=1):
        """numpy's ``diagonal`` (the diagonal as the last dim), through ``linalg.diagonal``; a copy."""
        axis1, axis2 = axis1 % x.ndim, axis2 % x.ndim
        rest = tuple(d for d in range(x.ndim) if d not in (axis1, axis2))
        return self.xp.linalg.diagonal(self.xp.permute_dims(x, rest + (axis1, axis2)), offset=offset)

    def pad(self, x, widths, mode="constant", constant_values=0):
        """numpy's ``pad``, constant mode: a filled array with ``x`` written inside."""
        if mode != "constant":
            raise NotImplementedError(f"pad: mode {mode!r} is numpy-only; {self.__name__} arrays pad with a constant")
        shape = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape, widths))
        out = self.full(shape, constant_values, dtype=x.dtype)
        out[tuple(slice(lo, lo + n) for n, (lo, _) in zip(x.shape, widths))] = x
        return out

    def setitem(self, x, index, value):
        """``x[index] = value`` in place, numpy's index completed as :meth:`getitem` does; through index arrays
        the new values are computed by :meth:`index_put` and written back; numpy values are copied in."""
        index = self._complete(self._index(index), x.ndim)
        value = self.asarray(value, dtype=x.dtype) if isinstance(value, (np.ndarray, np.generic)) else value
        if _is_basic(index):
            x[index] = value
        else:
            x[...] = index_put(self, x, index, value)

    def index_put(self, x, index, values):
        """A copy of ``x`` with ``values`` written at ``x[index]`` (numpy's index; the last of repeated writes wins)."""
        return index_put(self, x, self._complete(self._index(index), x.ndim), values)

    def einsum(self, equation, *operands):
        """numpy's ``einsum`` for explicit equations: the library's own where it has one (CuPy), else
        :func:`autograd.array_api_gaps.einsum`."""
        own = getattr(self.xp, "einsum", None)
        return own(equation, *operands) if own is not None else einsum(self, equation, *operands)

    def nan_to_num(self, x, nan=0.0, posinf=None, neginf=None):
        """numpy's ``nan_to_num``."""
        return nan_to_num(self, x, nan, posinf, neginf)

    def isclose(self, a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
        """numpy's ``isclose``."""
        return isclose(self, a, b, rtol, atol, equal_nan)

    def ndim(self, x):
        """The number of dims of ``x``."""
        return x.ndim

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            value = getattr(self.xp, _ALIASES.get(name, name))
        except AttributeError:
            raise MissingFunction(f"{name}: {self.__name__} has no such function (it is not in the array API); "
                                  "this op runs on numpy and CuPy arrays") from None
        if callable(value) and not isinstance(value, type):
            value = _with_dtypes(value, self, name in _CREATION)
        setattr(self, name, value)  # cached after the first use
        return value


class MissingFunction(NotImplementedError, AttributeError):
    """A numpy function an op needs that the library lacks: NotImplementedError (a RuntimeError, as PyTorch's
    "not implemented" errors), and an AttributeError for ``hasattr``."""


def _with_dtypes(fn, ns, creates):
    """``fn`` taking numpy dtypes for its ``dtype`` argument (and, when it ``creates`` arrays, ``ns``'s device)."""
    @functools.wraps(fn)
    def call(*args, dtype=None, **kwargs):
        if dtype is not None:
            kwargs["dtype"] = ns.as_dtype(dtype)
        if creates and ns.device is not None:
            kwargs.setdefault("device", ns.device)
        return fn(*args, **kwargs)
    return call


def _is_mask(x):
    return to_numpy_dtype(x.dtype).kind == "b"


def _is_basic(index):
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, (int, slice)) for i in items)


def _cupy_scatter_add(xp):
    """CuPy's scatter-add when ``xp`` is CuPy's namespace, else None."""
    if "cupy" not in getattr(xp, "__name__", ""):
        return None
    import cupyx  # noqa: PLC0415  (CuPy is optional)

    return cupyx.scatter_add
