"""Tensor constructors (``tensor``, ``zeros``, ``randn``, ...); the generators they draw from are in ``random``."""
from __future__ import annotations

import builtins
import numbers
import operator
from typing import TYPE_CHECKING, Any

import numpy as np

from .devices import as_device, device_of, is_foreign_array, to_numpy_dtype
from .random import numpy_generator
from .tensor import Tensor

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from .devices import device as Device
    from .random import Generator
    from .types import DeviceLike, DTypeLike, Shape

__all__ = [
    "tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "full", "empty", "zeros_like", "ones_like",
    "full_like", "empty_like", "arange", "linspace", "eye", "rand", "randn", "randint", "rand_like",
    "randn_like",
    "float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool", "complex64", "complex128",
    "get_default_dtype", "set_default_dtype",
]

float16, float32, float64 = np.dtype("float16"), np.dtype("float32"), np.dtype("float64")
int8, int16, int32, int64, uint8 = (np.dtype(t) for t in ("int8", "int16", "int32", "int64", "uint8"))
bool = np.dtype("bool")  # noqa: A001  (PyTorch's name)
complex64, complex128 = np.dtype("complex64"), np.dtype("complex128")

_default: dict[str, np.dtype[Any]] = {"dtype": float32}


def get_default_dtype() -> np.dtype[Any]:
    """The dtype given to Python floats and to float constructors (float32 unless changed)."""
    return _default["dtype"]


def set_default_dtype(dtype: DTypeLike) -> None:
    """Change the default floating dtype (float32 or float64)."""
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: only floating point dtypes are supported, got {dtype}")
    _default["dtype"] = dtype


def _resolve_dtype(dtype: DTypeLike | None) -> np.dtype[Any] | None:
    if dtype is None:
        return None
    if dtype is float:
        return _default["dtype"]
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"unknown dtype {dtype!r}") from None


def _to_array(data: Any, dtype: DTypeLike | None = None) -> Any:
    """Convert ``data`` to a fresh array with PyTorch's dtype policy.

    Python floats (and lists of them) become the default float dtype (float32); Python ints int64; bools
    bool; numpy arrays and numpy scalars keep their dtype unless ``dtype`` is given.
    """
    dtype = _resolve_dtype(dtype)
    if isinstance(data, Tensor):
        data = data._data
    if isinstance(data, (np.ndarray, np.generic)):
        return np.array(data, dtype=dtype)
    if is_foreign_array(data):  # another library's array keeps its namespace and device
        from .backend import namespace

        return namespace(data).asarray(data, dtype=dtype, copy=True)
    if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in data):
        data = [x._data if isinstance(x, Tensor) else x for x in data]
    arr = np.array(data, dtype=dtype)
    if dtype is None:
        if arr.dtype == np.float64:
            arr = arr.astype(_default["dtype"])
        elif arr.dtype.kind == "i":
            arr = arr.astype(np.int64)
        elif arr.dtype.kind in "OUS":
            raise TypeError(f"tensor(): could not infer a numeric dtype from data of type {type(data).__name__}")
    return arr


def _check_device(device: DeviceLike | None, op: str) -> Device | None:
    # Constructors validate ``device=`` (never ignore it); the one check is autograd.devices.as_device.
    return None if device is None else as_device(device, op)


def _place(arr: Any, device: Device | None = None, like: Tensor | None = None) -> Any:
    """``arr`` (a numpy array) on ``device`` (a CUDA device: through CuPy), or in the namespace and on the device
    of the Tensor ``like`` when that holds another library's array; ``arr`` itself for the CPU."""
    if device is not None and device.type != "cpu":
        return to_device_array(arr, device)
    if device is None and like is not None and type(like._data) is not np.ndarray:
        from .backend import namespace

        return namespace(like._data).asarray(arr)
    return arr


