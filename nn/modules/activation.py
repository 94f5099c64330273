"""Activation layers: ``ReLU``, ``LeakyReLU``, ``Sigmoid``, ``Tanh``, ``GELU``, ``Softmax``, ``LogSoftmax``.

Each wraps the ``nn.functional`` function of the same name; the book's "Relu" and "Sigmoid" layers.
``inplace=True`` is accepted for PyTorch compatibility and has no effect.
"""
from .. import functional as F
from ..module import Module

__all__ = ["ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU", "Softmax", "LogSoftmax"]

# The implicit-dim warning of Softmax/LogSoftmax points past forward and Module.__call__ to the caller.
_USER_CODE = 5


class ReLU(Module):
    """``max(x, 0)`` elementwise (the book's "Relu" layer)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        """Apply ReLU."""
        return F.relu(input)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """``x`` for ``x >= 0``, ``negative_slope * x`` otherwise."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        """Apply leaky ReLU."""
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Sigmoid(Module):
    """``1 / (1 + exp(-x))`` elementwise (the book's "Sigmoid" layer)."""

    def forward(self, input):
        """Apply the logistic sigmoid."""
        return F.sigmoid(input)


class Tanh(Module):
    """``tanh(x)`` elementwise."""

    def forward(self, input):
        """Apply tanh."""
        return F.tanh(input)


class GELU(Module):
    """``x * Phi(x)`` with ``Phi`` the standard normal CDF; ``approximate='tanh'`` uses the tanh formula.

    Raises:
        ValueError: ``approximate`` other than ``'none'`` or ``'tanh'``.
    """

    def __init__(self, approximate="none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input):
        """Apply GELU."""
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Softmax(Module):
    """``exp(x) / sum(exp(x))`` along ``dim`` (turns scores into probabilities; the book's "Softmax")."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        """Apply softmax along ``dim``."""
        return F.softmax(input, self.dim, _stacklevel=_USER_CODE)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """``log(softmax(x))`` along ``dim``, computed stably; pair it with :class:`NLLLoss`."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        """Apply log-softmax along ``dim``."""
        return F.log_softmax(input, self.dim, _stacklevel=_USER_CODE)

    def extra_repr(self):
        return f"dim={self.dim}"
