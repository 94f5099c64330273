"""Devices, as PyTorch names them: ``autograd.device``, the one availability check, and the queries scripts make.

    device = autograd.device("cuda" if autograd.cuda.is_available() else "cpu")   # device(type='cpu')
    x = autograd.zeros(2, 3, device=device)

``'cpu'`` holds numpy arrays (and the arrays of CPU array-API libraries such as ``array_api_strict``); ``'cuda'``
and ``'cuda:N'`` hold CuPy arrays when CuPy is installed and sees a GPU. Every ``device=`` argument and every
``.to(device)`` goes through :func:`as_device`, the one place that says which devices can hold data: a device
that parses but is not available (``'cuda'`` without CuPy or a GPU, ``'mps'``...) is a RuntimeError there
saying what is missing, a string that is no device a RuntimeError as in PyTorch, anything else a TypeError.
:func:`device_of` is the one place that says which device holds an array.

``cuda``, ``accelerator`` and ``backends`` answer the questions portable scripts ask before choosing a device
(``torch.cuda.is_available()`` and friends), through CuPy for CUDA.
"""
from __future__ import annotations

import operator
import re
from typing import TYPE_CHECKING, Any

import numpy as np

from .dtypes import to_numpy_dtype  # noqa: F401  (re-exported: one place converts dtypes)

if TYPE_CHECKING:
    from .types import DeviceLike

__all__ = ["device", "as_device", "device_of", "parse_to", "as_array", "is_foreign_array", "to_host", "to_numpy_dtype",
           "cuda", "accelerator", "backends"]

# PyTorch's device types, in the order its error message lists them: they all parse, only AVAILABLE hold data.
_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia", "xla",
          "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")
AVAILABLE = frozenset({"cpu", "cuda"})  # cuda: through CuPy, when installed and a GPU is visible
_DEVICE_STRING = re.compile(r"([a-zA-Z_]+)(?::([1-9][0-9]*|0))?")


class device:
    """A device: its ``type`` (``'cpu'``, ``'cuda'``...) and optional ``index``, as ``torch.device``.

    ``device('cpu')``, ``device('cuda:1')``, ``device('cuda', 1)``, ``device(type='cpu', index=0)`` and
    ``device(other_device)`` parse; ``str`` gives ``'cuda:1'``, ``repr`` ``device(type='cuda', index=1)``.
    Equal (and equally hashed) when type and index are; never equal to a string, as in PyTorch.

    Raises:
        RuntimeError: a string that names no device type (``'junk'``), a malformed one (``'cpu:x'``), a
            negative index, an index both in the string and given, or an integer (an accelerator's index:
            none is available).
        TypeError: anything but a string, a device or an int; an index that is not an int.
    """

    __slots__ = ("_type", "_index")
    _type: str
    _index: int | None

    def __init__(self, type: str | device | int, index: int | None = None) -> None:  # noqa: A002  (PyTorch's argument name)
        if isinstance(type, device):
            if index is not None:
                raise TypeError("device(): an index cannot be given with a device")
            self._type, self._index = type._type, type._index
            return
        if isinstance(type, int) and not isinstance(type, bool):
            if _cuda_count() == 0:
                raise RuntimeError("Cannot access accelerator device when none is available.")
            index, type = type, "cuda"  # an integer is the accelerator's index, as in PyTorch
        if not isinstance(type, str):
            raise TypeError(f"device(): expected a device string, a device or an int, got {_name(type)}")
        if index is not None and (isinstance(index, bool) or not isinstance(index, int)):
            raise TypeError(f"device(): argument 'index' must be int, not {_name(index)}")
        match = _DEVICE_STRING.fullmatch(type)
        if match is None:
            raise RuntimeError(f"Invalid device string: '{type}'")
        kind, text_index = match.groups()
        if kind not in _TYPES:
            raise RuntimeError(f"Expected one of {', '.join(_TYPES)} device type at start of device string: {type}")
        if text_index is not None:
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index was passed explicitly: {type}")
            index = int(text_index)
        if index is not None and index < 0:
            raise RuntimeError("Device index must not be negative")
        self._type, self._index = kind, index

    @property
    def type(self) -> str:  # noqa: A003
        """The device type, e.g. ``'cpu'``."""
        return self._type

    @property
    def index(self) -> int | None:
        """The device index, or None when not given."""
        return self._index

    def __str__(self) -> str:
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __repr__(self) -> str:
        index = "" if self._index is None else f", index={self._index}"
        return f"device(type='{self._type}'{index})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, device):
            return NotImplemented
        return self._type == other._type and self._index == other._index

    def __hash__(self) -> int:
        return hash((self._type, self._index))

    def __reduce__(self):
        return (device, (self._type, self._index))


_CPU = device("cpu")


def _name(value):
    return type(value).__name__


