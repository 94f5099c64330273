"""Weight initialisation, in place, as ``torch.nn.init`` (Xavier/Glorot, He/Kaiming, ...).

Every function fills its tensor in place under ``no_grad`` from ``generator=`` (an ``autograd.Generator``; a
numpy ``Generator`` works too) or, without one, from the thread's default generator (:func:`autograd.manual_seed`
makes it reproducible) and returns it.

The book (*Deep Learning from Scratch*, ch. 6) compares three choices for the std of normally
distributed weights: a fixed 0.01, "Xavier" ``sqrt(1 / n)`` and "He" ``sqrt(2 / n)``, with ``n`` the
number of nodes of the previous layer (the fan-in). Here:

* the book's "Xavier" is ``kaiming_normal_(w, nonlinearity='linear')`` (std ``1 / sqrt(fan_in)``);
  ``xavier_normal_`` is Glorot's original, which also counts the fan-out: std ``sqrt(2 / (fan_in + fan_out))``;
* the book's "He" is ``kaiming_normal_(w, nonlinearity='relu')`` (std ``sqrt(2 / fan_in)``).
"""
from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import numpy as np

import autograd as ag

__all__ = [
    "calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_", "dirac_",
    "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_", "sparse_",
]


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended scale of the weights' std for a nonlinearity (PyTorch's table).

    ``linear``/``conv*``/``sigmoid``: 1; ``tanh``: 5/3; ``relu``: sqrt(2); ``leaky_relu``:
    sqrt(2 / (1 + negative_slope**2)) with ``param`` the slope (default 0.01); ``selu``: 3/4.
    Raises:
        ValueError: an unknown nonlinearity or a non-numeric slope.
    """
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")
    if nonlinearity in linear or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float, numbers.Real)) and not isinstance(param, bool):  # (not complex)
            slope = float(param)
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: ag.Tensor) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight: Linear ``(out, in)`` -> ``(in, out)``; Conv ``(out, in/g, kh, kw)``
    -> ``(in/g * kh * kw, out * kh * kw)``.

    Raises:
        ValueError: fewer than 2 dims.
    """
    if tensor.ndim < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions, "
                         f"got a tensor of shape {tuple(tensor.shape)}")
    receptive_field = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def _calculate_correct_fan(tensor: ag.Tensor, mode: str) -> int:
    """The fan-in or the fan-out of ``tensor``, as ``mode`` says. Raises ValueError for another mode."""
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _fill(tensor: ag.Tensor, values: Any) -> ag.Tensor:
    """Copy ``values`` into ``tensor`` in place, outside the graph; returns ``tensor``."""
    with ag.no_grad():
        tensor.copy_(values)
    return tensor


def _rng(generator: ag.Generator | np.random.Generator | None) -> np.random.Generator:
    """The numpy generator behind ``generator`` (the thread's default one when it is None)."""
    return ag.random.numpy_generator(generator, "nn.init")


def uniform_(tensor: ag.Tensor, a: float = 0.0, b: float = 1.0,
             generator: ag.Generator | np.random.Generator | None = None) -> ag.Tensor:
    """Fill with samples of the uniform distribution on ``[a, b)``."""
    return _fill(tensor, _rng(generator).uniform(a, b, size=tensor.shape))


def normal_(tensor: ag.Tensor, mean: float = 0.0, std: float = 1.0,
            generator: ag.Generator | np.random.Generator | None = None) -> ag.Tensor:
    """Fill with samples of the normal distribution ``N(mean, std**2)``."""
    return _fill(tensor, _rng(generator).normal(mean, std, size=tensor.shape))


