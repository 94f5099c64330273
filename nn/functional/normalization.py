"""Normalisation: ``batch_norm`` (per channel, over every dim but 1), ``layer_norm`` (over the last dims of each
sample) and ``group_norm`` (over each group of channels of each sample).

Training mode is one fused op (``BatchNormTrain``): the forward keeps the normalised input and ``1/std`` and
the backward is the closed form ``dx = w/std * (g - mean(g) - x_hat * mean(g * x_hat))``, about twice as
fast as the same computation recorded op by op.  Under ``create_graph`` the rule recomputes ``x_hat`` from
the input with differentiable ops, so second derivatives work too.  Evaluation mode is an affine map with
constants and is recorded from ordinary ops.

``layer_norm`` and ``group_norm`` share :class:`Standardize`, the same closed-form rule without the affine part
(their per-element or per-channel weights do not line up with the statistics' axes, so the affine map is
recorded from ordinary broadcasting ops).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from autograd import no_grad, from_numpy
from autograd.backend import namespace
from autograd.op import Op

from . import generic
from ._utils import shape_of
from .activation import _scalar

if TYPE_CHECKING:
    from collections.abc import Sequence

    from autograd import Tensor

__all__ = ["batch_norm", "layer_norm", "group_norm"]


def _channel_sum(a, other=None):
    """Per-channel sum of ``a`` (or of ``a * other``) over every dim but 1, as a ``(C,)`` array.

    For ``(N, C, *)`` input a batched matrix-vector product does it about 3x faster than ``np.sum`` over
    ``(0, 2, 3)``, and for ``a * other`` it never materialises the product.
    """
    n, c = a.shape[:2]
    if a.ndim == 2:
        return a.sum(axis=0) if other is None else np.einsum("nc,nc->c", a, other)
    a3 = a.reshape(n, c, 1, -1)
    if other is None:
        return np.matmul(a3, np.ones((a3.shape[3], 1), dtype=a.dtype)).sum(axis=0).reshape(c)
    return np.matmul(a3, other.reshape(n, c, -1, 1)).sum(axis=0).reshape(c)


class BatchNormTrain(Op):
    """``(x - mean) / sqrt(var + eps) * weight + bias`` with the batch's biased mean/variance per channel."""

    __slots__ = ("axes", "eps", "x_hat", "inv_std", "mean", "var")
    attrs = ("eps",)
    save_inputs = True
    saved_attrs = ("x_hat", "inv_std")

    def __init__(self, axes, eps):
        self.axes, self.eps = axes, eps

    def forward(self, x, weight, bias):
        shape = (1, -1) + (1,) * (x.ndim - 2)
        count = x.size // x.shape[1]
        mean = _channel_sum(x) / count
        x_hat = x - mean.reshape(shape)
        var = _channel_sum(x_hat, x_hat) / count
        inv_std = (1.0 / np.sqrt(var + x.dtype.type(self.eps))).astype(x.dtype, copy=False)
        x_hat *= inv_std.reshape(shape)
        self.x_hat, self.inv_std = x_hat, inv_std
        self.mean, self.var = mean, var
        if weight is None:
            out = x_hat.copy() if bias is not None else x_hat
        else:
            out = x_hat * weight.reshape(shape)
        if bias is not None:
            out += bias.reshape(shape)
        return out

    def fast_backward(self, grad, x, weight, bias):
        """The fused rule on arrays: reuses the forward's ``x_hat`` and per-channel sums."""
        shape = (1, -1) + (1,) * (grad.ndim - 2)
        count = grad.size // grad.shape[1]
        x_hat = self.x_hat
        g_sum = _channel_sum(grad)
        gx_hat_sum = _channel_sum(grad, x_hat)
        gx = gw = gb = None
        if self.needs_input_grad(0):
            scale = self.inv_std if weight is None else self.inv_std * weight
            # dx = scale * (g - mean(g) - x_hat * mean(g * x_hat)), with the per-channel factors folded first.
            gx = x_hat * (-(gx_hat_sum * scale) / count).reshape(shape)
            gx += (-(g_sum * scale) / count).reshape(shape)
            gx += grad * scale.reshape(shape)
        if weight is not None and self.needs_input_grad(1):
            gw = gx_hat_sum
        if bias is not None and self.needs_input_grad(2):
            gb = g_sum
        return gx, gw, gb

    def backward(self, grad, x, weight, bias):
        """The differentiable rule (``create_graph=True``), ``x_hat`` recomputed from ``x``."""
        axes = self.axes
        shape = (1, -1) + (1,) * (len(grad.shape) - 2)
        count = grad.numel() // grad.shape[1]
        centred = x - x.mean(axes, keepdim=True)
        inv_std = 1.0 / ((centred * centred).mean(axes, keepdim=True) + self.eps).sqrt()
        x_hat = centred * inv_std
        g_sum = grad.sum(axes, keepdim=True)
        gx_hat_sum = (grad * x_hat).sum(axes, keepdim=True)
        gx = gw = gb = None
        if self.needs_input_grad(0):
            scale = inv_std if weight is None else inv_std * weight.reshape(shape)
            gx = (grad - g_sum * (1.0 / count) - x_hat * (gx_hat_sum * (1.0 / count))) * scale
        if weight is not None and self.needs_input_grad(1):
            gw = gx_hat_sum.reshape(-1)
        if bias is not None and self.needs_input_grad(2):
            gb = g_sum.reshape(-1)
        return gx, gw, gb


