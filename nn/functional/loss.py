"""Losses: ``cross_entropy`` (fused, stable), ``nll_loss``, ``mse_loss``, ``binary_cross_entropy_with_logits``.

``cross_entropy`` is the book's ``SoftmaxWithLoss``: log-softmax and the negative log-likelihood in one op.
Every variant (class indices or class probabilities as target, class weights, ``ignore_index``, label
smoothing, any reduction) is the same computation: a constant (or, for probability targets, a
differentiable) coefficient array ``Q`` shaped like the input, the loss per sample
``l_i = -sum_c Q_ic * log_softmax(x)_ic``, and a denominator for ``'mean'``.  The gradient is then
``g_i * (softmax(x)_i * sum_c Q_ic - Q_i)``: for one-hot targets the familiar ``softmax - one_hot``.
"""
from __future__ import annotations

import numpy as np

from autograd import Tensor, from_numpy
from autograd.devices import to_numpy_dtype
from autograd.backend import data_of, namespace
from autograd.ops import log_softmax as _log_softmax
from autograd.ops import softmax as _softmax
from autograd.op import Op

from ._utils import as_tensor_like, check_reduction, reduce_loss, shape_of
from .activation import softplus

__all__ = ["cross_entropy", "nll_loss", "mse_loss", "binary_cross_entropy_with_logits"]


class CrossEntropy(Op):
    """``-sum_c Q_ic log_softmax(x)_ic``, reduced; inputs ``x`` and (probability targets only) the target."""

    __slots__ = ("coef", "weight", "smooth", "n_classes", "reduction", "denom", "prob", "coef_sum", "prob_target")
    attrs = ("reduction",)
    save_inputs = True
    saved_attrs = ("coef", "prob", "coef_sum")

    def __init__(self, coef, weight, smooth, reduction, denom):
        # coef: the constant Q for class-index targets, or None when Q is built from a probability target.
        # A class-index target is still passed to apply() (as a constant), so graph viewers can show it.
        self.coef, self.weight, self.smooth, self.reduction, self.denom = coef, weight, smooth, reduction, denom
        self.prob_target = coef is None

    def _coefficients(self, target, n_classes, shape):
        """Q for a probability target: ``((1 - ls) * target + ls / C) * weight``."""
        q = target * (1.0 - self.smooth) + self.smooth / n_classes if self.smooth else target
        return q if self.weight is None else q * namespace(self.weight).reshape(self.weight, shape)

    def forward(self, x, target):
        n_classes = x.shape[1]
        shape = (1, -1) + (1,) * (x.ndim - 2)
        xp = namespace(x)
        shifted = x - xp.max(x, axis=1, keepdims=True)
        exp = xp.exp(shifted)
        sums = xp.sum(exp, axis=1, keepdims=True)
        log_prob = shifted - xp.log(sums)
        coef = self._coefficients(target, n_classes, shape) if self.prob_target else self.coef
        loss = -xp.sum(coef * log_prob, axis=1)
        exp /= sums
        self.prob = exp
        self.coef_sum = xp.sum(coef, axis=1, keepdims=True)
        if self.prob_target:
            self.coef = coef
        if self.reduction == "none":
            return loss
        total = xp.sum(loss)
        if self.reduction == "sum":
            return total
        if type(x) is not np.ndarray:
            return total / float(self.denom) if self.denom else total * float("nan")
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(total / x.dtype.type(self.denom), dtype=x.dtype)

    def backward(self, grad, x, target):
        """The differentiable rule (``create_graph=True``): softmax and Q recomputed from the inputs."""
        if self.prob_target:
            coef = self._coefficients(target, x.shape[1], (1, -1) + (1,) * (len(x.shape) - 2))
            coef_sum = namespace(grad).sum(coef, axis=1, keepdims=True)
        else:
            coef, coef_sum = self.coef, self.coef_sum
        return self._rule(grad, x, coef, coef_sum, lambda: _softmax(x, 1), lambda: _log_softmax(x, 1))

    def fast_backward(self, grad, x, target):
        """The rule on arrays, reusing the forward's softmax and Q."""
        return self._rule(grad, x, self.coef, self.coef_sum, lambda: self.prob, lambda: namespace(grad).log(self.prob))

    def _rule(self, grad, x, coef, coef_sum, prob, log_prob):
        """``dx = g * (softmax(x) * sum(Q) - Q)``, ``dtarget = -g * log_softmax(x) * (1 - ls) * weight``."""
        xp = namespace(grad)
        if self.reduction == "none":
            g = xp.reshape(grad, (grad.shape[0], 1) + tuple(grad.shape[1:]))
        else:
            scale = 1.0 / self.denom if self.denom else float("nan")  # weights summing to 0: NaN, as PyTorch
            g = grad * scale if self.reduction == "mean" else grad
        gx = gt = None
        if self.needs_input_grad(0):
            gx = g * (prob() * coef_sum - coef)
        if self.prob_target and self.needs_input_grad(1):
            factor = 1.0 - self.smooth
            if self.weight is not None:
                factor = namespace(self.weight).reshape(self.weight, (1, -1) + (1,) * (len(x.shape) - 2)) * factor
            gt = g * (log_prob() * -factor)
        return gx, gt


