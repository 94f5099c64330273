"""Moving arrays between devices and array namespaces: what ``Tensor.to(device)``, ``Tensor.to(xp)``, ``.cpu()``,
``.cuda()`` and ``Module.to`` do to the data.

A *target* is a :class:`~autograd.devices.device` (``'cpu'``: numpy, unless the array already lives on the CPU
in another library; ``'cuda:N'``: CuPy on GPU N) or a namespace (a module following the array API, such as
``array_api_strict`` or ``cupy``, or numpy itself), whose arrays are made on that library's default device.
"""
import types

import numpy as np

from .array_api import ArrayApiNamespace
from .devices import device, device_of, is_foreign_array, to_host

__all__ = ["is_namespace", "as_namespace", "move", "is_at", "place_of", "host"]


def is_namespace(obj):
    """True for what ``to(xp)`` takes: a module with ``asarray`` (numpy, CuPy, ``array_api_strict``) or a wrapped
    namespace."""
    from .backend import numpy_ns

    return obj is numpy_ns or isinstance(obj, ArrayApiNamespace) or \
        (isinstance(obj, types.ModuleType) and hasattr(obj, "asarray"))


def as_namespace(xp):
    """The namespace rules use for the module ``xp`` (:data:`~autograd.backend.numpy_ns` for numpy), on its
    library's default device: found from an array the module makes, so that CuPy gets array-api-compat's wrapper."""
    from .backend import namespace, numpy_ns

    if xp is np or xp is numpy_ns:
        return numpy_ns
    if isinstance(xp, ArrayApiNamespace):
        return xp
    return namespace(xp.asarray(0.0))


def is_at(array, target):
    """True when ``array`` already sits where ``target`` (a device or a namespace) puts arrays."""
    if isinstance(target, device):
        here = device_of(array)
        return here.type == target.type and (target.type == "cpu" or here.index == (target.index or 0))
    from .backend import namespace

    ns = namespace(array)
    return ns is target or (ns.xp is target.xp and ns.device == target.device)


def move(array, target):
    """``array`` copied where ``target`` (a :class:`~autograd.devices.device` or a namespace) puts arrays;
    ``array`` itself when it is there already."""
    if is_at(array, target):
        return array
    if isinstance(target, device):
        if target.type == "cpu":
            return host(array)
        import cupy  # noqa: PLC0415  (as_device has checked that it is installed)

        source = array if _is_cupy(array) else host(array)
        with cupy.cuda.Device(target.index or 0):
            return cupy.asarray(source)
    if not isinstance(target, ArrayApiNamespace):  # numpy_ns
        return host(array)
    from .backend import namespace

    if namespace(array).xp is target.xp and hasattr(array, "to_device"):
        return array.to_device(target.device)  # the same library, another of its devices
    return target.asarray(host(array))


def place_of(array):
    """The target that :func:`move` takes to bring an array back to where ``array`` is: numpy's namespace for
    numpy arrays, the CUDA device for CuPy's, the array's own namespace (and device) for other libraries."""
    from .backend import namespace, numpy_ns

    if type(array) is np.ndarray:
        return numpy_ns
    if _is_cupy(array):
        return device_of(array)
    return namespace(array)


def _is_cupy(array):
    return type(array).__module__.split(".")[0] == "cupy"


def host(array):
    """A numpy array with ``array``'s values, from any device."""
    if type(array) is np.ndarray:
        return array
    if _is_cupy(array):
        return array.get()
    if not is_foreign_array(array):
        return np.asarray(array)
    try:
        return to_host(array)
    except (TypeError, RuntimeError):  # on a device of the library the host cannot read: via its default device
        from .backend import namespace

        info = getattr(namespace(array).xp, "__array_namespace_info__", None)
        if info is None or not hasattr(array, "to_device"):
            raise
        return to_host(array.to_device(info().default_device()))