def tensor(data: Any, dtype: DTypeLike | None = None, device: DeviceLike | None = None,
           requires_grad: builtins.bool = False) -> Tensor:
    """A new leaf tensor holding a copy of ``data`` (number, nested lists, ndarray or Tensor).

    Raises:
        RuntimeError: ``requires_grad`` on a non-floating dtype; a ``device`` that is not available.
    """
    device = _check_device(device, "tensor")
    return _finish(_to_array(data, dtype), requires_grad, device)


def as_tensor(data: Any, dtype: DTypeLike | None = None, device: DeviceLike | None = None) -> Tensor:
    """Like :func:`tensor` but shares memory with an array of any library (another library's tensor, such as
    torch's, through DLPack), or returns a Tensor as is, when no cast and no move is needed; ``autograd.asarray`` is
    the same function."""
    target = _check_device(device, "as_tensor")
    if isinstance(data, Tensor) and (dtype is None or np.dtype(dtype) == data.dtype) and \
            (target is None or target == data.device):
        return data
    if not isinstance(data, (Tensor, np.ndarray)) and not is_foreign_array(data) and hasattr(type(data), "__dlpack__"):
        data = np.from_dlpack(data)
    if (isinstance(data, np.ndarray) or is_foreign_array(data)) and target in (None, device_of(data)) and \
            (dtype is None or np.dtype(dtype) == to_numpy_dtype(data.dtype)):
        return Tensor._make(data)
    return tensor(data, dtype, device)


asarray = as_tensor


def legacy_data(args: tuple[Any, ...], device: DeviceLike | None = None) -> tuple[Any, list[int]]:
    """The array and version counter of PyTorch's legacy constructor ``Tensor(*args)``.

    ``Tensor()``: empty; ``Tensor(2, 3)``: uninitialised of that shape; ``Tensor(data)`` (a sequence or array):
    a copy in the default float dtype; ``Tensor(tensor)``: shares its data and dtype, as in PyTorch.

    Raises:
        TypeError: a number, string or mixed arguments. RuntimeError: a negative size, an unavailable device.
    """
    if _check_device(device, "Tensor") not in (None, as_device("cpu")):
        raise RuntimeError("Tensor(): the legacy constructor makes CPU tensors only; use autograd.tensor(..., device=)")
    default = _default["dtype"]
    if all(isinstance(a, (numbers.Integral, np.integer)) and not isinstance(a, (builtins.bool, np.bool_)) for a in args):
        shape = tuple(int(a) for a in args) or (0,)
        for s in shape:
            if s < 0:
                raise RuntimeError(f"Tensor(): trying to create tensor with negative dimension {s}: {list(shape)}")
        return np.empty(shape, dtype=default), [0]
    if len(args) == 1:
        data = args[0]
        if isinstance(data, Tensor):
            return data._data, data._version
        if isinstance(data, (numbers.Number, np.bool_, str, bytes)):
            raise TypeError(f"Tensor(): data must be a sequence (got {type(data).__name__})")
        return _to_array(data).astype(default, copy=False), [0]
    kinds = ", ".join(type(a).__name__ for a in args)
    raise TypeError(f"Tensor(): expected sizes (ints) or one sequence of data, got ({kinds})")


def to_device_array(arr: Any, device: Device) -> Any:
    """``arr`` (a numpy array) copied to the CUDA ``device`` with CuPy."""
    import cupy  # noqa: PLC0415  (as_device has checked that it is installed)

    with cupy.cuda.Device(device.index or 0):
        return cupy.asarray(arr)


def _cuda_random(device: Device, kind: str, shape: tuple[int, ...], dtype: np.dtype[Any]) -> Any:
    """Samples drawn on the CUDA ``device`` by CuPy's generator (seeded by ``autograd.cuda.manual_seed``)."""
    import cupy  # noqa: PLC0415

    with cupy.cuda.Device(device.index or 0):
        draw = getattr(cupy.random, kind)
        return draw(shape, dtype=dtype if dtype in (float32, float64) else float64).astype(dtype, copy=False)