def _class_target(op, input, target, ignore_index):
    """Validate a class-index target; returns ``(target array, valid mask)``."""
    t = data_of(target)
    xp = namespace(t)
    expected = (input.shape[0],) + tuple(input.shape[2:])
    if xp.kind(t) not in "iu":
        raise RuntimeError(
            f"{op}: expected a class-index target of an integer dtype with shape {expected} (or class probabilities of "
            f"the input's shape {shape_of(input)}), got a {to_numpy_dtype(t.dtype)} target of shape {shape_of(t)}"
        )
    if t.shape != expected:
        raise RuntimeError(f"{op}: expected target of shape {expected} for input of shape {shape_of(input)}, got target of shape {shape_of(t)}")
    valid = t != ignore_index
    n_classes = input.shape[1]
    bad = valid & ((t < 0) | (t >= n_classes))
    if xp.any(bad):
        first = Tensor._make(t)[Tensor._make(bad)].reshape(-1)[0].item()
        raise IndexError(f"{op}: target {first} is out of bounds for {n_classes} classes (input of shape {shape_of(input)})")
    return t, valid


def _one_hot_coef(t, valid, n_classes, dtype, weight):
    """Dense ``(N, C, *)`` coefficients ``w[t] * one_hot(t)`` (zero where ignored) and ``sum w[t]`` over valid."""
    xp = namespace(t)
    safe = xp.where(valid, t, 0)
    coef = xp.one_hot(xp.expand_dims(safe, axis=1), (t.shape[0], n_classes) + tuple(t.shape[1:]), 1, dtype)
    picked = xp.astype(valid, dtype)
    if weight is not None:
        picked = xp.getitem(weight, safe) * picked
    coef *= xp.expand_dims(picked, axis=1)
    return coef, float(xp.sum(picked))


def _check_weight(op, weight, n_classes, dtype):
    """The per-class ``weight`` as a ``(C,)`` array of ``dtype`` (or None); RuntimeError for another shape."""
    if weight is None:
        return None
    w = data_of(weight)
    if w.shape != (n_classes,):
        raise RuntimeError(f"{op}: expected a weight of shape ({n_classes},) (one per class), got {shape_of(w)}")
    return namespace(w).astype(w, dtype)


