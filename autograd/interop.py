"""How Tensors meet other array libraries: numpy's protocols and DLPack.

* ``np.asarray(t)`` / ``np.array(t, copy=...)`` go through :func:`to_array` (``Tensor.__array__``), with
  numpy 2's meaning of ``copy``: ``None`` shares memory when it can, ``True`` always copies, ``False`` never
  copies (ValueError when a cast would be needed).
* numpy ufuncs on Tensors run the differentiable op (:func:`array_ufunc`): ``np.exp(t)`` is ``autograd.exp(t)``,
  ``np.maximum(a, t)`` is ``autograd.maximum(a, t)``, and ``ndarray * Tensor`` is a Tensor in the graph.
* numpy functions on Tensors (``np.sum``, ``np.concatenate``, ``np.where``...) run the autograd function with
  numpy's arguments translated (:mod:`autograd.numpy_functions`); any other numpy function raises TypeError
  naming what to use, so a result never leaves the graph as an ndarray without the caller asking
  (``t.detach().numpy()`` asks).
* DLPack: ``Tensor.__dlpack__`` / ``__dlpack_device__`` export without copying (``torch.from_dlpack(t)``,
  ``torch.as_tensor(t)``, ``np.from_dlpack(t)``), :func:`from_dlpack` imports (``autograd.from_dlpack(x)``).
* Arrays of other libraries given to an op as operands (a torch tensor in ``t + x`` or ``autograd.exp(x)``)
  are constants, as ndarrays are (:func:`foreign_operand`); one that requires grad in its own library is
  refused, since its gradient could not reach it.

The functions named ``Tensor.__...__`` below are those methods: :func:`install` attaches them to Tensor
(``autograd/__init__`` calls it), so the protocol code lives here rather than in the Tensor class.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import registry
from .devices import is_foreign_array
from .numpy_functions import IMPLEMENTATIONS, array_operand, autograd_function, unsupported_argument
from .tensor import Tensor

__all__ = ["from_dlpack", "to_array", "export_dlpack", "dlpack_device", "array_ufunc", "array_function",
           "foreign_operand", "install"]


# -- numpy's array protocol ------------------------------------------------------------------------------------

def to_array(t, dtype=None, copy=None):
    """``Tensor.__array__``: ``t``'s data as an ndarray, shared unless ``copy=True`` or ``dtype`` differs (numpy 2's
    meaning of ``copy``).

    Raises:
        ValueError: ``copy=False`` and ``dtype`` differs from the tensor's (a cast copies), as numpy raises.
    """
    data = t._data
    if type(data) is not np.ndarray:  # another library's array: through DLPack where it allows (t.numpy())
        data = t.numpy()
    if dtype is not None and np.dtype(dtype) != data.dtype:
        if copy is False:
            raise ValueError(f"Unable to avoid copy while creating an array as requested: the Tensor is "
                             f"{data.dtype} and {np.dtype(dtype)} was asked for (copy=False)")
        return data.astype(dtype)
    return data.copy() if copy else data


# -- DLPack ---------------------------------------------------------------------------------------------------

def export_dlpack(t, *, stream=None, max_version=None, dl_device=None, copy=None):
    """``Tensor.__dlpack__``: a DLPack capsule sharing ``t``'s data (``torch.from_dlpack(t)``, ``torch.as_tensor(t)``,
    ``np.from_dlpack(t)``). Keywords left None are not passed on, so that with numpy < 2.1 (which knows only
    ``stream``) the consumer falls back to the older protocol."""
    given = {"stream": stream, "max_version": max_version, "dl_device": dl_device, "copy": copy}
    return t._data.__dlpack__(**{k: v for k, v in given.items() if v is not None})


def dlpack_device(t):
    """``Tensor.__dlpack_device__``: ``(device type, device id)`` as DLPack numbers them (``(1, 0)``: the CPU)."""
    return t._data.__dlpack_device__()


def from_dlpack(ext_tensor, *, device=None, copy=None):
    """A Tensor sharing memory with ``ext_tensor``, any object with ``__dlpack__`` (a torch tensor, an ndarray,
    a CuPy array once devices exist, a Tensor), as ``torch.from_dlpack``.

    Args:
        device: None or ``'cpu'`` (where the result lives; tensors are host memory here).
        copy: None (share when possible), True (always copy), False (never copy; raise when needed).
    Raises:
        TypeError: ``ext_tensor`` has no ``__dlpack__`` (a bare DLPack capsule is not accepted).
        RuntimeError: ``device`` is not the CPU.
        BufferError: the producer refuses (e.g. a torch tensor that requires grad: detach it first).
    """
    if not hasattr(ext_tensor, "__dlpack__"):
        raise TypeError(f"from_dlpack: expected an object with __dlpack__ (a tensor or array of another library), "
                        f"got {type(ext_tensor).__name__}")
    if device is not None and str(device) != "cpu":
        raise RuntimeError(f"from_dlpack: device {device!r} is not available (tensors live in host memory, 'cpu')")
    kwargs = {} if copy is None else {"copy": copy}
    return Tensor._make(np.from_dlpack(ext_tensor, **kwargs))


def foreign_operand(x, op):
    """An op operand that is not a Tensor, as the op computes with it: numbers and ndarrays as they are, an
    array-API array (``autograd.devices.is_foreign_array``) as it is, any other array with ``__dlpack__`` (a torch
    tensor) as a zero-copy ndarray, used as a constant.

    Raises:
        TypeError: the array requires grad in its own library (torch): its gradient could not reach it.
    """
    if isinstance(x, (np.ndarray, np.generic)) or not hasattr(type(x), "__dlpack__") or is_foreign_array(x):
        return x  # (arrays of the array-API libraries a Tensor can hold stay in their namespace)
    kind = f"{type(x).__module__.split('.')[0]}.{type(x).__name__}"
    if getattr(x, "requires_grad", False):
        raise TypeError(f"{op.name.lower()}: got a {kind} of shape {tuple(x.shape)} that requires grad; autograd "
                        f"cannot send gradients to another library. Pass x.detach() to use it as a constant, or "
                        f"train a copy here: autograd.from_dlpack(x.detach()).requires_grad_()")
    try:
        return np.from_dlpack(x)
    except (BufferError, RuntimeError, TypeError) as e:
        raise TypeError(f"{op.name.lower()}: cannot use a {kind} as an operand ({e}); convert it with "
                        f"autograd.from_dlpack or autograd.tensor") from None


# -- numpy's ufunc and function protocols ---------------------------------------------------------------------

# numpy ufunc name -> autograd function name, where PyTorch's name differs from numpy's (same meaning).
_UFUNC_RENAMED = {
    "subtract": "sub", "multiply": "mul", "divide": "div", "true_divide": "div", "power": "pow", "negative": "neg",
    "absolute": "abs", "equal": "eq", "not_equal": "ne", "less": "lt", "less_equal": "le", "greater": "gt",
    "greater_equal": "ge", "invert": "bitwise_not", "arcsin": "asin", "arccos": "acos", "arctan": "atan",
    "arctan2": "atan2", "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh", "rint": "round",
    "conjugate": "conj",
}
# ufuncs whose autograd function has numpy's name and meaning.
_UFUNC_SAME = frozenset((
    "add", "positive", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "square", "reciprocal",
    "sin", "cos", "tan", "sinh", "cosh", "tanh", "sign", "floor", "ceil", "trunc", "maximum", "minimum", "fmax",
    "fmin", "isnan", "isinf", "isfinite", "signbit", "matmul", "bitwise_and", "bitwise_or", "bitwise_xor",
    "logical_and", "logical_or", "logical_xor", "logical_not", "floor_divide", "remainder", "fmod", "hypot",
    "copysign", "logaddexp", "logaddexp2", "heaviside", "float_power",
))
# What to use instead of a ufunc method (np.add.reduce(t)...): (ufunc, method) -> autograd function.
_METHOD_HINTS = {
    ("add", "reduce"): "sum", ("multiply", "reduce"): "prod", ("maximum", "reduce"): "amax",
    ("minimum", "reduce"): "amin", ("logical_and", "reduce"): "all", ("logical_or", "reduce"): "any",
    ("add", "accumulate"): "cumsum", ("multiply", "accumulate"): "cumprod", ("multiply", "outer"): "outer",
    ("add", "at"): "index_put(..., accumulate=True)",
}
_UFUNC_TARGETS: dict[Any, tuple[Any, bool]] = {}  # ufunc -> (autograd function, whether it takes ndarray operands as they are), on first use


def _ufunc_target(ufunc):
    name = ufunc.__name__
    target = _UFUNC_RENAMED.get(name, name if name in _UFUNC_SAME else None)
    if target is None:
        raise TypeError(f"numpy.{name} is not supported on Tensors: autograd has no differentiable {name}; call it on "
                        "t.detach().numpy() to leave the graph on purpose")
    fn = autograd_function(target, f"numpy.{name}")
    # The functions behind Tensor operators take ndarrays and numbers as constants (``ndarray * t`` always
    # worked through ``__rmul__``), so that path stays as fast; the others get Tensors, as PyTorch's do.
    operators = {f for attr, f in registry.methods.items() if attr.startswith("__")}
    _UFUNC_TARGETS[ufunc] = fn, fn in operators
    return _UFUNC_TARGETS[ufunc]


def array_ufunc(t, ufunc, method, *inputs, **kwargs):
    """``Tensor.__array_ufunc__``: numpy ufuncs run the differentiable op (``np.exp(t)``, ``ndarray * t`` and
    ``np.maximum(a, t)`` are Tensors in the graph); ``t`` is one of the operands.

    Raises:
        TypeError: a ufunc method other than a call (``np.add.reduce``), an argument such as ``out=`` or
            ``dtype=``, or a ufunc autograd has no op for; the message names what to use.
    """
    if method != "__call__":
        hint = _METHOD_HINTS.get((ufunc.__name__, method))
        use = f"use autograd.{hint}" if hint else "autograd has no equivalent"
        raise TypeError(f"numpy.{ufunc.__name__}.{method} is not supported on Tensors (it would leave the graph); "
                        f"{use}")
    if kwargs:
        unsupported_argument(f"numpy.{ufunc.__name__}", **kwargs)
    fn, takes_arrays = _UFUNC_TARGETS.get(ufunc) or _ufunc_target(ufunc)
    return fn(*(array_operand(x, takes_arrays) for x in inputs))


def array_function(t, func, types, args, kwargs):
    """``Tensor.__array_function__``: numpy functions run the autograd function that implements them
    (``np.sum(t, axis=0)`` is ``t.sum(dim=0)``); ``t`` is one of the arguments.

    Returns NotImplemented when another array type with its own protocol takes part (numpy then raises).
    Raises:
        TypeError: ``func`` has no autograd implementation; the message names the autograd function to use,
            or how to leave the graph on purpose.
    """
    if not all(issubclass(kind, (Tensor, np.ndarray)) for kind in types):
        return NotImplemented
    impl = IMPLEMENTATIONS.get(func)
    if impl is None:
        raise TypeError(_unsupported_function(func))
    return impl(*args, **kwargs)


def _unsupported_function(func):
    module = func.__module__ or "numpy"
    where = f"{module}.{func.__name__}" if module.startswith("numpy") else f"numpy.{func.__name__}"
    if func.__name__ in registry.functions:
        use = (f"call autograd.{func.__name__} instead (PyTorch's arguments: dim= for axis=, keepdim= for "
               "keepdims=)")
    else:
        use = "autograd has no differentiable equivalent; call it on t.detach().numpy() to leave the graph on purpose"
    return f"{where} is not supported on Tensors (its ndarray result would leave the graph): {use}"


def install(cls):
    """Attach numpy's protocols and DLPack to ``cls`` (the Tensor class) as methods; ``autograd/__init__`` calls it.

    They are attached rather than written in the class because this module imports :mod:`autograd.tensor`.
    """
    cls.__array__ = to_array
    cls.__array_ufunc__ = array_ufunc
    cls.__array_function__ = array_function
    cls.__dlpack__ = export_dlpack
    cls.__dlpack_device__ = dlpack_device
