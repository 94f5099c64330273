"""dtype and device conversions (``to``, ``float()``, ``type``, ``cpu``/``cuda``...) and the Tensor queries of
PyTorch's top level (``is_tensor``, ``numel``)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeGuard, overload

import numpy as np

from ..backend import namespace
from ..creation import _resolve_dtype
from ..devices import device as _device
from ..devices import device_of, parse_to, to_numpy_dtype
from ..op import Op
from ..registry import register
from ..tensor import Tensor
from ..transfer import as_namespace, is_at, is_namespace, move, place_of
from .shape import clone

if TYPE_CHECKING:
    from ..types import DeviceLike

# PyTorch's legacy type names (``x.type()``), printed with autograd's prefix as dtypes are (``autograd.float64``).
_TYPE_NAMES = {np.dtype(k): v for k, v in (
    ("float32", "FloatTensor"), ("float64", "DoubleTensor"), ("float16", "HalfTensor"), ("int64", "LongTensor"),
    ("int32", "IntTensor"), ("int16", "ShortTensor"), ("int8", "CharTensor"), ("uint8", "ByteTensor"),
    ("bool", "BoolTensor"), ("complex64", "ComplexFloatTensor"), ("complex128", "ComplexDoubleTensor"))}
_BY_TYPE_NAME = {name: dtype for dtype, name in _TYPE_NAMES.items()}


class Cast(Op):
    __slots__ = ("dtype", "in_dtype")
    attrs = ("dtype",)

    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, a):
        self.in_dtype = to_numpy_dtype(a.dtype)
        return namespace(a).astype(a, self.dtype)

    def backward(self, grad):
        if self.in_dtype.kind not in "fc":
            return None
        return namespace(grad).astype(grad, self.in_dtype)


def _cast(x, dtype, copy=False):
    """``x`` as ``dtype`` (differentiable between floating dtypes); ``x`` itself when nothing changes and not ``copy``."""
    dtype = None if dtype is None else _resolve_dtype(dtype)
    if dtype is None or dtype == x.dtype:
        return clone(x) if copy else x
    if dtype.kind not in "fc":  # integer results never require grad
        return Tensor._make(namespace(x._data).astype(x._data, dtype))
    return Cast(dtype).apply(x)


class Move(Op):
    """The tensor's data moved to another device or namespace (differentiable: the gradient moves back)."""

    __slots__ = ("target", "source")
    attrs = ("target",)

    def __init__(self, target):
        self.target = target

    def forward(self, a):
        self.source = place_of(a)
        return move(a, self.target)

    def backward(self, grad):  # under create_graph: grad is a Tensor
        return Move(self.source).apply(grad)

    def fast_backward(self, grad):
        return move(grad, self.source)


def _move(x, target):
    """``x`` where ``target`` (a device or a namespace) puts arrays; ``x`` itself when it is there."""
    if target is None or is_at(x._data, target):
        return x
    return Move(target).apply(x)


