"""Small helpers shared by the layers: argument checks and PyTorch's default weight/bias initialisation."""
from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING

import autograd as ag

from .. import init
from ..functional._utils import shape_of
from ..parameter import Parameter

if TYPE_CHECKING:
    from collections.abc import Sequence

    from autograd.types import DeviceLike, DTypeLike

    from ..module import Module

__all__ = ["_ntuple", "_pair", "_check_device", "shape_of", "_weight_and_bias", "_reset_weight_and_bias"]


def _ntuple(value: int | Sequence[int], n: int, name: str = "argument") -> tuple[int, ...]:
    """``3 -> (3,) * n``; a sequence of ``n`` ints stays a tuple of them. Raises ValueError otherwise."""
    if isinstance(value, (int, numbers.Integral)):
        return (int(value),) * n
    value = tuple(value)
    if len(value) != n or not all(isinstance(v, numbers.Integral) for v in value):
        raise ValueError(f"{name} must be an int or a tuple of {n} ints, got {value!r}")
    return tuple(int(v) for v in value)


def _pair(value: int | Sequence[int], name: str = "argument") -> tuple[int, ...]:
    """``3 -> (3, 3)``; a pair stays a tuple of two ints. Raises ValueError otherwise."""
    return _ntuple(value, 2, name)


def _check_device(device: DeviceLike | None, layer: str) -> None:
    """Validate a layer's ``device=`` (autograd's one device check): an unavailable device is an error, never ignored."""
    if device is not None:
        ag.devices.as_device(device, layer)


def _weight_and_bias(module: Module, weight_shape: tuple[int, ...], bias: bool, dtype: DTypeLike | None,
                     bias_size: int | None = None) -> None:
    """Register uninitialised ``module.weight`` of ``weight_shape`` and ``module.bias`` of ``(bias_size,)``
    (default ``weight_shape[0]``).

    With ``bias=False`` the bias is registered as None (so ``module.bias is None`` and it is no parameter).
    """
    module.weight = Parameter(ag.empty(*weight_shape, dtype=dtype))
    if bias:
        module.bias = Parameter(ag.empty(weight_shape[0] if bias_size is None else bias_size, dtype=dtype))
    else:
        module.register_parameter("bias", None)


def _reset_weight_and_bias(weight: ag.Tensor, bias: ag.Tensor | None) -> None:
    """PyTorch's default initialisation of a Linear/Conv layer, in place.

    The weight gets ``kaiming_uniform_(a=sqrt(5))``, i.e. uniform with bound ``1/sqrt(fan_in)``; the bias
    (unless None) uniform in ``[-1/sqrt(fan_in), 1/sqrt(fan_in)]`` (zeros when ``fan_in`` is 0).
    """
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = init._calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(bias, -bound, bound)