def trunc_normal_(tensor: ag.Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator: ag.Generator | np.random.Generator | None = None) -> ag.Tensor:
    """Fill with ``N(mean, std**2)`` conditioned on ``[a, b]`` (``a``, ``b`` absolute bounds, not in stds).

    Rejection sampling, as PyTorch: from the normal itself while it puts more than 30% of its mass in
    ``[a, b]``, else from the uniform on ``[a, b]`` accepted with the normal's density relative to its peak
    there (so bounds far in a tail cost no more than near ones).  Warns, as PyTorch, when ``mean`` is more
    than 2 std outside ``[a, b]``.

    Raises:
        RuntimeError: ``std <= 0`` or ``a > b``.
    """
    if not std > 0 or a > b:
        raise RuntimeError(f"trunc_normal_: expected std > 0 and a <= b, got std={std}, a={a}, b={b}")
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of values "
                      "may be incorrect.", stacklevel=2)
    rng, n = _rng(generator), math.prod(tensor.shape)
    # bounds and samples compared in the tensor's dtype, so that rounding never takes a value out of [a, b]
    lo, hi = np.array([a, b], dtype=tensor.dtype).tolist()
    mass = (math.erf((b - mean) / (std * math.sqrt(2))) - math.erf((a - mean) / (std * math.sqrt(2)))) / 2
    if mass > 0.3:
        def propose(k: int) -> np.ndarray[Any, Any]:
            return np.asarray(rng.normal(mean, std, size=k), dtype=tensor.dtype)

        def accept(x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
            return (x >= lo) & (x <= hi)
    else:
        mode = max(a, min(mean, b))

        def propose(k: int) -> np.ndarray[Any, Any]:
            return np.asarray(rng.uniform(a, b, size=k), dtype=tensor.dtype)

        def accept(x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
            log_density = -0.5 * ((x - mean) / std) ** 2 + 0.5 * ((mode - mean) / std) ** 2
            return np.log(rng.uniform(size=x.shape)) <= log_density
    values = propose(n)
    pending = ~accept(values)
    while pending.any():
        values[pending] = propose(int(pending.sum()))
        pending[pending] = ~accept(values[pending])
    return _fill(tensor, values.reshape(tensor.shape))


def constant_(tensor: ag.Tensor, val: float) -> ag.Tensor:
    """Fill with the value ``val``."""
    with ag.no_grad():
        return tensor.fill_(val)


def ones_(tensor: ag.Tensor) -> ag.Tensor:
    """Fill with ones."""
    return constant_(tensor, 1.0)


def zeros_(tensor: ag.Tensor) -> ag.Tensor:
    """Fill with zeros."""
    return constant_(tensor, 0.0)


def eye_(tensor: ag.Tensor) -> ag.Tensor:
    """Fill a 2-D tensor with the identity matrix. Raises ValueError for other ranks."""
    if tensor.ndim != 2:
        raise ValueError(f"eye_: only tensors with 2 dimensions are supported, got shape {tuple(tensor.shape)}")
    rows, cols = tensor.shape
    return _fill(tensor, np.eye(rows, cols))


def dirac_(tensor: ag.Tensor, groups: int = 1) -> ag.Tensor:
    """Fill a conv weight ``(out, in/groups, *kernel)`` with the Dirac delta: the layer passes its input through.

    In each of the ``groups`` groups, output channel ``d`` gets a 1 at input channel ``d`` and the kernel's centre
    (``k // 2`` in every spatial dim), for as many channels as the group has inputs and outputs; the rest is 0.
    With padding ``k // 2`` and stride 1 the convolution is then the identity on those channels.

    Raises:
        ValueError: a tensor that is not 3-, 4- or 5-D, ``groups < 1``, or ``out`` not divisible by ``groups``.
    """
    if tensor.ndim not in (3, 4, 5):
        raise ValueError(f"dirac_: only tensors with 3, 4, or 5 dimensions are supported, got shape "
                         f"{tuple(tensor.shape)}")
    if not isinstance(groups, numbers.Integral) or groups < 1:
        raise ValueError(f"dirac_: groups must be a positive integer, got {groups!r}")
    out_channels, in_channels = tensor.shape[0], tensor.shape[1]
    if out_channels % groups != 0:
        raise ValueError(f"dirac_: dim 0 must be divisible by groups, got shape {tuple(tensor.shape)} and "
                         f"groups={groups}")
    per_group = out_channels // groups
    channels = np.arange(min(per_group, in_channels))
    values = np.zeros(tensor.shape)
    centre = tuple(k // 2 for k in tensor.shape[2:])
    for g in range(groups):
        values[(g * per_group + channels, channels) + centre] = 1
    return _fill(tensor, values)


def xavier_uniform_(tensor: ag.Tensor, gain: float = 1.0,
                    generator: ag.Generator | np.random.Generator | None = None) -> ag.Tensor:
    """Glorot/Xavier uniform: ``U(-a, a)`` with ``a = gain * sqrt(6 / (fan_in + fan_out))``.

    Keeps the variance of activations and of gradients about constant through layers with a symmetric
    activation (tanh, sigmoid) - Glorot & Bengio (2010).
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = math.sqrt(3.0) * gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: ag.Tensor, gain: float = 1.0,
                   generator: ag.Generator | np.random.Generator | None = None) -> ag.Tensor:
    """Glorot/Xavier normal: ``N(0, std**2)`` with ``std = gain * sqrt(2 / (fan_in + fan_out))``.

    The book's "Xavier initial value" uses ``1 / sqrt(fan_in)`` instead: that is
    ``kaiming_normal_(w, nonlinearity='linear')``.
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)), generator)


