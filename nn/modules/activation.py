"""Activation layers: ``ReLU``, ``LeakyReLU``, ``PReLU``, ``ELU``, ``SELU``, ``Sigmoid``, ``LogSigmoid``, ``Tanh``,
``Hardtanh``, ``GELU``, ``SiLU``, ``Mish``, ``Softplus``, ``Softmax``, ``LogSoftmax``.

Each wraps the ``nn.functional`` function of the same name; the book's "Relu" and "Sigmoid" layers.
``inplace=True`` overwrites the input, as PyTorch's.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import autograd as ag

from .. import functional as F
from ..init import constant_
from ..module import Module
from ..parameter import Parameter
from ._utils import _check_device

if TYPE_CHECKING:
    from collections.abc import Callable

    from autograd.types import DeviceLike, DTypeLike

__all__ = ["ReLU", "LeakyReLU", "PReLU", "ELU", "SELU", "Sigmoid", "LogSigmoid", "Tanh", "Hardtanh", "GELU", "SiLU",
           "Mish", "Softplus", "Softmax", "LogSoftmax"]

# The implicit-dim warning of Softmax/LogSoftmax points past forward and Module.__call__ to the caller.
_USER_CODE = 5


class ReLU(Module):
    """``max(x, 0)`` elementwise (the book's "Relu" layer)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        """Apply ReLU."""
        return F.relu(input, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """``x`` for ``x >= 0``, ``negative_slope * x`` otherwise."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        """Apply leaky ReLU."""
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Sigmoid(Module):
    """``1 / (1 + exp(-x))`` elementwise (the book's "Sigmoid" layer)."""

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        """Apply the logistic sigmoid."""
        return F.sigmoid(input)


class Tanh(Module):
    """``tanh(x)`` elementwise."""

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        """Apply tanh."""
        return F.tanh(input)


class GELU(Module):
    """``x * Phi(x)`` with ``Phi`` the standard normal CDF; ``approximate='tanh'`` uses the tanh formula.

    Raises:
        ValueError: ``approximate`` other than ``'none'`` or ``'tanh'``.
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        """Apply GELU."""
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softmax(Module):
    """``exp(x) / sum(exp(x))`` along ``dim`` (turns scores into probabilities; the book's "Softmax")."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        """Apply softmax along ``dim``."""
        return F.softmax(input, self.dim, _stacklevel=_USER_CODE)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """``log(softmax(x))`` along ``dim``, computed stably; pair it with :class:`NLLLoss`."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        """Apply log-softmax along ``dim``."""
        return F.log_softmax(input, self.dim, _stacklevel=_USER_CODE)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class _Inplace(Module):
    """An elementwise activation with PyTorch's ``inplace`` flag (``fn(input, inplace=...)``)."""

    fn: Callable[..., ag.Tensor]  # the functional form, set by each subclass

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        """Apply the activation (in place with ``inplace=True``)."""
        return type(self).fn(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class SELU(_Inplace):
    """Scaled ELU, ``scale * elu(x, alpha)`` with the self-normalising constants (use with ``lecun_normal`` init)."""

    fn = staticmethod(F.selu)


class SiLU(_Inplace):
    """``x * sigmoid(x)`` (swish)."""

    fn = staticmethod(F.silu)


class Mish(_Inplace):
    """``x * tanh(softplus(x))``."""

    fn = staticmethod(F.mish)


class ELU(Module):
    """``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        """Apply ELU."""
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Hardtanh(Module):
    """Clip to ``[min_val, max_val]`` (gradient 0 outside the open interval).

    Raises:
        ValueError: ``min_val > max_val``.
    """

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})")
        self.min_val, self.max_val = min_val, max_val
        self.inplace = inplace

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        """Apply hardtanh."""
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}" + (", inplace=True" if self.inplace else "")


class Softplus(Module):
    """``log(1 + exp(beta * x)) / beta``, linear where ``beta * x > threshold``."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        """Apply softplus."""
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class LogSigmoid(Module):
    """``log(sigmoid(x))``, stable for large ``|x|``."""

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        """Apply log-sigmoid."""
        return F.logsigmoid(input)


class PReLU(Module):
    """``x`` for ``x > 0``, ``weight * x`` otherwise, with a learnt slope (one, or one per channel of dim 1).

    Attributes:
        weight: ``(num_parameters,)``, initialised to ``init`` (0.25), as PyTorch.
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: DeviceLike | None = None,
                 dtype: DTypeLike | None = None) -> None:
        super().__init__()
        _check_device(device, type(self).__name__)
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(ag.empty(num_parameters, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Set every slope back to ``init``."""
        constant_(self.weight, self.init)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        """Apply PReLU (``input``: ``(N, C, *)`` with ``C == num_parameters``, or any shape for one slope)."""
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"