def from_numpy(array: np.ndarray[Any, Any]) -> Tensor:
    """A tensor sharing memory with ``array`` (no copy, dtype kept)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray, got {type(array).__name__}")
    return Tensor._make(array)


def _shape(size: Sequence[Any]) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    for s in size:
        if not isinstance(s, (numbers.Integral, np.integer)) or s < 0:
            raise ValueError(f"sizes must be non-negative integers, got {tuple(size)}")
    return tuple(int(s) for s in size)


def _finish(arr: Any, requires_grad: builtins.bool, device: Device | None = None) -> Tensor:
    t = Tensor._make(arr if device is None else _place(arr, device))
    if requires_grad:
        t.requires_grad_(True)
    return t


def _float_dtype(dtype: DTypeLike | None) -> np.dtype[Any]:
    return _resolve_dtype(dtype) or _default["dtype"]


def zeros(*size: int | Shape, dtype: DTypeLike | None = None, device: DeviceLike | None = None,
          requires_grad: builtins.bool = False) -> Tensor:
    """A tensor of zeros of the given size."""
    device = _check_device(device, "zeros")
    return _finish(np.zeros(_shape(size), dtype=_float_dtype(dtype)), requires_grad, device)


def ones(*size: int | Shape, dtype: DTypeLike | None = None, device: DeviceLike | None = None,
         requires_grad: builtins.bool = False) -> Tensor:
    """A tensor of ones of the given size."""
    device = _check_device(device, "ones")
    return _finish(np.ones(_shape(size), dtype=_float_dtype(dtype)), requires_grad, device)


def empty(*size: int | Shape, dtype: DTypeLike | None = None, device: DeviceLike | None = None,
          requires_grad: builtins.bool = False) -> Tensor:
    """An uninitialised tensor of the given size."""
    device = _check_device(device, "empty")
    return _finish(np.empty(_shape(size), dtype=_float_dtype(dtype)), requires_grad, device)


def full(size: int | Shape, fill_value: complex, dtype: DTypeLike | None = None, device: DeviceLike | None = None,
         requires_grad: builtins.bool = False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value`` (dtype inferred from the value as PyTorch)."""
    device = _check_device(device, "full")
    if dtype is None:
        dtype = _to_array(fill_value).dtype
    return _finish(np.full(_shape((size,)), fill_value, dtype=_resolve_dtype(dtype)), requires_grad, device)


def _like(fn: Callable[..., Any], input: Tensor, dtype: DTypeLike | None, requires_grad: builtins.bool,
          device: Device | None, *args: Any) -> Tensor:
    # as PyTorch, a *_like tensor is on its input's device (and, here, in its namespace) unless told otherwise
    arr = fn(input.shape, *args, dtype=_resolve_dtype(dtype) or input.dtype)
    return _finish(_place(arr, device, input), requires_grad)


def zeros_like(input: Tensor, dtype: DTypeLike | None = None, device: DeviceLike | None = None,
               requires_grad: builtins.bool = False) -> Tensor:
    """Zeros with the shape (and dtype) of ``input``."""
    device = _check_device(device, "zeros_like")
    return _like(np.zeros, input, dtype, requires_grad, device)


def ones_like(input: Tensor, dtype: DTypeLike | None = None, device: DeviceLike | None = None,
              requires_grad: builtins.bool = False) -> Tensor:
    """Ones with the shape (and dtype) of ``input``."""
    device = _check_device(device, "ones_like")
    return _like(np.ones, input, dtype, requires_grad, device)


def empty_like(input: Tensor, dtype: DTypeLike | None = None, device: DeviceLike | None = None,
               requires_grad: builtins.bool = False) -> Tensor:
    """Uninitialised, with the shape (and dtype) of ``input``."""
    device = _check_device(device, "empty_like")
    return _like(np.empty, input, dtype, requires_grad, device)


def full_like(input: Tensor, fill_value: complex, dtype: DTypeLike | None = None, device: DeviceLike | None = None,
              requires_grad: builtins.bool = False) -> Tensor:
    """``fill_value`` everywhere, with the shape (and dtype) of ``input``."""
    device = _check_device(device, "full_like")
    return _like(np.full, input, dtype, requires_grad, device, fill_value)


