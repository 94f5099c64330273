"""Loss layers: ``CrossEntropyLoss`` (the book's "SoftmaxWithLoss"), ``NLLLoss``, ``MSELoss``, ``BCEWithLogitsLoss``,
``BCELoss``, ``KLDivLoss``, ``L1Loss``, ``SmoothL1Loss``, ``HuberLoss``, ``MarginRankingLoss``, ``SoftMarginLoss``,
``TripletMarginLoss``.

Each is ``loss(input, target)`` over the ``nn.functional`` function of the same name. ``reduction`` is
``'mean'`` (default), ``'sum'`` or ``'none'`` (one loss per element/sample). Class weights and
``pos_weight`` are registered as buffers, so they are part of the state dict (as in PyTorch).
"""
from __future__ import annotations

from typing import Any

import autograd as ag

from .. import functional as F
from ..functional._utils import check_reduction
from ..module import Module

__all__ = [
    "CrossEntropyLoss", "NLLLoss", "MSELoss", "BCEWithLogitsLoss", "BCELoss", "KLDivLoss", "L1Loss", "SmoothL1Loss",
    "HuberLoss", "MarginRankingLoss", "SoftMarginLoss", "TripletMarginLoss",
]


class _Loss(Module):
    """Base of the loss layers: checks and keeps ``reduction``. Raises ValueError for an unknown one."""

    reductions: tuple[str, ...] = ("none", "mean", "sum")  # the values this loss accepts

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        check_reduction(reduction, type(self).__name__, self.reductions)
        self.reduction = reduction


def _optional_tensor(value: Any, name: str) -> ag.Tensor | None:
    """``value`` if it is a Tensor or None (an optional weight); TypeError naming ``name`` otherwise."""
    if value is None or isinstance(value, ag.Tensor):
        return value
    raise TypeError(f"{name} must be a Tensor or None, got {type(value).__name__}")


class CrossEntropyLoss(_Loss):
    """Softmax followed by the negative log-likelihood, fused and stable: the book's "SoftmaxWithLoss".

    Shapes: input ``(N, C)`` logits (or ``(N, C, d1, ...)``); target ``(N,)`` int64 class indices in
    ``[0, C)`` (or class probabilities shaped like the input). Output: a scalar, or ``(N,)`` with
    ``reduction='none'``.
    Args:
        weight: ``(C,)`` per-class weights. ignore_index: a target value that contributes nothing.
        label_smoothing: mix the target with the uniform distribution by this amount.
    """

    weight: ag.Tensor | None

    def __init__(self, weight: ag.Tensor | None = None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(reduction)
        self.register_buffer("weight", _optional_tensor(weight, "CrossEntropyLoss: weight"))
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        """The loss of logits ``input`` against ``target``."""
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_Loss):
    """Negative log-likelihood of log-probabilities (``LogSoftmax`` output) at the target classes.

    Shapes: input ``(N, C)`` log-probabilities, target ``(N,)`` int64 class indices.
    """

    weight: ag.Tensor | None

    def __init__(self, weight: ag.Tensor | None = None, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.register_buffer("weight", _optional_tensor(weight, "NLLLoss: weight"))
        self.ignore_index = ignore_index

    def forward(self, input: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        """The loss of log-probabilities ``input`` against ``target``."""
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index, reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error ``mean((input - target)**2)`` (the book's "mean squared error"; the book's
    version halves it and sums over samples instead: ``0.5 * sum``).

    Shapes: input and target of the same shape.
    """

    def forward(self, input: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        """The squared error of ``input`` against ``target``."""
        return F.mse_loss(input, target, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid followed by binary cross entropy, fused and stable (for binary / multi-label targets).

    Shapes: input logits and float target in ``[0, 1]`` of the same shape.
    Args:
        weight: rescales each element's loss (broadcast against the input).
        pos_weight: weight of the positive examples, per class (broadcast along the last dim).
    """

    weight: ag.Tensor | None
    pos_weight: ag.Tensor | None

    def __init__(self, weight: ag.Tensor | None = None, reduction: str = "mean",
                 pos_weight: ag.Tensor | None = None) -> None:
        super().__init__(reduction)
        self.register_buffer("weight", _optional_tensor(weight, "BCEWithLogitsLoss: weight"))
        self.register_buffer("pos_weight", _optional_tensor(pos_weight, "BCEWithLogitsLoss: pos_weight"))

    def forward(self, input: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        """The loss of logits ``input`` against probabilities ``target``."""
        return F.binary_cross_entropy_with_logits(input, target, weight=self.weight, reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class BCELoss(_Loss):
    """Binary cross entropy of probabilities (a ``Sigmoid`` output); prefer :class:`BCEWithLogitsLoss` on logits.

    Shapes: input probabilities in [0, 1] and a float target of the same shape.
    Args:
        weight: rescales each element's loss (broadcast to the input's shape); a buffer.
    """

    weight: ag.Tensor | None

    def __init__(self, weight: ag.Tensor | None = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.register_buffer("weight", _optional_tensor(weight, "BCELoss: weight"))

    def forward(self, input: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        """The loss of probabilities ``input`` against ``target``."""
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence of log-probabilities ``input`` from ``target`` (probabilities, or log-probabilities
    with ``log_target=True``). ``reduction='batchmean'`` gives the mathematical KL divergence per sample."""

    reductions = ("none", "batchmean", "sum", "mean")

    def __init__(self, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__(reduction)
        self.log_target = log_target

    def forward(self, input: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        """The divergence of ``target`` from ``exp(input)``."""
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class L1Loss(_Loss):
    """Mean absolute error ``mean(|input - target|)``. Shapes: input and target of the same shape."""

    def forward(self, input: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        """The absolute error of ``input`` against ``target``."""
        return F.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """Quadratic for ``|input - target| < beta`` (as ``0.5 d**2 / beta``), linear beyond. Same shapes."""

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        """The smooth L1 loss of ``input`` against ``target``."""
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Quadratic for ``|input - target| <= delta`` (as ``0.5 d**2``), linear (slope ``delta``) beyond. Same shapes."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        """The Huber loss of ``input`` against ``target``."""
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class MarginRankingLoss(_Loss):
    """``max(0, -y * (x1 - x2) + margin)`` for targets ``y`` in {1, -1}. Shapes: ``(N,)`` each (broadcastable)."""

    def __init__(self, margin: float = 0.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input1: ag.Tensor, input2: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        """The ranking loss of the pair ``(input1, input2)`` against ``target``."""
        return F.margin_ranking_loss(input1, input2, target, self.margin, reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """Two-class logistic loss ``log(1 + exp(-y * x))`` for targets ``y`` in {1, -1}. Same shapes."""

    def forward(self, input: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        """The soft margin loss of ``input`` against ``target``."""
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """``max(d(a, p) - d(a, n) + margin, 0)`` with ``d`` the p-norm distance (``swap``: the distance swap).

    Shapes: anchor, positive and negative ``(N, D)`` (or ``(D,)``) -> a scalar, or ``(N,)`` with ``'none'``.
    """

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6, swap: bool = False,
                 reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin, self.p, self.eps, self.swap = margin, p, eps, swap

    def forward(self, anchor: ag.Tensor, positive: ag.Tensor, negative: ag.Tensor) -> ag.Tensor:
        """The triplet loss of ``anchor`` with ``positive`` and ``negative`` examples."""
        return F.triplet_margin_loss(anchor, positive, negative, self.margin, self.p, self.eps, self.swap,
                                     reduction=self.reduction)
