"""Array namespaces that backward rules compute with.

``namespace(grad)`` returns :data:`numpy_ns` when ``grad`` is an array (a plain backward pass) and
:data:`autograd.registry.graph_namespace` when it is a Tensor (``create_graph=True``): the registered
differentiable ops under their array-API names.  A rule that writes ``xp = namespace(grad); xp.cos(x)``
therefore runs in both modes without asking which; the devices work adds array-API namespaces here.
"""
import numpy as np

from .registry import graph_namespace
from .tensor import Tensor

__all__ = ["namespace", "numpy_ns", "sum_to", "index_add"]


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


def _is_basic_index(index):
    """True for indices made of ints, slices, None and Ellipsis only (no repeats possible)."""
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, (int, slice, np.integer)) for i in items)


class _NumpyNamespace:
    """numpy as backward rules see it on arrays: every numpy function under its own name, plus the helpers
    numpy lacks (``sum_to``, ``index_add``, ``getitem``, ``astype``, ``piecewise_mul``) and a writable ``diagonal``."""

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

    def __getattr__(self, name):
        value = getattr(np, name)  # the rest is numpy's own (exp, where, matmul...); cached after the first use
        setattr(self, name, value)
        return value


numpy_ns = _NumpyNamespace()


def namespace(x):
    """The namespace a backward rule should use for ``x``: numpy's for arrays, the registered ops for Tensors."""
    return graph_namespace if isinstance(x, Tensor) else numpy_ns
