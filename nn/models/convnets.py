"""The book's chapter-7 and chapter-8 CNNs: ``SimpleConvNet`` and the VGG-like ``DeepConvNet``."""
from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from ..containers import Sequential
from ..functional.conv import _out_size
from ..modules import Conv2d, Dropout, Flatten, Linear, MaxPool2d, ReLU
from ._init import init_weights

if TYPE_CHECKING:
    from collections.abc import Mapping

    import autograd as ag

    from ..module import Module

__all__ = ["SimpleConvNet", "DeepConvNet"]


class SimpleConvNet(Sequential):
    """The book's chapter-7 CNN: ``conv - relu - pool - affine - relu - affine`` (softmax is in the loss).

    Layers (named as the book's, PyTorch-style): ``conv1`` (30 filters 5x5), ``relu1``, ``pool1`` (2x2 max,
    stride 2), ``flatten``, ``fc1`` (the book's Affine1, 100 units), ``relu2``, ``fc2`` (Affine2, 10 classes).
    Shapes: ``(N, C, H, W)`` -> logits ``(N, output_size)``; 4320 features reach fc1 for 1x28x28 input.

    Args:
        input_dim: ``(C, H, W)`` of one sample.
        conv_param: dict with ``filter_num``, ``filter_size``, ``pad``, ``stride`` (missing keys take the
            book's 30, 5, 0, 1).
        hidden_size, output_size: widths of fc1 and fc2.
        weight_init_std: the std of the normal initial weights (biases 0), as the book; also accepts
            ``'he'``, ``'xavier'`` or ``'default'`` (PyTorch's init).
    Raises:
        ValueError: the filter does not fit the input.
    """

    if TYPE_CHECKING:
        def forward(self, input: Any) -> ag.Tensor: ...  # the logits (Sequential's forward, typed)

    def __init__(self, input_dim: tuple[int, int, int] = (1, 28, 28), conv_param: Mapping[str, int] | None = None,
                 hidden_size: int = 100, output_size: int = 10, weight_init_std: float | str | None = 0.01) -> None:
        param = {"filter_num": 30, "filter_size": 5, "pad": 0, "stride": 1}
        param.update(conv_param or {})
        channels, height, width = input_dim
        fn, fs, pad, stride = param["filter_num"], param["filter_size"], param["pad"], param["stride"]
        conv_h, conv_w = _out_size(height, fs, 1, pad, stride), _out_size(width, fs, 1, pad, stride)
        if conv_h < 2 or conv_w < 2:
            raise ValueError(f"SimpleConvNet: a {fs}x{fs} filter (pad {pad}, stride {stride}) leaves a {conv_h}x{conv_w} "
                             f"map for input {tuple(input_dim)}; the 2x2 pooling needs at least 2x2")
        pooled = fn * (conv_h // 2) * (conv_w // 2)
        super().__init__(OrderedDict([
            ("conv1", Conv2d(channels, fn, fs, stride=stride, padding=pad)),
            ("relu1", ReLU()),
            ("pool1", MaxPool2d(2, stride=2)),
            ("flatten", Flatten()),
            ("fc1", Linear(pooled, hidden_size)),
            ("relu2", ReLU()),
            ("fc2", Linear(hidden_size, output_size)),
        ]))
        self.input_dim = tuple(input_dim)
        init_weights(self, weight_init_std)


class DeepConvNet(Sequential):
    """The book's VGG-like deep CNN (chapter 8): six 3x3 convolutions, three 2x2 max pools, two Linear layers.

    ``conv(16) relu conv(16) relu pool - conv(32) relu conv(32) relu pool - conv(64) relu conv(64) relu pool
    - flatten - fc(50) relu dropout - fc(10)``, He-initialised (std ``sqrt(2 / fan_in)``, biases 0), as the
    book. Every convolution has padding 1 except ``conv4``, which has padding 2 as in the book (so 28x28
    input reaches the classifier as 64x4x4). Layers are named ``conv1..conv6``, ``relu1..relu7``,
    ``pool1..pool3``, ``flatten``, ``fc1``, ``dropout``, ``fc2``.
    Shapes: ``(N, C, H, W)`` -> logits ``(N, output_size)``.

    Args:
        input_dim: ``(C, H, W)``. hidden_size: width of fc1 (50). output_size: classes (10).
        dropout: dropout probability before fc2 (0.5, the book's ratio).
    """

    if TYPE_CHECKING:
        def forward(self, input: Any) -> ag.Tensor: ...  # the logits (Sequential's forward, typed)

    def __init__(self, input_dim: tuple[int, int, int] = (1, 28, 28), hidden_size: int = 50, output_size: int = 10,
                 dropout: float = 0.5) -> None:
        channels, height, width = input_dim
        spec: list[tuple[int, int] | str] = [
            (16, 1), (16, 1), "pool", (32, 1), (32, 2), "pool", (64, 1), (64, 1), "pool"]
        layers: list[tuple[str, Module]] = []
        conv_i, pool_i, c = 0, 0, channels
        for item in spec:
            if isinstance(item, str):  # "pool"
                pool_i += 1
                layers.append((f"pool{pool_i}", MaxPool2d(2, stride=2)))
                height, width = height // 2, width // 2
                continue
            out, pad = item
            conv_i += 1
            layers.append((f"conv{conv_i}", Conv2d(c, out, 3, padding=pad)))
            layers.append((f"relu{conv_i}", ReLU()))
            height, width, c = height + 2 * pad - 2, width + 2 * pad - 2, out
        if height < 1 or width < 1:
            raise ValueError(f"DeepConvNet: input {tuple(input_dim)} is too small for three 2x2 poolings")
        layers += [
            ("flatten", Flatten()),
            ("fc1", Linear(c * height * width, hidden_size)),
            (f"relu{conv_i + 1}", ReLU()),
            ("dropout", Dropout(dropout)),
            ("fc2", Linear(hidden_size, output_size)),
        ]
        super().__init__(OrderedDict(layers))
        self.input_dim = tuple(input_dim)
        init_weights(self, "he")
