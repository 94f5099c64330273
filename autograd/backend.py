"""Array namespaces that backward rules compute with.

``namespace(grad)`` returns :data:`numpy_ns` when ``grad`` is an array (fast mode) and the Tensor namespace
(differentiable ops with numpy's names and signatures) when it is a Tensor (``create_graph=True``).  A rule
that writes ``xp = namespace(grad); xp.cos(x)`` therefore works in both modes.  A future CuPy backend adds a
third namespace here and nowhere else.
"""
import numpy as np

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


class numpy_ns:
    """The numpy namespace plus the few helpers numpy lacks, as backward rules see it in fast mode."""

    exp = staticmethod(np.exp)
    log = staticmethod(np.log)
    sin = staticmethod(np.sin)
    cos = staticmethod(np.cos)
    sqrt = staticmethod(np.sqrt)
    tanh = staticmethod(np.tanh)
    where = staticmethod(np.where)
    matmul = staticmethod(np.matmul)
    swapaxes = staticmethod(np.swapaxes)
    transpose = staticmethod(np.transpose)
    reshape = staticmethod(np.reshape)
    broadcast_to = staticmethod(np.broadcast_to)
    sum = staticmethod(np.sum)
    sum_to = staticmethod(sum_to)
    index_add = staticmethod(index_add)
    pad = staticmethod(np.pad)
    astype = staticmethod(lambda x, dtype: x.astype(dtype, copy=False))

    @staticmethod
    def getitem(x, index):
        """``x[index]``."""
        return x[index]


_tensor_ns = None  # set by autograd.ops once the differentiable ops exist


def namespace(x):
    """The namespace a backward rule should use for ``x``: numpy for arrays, Tensor ops for Tensors."""
    return _tensor_ns if isinstance(x, Tensor) else numpy_ns


from .tensor import Tensor  # noqa: E402