def as_device(value: DeviceLike, op: str = "to") -> device:
    """The :class:`device` for ``value`` (a device, a string such as ``'cpu'``), checked to be able to hold data.

    ``op`` names the caller in the messages. Returns the CPU device for any ``'cpu'`` (an index is accepted and
    means the same host memory, as in PyTorch).

    Raises:
        RuntimeError: a device that exists in PyTorch but not here (no CUDA device/backend is available), a
            device string that names nothing, an integer index.
        TypeError: a value that is no device.
    """
    if value is _CPU:
        return _CPU
    if not isinstance(value, (str, device, int)) or isinstance(value, bool):
        raise TypeError(f"{op}(): argument 'device' must be a device or a string, not {_name(value)}")
    dev = value if isinstance(value, device) else device(value)
    if dev.type == "cpu":
        return _CPU
    if dev.type == "cuda":
        return _check_cuda(dev, op)
    raise RuntimeError(f"{op}(): device '{dev}' is not available: no {dev.type} device/backend is available "
                       "(scratchgrad computes with numpy on the CPU, or with CuPy on CUDA GPUs)")


def _check_cuda(dev, op):
    """``dev`` (a CUDA device) with its index filled in, or RuntimeError saying whether CuPy or a GPU is missing."""
    cp = _cupy()
    if cp is None:
        raise RuntimeError(f"{op}(): device '{dev}' is not available: no CUDA device/backend is available: "
                           "CUDA tensors need CuPy, which is not installed; install it with pip install 'scratchgrad[cuda]' "
                           "(the cupy-cuda12x wheel)")
    count = _cuda_count()
    if count == 0:
        raise RuntimeError(f"{op}(): device '{dev}' is not available: no CUDA device/backend is available: "
                           "CuPy is installed but sees no CUDA GPU (check the driver and CUDA_VISIBLE_DEVICES)")
    index = cp.cuda.runtime.getDevice() if dev.index is None else dev.index
    if index >= count:
        raise RuntimeError(f"{op}(): CUDA error: invalid device ordinal {index} ({count} device(s) visible)")
    return device("cuda", index)


def _cupy():
    """The cupy module, or None when it is not installed (imported on first use only)."""
    try:
        import cupy  # noqa: PLC0415  (optional)
    except ImportError:
        return None
    return cupy


def _cuda_count():
    """The number of GPUs CuPy sees (0 without CuPy, without a driver or without a GPU)."""
    cp = _cupy()
    if cp is None:
        return 0
    try:
        return cp.cuda.runtime.getDeviceCount()
    except Exception:  # CuPy raises its CUDARuntimeError when no driver/GPU is present
        return 0


def device_of(array: Any) -> device:
    """The device holding ``array``: the CPU for numpy arrays and CPU array-API libraries, ``cuda:N`` for CuPy's."""
    if type(array) is np.ndarray:
        return _CPU
    dlpack = getattr(array, "__dlpack_device__", None)
    if dlpack is None:
        return _CPU
    kind, index = dlpack()
    if kind in (2, 3, 13):  # DLPack's kDLCUDA, kDLCUDAHost, kDLCUDAManaged
        return device("cuda", index)
    return _CPU


def is_foreign_array(x: object) -> bool:
    """True for an array of a library other than numpy that autograd can hold (array API, CuPy)."""
    if isinstance(x, (np.ndarray, np.generic)):
        return False
    return hasattr(x, "__array_namespace__") or type(x).__module__.split(".")[0] == "cupy"


def as_array(data: Any) -> Any:
    """``data`` as an array a Tensor holds: foreign arrays as they are, anything else through ``np.asarray``."""
    return data if is_foreign_array(data) else np.asarray(data)


def to_host(array: Any, op: str = "numpy") -> np.ndarray[Any, Any]:
    """A numpy array with ``array``'s values (shared through DLPack where the library allows it).

    Raises:
        TypeError: ``array`` is on a CUDA device (PyTorch's error: copy it with ``.cpu()`` first).
    """
    if type(array) is np.ndarray:
        return array
    dev = device_of(array)
    if dev.type != "cpu":
        raise TypeError(f"can't convert {dev} device type tensor to numpy. Use Tensor.cpu() to copy the tensor to "
                        "host memory first.")
    try:
        return np.from_dlpack(array)
    except (TypeError, RuntimeError, BufferError, AttributeError):
        return np.asarray(array)


def _is_dtype(value):
    # A dtype object, a numpy scalar type or the builtins float/int/bool (PyTorch takes those for dtypes);
    # strings are devices for ``to``.
    return isinstance(value, np.dtype) or (isinstance(value, type) and (issubclass(value, np.generic)
                                                                         or value in (float, int, bool, complex)))