@register(export=False, xp="astype")
def to(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """This tensor on a device and/or in a dtype, as PyTorch's ``Tensor.to``; self when nothing changes.

    Forms: ``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)`` (``other``'s device and dtype),
    each with ``non_blocking=`` and ``copy=`` (a new tensor even when nothing changes), and all by keyword.
    Beyond PyTorch, ``to(xp)`` and ``to(xp, dtype)`` with an array-API namespace module (``array_api_strict``,
    ``cupy``, ``numpy``) move the data to that library, on its default device.
    The move and the cast are differentiable (between floating dtypes); integer and bool results never require
    grad. ``non_blocking`` changes nothing (the copy is synchronous).

    Raises:
        RuntimeError: a device that is not available here (``'cuda'`` without CuPy or a GPU), or no device at all
            (``'junk'``).
        TypeError: arguments in none of the forms.
    """
    if len(args) == 1 and not kwargs and type(args[0]) is np.dtype:  # the engine's and the layers' to(dtype)
        return _cast(self, args[0])
    target, dtype, copy = parse_target(args, kwargs)
    moved = _move(self, target)
    return _cast(moved, dtype, copy and moved is self)


def parse_target(args, kwargs, op="to"):
    """``Tensor.to``'s arguments as ``(target, dtype, copy)``: the target a device or a namespace (or None)."""
    if args and is_namespace(args[0]):
        if "device" in kwargs:
            raise TypeError(f"{op}(): got a namespace and 'device'; pass one or the other")
        _, dtype, _, copy = parse_to(args[1:], kwargs, op)
        return as_namespace(args[0]), dtype, copy
    dev, dtype, _, copy = parse_to(args, kwargs, op)
    if dev is not None and dev.type == "cpu":
        dev = _device("cpu")
    return dev, dtype, copy


def _cast_method(name, dtype):
    def cast(self: Tensor) -> Tensor:
        return _cast(self, dtype)

    cast.__name__ = name
    cast.__doc__ = f"Cast to {dtype} (self when already {dtype})."
    return register(cast, export=False)


for _name, _dtype in (("float", "float32"), ("double", "float64"), ("half", "float16"), ("long", "int64"),
                      ("int", "int32"), ("short", "int16"), ("char", "int8"), ("byte", "uint8"), ("bool", "bool")):
    _cast_method(_name, np.dtype(_dtype))


@overload
def _type(self: Tensor, dtype: None = None, non_blocking: bool = False) -> str: ...
@overload
def _type(self: Tensor, dtype: np.dtype[Any] | type | str, non_blocking: bool = False) -> Tensor: ...


@register(method="type", export=False)
def _type(self: Tensor, dtype: np.dtype[Any] | type | str | None = None,
          non_blocking: bool = False) -> str | Tensor:
    """With no argument, the legacy type name (``'autograd.FloatTensor'``); else a cast to ``dtype``.

    ``dtype`` may be a dtype or a legacy name (``'torch.DoubleTensor'`` or ``'autograd.DoubleTensor'``).
    Raises:
        ValueError: an unknown type name. TypeError: something that is no type.
    """
    if dtype is None:
        return "autograd." + _TYPE_NAMES.get(self.dtype, str(self.dtype))
    if isinstance(dtype, str):
        prefix, _, name = dtype.rpartition(".")
        if prefix not in ("torch", "autograd") or name not in _BY_TYPE_NAME:
            raise ValueError(f"invalid type: '{dtype}'")
        dtype = _BY_TYPE_NAME[name]
    elif not (isinstance(dtype, np.dtype) or isinstance(dtype, type)):
        raise TypeError("dtype must be a type, str, or dtype object")
    return _cast(self, dtype)


@register(export=False)
def type_as(self: Tensor, other: Tensor) -> Tensor:
    """Cast to ``other``'s dtype (self when it already has it)."""
    if not isinstance(other, Tensor):
        raise TypeError(f"type_as(): argument 'other' (position 1) must be Tensor, not {type(other).__name__}")
    return _cast(self, other.dtype)


@register(export=False)
def cpu(self: Tensor) -> Tensor:
    """This tensor in host memory: self when it is there already (numpy, or a CPU array-API library), else a copy
    to numpy."""
    return to(self, "cpu")


@register(export=False)
def cuda(self: Tensor, device: DeviceLike | None = None, non_blocking: bool = False) -> Tensor:
    """This tensor on a CUDA device (``device``: an index or a device), through CuPy.

    Raises:
        RuntimeError: CuPy is not installed, or it sees no GPU (the message says which).
    """
    target: DeviceLike
    if device is None or isinstance(device, int):
        target = _device("cuda", device)
    else:
        target = device
    return to(self, target, non_blocking=non_blocking)


@register(method="is_cuda", property=True, export=False)
def _is_cuda(self: Tensor) -> bool:
    """True when the tensor lives on a CUDA device."""
    return device_of(self._data).type == "cuda"


@register(method="is_cpu", property=True, export=False)
def _is_cpu(self: Tensor) -> bool:
    """True when the tensor lives in host memory."""
    return device_of(self._data).type == "cpu"


@register(export=False)
def get_device(self: Tensor) -> int:
    """The index of the tensor's device: -1 for the CPU, as in PyTorch."""
    dev = device_of(self._data)
    return -1 if dev.type == "cpu" else dev.index or 0  # (device_of names a CUDA device's index)


@register(method=False)
def is_tensor(obj: object) -> TypeGuard[Tensor]:
    """True when ``obj`` is a Tensor (a Parameter too)."""
    return isinstance(obj, Tensor)


@register(method=False)
def numel(input: Tensor) -> int:
    """The number of elements of ``input``."""
    if not isinstance(input, Tensor):
        raise TypeError(f"numel(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return input._data.size

