"""Weight initialisation, in place, as ``torch.nn.init`` (Xavier/Glorot, He/Kaiming, ...).

Every function fills its tensor in place under ``no_grad`` from the global generator
(:func:`autograd.manual_seed` makes it reproducible; pass ``generator=`` for a private one) and returns it.

The book (*Deep Learning from Scratch*, ch. 6) compares three choices for the std of normally
distributed weights: a fixed 0.01, "Xavier" ``sqrt(1 / n)`` and "He" ``sqrt(2 / n)``, with ``n`` the
number of nodes of the previous layer (the fan-in). Here:

* the book's "Xavier" is ``kaiming_normal_(w, nonlinearity='linear')`` (std ``1 / sqrt(fan_in)``);
  ``xavier_normal_`` is Glorot's original, which also counts the fan-out: std ``sqrt(2 / (fan_in + fan_out))``;
* the book's "He" is ``kaiming_normal_(w, nonlinearity='relu')`` (std ``sqrt(2 / fan_in)``).
"""
import math
import numbers
import warnings

import numpy as np

import autograd as ag

__all__ = [
    "calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_",
    "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
]


def calculate_gain(nonlinearity, param=None):
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
        elif isinstance(param, numbers.Number) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor):
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


def _calculate_correct_fan(tensor, mode):
    """The fan-in or the fan-out of ``tensor``, as ``mode`` says. Raises ValueError for another mode."""
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _fill(tensor, values):
    """Copy ``values`` into ``tensor`` in place, outside the graph; returns ``tensor``."""
    with ag.no_grad():
        tensor.copy_(values)
    return tensor


def _rng(generator):
    """``generator``, or the global one when it is None."""
    return ag.creation.generator() if generator is None else generator


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with samples of the uniform distribution on ``[a, b)``."""
    return _fill(tensor, _rng(generator).uniform(a, b, size=tensor.shape))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill with samples of the normal distribution ``N(mean, std**2)``."""
    return _fill(tensor, _rng(generator).normal(mean, std, size=tensor.shape))


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Fill with ``N(mean, std**2)`` samples redrawn until they fall in ``[a, b]`` (``a``, ``b`` absolute)."""
    rng = _rng(generator)
    values = rng.normal(mean, std, size=tensor.shape)
    bad = (values < a) | (values > b)
    while bad.any():  # rejection sampling; terminates quickly unless [a, b] is far in the tails
        values[bad] = rng.normal(mean, std, size=int(bad.sum()))
        bad = (values < a) | (values > b)
    return _fill(tensor, values)


def constant_(tensor, val):
    """Fill with the value ``val``."""
    with ag.no_grad():
        return tensor.fill_(val)


def ones_(tensor):
    """Fill with ones."""
    return constant_(tensor, 1.0)


def zeros_(tensor):
    """Fill with zeros."""
    return constant_(tensor, 0.0)


def eye_(tensor):
    """Fill a 2-D tensor with the identity matrix. Raises ValueError for other ranks."""
    if tensor.ndim != 2:
        raise ValueError(f"eye_: only tensors with 2 dimensions are supported, got shape {tuple(tensor.shape)}")
    return _fill(tensor, np.eye(*tensor.shape))


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """Glorot/Xavier uniform: ``U(-a, a)`` with ``a = gain * sqrt(6 / (fan_in + fan_out))``.

    Keeps the variance of activations and of gradients about constant through layers with a symmetric
    activation (tanh, sigmoid) - Glorot & Bengio (2010).
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = math.sqrt(3.0) * gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """Glorot/Xavier normal: ``N(0, std**2)`` with ``std = gain * sqrt(2 / (fan_in + fan_out))``.

    The book's "Xavier initial value" uses ``1 / sqrt(fan_in)`` instead: that is
    ``kaiming_normal_(w, nonlinearity='linear')``.
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)), generator)


def _kaiming_std(tensor, a, mode, nonlinearity):
    """He's std ``gain / sqrt(fan)``; None (after a warning, as PyTorch) for a tensor with no elements."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return None
    return calculate_gain(nonlinearity, a) / math.sqrt(_calculate_correct_fan(tensor, mode))


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
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


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He/Kaiming normal: ``N(0, std**2)`` with ``std = gain / sqrt(fan)``.

    With ``nonlinearity='relu'`` this is the book's "He initial value" ``sqrt(2 / n)``; with
    ``nonlinearity='linear'`` it is the book's "Xavier" ``sqrt(1 / n)``. Arguments as :func:`kaiming_uniform_`.
    """
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    return normal_(tensor, 0.0, std, generator)