def _affine(input, weight, bias):
    """``input * weight + bias`` per channel (dim 1): an empty batch's normalisation, which keeps the parameters
    in the graph (their gradients are zeros, as PyTorch's)."""
    shape = (1, input.shape[1]) + (1,) * (input.ndim - 2)
    out = input if weight is None else input * weight.reshape(shape)
    return out if bias is None else out + bias.reshape(shape)


def _check(input, running_mean, running_var, weight, bias, training):
    """The argument checks of :func:`batch_norm` (its Raises section lists them)."""
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected an input of at least 2 dims (N, C, ...), got input of shape {shape_of(input)}")
    c = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias)):
        if t is not None and shape_of(t) != (c,):
            raise RuntimeError(
                f"batch_norm: {name} of shape {shape_of(t)} does not match the {c} channels (dim 1) of the input of shape {shape_of(input)}; expected ({c},)"
            )
    if (running_mean is None) != (running_var is None):
        raise RuntimeError("batch_norm: running_mean and running_var must both be given or both be None")
    if training:
        if 0 < input.numel() // c <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, got input of shape {shape_of(input)}")
    elif running_mean is None:
        raise RuntimeError("batch_norm: running_mean and running_var must be defined in evaluation mode (training=False)")


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None, weight: Tensor | None = None,
               bias: Tensor | None = None, training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalisation per channel of ``(N, C)``, ``(N, C, L)`` or ``(N, C, H, W)`` input, as PyTorch.

    In training the batch mean and biased variance normalise the input, and the running statistics (when
    given) are updated in place under no grad with PyTorch's convention
    ``running = (1 - momentum) * running + momentum * batch_stat``, using the *unbiased* variance for
    ``running_var``.  In evaluation the running statistics normalise the input.

    Args:
        input: ``(N, C, *)``.
        running_mean, running_var: ``(C,)`` Tensors (buffers) or None (training only).
        weight, bias: ``(C,)`` affine parameters (gamma, beta) or None.
        training: use batch statistics (and update the running ones).
        momentum: the weight of the new batch statistic in the running average.
        eps: added to the variance for stability.
    Raises:
        ValueError: input of fewer than 2 dims, or a single value per channel in training.
        RuntimeError: a parameter or statistic whose shape is not ``(C,)``, or no running statistics in eval mode.
    """
    _check(input, running_mean, running_var, weight, bias, training)
    if not generic.is_numpy(input):  # another array-API library: the same computation from ordinary ops
        return generic.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)
    if input.numel() == 0:  # an empty batch: empty out, zero gradients, running statistics untouched (PyTorch)
        return _affine(input, weight, bias)
    axes = (0,) + tuple(range(2, input.ndim))
    shape = (1, -1) + (1,) * (input.ndim - 2)
    if training:
        fn = BatchNormTrain(axes, eps)
        out = fn.apply(input, weight, bias)
        if running_mean is not None:
            assert running_var is not None  # (_check: both statistics or neither)
            count = input.numel() // input.shape[1]
            with no_grad():
                running_mean.mul_(1 - momentum).add_(fn.mean, alpha=momentum)
                running_var.mul_(1 - momentum).add_(fn.var * (count / (count - 1)), alpha=momentum)
        fn.mean = fn.var = None
        return out
    assert running_mean is not None and running_var is not None  # (_check: eval mode needs them)
    inv_std = 1.0 / np.sqrt(running_var.numpy().astype(input.dtype, copy=False) + input.dtype.type(eps))
    mean = running_mean.numpy().astype(input.dtype, copy=False).reshape(shape)
    scale = from_numpy(inv_std.reshape(shape)) if weight is None else weight.reshape(shape) * inv_std.reshape(shape)
    out = (input - mean) * scale
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


class Standardize(Op):
    """``(x - mean) / sqrt(var + eps)`` with the biased mean/variance over ``axes`` (the other dims are independent)."""

    __slots__ = ("axes", "eps", "x_hat", "inv_std")
    attrs = ("axes", "eps")
    save_inputs = True
    saved_attrs = ("x_hat", "inv_std")

    def __init__(self, axes, eps):
        self.axes, self.eps = axes, eps

    def forward(self, x):
        xp = namespace(x)
        x_hat = x - xp.mean(x, axis=self.axes, keepdims=True)
        var = xp.mean(x_hat * x_hat, axis=self.axes, keepdims=True)
        self.inv_std = xp.astype(1.0 / xp.sqrt(var + _scalar(x, self.eps)), x.dtype)
        x_hat *= self.inv_std
        self.x_hat = x_hat
        return xp.copy(x_hat)

    def fast_backward(self, grad, x):
        """The fused rule on arrays: ``inv_std * (g - mean(g) - x_hat * mean(g * x_hat))`` from the forward's ``x_hat``."""
        xp = namespace(grad)
        x_hat = self.x_hat
        gx = grad - xp.mean(grad, axis=self.axes, keepdims=True)
        gx -= x_hat * xp.mean(grad * x_hat, axis=self.axes, keepdims=True)
        gx *= self.inv_std
        return gx

    def backward(self, grad, x):
        """The differentiable rule (``create_graph=True``), ``x_hat`` recomputed from ``x``."""
        xp = namespace(grad)
        axes = self.axes
        scale = 1.0 / _count(x.shape, axes)
        centred = x - xp.sum(x, axis=axes, keepdims=True) * scale
        inv_std = 1.0 / xp.sqrt(xp.sum(centred * centred, axis=axes, keepdims=True) * scale + self.eps)
        x_hat = centred * inv_std
        g_mean = xp.sum(grad, axis=axes, keepdims=True) * scale
        gx_hat_mean = xp.sum(grad * x_hat, axis=axes, keepdims=True) * scale
        return (grad - g_mean - x_hat * gx_hat_mean) * inv_std