def arange(start: float, end: float | None = None, step: float = 1, dtype: DTypeLike | None = None,
           device: DeviceLike | None = None, requires_grad: builtins.bool = False) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 for integer arguments, else float32."""
    device = _check_device(device, "arange")
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if dtype is None:
        ints = all(isinstance(v, (numbers.Integral, np.integer)) for v in (start, end, step))
        dtype = int64 if ints else _default["dtype"]
    return _finish(np.arange(start, end, step).astype(_resolve_dtype(dtype)), requires_grad, device)


def linspace(start: float, end: float, steps: int, dtype: DTypeLike | None = None, device: DeviceLike | None = None,
             requires_grad: builtins.bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    device = _check_device(device, "linspace")
    if steps < 0:
        raise RuntimeError(f"linspace: number of steps must be non-negative, got {steps}")
    return _finish(np.linspace(start, end, steps).astype(_float_dtype(dtype)), requires_grad, device)


def eye(n: int, m: int | None = None, dtype: DTypeLike | None = None, device: DeviceLike | None = None,
        requires_grad: builtins.bool = False) -> Tensor:
    """Identity matrix of ``n`` rows (and ``m`` columns)."""
    device = _check_device(device, "eye")
    return _finish(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad, device)


# -- random numbers (the generators: autograd.random) -------------------------------------------------------

def _draw(kind: str, size: Sequence[Any], dtype: DTypeLike | None, device: DeviceLike | None,
          requires_grad: builtins.bool, generator: Generator | np.random.Generator | None, op: str) -> Tensor:
    """``size`` samples of the numpy Generator method ``kind`` (``random`` or ``standard_normal``) in ``dtype``."""
    device = _check_device(device, op)
    dt, shape = _float_dtype(dtype), _shape(size)
    if device is not None and device.type == "cuda":
        if generator is not None:
            raise RuntimeError(f"{op}(): Expected a 'cuda' device type for generator but found 'cpu' (CUDA draws use "
                               "CuPy's generator, seeded by autograd.cuda.manual_seed)")
        return _finish(_cuda_random(device, kind, shape, dt), requires_grad)
    draw = getattr(numpy_generator(generator, op), kind)
    drawn = draw(shape, dtype=dt if dt in (float32, float64) else float64).astype(dt, copy=False)
    return _finish(drawn, requires_grad, device)


def rand(*size: int | Shape, generator: Generator | np.random.Generator | None = None, dtype: DTypeLike | None = None,
         device: DeviceLike | None = None, requires_grad: builtins.bool = False) -> Tensor:
    """Uniform samples in ``[0, 1)``, from ``generator`` (default: the thread's default generator)."""
    return _draw("random", size, dtype, device, requires_grad, generator, "rand")


def randn(*size: int | Shape, generator: Generator | np.random.Generator | None = None, dtype: DTypeLike | None = None,
          device: DeviceLike | None = None, requires_grad: builtins.bool = False) -> Tensor:
    """Standard normal samples, from ``generator`` (default: the thread's default generator)."""
    return _draw("standard_normal", size, dtype, device, requires_grad, generator, "randn")


def randint(*args: Any, low: int | None = None, high: int | None = None, size: Shape | None = None,
            generator: Generator | np.random.Generator | None = None, dtype: DTypeLike | None = None,
            device: DeviceLike | None = None, requires_grad: builtins.bool = False) -> Tensor:
    """Integers drawn uniformly from ``[low, high)`` by ``generator`` (default: the thread's default generator),
    int64 unless ``dtype`` says otherwise.

    Called as PyTorch's: ``randint(high, size)``, ``randint(low, high, size)``, or with keywords
    (``randint(low=0, high=10, size=(3,))``, ``randint(10, size=(3,))``, ``randint(0, 10, size=(3,))``); ``low``
    defaults to 0 and ``size`` is a tuple (or list) of ints.

    Raises:
        TypeError: a missing or repeated argument, a ``size`` that is not a tuple of ints, non-integer bounds.
        RuntimeError: ``high <= low``; bounds outside what ``dtype`` holds; a negative size;
            ``requires_grad`` with a non-floating dtype.
    """
    device = _check_device(device, "randint")

    # PyTorch's two overloads, (high, size) and (low, high, size): positionals fill one of them in order and
    # keywords the rest; naming ``low`` or passing all three selects the second.
    named: dict[str, Any] = {n: v for n, v in (("low", low), ("high", high), ("size", size)) if v is not None}
    order = ("low", "high", "size") if low is not None or len(args) + len(named) >= 3 else ("high", "size")
    if len(args) > len(order):
        raise TypeError(f"randint() takes (high, size) or (low, high, size), got {len(args)} positional arguments"
                        + (f" and {', '.join(named)} by keyword" if named else ""))
    for name, value in zip(order, args):
        if name in named:
            raise TypeError(f"randint() got multiple values for argument '{name}'")
        named[name] = value
    low, high, size = named.get("low"), named.get("high"), named.get("size")
    if high is None or size is None:
        missing = [f"'{n}'" for n in ("high", "size") if n not in named]
        raise TypeError(f"randint() missing required argument {' and '.join(missing)}")
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"randint(): argument 'size' must be tuple of ints, not {type(size).__name__}")
    try:
        low, high = operator.index(0 if low is None else low), operator.index(high)
        shape = tuple(operator.index(s) for s in size)
    except TypeError:
        raise TypeError(f"randint(): low and high must be ints and size a tuple of ints, got low={low!r}, "
                        f"high={high!r}, size={size!r}") from None
    if any(s < 0 for s in shape):
        raise RuntimeError(f"randint: trying to create tensor with negative dimension: {list(shape)}")
    if high <= low:
        raise RuntimeError(f"randint: expected low < high, but got low={low} >= high={high}")
    dt = _resolve_dtype(dtype) or int64
    if dt.kind in "iub":
        info = np.iinfo(dt) if dt.kind != "b" else None
        lo, hi = (0, 1) if info is None else (info.min, info.max)
        if low < lo or high - 1 > hi:
            raise RuntimeError(f"randint: bounds [{low}, {high}) are out of range for dtype {dt} ([{lo}, {hi}])")
    if requires_grad and dt.kind not in "fc":
        raise RuntimeError(f"randint: only Tensors of floating point dtype can require gradients, got dtype {dt}")
    rng = numpy_generator(generator, "randint")
    drawn = rng.integers(low, high, size=shape, dtype=dt if dt.kind in "iu" else np.int64)
    return _finish(drawn.astype(dt, copy=False), requires_grad, device)