def _unbatched(fn, input, target, reduction, **kwargs):
    """Run the loss ``fn`` on an unbatched ``(C,)`` input and its target as a batch of one."""
    t = target if isinstance(target, Tensor) else from_numpy(np.asarray(target))
    out = fn(input.unsqueeze(0), t.unsqueeze(0), reduction=reduction, **kwargs)
    return out.squeeze(0) if reduction == "none" else out


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, *, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Softmax cross entropy of logits ``input (N, C)`` or ``(N, C, d1, ...)``, fused and stable (the book's ``SoftmaxWithLoss``).

    Args:
        input: unnormalised logits; ``(C,)`` is an unbatched sample.
        target: class indices of an integer dtype, shape ``(N,)`` / ``(N, d1, ...)``; or class probabilities of a
            floating dtype with the input's shape.
        weight: ``(C,)`` rescaling weight per class.
        ignore_index: class-index targets equal to it contribute nothing (and are not counted by ``'mean'``).
        reduction: ``'mean'`` (weighted mean over non-ignored elements, as PyTorch), ``'sum'`` or ``'none'``.
        label_smoothing: in ``[0, 1]``; mixes the target with the uniform distribution, as PyTorch.
    Raises:
        RuntimeError: a float target whose shape differs from the input's, a target of the wrong shape or dtype,
            a weight not of shape ``(C,)``, label_smoothing outside [0, 1].
        IndexError: a class index outside ``[0, C)`` (other than ``ignore_index``).
        ValueError: an unknown ``reduction``.
    """
    check_reduction(reduction, "cross_entropy")
    if input.ndim == 1:
        return _unbatched(cross_entropy, input, target, reduction, weight=weight, ignore_index=ignore_index,
                          label_smoothing=label_smoothing)
    if input.ndim < 2 or input.dtype.kind != "f":
        raise RuntimeError(f"cross_entropy: expected floating-point logits of shape (N, C) or (N, C, d1, ...), got {input.dtype} input of shape {shape_of(input)}")
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    n_classes = input.shape[1]
    w = _check_weight("cross_entropy", weight, n_classes, input.dtype)
    t_data = data_of(target)
    if namespace(t_data).kind(t_data) == "f" and t_data.shape == shape_of(input):
        # Class probabilities: 'mean' divides by the number of samples (N * d1 * ...), not by the weights.
        denom = input.numel() // n_classes
        target = as_tensor_like(target, input).to(input.dtype)
        return CrossEntropy(None, w, float(label_smoothing), reduction, denom).apply(input, target)
    t, valid = _class_target("cross_entropy", input, target, ignore_index)
    coef, denom = _one_hot_coef(t, valid, n_classes, input.dtype, w)
    xp = namespace(coef)
    if label_smoothing:
        smooth = xp.full(n_classes, label_smoothing / n_classes, dtype=input.dtype) if w is None else w * (label_smoothing / n_classes)
        coef *= 1.0 - label_smoothing
        coef += xp.reshape(smooth, (1, -1) + (1,) * (input.ndim - 2)) * xp.astype(xp.expand_dims(valid, axis=1), input.dtype)
    const_target = target if isinstance(target, Tensor) else None
    if reduction == "mean" and not xp.any(valid):
        return _mean_of_nothing(CrossEntropy(coef, w, float(label_smoothing), "sum", denom).apply(input, const_target))
    return CrossEntropy(coef, w, float(label_smoothing), reduction, denom).apply(input, const_target)


def _mean_of_nothing(total):
    """``'mean'`` when every target is ignored: NaN, whose gradient is 0 as PyTorch's (not ``0 / 0``).

    ``total`` is the loss summed over no element (0, with a zero gradient); a constant NaN is added to it.
    """
    return total * 0.0 + float("nan")


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, *, ignore_index: int = -100,
             reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities ``input (N, C)`` / ``(N, C, d1, ...)`` at class indices ``target``.

    ``'mean'`` divides by the summed weights of the non-ignored targets, as PyTorch.

    Raises:
        RuntimeError: a target of the wrong shape or a non-integer dtype, a weight not of shape ``(C,)``.
        IndexError: a class index outside ``[0, C)`` (other than ``ignore_index``).
        ValueError: an unknown ``reduction``.
    """
    check_reduction(reduction, "nll_loss")
    if input.ndim == 1:
        return _unbatched(nll_loss, input, target, reduction, weight=weight, ignore_index=ignore_index)
    if input.ndim < 2:
        raise RuntimeError(f"nll_loss: expected input of shape (N, C) or (N, C, d1, ...), got {shape_of(input)}")
    w = _check_weight("nll_loss", weight, input.shape[1], input.dtype)
    t, valid = _class_target("nll_loss", input, target, ignore_index)
    coef, denom = _one_hot_coef(t, valid, input.shape[1], input.dtype, w)
    loss = -(input * coef).sum(1)
    if reduction == "none":
        return loss
    total = loss.sum()
    if reduction == "sum":
        return total
    return total / denom if namespace(valid).any(valid) else _mean_of_nothing(total)


def _same_shape(op, input, target):
    """ValueError (naming ``op`` and both shapes) unless ``input`` and ``target`` have the same shape."""
    if shape_of(input) != shape_of(target):
        raise ValueError(
            f"{op}: target size {shape_of(target)} must be the same as input size {shape_of(input)} "
            "(no implicit broadcasting: reshape one of them, e.g. target.reshape(input.shape))"
        )


def mse_loss(input: Tensor, target: Tensor, *, reduction: str = "mean") -> Tensor:
    """Mean squared error ``(input - target)**2``, reduced.

    Unlike PyTorch (which warns and broadcasts), shapes must match exactly: a ``(N,)`` target against ``(N, 1)``
    predictions would otherwise silently become an ``(N, N)`` loss.

    Raises:
        ValueError: the shapes differ, or an unknown ``reduction``.
    """
    check_reduction(reduction, "mse_loss")
    target = as_tensor_like(target, input)
    _same_shape("mse_loss", input, target)
    diff = input - target
    return reduce_loss(diff * diff, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None, *,
                                     reduction: str = "mean", pos_weight: Tensor | None = None) -> Tensor:
    """Sigmoid + binary cross entropy in one stable expression, as PyTorch.

    ``loss = (1 - t) * x + (1 + (pos_weight - 1) * t) * softplus(-x)``, times ``weight`` (broadcast), reduced.

    Args:
        input: logits of any shape.
        target: probabilities in [0, 1] with exactly the input's shape.
        weight: rescaling weight broadcast against the loss.
        pos_weight: weight of positive examples, broadcast along the last (class) dim.
    Raises:
        ValueError: the target's shape differs from the input's, or an unknown ``reduction``.
    """
    check_reduction(reduction, "binary_cross_entropy_with_logits")
    target = as_tensor_like(target, input)
    _same_shape("binary_cross_entropy_with_logits", input, target)
    softplus_neg = softplus(-input, 1.0, float("inf"))
    if pos_weight is not None:
        log_weight = (as_tensor_like(pos_weight, input) - 1.0) * target + 1.0
        softplus_neg = log_weight * softplus_neg
    loss = (1.0 - target) * input + softplus_neg
    if weight is not None:
        loss = loss * as_tensor_like(weight, input)
    return reduce_loss(loss, reduction)
