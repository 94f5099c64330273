"""Flatten parameters into one vector and back (for line searches, second-order methods, model averaging)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import autograd as ag

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters: Iterable[ag.Tensor]) -> ag.Tensor:
    """All parameters flattened and concatenated into one 1-D tensor (differentiable, a copy)."""
    return ag.cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: ag.Tensor, parameters: Iterable[ag.Tensor]) -> None:
    """Set the parameters' values from slices of the 1-D tensor ``vec`` (the inverse of parameters_to_vector).

    Each parameter's data becomes a view into ``vec``, as in PyTorch.
    Raises:
        TypeError: ``vec`` is not a Tensor. ValueError: ``vec`` is not 1-D or its length does not match.
    """
    if not isinstance(vec, ag.Tensor):
        raise TypeError(f"vector_to_parameters: expected a Tensor, but got: {type(vec).__name__}")
    if vec.ndim != 1:
        raise ValueError(f"vector_to_parameters: expected a 1-D vector, got shape {tuple(vec.shape)}")
    parameters = list(parameters)
    total = sum(p.numel() for p in parameters)
    if total != vec.numel():
        raise ValueError(f"vector_to_parameters: the vector has {vec.numel()} elements but the parameters need {total}")
    offset = 0
    for p in parameters:
        n = p.numel()
        p.data = vec.numpy()[offset:offset + n].reshape(p.shape)
        offset += n