def _count(shape, axes):
    """The number of elements each statistic over ``axes`` averages."""
    count = 1
    for a in axes:
        count *= int(shape[a])
    return count


def layer_norm(input: Tensor, normalized_shape: int | Sequence[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise each sample over its last ``len(normalized_shape)`` dims, then ``* weight + bias``, as PyTorch.

    Args:
        input: ``(*, *normalized_shape)``.
        normalized_shape: a tuple/list of ints (the trailing dims), as ``torch.nn.functional.layer_norm``.
        weight, bias: elementwise affine parameters of shape ``normalized_shape``, or None.
    Raises:
        TypeError: ``normalized_shape`` is not a sequence of ints.
        RuntimeError: an empty ``normalized_shape``, an input whose trailing dims differ from it, or a weight or
            bias of another shape.
    """
    if not isinstance(normalized_shape, (tuple, list)) or not all(isinstance(s, (int, np.integer)) for s in normalized_shape):
        raise TypeError(f"layer_norm: normalized_shape must be a tuple of ints, got {normalized_shape!r}")
    shape = tuple(int(s) for s in normalized_shape)
    if not shape:
        raise RuntimeError("layer_norm: expected normalized_shape to have at least one element, got ()")
    k = len(shape)
    if shape_of(input)[-k:] != shape:
        raise RuntimeError(f"layer_norm: given normalized_shape={shape}, expected input with shape (*, {', '.join(map(str, shape))}), but got input of shape {shape_of(input)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and shape_of(t) != shape:
            raise RuntimeError(f"layer_norm: expected {name} of shape normalized_shape={shape}, got {name} of shape {shape_of(t)}")
    out = Standardize(tuple(range(input.ndim - k, input.ndim)), eps).apply(input)
    if weight is not None:
        out = out * weight
    return out if bias is None else out + bias


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise each sample over each of ``num_groups`` groups of channels, then per-channel affine, as PyTorch.

    Args:
        input: ``(N, C, *)`` with ``C`` divisible by ``num_groups``.
        weight, bias: per-channel ``(C,)`` parameters, or None.
    Raises:
        RuntimeError: fewer than 2 dims, channels not divisible by ``num_groups``, weight/bias not ``(C,)``.
        ValueError: a single sample with a single position (``N * prod(*) == 1``), as PyTorch.
    """
    if input.ndim < 2:
        raise RuntimeError(f"group_norm: expected an input of at least 2 dims (N, C, *), got input of shape {shape_of(input)}")
    n, c = shape_of(input)[:2]
    if not isinstance(num_groups, (int, np.integer)) or num_groups <= 0 or c % num_groups:
        raise RuntimeError(f"group_norm: expected the channels of the input of shape {shape_of(input)} to be divisible by num_groups={num_groups!r}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and shape_of(t) != (c,):
            raise RuntimeError(f"group_norm: expected {name} of shape ({c},) (the channels of the input of shape {shape_of(input)}), got {shape_of(t)}")
    if n * _count(input.shape, range(2, input.ndim)) == 1:  # PyTorch's check: one sample of one position
        raise ValueError(f"group_norm: expected more than 1 value per channel, got input of shape {shape_of(input)}")
    if input.numel() == 0:
        return _affine(input, weight, bias)
    grouped = input.reshape(n, int(num_groups), -1)
    out = Standardize((2,), eps).apply(grouped).reshape(input.shape)
    shape = (1, c) + (1,) * (input.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(shape)
    return out if bias is None else out + bias.reshape(shape)
