"""dtype and device conversions (``to``, ``float()``, ``type``, ``cpu``/``cuda``...) and the Tensor queries of
PyTorch's top level (``is_tensor``, ``numel``)."""
import numpy as np

from ..backend import namespace
from ..creation import _resolve_dtype
from ..devices import device as _device
from ..devices import device_of, parse_to
from ..op import Op
from ..registry import register
from ..tensor import Tensor
from .shape import clone

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
        self.in_dtype = a.dtype
        return a.astype(self.dtype)

    def backward(self, grad):
        if self.in_dtype.kind not in "fc":
            return None
        return namespace(grad).astype(grad, self.in_dtype)


def _cast(x, dtype, copy=False):
    """``x`` as ``dtype`` (differentiable between floating dtypes); ``x`` itself when nothing changes and not ``copy``."""
    dtype = None if dtype is None else _resolve_dtype(dtype)
    if dtype is None or dtype == x._data.dtype:
        return clone(x) if copy else x
    if dtype.kind not in "fc":  # integer results never require grad
        return Tensor._make(x._data.astype(dtype))
    return Cast(dtype).apply(x)


@register(export=False, xp="astype")
def to(self, *args, **kwargs):
    """This tensor on a device and/or in a dtype, as PyTorch's ``Tensor.to``; self when nothing changes.

    Forms: ``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)`` (``other``'s device and dtype),
    each with ``non_blocking=`` and ``copy=`` (a new tensor even when nothing changes), and all by keyword.
    The cast is differentiable between floating dtypes; integer and bool results never require grad.
    ``non_blocking`` changes nothing on the CPU (as in PyTorch).

    Raises:
        RuntimeError: a device that is not available here (``'cuda'``), or no device at all (``'junk'``).
        TypeError: arguments in none of the forms.
    """
    if len(args) == 1 and not kwargs and type(args[0]) is np.dtype:  # the engine's and the layers' to(dtype)
        return _cast(self, args[0])
    _, dtype, _, copy = parse_to(args, kwargs)
    return _cast(self, dtype, copy)


def _cast_method(name, dtype):
    def cast(self):
        return _cast(self, dtype)

    cast.__name__ = name
    cast.__doc__ = f"Cast to {dtype} (self when already {dtype})."
    return register(cast, export=False)


for _name, _dtype in (("float", "float32"), ("double", "float64"), ("half", "float16"), ("long", "int64"),
                      ("int", "int32"), ("short", "int16"), ("char", "int8"), ("byte", "uint8"), ("bool", "bool")):
    _cast_method(_name, np.dtype(_dtype))


@register(method="type", export=False)
def _type(self, dtype=None, non_blocking=False):
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
def type_as(self, other):
    """Cast to ``other``'s dtype (self when it already has it)."""
    if not isinstance(other, Tensor):
        raise TypeError(f"type_as(): argument 'other' (position 1) must be Tensor, not {type(other).__name__}")
    return _cast(self, other.dtype)


@register(export=False)
def cpu(self):
    """This tensor in host memory: self (every tensor lives there today)."""
    return to(self, "cpu")


@register(export=False)
def cuda(self, device=None, non_blocking=False):
    """This tensor on a CUDA device (``device``: an index or a device); raises RuntimeError while none is available."""
    if device is None or isinstance(device, int):
        target = _device("cuda", device)
    else:
        target = device
    return to(self, target, non_blocking=non_blocking)


@register(method="is_cuda", property=True, export=False)
def _is_cuda(self):
    """True when the tensor lives on a CUDA device."""
    return device_of(self._data).type == "cuda"


@register(method="is_cpu", property=True, export=False)
def _is_cpu(self):
    """True when the tensor lives in host memory."""
    return device_of(self._data).type == "cpu"


@register(export=False)
def get_device(self):
    """The index of the tensor's device: -1 for the CPU, as in PyTorch."""
    dev = device_of(self._data)
    return -1 if dev.type == "cpu" else dev.index


@register(method=False)
def is_tensor(obj):
    """True when ``obj`` is a Tensor (a Parameter too)."""
    return isinstance(obj, Tensor)


@register(method=False)
def numel(input):
    """The number of elements of ``input``."""
    if not isinstance(input, Tensor):
        raise TypeError(f"numel(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return input._data.size

