"""Devices, as PyTorch names them: ``autograd.device``, the one availability check, and the queries scripts make.

    device = autograd.device("cuda" if autograd.cuda.is_available() else "cpu")   # device(type='cpu')
    x = autograd.zeros(2, 3, device=device)

Only ``'cpu'`` (numpy) holds data today. Every ``device=`` argument and every ``.to(device)`` goes through
:func:`as_device`, the one place that says which devices can hold data: a device that parses but is not
available (``'cuda'``, ``'mps'``...) is a RuntimeError there, a string that is no device a RuntimeError as in
PyTorch, anything else a TypeError. The devices work (CuPy) grows this module, not its callers.

``cuda``, ``accelerator`` and ``backends`` answer the questions portable scripts ask before choosing a device
(``torch.cuda.is_available()`` and friends); they report that no accelerator exists.
"""
import operator
import re

import numpy as np

__all__ = ["device", "as_device", "device_of", "parse_to", "cuda", "accelerator", "backends"]

# PyTorch's device types, in the order its error message lists them: they all parse, only AVAILABLE hold data.
_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia", "xla",
          "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")
AVAILABLE = frozenset({"cpu"})
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

    def __init__(self, type, index=None):  # noqa: A002  (PyTorch's argument name)
        if isinstance(type, device):
            if index is not None:
                raise TypeError("device(): an index cannot be given with a device")
            self._type, self._index = type._type, type._index
            return
        if isinstance(type, int) and not isinstance(type, bool):
            raise RuntimeError("Cannot access accelerator device when none is available.")
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
    def type(self):  # noqa: A003
        """The device type, e.g. ``'cpu'``."""
        return self._type

    @property
    def index(self):
        """The device index, or None when not given."""
        return self._index

    def __str__(self):
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __repr__(self):
        index = "" if self._index is None else f", index={self._index}"
        return f"device(type='{self._type}'{index})"

    def __eq__(self, other):
        if not isinstance(other, device):
            return NotImplemented
        return self._type == other._type and self._index == other._index

    def __hash__(self):
        return hash((self._type, self._index))

    def __reduce__(self):
        return (device, (self._type, self._index))


_CPU = device("cpu")


def _name(value):
    return type(value).__name__


def as_device(value, op="to"):
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
    if dev.type not in AVAILABLE:
        backend = "CUDA" if dev.type == "cuda" else dev.type
        raise RuntimeError(f"{op}(): device '{dev}' is not available: no {backend} device/backend is available "
                           "(scratchgrad computes on the CPU with numpy)")
    return _CPU


def device_of(array):
    """The device holding ``array`` (the CPU for numpy arrays, the only kind today)."""
    return _CPU


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
    names = ()
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


def _seed_nothing(seed):
    """Seed the generators of CUDA devices: there are none, so nothing to seed (PyTorch does nothing too)."""
    operator.index(seed)  # still an error for a seed PyTorch would refuse


cuda = _Namespace("autograd.cuda", "torch.cuda's queries: no CUDA device exists here.", is_available=_false,
                  device_count=_zero, manual_seed=_seed_nothing, manual_seed_all=_seed_nothing)
accelerator = _Namespace("autograd.accelerator", "torch.accelerator's queries: no accelerator exists here.",
                         is_available=_false, current_accelerator=_no_accelerator, device_count=_zero)
backends = _Namespace(
    "autograd.backends", "torch.backends: the mps and cudnn backends, neither available here.",
    mps=_Namespace("autograd.backends.mps", "torch.backends.mps: Apple's Metal backend, not available here.",
                   is_available=_false, is_built=_false),
    # cuDNN's switches are plain attributes, as in PyTorch; without a CUDA device they change nothing there either.
    cudnn=_Namespace("autograd.backends.cudnn", "torch.backends.cudnn: not available here (no CUDA).",
                     is_available=_false, enabled=True, benchmark=False, deterministic=False))
