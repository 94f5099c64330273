"""The chapter-6 weight initialisation switches, shared by the model zoo."""
from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, TypeVar

from .. import init
from ..modules import Conv2d, Linear

if TYPE_CHECKING:
    from ..module import Module

__all__ = ["init_weights"]

_HE = ("he", "relu")
_XAVIER = ("xavier", "sigmoid")


_M = TypeVar("_M", bound="Module")


def init_weights(model: _M, scheme: float | str | None) -> _M:
    """Re-initialise every Linear/Conv2d weight of ``model`` by the book's rule; biases become 0.

    Args:
        scheme: a float std (normal ``N(0, std**2)``, the book's ``weight_init_std``); ``'std'`` (0.01);
            ``'he'``/``'relu'`` (std ``sqrt(2 / fan_in)``); ``'xavier'``/``'sigmoid'`` (the book's Xavier,
            std ``sqrt(1 / fan_in)``); ``'default'`` or None keeps PyTorch's default initialisation.
    Raises:
        ValueError: an unknown scheme.
    """
    if scheme is None or scheme == "default":
        return model
    key = scheme.lower() if isinstance(scheme, str) else None
    if key is not None:
        if key not in _HE + _XAVIER + ("std",):
            raise ValueError(f"unknown weight init {scheme!r}: use a float std, 'std', 'he', 'xavier' or 'default'")
    elif not isinstance(scheme, (int, float, numbers.Real)) or isinstance(scheme, bool) or float(scheme) < 0:
        raise ValueError(f"weight init must be a non-negative float std or a name, got {scheme!r}")
    for module in model.modules():
        if not isinstance(module, (Linear, Conv2d)):
            continue
        if key in _HE:
            init.kaiming_normal_(module.weight, nonlinearity="relu")
        elif key in _XAVIER:
            init.kaiming_normal_(module.weight, nonlinearity="linear")
        else:
            init.normal_(module.weight, 0.0, 0.01 if key == "std" else float(scheme))
        if module.bias is not None:
            init.zeros_(module.bias)
    return model
