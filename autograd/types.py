"""Type aliases the public API's hints are written with (as ``torch.types``); for type checkers only.

    from autograd.types import TensorLike
    def scale(x: Tensor, by: TensorLike) -> Tensor: ...

Nothing checks them at run time: the library's modules use ``from __future__ import annotations``, so a hint
costs nothing per call.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from types import EllipsisType
from typing import Any, TypeAlias, TypeVar

import numpy as np
import numpy.typing as npt

from .devices import device
from .tensor import Tensor

__all__ = ["DTypeLike", "DeviceLike", "Dims", "Fn", "Index", "Number", "Shape", "Size", "TensorLike"]

#: A Python number (``bool`` is an ``int`` to type checkers).
Number: TypeAlias = int | float | complex
#: What an op takes where a tensor may stand: a Tensor, a numpy array, a numpy scalar or a Python number.
TensorLike: TypeAlias = Tensor | npt.NDArray[Any] | np.number[Any] | np.bool_ | int | float | complex
#: A shape given as an argument: a tuple (or list) of ints.
Shape: TypeAlias = Sequence[int]
#: A shape as the library returns it (``Tensor.shape``, ``Tensor.size()``).
Size: TypeAlias = tuple[int, ...]
#: One dim or several (``sum(x, dim=(0, 1))``).
Dims: TypeAlias = int | Sequence[int]
#: What ``dtype=`` accepts: a numpy dtype, a scalar type (``autograd.float32``, ``np.int64``, ``float``), a name.
DTypeLike: TypeAlias = npt.DTypeLike
#: What ``device=`` accepts: an :class:`autograd.device` or a string (``'cpu'``, ``'cuda:0'``).
DeviceLike: TypeAlias = device | str | int
#: One entry of ``tensor[...]``: an int, a slice, None, ``...``, an integer or bool index (Tensor, array, list).
_IndexItem: TypeAlias = int | slice | None | EllipsisType | Tensor | npt.NDArray[Any] | Sequence[Any]
#: What ``tensor[...]`` takes: one entry or a tuple of them.
Index: TypeAlias = _IndexItem | tuple[_IndexItem, ...]
#: A function that a decorator returns with its own signature (``register``, ``tensor_input``).
Fn = TypeVar("Fn", bound=Callable[..., Any])