def _kaiming_std(tensor: ag.Tensor, a: float, mode: str, nonlinearity: str) -> float | None:
    """He's std ``gain / sqrt(fan)``; None (after a warning, as PyTorch) for a tensor with no elements."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return None
    return calculate_gain(nonlinearity, a) / math.sqrt(_calculate_correct_fan(tensor, mode))


def kaiming_uniform_(tensor: ag.Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator: ag.Generator | np.random.Generator | None = None) -> ag.Tensor:
    """He/Kaiming uniform: ``U(-b, b)`` with ``b = gain * sqrt(3 / fan)``, ``gain = calculate_gain(nonlinearity, a)``.

    Args:
        a: the negative slope of the rectifier after this layer (``leaky_relu`` only).
        mode: ``'fan_in'`` keeps the forward variance, ``'fan_out'`` the backward one.
        nonlinearity: ``'relu'`` or ``'leaky_relu'`` (the ones He et al. derived it for), or any name
            :func:`calculate_gain` knows.
    """
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: ag.Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator: ag.Generator | np.random.Generator | None = None) -> ag.Tensor:
    """He/Kaiming normal: ``N(0, std**2)`` with ``std = gain / sqrt(fan)``.

    With ``nonlinearity='relu'`` this is the book's "He initial value" ``sqrt(2 / n)``; with
    ``nonlinearity='linear'`` it is the book's "Xavier" ``sqrt(1 / n)``. Arguments as :func:`kaiming_uniform_`.
    """
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    return normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor: ag.Tensor, gain: float = 1.0,
                generator: ag.Generator | np.random.Generator | None = None) -> ag.Tensor:
    """Fill with a (semi-)orthogonal matrix times ``gain`` (Saxe et al., arXiv:1312.6120).

    The tensor is seen as ``(rows, cols)`` with ``cols`` the product of its other dims; its rows (when
    ``rows <= cols``) or columns are orthonormal.  The matrix is the Q of the QR decomposition of a Gaussian
    matrix, with the signs fixed so that it is uniformly (Haar) distributed.  A tensor with no elements is
    left as it is.

    Raises:
        ValueError: fewer than 2 dims.
    """
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_: only tensors with 2 or more dimensions are supported, got shape "
                         f"{tuple(tensor.shape)}")
    if 0 in tensor.shape:
        return tensor
    rows = tensor.shape[0]
    cols = math.prod(tensor.shape) // rows
    flat = _rng(generator).normal(0.0, 1.0, size=(rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    # Q times the signs of R's diagonal is Haar-distributed (Mezzadri, arXiv:math-ph/0609050)
    q = q * np.where(np.diag(r) < 0, -1.0, 1.0)
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(tensor.shape))


def sparse_(tensor: ag.Tensor, sparsity: float, std: float = 0.01,
            generator: ag.Generator | np.random.Generator | None = None) -> ag.Tensor:
    """Fill a 2-D tensor ``(rows, cols)`` with ``N(0, std**2)`` values, then zero ``ceil(sparsity * rows)``
    randomly chosen entries of each column (Martens, "Deep learning via Hessian-free optimization", 2010).

    Raises:
        ValueError: a tensor that is not 2-D, or ``sparsity`` outside [0, 1].
    """
    if tensor.ndim != 2:
        raise ValueError(f"sparse_: only tensors with 2 dimensions are supported, got shape {tuple(tensor.shape)}")
    if not isinstance(sparsity, (int, float, numbers.Real)) or not 0.0 <= float(sparsity) <= 1.0:
        raise ValueError(f"sparse_: sparsity must be a fraction in [0, 1], got {sparsity!r}")
    rows, cols = tensor.shape
    rng = _rng(generator)
    values = rng.normal(0.0, std, size=(rows, cols))
    # an independent random permutation of the rows for each column: its first entries are zeroed
    zero_rows = np.argsort(rng.random((rows, cols)), axis=0)[:math.ceil(sparsity * rows)]
    values[zero_rows, np.arange(cols)] = 0.0
    return _fill(tensor, values)
