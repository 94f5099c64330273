"""Loss layers: ``CrossEntropyLoss`` (the book's "SoftmaxWithLoss"), ``NLLLoss``, ``MSELoss``, ``BCEWithLogitsLoss``.

Each is ``loss(input, target)`` over the ``nn.functional`` function of the same name. ``reduction`` is
``'mean'`` (default), ``'sum'`` or ``'none'`` (one loss per element/sample). Class weights and
``pos_weight`` are registered as buffers, so they are part of the state dict (as in PyTorch).
"""
import autograd as ag

from .. import functional as F
from ..functional._utils import check_reduction
from ..module import Module

__all__ = ["CrossEntropyLoss", "NLLLoss", "MSELoss", "BCEWithLogitsLoss"]


class _Loss(Module):
    """Base of the loss layers: checks and keeps ``reduction``. Raises ValueError for an unknown one."""

    def __init__(self, reduction="mean"):
        super().__init__()
        check_reduction(reduction, type(self).__name__)
        self.reduction = reduction


def _optional_tensor(value, name):
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

    def __init__(self, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        super().__init__(reduction)
        self.register_buffer("weight", _optional_tensor(weight, "CrossEntropyLoss: weight"))
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        """The loss of logits ``input`` against ``target``."""
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_Loss):
    """Negative log-likelihood of log-probabilities (``LogSoftmax`` output) at the target classes.

    Shapes: input ``(N, C)`` log-probabilities, target ``(N,)`` int64 class indices.
    """

    def __init__(self, weight=None, ignore_index=-100, reduction="mean"):
        super().__init__(reduction)
        self.register_buffer("weight", _optional_tensor(weight, "NLLLoss: weight"))
        self.ignore_index = ignore_index

    def forward(self, input, target):
        """The loss of log-probabilities ``input`` against ``target``."""
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index, reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error ``mean((input - target)**2)`` (the book's "mean squared error"; the book's
    version halves it and sums over samples instead: ``0.5 * sum``).

    Shapes: input and target of the same shape.
    """

    def forward(self, input, target):
        """The squared error of ``input`` against ``target``."""
        return F.mse_loss(input, target, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid followed by binary cross entropy, fused and stable (for binary / multi-label targets).

    Shapes: input logits and float target in ``[0, 1]`` of the same shape.
    Args:
        weight: rescales each element's loss (broadcast against the input).
        pos_weight: weight of the positive examples, per class (broadcast along the last dim).
    """

    def __init__(self, weight=None, reduction="mean", pos_weight=None):
        super().__init__(reduction)
        self.register_buffer("weight", _optional_tensor(weight, "BCEWithLogitsLoss: weight"))
        self.register_buffer("pos_weight", _optional_tensor(pos_weight, "BCEWithLogitsLoss: pos_weight"))

    def forward(self, input, target):
        """The loss of logits ``input`` against probabilities ``target``."""
        return F.binary_cross_entropy_with_logits(input, target, weight=self.weight, reduction=self.reduction,
                                                  pos_weight=self.pos_weight)
