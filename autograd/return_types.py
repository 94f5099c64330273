"""Named tuples returned by ops that give values and indices (PyTorch's ``torch.return_types``).

Each is a :class:`typing.NamedTuple`: ``out.values`` / ``out.indices``, ``out[0]`` / ``out[1]``, and
``values, indices = out`` all work, as with ``torch.return_types.sort``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = ["sort", "topk", "max", "min"]


class _ValuesIndices(NamedTuple):
    values: Tensor
    indices: Tensor

    def __repr__(self) -> str:  # PyTorch's layout: one field per line
        return f"autograd.return_types.{type(self).__name__}(\nvalues={self.values!r},\nindices={self.indices!r})"


class sort(_ValuesIndices):
    """``(sort's values, their int64 indices)``; only ``values`` is differentiable."""

    __slots__ = ()


class topk(_ValuesIndices):
    """``(topk's values, their int64 indices)``; only ``values`` is differentiable."""

    __slots__ = ()


class max(_ValuesIndices):  # noqa: A001  (PyTorch's name)
    """``(max's values, their int64 indices)``; only ``values`` is differentiable."""

    __slots__ = ()


class min(_ValuesIndices):  # noqa: A001
    """``(min's values, their int64 indices)``; only ``values`` is differentiable."""

    __slots__ = ()
