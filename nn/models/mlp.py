"""``MLP``: the chapter-6 fully connected net with its switches (init, activation, batch norm, dropout)."""
from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from ..containers import Sequential
from ..modules import GELU, BatchNorm1d, Dropout, Flatten, LeakyReLU, Linear, ReLU, Sigmoid, Tanh
from ._init import init_weights

if TYPE_CHECKING:
    from collections.abc import Sequence

    import autograd as ag

    from ..module import Module

__all__ = ["MLP"]

_ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh, "leaky_relu": LeakyReLU, "gelu": GELU}


class MLP(Sequential):
    """The book's ``MultiLayerNet(Extend)``: ``[Linear -> (BatchNorm1d) -> activation -> (Dropout)] x k -> Linear``.

    Shapes: input ``(N, input_size)`` (or ``(N, C, H, W)`` with ``C*H*W == input_size``, flattened first)
    -> logits ``(N, output_size)``. Layers are named ``flatten, fc1, bn1, act1, dropout1, ..., fc{k+1}``.

    Args:
        input_size: features per sample (784 for MNIST).
        hidden_sizes: widths of the hidden layers (depth = its length).
        output_size: number of classes.
        activation: ``'relu'``, ``'sigmoid'``, ``'tanh'``, ``'leaky_relu'`` or ``'gelu'``.
        weight_init: float std, ``'std'`` (0.01), ``'xavier'``, ``'he'`` or ``'default'`` (PyTorch's);
            see :func:`nn.models._init.init_weights`. Biases start at 0 except for ``'default'``.
        batchnorm: insert BatchNorm1d after each hidden Linear.
        dropout: dropout probability after each hidden activation (0 = none).
    Weight decay is the optimiser's ``weight_decay`` argument.
    Raises:
        ValueError: an unknown activation or init, or a dropout probability outside ``[0, 1)``.
    """

    if TYPE_CHECKING:
        def forward(self, input: Any) -> ag.Tensor: ...  # the logits (Sequential's forward, typed)

    def __init__(self, input_size: int = 784, hidden_sizes: Sequence[int] = (100, 100, 100, 100), output_size: int = 10,
                 activation: str = "relu", weight_init: float | str | None = "std", batchnorm: bool = False,
                 dropout: float = 0.0) -> None:
        if activation not in _ACTIVATIONS:
            raise ValueError(f"MLP: unknown activation {activation!r}; use one of {sorted(_ACTIVATIONS)}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"MLP: dropout probability must be in [0, 1), got {dropout}")
        layers: list[tuple[str, Module]] = [("flatten", Flatten())]
        sizes = [input_size] + list(hidden_sizes)
        for i in range(1, len(sizes)):
            layers.append((f"fc{i}", Linear(sizes[i - 1], sizes[i])))
            if batchnorm:
                layers.append((f"bn{i}", BatchNorm1d(sizes[i])))
            layers.append((f"act{i}", _ACTIVATIONS[activation]()))
            if dropout > 0:
                layers.append((f"dropout{i}", Dropout(dropout)))
        layers.append((f"fc{len(sizes)}", Linear(sizes[-1], output_size)))
        super().__init__(OrderedDict(layers))
        self.input_size = input_size
        self.hidden_sizes = tuple(hidden_sizes)
        self.output_size = output_size
        init_weights(self, weight_init)
