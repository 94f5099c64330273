"""Named tuples returned by ops that give values and indices (PyTorch's ``torch.return_types``).

Each is a :func:`collections.namedtuple`: ``out.values`` / ``out.indices``, ``out[0]`` / ``out[1]``, and
``values, indices = out`` all work, as with ``torch.return_types.sort``.
"""
from collections import namedtuple

__all__ = ["sort", "topk", "max", "min"]


def _return_type(name):
    cls = namedtuple(name, ("values", "indices"))

    def __repr__(self):  # PyTorch's layout: one field per line
        return f"autograd.return_types.{name}(\nvalues={self.values!r},\nindices={self.indices!r})"

    cls.__repr__ = __repr__
    cls.__module__ = __name__
    cls.__doc__ = f"``({name}'s values, their int64 indices)``; only ``values`` is differentiable."
    return cls


sort = _return_type("sort")
topk = _return_type("topk")
max = _return_type("max")  # noqa: A001  (PyTorch's name)
min = _return_type("min")  # noqa: A001
