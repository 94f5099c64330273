"""Classic CNNs scaled for 28x28 / 32x32 input: ``LeNet5`` and ``AlexNet``."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..containers import Sequential
from ..module import Module
from ..modules import AdaptiveAvgPool2d, AvgPool2d, Conv2d, Dropout, Linear, MaxPool2d, ReLU, Sigmoid, Tanh

if TYPE_CHECKING:
    import autograd as ag

__all__ = ["LeNet5", "AlexNet"]

_ACTIVATIONS = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid}


class LeNet5(Module):
    """LeCun et al.'s LeNet-5: ``conv 6@5x5 - pool - conv 16@5x5 - pool - fc 120 - fc 84 - fc classes``.

    Designed for 32x32 input; 28x28 input (MNIST) gets padding 2 in the first convolution, which gives
    the same 16x5x5 features. Submodules: ``features`` (convolutions and pooling) and ``classifier``.
    Shapes: ``(N, in_channels, input_size, input_size)`` -> logits ``(N, num_classes)``.

    Args:
        in_channels: image channels. num_classes: outputs. input_size: side of the square input.
        padding: of the first convolution (default: 2 below 32x32, else 0).
        activation: ``'relu'`` (modern default), ``'tanh'`` or ``'sigmoid'`` (the original's squashing).
        pooling: ``'max'`` (default) or ``'avg'`` (the original's subsampling).
    Raises:
        ValueError: an input too small for the two convolutions, or an unknown option.
    """

    def __init__(self, in_channels: int = 1, num_classes: int = 10, input_size: int = 28, padding: int | None = None,
                 activation: str = "relu", pooling: str = "max") -> None:
        super().__init__()
        if activation not in _ACTIVATIONS:
            raise ValueError(f"LeNet5: unknown activation {activation!r}; use one of {sorted(_ACTIVATIONS)}")
        if pooling not in ("max", "avg"):
            raise ValueError(f"LeNet5: pooling must be 'max' or 'avg', got {pooling!r}")
        if padding is None:
            padding = 2 if input_size < 32 else 0
        side = ((input_size + 2 * padding - 4) // 2 - 4) // 2
        if side < 1:
            raise ValueError(f"LeNet5: input_size {input_size} with padding {padding} is too small")
        act, pool = _ACTIVATIONS[activation], (MaxPool2d if pooling == "max" else AvgPool2d)
        self.features = Sequential(
            Conv2d(in_channels, 6, 5, padding=padding), act(), pool(2),
            Conv2d(6, 16, 5), act(), pool(2),
        )
        self.classifier = Sequential(
            Linear(16 * side * side, 120), act(),
            Linear(120, 84), act(),
            Linear(84, num_classes),
        )

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        """Logits for a batch of images ``(N, C, H, W)``."""
        return self.classifier(self.features(x).flatten(1))


class AlexNet(Module):
    """Krizhevsky et al.'s AlexNet layer pattern, scaled down for 28x28 / 32x32 images.

    Five convolutions (the first two followed by overlapping 3x3/stride-2 max pooling, the fifth too),
    ReLU after each, then three fully connected layers with dropout before the first two, as the
    original. The 11x11/stride-4 first convolution becomes 5x5/stride-1 for small images, an adaptive
    average pool fixes the classifier's input at ``pool_size x pool_size`` whatever the input size, and
    all widths are scaled by ``width`` (1.0 = the original 64-192-384-256-256 channels and 4096 units).
    Submodules: ``features``, ``avgpool``, ``classifier``.
    Shapes: ``(N, in_channels, H, W)`` with ``H, W >= 15`` -> logits ``(N, num_classes)``.

    Args:
        in_channels, num_classes: input channels and outputs. width: channel/unit multiplier.
        dropout: dropout probability in the classifier. pool_size: side of the pooled feature map.
    """

    def __init__(self, in_channels: int = 3, num_classes: int = 10, width: float = 0.25, dropout: float = 0.5,
                 pool_size: int = 2) -> None:
        super().__init__()
        c1, c2, c3, c4, c5 = (max(1, round(c * width)) for c in (64, 192, 384, 256, 256))
        hidden = max(1, round(4096 * width))
        self.features = Sequential(
            Conv2d(in_channels, c1, 5, padding=2), ReLU(), MaxPool2d(3, stride=2),
            Conv2d(c1, c2, 5, padding=2), ReLU(), MaxPool2d(3, stride=2),
            Conv2d(c2, c3, 3, padding=1), ReLU(),
            Conv2d(c3, c4, 3, padding=1), ReLU(),
            Conv2d(c4, c5, 3, padding=1), ReLU(), MaxPool2d(3, stride=2),
        )
        self.avgpool = AdaptiveAvgPool2d(pool_size)
        self.classifier = Sequential(
            Dropout(dropout), Linear(c5 * pool_size * pool_size, hidden), ReLU(),
            Dropout(dropout), Linear(hidden, hidden), ReLU(),
            Linear(hidden, num_classes),
        )
        self.min_input_size = 15  # three 3x3/stride-2 pools need 15 -> 7 -> 3 -> 1

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        """Logits for a batch of images ``(N, C, H, W)``."""
        if min(x.shape[-2:]) < self.min_input_size:
            raise RuntimeError(f"AlexNet: input of shape {tuple(x.shape)} is too small; "
                               f"height and width must be at least {self.min_input_size}")
        return self.classifier(self.avgpool(self.features(x)).flatten(1))
