"""``Tensor``: an array plus what autograd needs (``requires_grad``, ``grad``, ``grad_fn``).

The array is numpy's, or any library's that follows the array API (CuPy, ``array_api_strict``): it keeps its
namespace and device (see :mod:`autograd.backend`, :mod:`autograd.devices`).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, overload

import numpy as np

from .devices import as_array, device_of, to_host, to_numpy_dtype
from .inplace import InplaceOps

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

    from ._tensor_methods import TensorMethods  # from the registry (_stubgen)
    from .devices import device
    from .engine import RemovableHandle
    from .op import Op
    from .types import DeviceLike, Size
else:
    TensorMethods = object  # at run time the registry attaches those methods itself (autograd.ops)

__all__ = ["Tensor"]

_new = object.__new__
_HOST = (np.generic, int, float, bool, complex, list, tuple)


class Tensor(InplaceOps, TensorMethods):
    """An n-dimensional array that records the ops applied to it, for reverse-mode differentiation.

    Attributes:
        data: a detached Tensor sharing the storage (assigning to it replaces the values); ``numpy()`` is the array.
        grad: the accumulated gradient (a Tensor), or None; filled by ``backward`` on leaves.
        requires_grad: whether ops on this tensor are recorded.
        grad_fn: the op (a :class:`~autograd.op.Op`) that produced this tensor, or None for a leaf.
        name: an optional label, shown by graph pictures.

    Build tensors with :func:`autograd.tensor` and the other constructors. ``Tensor(...)`` itself is PyTorch's
    legacy constructor: ``Tensor(2, 3)`` is uninitialised of that shape, ``Tensor([1, 2])`` holds the data in the
    default float dtype, ``Tensor()`` is empty (see :func:`autograd.creation.legacy_data`).
    numpy's protocols (``np.asarray(t)``, ``np.exp(t)``, ``np.sum(t)``) and DLPack (``torch.from_dlpack(t)``)
    are methods that :mod:`autograd.interop` attaches.
    """

    __slots__ = ("_data", "_grad", "requires_grad", "grad_fn", "_version", "_hooks", "_name", "_view", "__weakref__")
    __hash__ = object.__hash__
    # The slots' types (InplaceOps declares those it changes: _data, _version, _view, grad_fn, requires_grad).
    _grad: Tensor | None
    _hooks: Any
    _name: str | None

    def __init__(self, *args: Any, device: DeviceLike | None = None) -> None:
        from .creation import legacy_data

        data, version = legacy_data(args, device)
        Tensor._fill(self, data, None, version, None)

    @staticmethod
    def _fill(t: Tensor, data: Any, grad_fn: Op | None, version: list[int], view: tuple[Any, ...] | None) -> Tensor:
        """Set every slot: the one place a Tensor's state is initialised."""
        t._data = data
        t._grad = None
        t.grad_fn = grad_fn
        t.requires_grad = grad_fn is not None
        t._version = version  # a list, shared with views, so that saved references see in-place updates
        t._hooks = None
        t._name = None
        # For views: (base Tensor, view ops from the base, the version at which grad_fn was made), else None.
        t._view = view
        return t

    @staticmethod
    def _make(data: Any, grad_fn: Op | None = None, version: list[int] | None = None,
              view: tuple[Any, ...] | None = None) -> Tensor:
        """Wrap an array without copying (the constructor every op uses)."""
        if type(data) is not np.ndarray:  # numpy scalars and Python data as numpy; other libraries' arrays kept
            data = np.asarray(data) if isinstance(data, _HOST) else as_array(data)
        return Tensor._fill(_new(Tensor), data, grad_fn, [0] if version is None else version, view)

    # -- data and metadata ---------------------------------------------------------------------------------

    @property
    def grad(self) -> Tensor | None:
        """The gradient accumulated by backward (a Tensor of this tensor's shape), or None."""
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got {type(value).__name__}")
            if value.shape != self.shape:
                raise RuntimeError(f"assigned grad has data of shape {value.shape} but the tensor has shape {self.shape}")
        self._grad = value

    @property
    def name(self) -> str | None:
        """An optional label (a string) that graph pictures show; None by default."""
        return self._name

    @name.setter
    def name(self, value: str | None) -> None:
        self._name = value

    @property
    def data(self) -> Tensor:
        """A detached Tensor sharing this tensor's storage (as PyTorch: ``p.data.add_(...)`` changes ``p``).

        Changes made through it are not tracked by autograd; :meth:`numpy` gives the array itself.
        """
        return Tensor._make(self._data)

    @data.setter
    def data(self, value: Any) -> None:
        self._data = value._data if isinstance(value, Tensor) else as_array(value)
        self._bump_version()

    @property
    def shape(self) -> Size:
        """The shape, a tuple of ints."""
        return self._data.shape

    @property
    def ndim(self) -> int:
        """Number of dims."""
        return self._data.ndim

    @property
    def dtype(self) -> np.dtype[Any]:
        """The numpy dtype (``autograd.float32`` by default for floats), for arrays of any library."""
        dtype = self._data.dtype
        return dtype if isinstance(dtype, np.dtype) else to_numpy_dtype(dtype)

    @property
    def device(self) -> device:
        """The :class:`~autograd.devices.device` holding the data (``device(type='cpu')`` for numpy arrays)."""
        return device_of(self._data)

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded op (created by the user, or not requiring grad)."""
        return self.grad_fn is None

    @overload
    def size(self, dim: None = None) -> Size: ...
    @overload
    def size(self, dim: int) -> int: ...

    def size(self, dim: int | None = None) -> Size | int:
        """The shape, or the size of one dim."""
        if dim is None:
            return self._data.shape
        rank = max(self.ndim, 1)
        if not -rank <= dim < rank:
            raise IndexError(f"size(): dimension out of range (expected to be in range of [{-rank}, {rank - 1}], but got {dim})")
        return self._data.shape[dim]

    def dim(self) -> int:
        """Number of dims."""
        return self._data.ndim

    def numel(self) -> int:
        """Number of elements."""
        size = self._data.size
        return size if size is not None else math.prod(self._data.shape)

    def item(self) -> Any:  # a Python number: int, float, bool or complex
        """The value of a one-element tensor as a Python number."""
        data = self._data
        if data.size != 1:
            raise RuntimeError(f"a Tensor with {self.numel()} elements cannot be converted to Scalar")
        return (data if type(data) is np.ndarray else self._host()).item()

    def numpy(self) -> np.ndarray[Any, Any]:
        """The underlying numpy array (shared, no copy); a host copy for CPU arrays of other array-API libraries.

        Raises:
            TypeError: the tensor is on a CUDA device (as PyTorch: copy it with ``.cpu()`` first).
        """
        data = self._data
        if type(data) is np.ndarray:
            return data
        return to_host(data, "numpy")

    def tolist(self) -> Any:
        """Nested Python lists (a number for a 0-d tensor), read from any device."""
        return self._host().tolist()

    def _host(self) -> np.ndarray[Any, Any]:
        """The values as a numpy array, copied from the device when they are on one (for item/tolist)."""
        if type(self._data) is np.ndarray:
            return self._data
        from .transfer import host

        return host(self._data)

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __bool__(self) -> bool:
        if self.numel() != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self.numel()} elements is ambiguous")
        return bool(self._data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.dtype.kind not in "iu" or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data)

    def __repr__(self) -> str:
        from .printing import tensor_repr

        return tensor_repr(self)

    def __format__(self, format_spec: str) -> str:
        # As PyTorch: a 0-d tensor formats as its item ('{:.4f}'.format(loss)); others only with an empty spec.
        if self._data.ndim == 0:
            return self.item().__format__(format_spec)
        return object.__format__(self, format_spec)

    # -- autograd ------------------------------------------------------------------------------------------

    def backward(self, gradient: Tensor | None = None, retain_graph: bool | None = None, create_graph: bool = False,
                 inputs: Tensor | Sequence[Tensor] | None = None) -> None:
        """Accumulate the gradient of this tensor into the ``.grad`` of the leaves it depends on.

        Args:
            gradient: d(something)/d(self), required unless this tensor has a single element.
            retain_graph: keep the graph's saved arrays for another backward (default: ``create_graph``).
            create_graph: record the backward pass too, for gradients of gradients.
            inputs: accumulate only into these leaves.
        Raises:
            RuntimeError: this tensor does not require grad, it is not scalar and ``gradient`` is missing,
                or the graph was already freed by an earlier backward.
        """
        from .engine import backward

        backward(self, gradient, retain_graph, create_graph, inputs)

    def detach(self) -> Tensor:
        """A new leaf tensor sharing this tensor's data (and version counter), cut from the graph."""
        return Tensor._make(self._data, version=self._version)

    def detach_(self) -> Tensor:
        """Cut this tensor from the graph in place; it becomes a leaf."""
        self.grad_fn = None
        self.requires_grad = False
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place (floating-point leaves only); returns self."""
        if requires_grad and self.dtype.kind not in "fc":
            raise RuntimeError(f"only Tensors of floating point dtype can require gradients, got dtype {self.dtype}")
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError("you can only change requires_grad flags of leaf variables; use detach() for a non-leaf")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after backward (leaves always keep it)."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            from .engine import retain_grad

            retain_grad(self)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a non-None return replaces the gradient.

        Returns a handle whose ``remove()`` unregisters the hook.
        """
        from .engine import register_hook

        return register_hook(self, hook)

    def is_floating_point(self) -> bool:
        """True for floating dtypes."""
        return self.dtype.kind == "f"
