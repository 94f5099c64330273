"""``Parameter``: a tensor that a :class:`~nn.Module` registers as one of its learnable weights."""
from __future__ import annotations

from typing import Any

import numpy as np

import autograd as ag

__all__ = ["Parameter"]


class Parameter(ag.Tensor):
    """A leaf tensor that requires grad by default and is registered by a Module when assigned as an attribute.

    ``Parameter(data)`` shares memory with ``data`` (a Tensor or ndarray) when no conversion is needed, as
    PyTorch's does; anything else (lists, numbers) is converted with :func:`autograd.tensor`'s dtype rules.
    Ops on a Parameter return plain Tensors.

    Args:
        data: the initial values (an empty float tensor when None).
        requires_grad: whether the optimiser should train it (default True).
    Raises:
        RuntimeError: ``requires_grad`` on a non-floating dtype.
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            array = np.empty((0,), dtype=ag.get_default_dtype())
        elif isinstance(data, ag.Tensor):
            array = data.numpy()
        elif isinstance(data, np.ndarray):
            array = data
        else:
            array = ag.tensor(data).numpy()
        ag.Tensor._fill(self, array, None, [0], None)
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        # copy.deepcopy/pickle: rebuild as a Parameter with a private copy of the values and of the grad.
        grad = None if self.grad is None else self.grad.detach()
        return (_rebuild_parameter, (self.numpy(), self.requires_grad, grad, self.name))


def _rebuild_parameter(data: np.ndarray[Any, Any], requires_grad: bool, grad: ag.Tensor | None,
                       name: str | None) -> Parameter:
    p = Parameter(np.array(data, copy=True), requires_grad)
    if grad is not None:
        p.grad = ag.tensor(grad.numpy())
    p.name = name
    return p
