"""``Linear``: the fully connected layer (the book's "Affine" layer)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .. import functional as F
from ..module import Module
from ._utils import _check_device, _reset_weight_and_bias, _weight_and_bias, shape_of

if TYPE_CHECKING:
    import autograd as ag
    from autograd.types import DeviceLike, DTypeLike

    from ..parameter import Parameter

__all__ = ["Linear"]


class Linear(Module):
    """``y = x @ weight.T + bias``: the book's "Affine" layer, with PyTorch's layout and initialisation.

    Shapes: input ``(*, in_features)`` -> output ``(*, out_features)``.
    Attributes:
        weight: ``(out_features, in_features)`` (the transpose of the book's ``W``).
        bias: ``(out_features,)``, or None with ``bias=False``.
    Both start uniform in ``[-1/sqrt(in_features), 1/sqrt(in_features)]``, as PyTorch
    (``kaiming_uniform_(a=sqrt(5))`` for the weight).
    """

    weight: Parameter
    bias: Parameter | None

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device: DeviceLike | None = None,
                 dtype: DTypeLike | None = None) -> None:
        super().__init__()
        _check_device(device, type(self).__name__)
        self.in_features = in_features
        self.out_features = out_features
        _weight_and_bias(self, (out_features, in_features), bias, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draw weight and bias with PyTorch's default initialisation."""
        _reset_weight_and_bias(self.weight, self.bias)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        """Apply the affine map to the last dim. Raises RuntimeError when it is not ``in_features`` long."""
        if input.ndim == 0 or input.shape[-1] != self.in_features:
            raise RuntimeError(f"{self!r}: expected input with last dimension {self.in_features}, "
                               f"got input of shape {shape_of(input)}")
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