def rand_like(input: Tensor, generator: Generator | np.random.Generator | None = None, dtype: DTypeLike | None = None,
              device: DeviceLike | None = None, requires_grad: builtins.bool = False) -> Tensor:
    """Uniform samples with the shape of ``input``."""
    return _like_random("random", input, generator, dtype, device, requires_grad, "rand_like")


def randn_like(input: Tensor, generator: Generator | np.random.Generator | None = None, dtype: DTypeLike | None = None,
               device: DeviceLike | None = None, requires_grad: builtins.bool = False) -> Tensor:
    """Normal samples with the shape of ``input``."""
    return _like_random("standard_normal", input, generator, dtype, device, requires_grad, "randn_like")


def _like_random(kind: str, input: Tensor, generator: Generator | np.random.Generator | None, dtype: DTypeLike | None,
                 device: DeviceLike | None, requires_grad: builtins.bool, op: str) -> Tensor:
    # on the input's device and in its namespace unless ``device`` says otherwise, as the other *_like
    device = _check_device(device, op)
    if device is None and input.device.type == "cuda":
        device = input.device
    dtype = dtype or input.dtype
    if device is not None:
        return _draw(kind, input.shape, dtype, device, requires_grad, generator, op)
    drawn = _draw(kind, input.shape, dtype, None, False, generator, op)
    return _finish(_place(drawn._data, None, input), requires_grad)