def parse_to(args, kwargs, op="to"):
    """Parse the arguments of ``Tensor.to`` / ``Module.to`` as PyTorch does.

    Accepted forms: ``to(dtype, non_blocking=False, copy=False)``, ``to(device=None, dtype=None,
    non_blocking=False, copy=False)`` and ``to(other, non_blocking=False, copy=False)`` (``other`` a Tensor:
    its device and dtype), with any of these by keyword.

    Returns:
        ``(device or None, dtype or None, non_blocking, copy)``; a device given is checked by :func:`as_device`.
    Raises:
        TypeError: an argument of the wrong kind or in the wrong place, an unknown keyword.
        RuntimeError: a device that is not available (see :func:`as_device`).
    """
    from .tensor import Tensor

    kwargs = dict(kwargs)
    unknown = set(kwargs) - {"device", "dtype", "non_blocking", "copy"}
    if unknown:
        raise TypeError(f"{op}() got an unexpected keyword argument '{sorted(unknown)[0]}'")
    names: tuple[str, ...] = ()
    args = list(args)
    if args:
        first = args[0]
        if isinstance(first, Tensor):
            kwargs_taken = {"device", "dtype"} & set(kwargs)
            if kwargs_taken:
                raise TypeError(f"{op}(): got a tensor and '{sorted(kwargs_taken)[0]}'; pass one or the other")
            args[0:1] = [device_of(first._data), first.dtype]
            names = ("device", "dtype", "non_blocking", "copy")
        elif _is_dtype(first):
            names = ("dtype", "non_blocking", "copy")
        elif isinstance(first, (str, device, int)) and not isinstance(first, bool):
            names = ("device", "dtype", "non_blocking", "copy")
        else:
            raise TypeError(f"{op}() received an invalid combination of arguments: expected a device, a dtype or a "
                            f"Tensor first, got {_name(first)}")
    if len(args) > len(names):
        raise TypeError(f"{op}() takes at most {len(names)} positional arguments in this form, got {len(args)}")
    for name, value in zip(names, args):
        if name in kwargs:
            raise TypeError(f"{op}() got multiple values for argument '{name}'")
        kwargs[name] = value
    dev, dtype = kwargs.get("device"), kwargs.get("dtype")
    if dtype is not None and not _is_dtype(dtype):
        raise TypeError(f"{op}(): argument 'dtype' must be a dtype, not {_name(dtype)}")
    for flag in ("non_blocking", "copy"):
        if not isinstance(kwargs.get(flag, False), bool):
            raise TypeError(f"{op}(): argument '{flag}' must be bool, not {_name(kwargs[flag])}")
    return (None if dev is None else as_device(dev, op)), dtype, kwargs.get("non_blocking", False), \
        kwargs.get("copy", False)


# -- what scripts ask before choosing a device -------------------------------------------------------------------

class _Namespace:
    """A small namespace of functions, standing in for one of PyTorch's modules (``torch.cuda``...)."""

    def __init__(self, name, doc, **members):
        self.__name__, self.__doc__ = name, doc
        vars(self).update(members)

    if TYPE_CHECKING:
        def __getattr__(self, name: str) -> Any: ...  # the members given to __init__

    def __repr__(self):
        return f"<namespace {self.__name__}: {', '.join(k for k in vars(self) if not k.startswith('_'))}>"


def _false():
    """False: not available here."""
    return False


def _zero():
    """0: no such device here."""
    return 0


def _no_accelerator():
    """None: no accelerator is present."""
    return None


def _cuda_available():
    """True when CuPy is installed and sees at least one CUDA GPU."""
    return _cuda_count() > 0


def _current_accelerator():
    """``device('cuda')`` when a CUDA GPU is usable, else None."""
    return device("cuda") if _cuda_available() else None


def _manual_seed(seed):
    """Seed CuPy's random generator on the current GPU (nothing to seed without one, as PyTorch)."""
    seed = operator.index(seed)  # an error for a seed PyTorch would refuse
    if _cuda_available():
        _cupy().random.seed(seed)


def _manual_seed_all(seed):
    """Seed CuPy's random generator on every GPU."""
    seed = operator.index(seed)
    if _cuda_available():
        cp = _cupy()
        for i in range(_cuda_count()):
            with cp.cuda.Device(i):
                cp.random.seed(seed)


cuda = _Namespace("autograd.cuda", "torch.cuda's queries, answered through CuPy.", is_available=_cuda_available,
                  device_count=_cuda_count, manual_seed=_manual_seed, manual_seed_all=_manual_seed_all)
accelerator = _Namespace("autograd.accelerator", "torch.accelerator's queries: CUDA through CuPy, or none.",
                         is_available=_cuda_available, current_accelerator=_current_accelerator,
                         device_count=_cuda_count)
backends = _Namespace(
    "autograd.backends", "torch.backends: the mps and cudnn backends, neither available here.",
    mps=_Namespace("autograd.backends.mps", "torch.backends.mps: Apple's Metal backend, not available here.",
                   is_available=_false, is_built=_false),
    # cuDNN's switches are plain attributes, as in PyTorch; CuPy's kernels do not read them.
    cudnn=_Namespace("autograd.backends.cudnn", "torch.backends.cudnn: not used (CuPy's own kernels run on CUDA).",
                     is_available=_false, enabled=True, benchmark=False, deterministic=False))
