"""The differentiable ops, grouped by kind; each is defined once, as a :class:`~autograd.Function` subclass."""
from .. import backend
from .elementwise import *  # noqa: F401,F403
from .elementwise import __all__ as _elementwise
from .linalg import *  # noqa: F401,F403
from .linalg import __all__ as _linalg
from .reductions import *  # noqa: F401,F403
from .reductions import __all__ as _reductions
from .shape import *  # noqa: F401,F403
from .shape import IndexAdd, Pad, Cast, normalize_dims  # noqa: F401  (normalize_dims: used by Tensor.size)
from .shape import __all__ as _shape

__all__ = _elementwise + _linalg + _reductions + _shape


class tensor_ns:
    """numpy's names and signatures over differentiable ops: what backward rules use under ``create_graph``."""

    exp = staticmethod(exp)
    log = staticmethod(log)
    sin = staticmethod(sin)
    cos = staticmethod(cos)
    sqrt = staticmethod(sqrt)
    tanh = staticmethod(tanh)
    where = staticmethod(where)
    matmul = staticmethod(matmul)
    broadcast_to = staticmethod(broadcast_to)
    sum_to = staticmethod(sum_to)
    getitem = staticmethod(getitem)

    @staticmethod
    def swapaxes(x, a, b):
        return transpose(x, a, b)

    @staticmethod
    def transpose(x, axes):
        return permute(x, axes)

    @staticmethod
    def reshape(x, shape):
        return reshape(x, shape)

    @staticmethod
    def sum(x, axis=None, keepdims=False):
        return sum(x, axis, keepdims)

    @staticmethod
    def index_add(shape, index, values):
        return IndexAdd(shape, index).apply(values)

    @staticmethod
    def pad(x, widths, constant_values=0.0):
        return Pad(tuple(widths), constant_values).apply(x)

    @staticmethod
    def astype(x, dtype):
        return Cast(dtype).apply(x)


backend._tensor_ns = tensor_ns
