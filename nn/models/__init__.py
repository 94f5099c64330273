"""The model zoo: the book's networks (``SimpleConvNet``, ``MLP``, ``DeepConvNet``) and classic CNNs
(``LeNet5``, ``AlexNet``), each a plain Module taking ``(N, C, H, W)`` (or ``(N, features)``) input."""
from ._init import init_weights
from .classic import AlexNet, LeNet5
from .convnets import DeepConvNet, SimpleConvNet
from .mlp import MLP

__all__ = ["SimpleConvNet", "LeNet5", "AlexNet", "MLP", "DeepConvNet", "init_weights"]
