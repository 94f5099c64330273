"""Small helpers shared by the functional ops: argument normalisation, error messages, mode dispatch."""
from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd import Tensor, from_numpy

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "ntuple", "pair", "shape_of", "check_reduction", "reduce_loss", "as_tensor_like", "require_float", "maybe_inplace",
    "broadcast_shape", "broadcast_target",
]


def ntuple(value: Any, n: int, name: str, op: str) -> tuple[int, ...]:
    """``value`` as an ``n``-tuple of ints (an int is repeated), as PyTorch's ``_single``/``_pair``.

    Raises:
        TypeError: ``value`` is neither an int nor a sequence of ``n`` ints.
    """
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    try:
        items = tuple(int(v) for v in value)
    except (TypeError, ValueError):
        items = ()
    if len(items) != n:
        what = "an int" if n == 1 else f"a tuple of {n} ints"
        raise TypeError(f"{op}: {name} must be an int or {what}, got {value!r}")
    return items


def pair(value: Any, name: str, op: str) -> tuple[int, ...]:
    """``value`` as a 2-tuple of ints (an int is repeated), as PyTorch's ``_pair``; TypeError otherwise."""
    return ntuple(value, 2, name, op)


def shape_of(x: Any) -> tuple[int, ...]:
    """The shape of a Tensor/array as a plain tuple (for error messages)."""
    return tuple(int(s) for s in x.shape)


_REDUCTIONS = ("none", "mean", "sum")


def check_reduction(reduction: str, op: str, allowed: tuple[str, ...] = _REDUCTIONS) -> None:
    """Raise ValueError (as PyTorch) when ``reduction`` is not one of ``allowed`` ('none', 'mean', 'sum')."""
    if reduction not in allowed:
        expected = ", ".join(repr(r) for r in allowed)
        raise ValueError(f"{op}: {reduction!r} is not a valid value for reduction (expected one of {expected})")


def reduce_loss(loss: Tensor, reduction: str) -> Tensor:
    """Apply ``reduction`` to an elementwise loss Tensor."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def as_tensor_like(value: Any, like: Tensor) -> Tensor:
    """``value`` as a Tensor; Python numbers and arrays take ``like``'s floating dtype."""
    if isinstance(value, Tensor):
        return value
    return from_numpy(np.asarray(value, dtype=like.dtype))


def require_float(op: str, input: Tensor) -> None:
    """NotImplementedError (a RuntimeError, as PyTorch's) for an integer or bool ``input`` of ``op``."""
    if input.dtype.kind != "f":
        raise NotImplementedError(f"{op}: not implemented for {input.dtype} input of shape {shape_of(input)} "
                                  "(expected a floating-point tensor)")


def maybe_inplace(fn: Callable[[Tensor], Tensor], input: Tensor, inplace: bool) -> Tensor:
    """``fn(input)``, or with ``inplace=True`` ``input`` itself overwritten with it (recorded, as PyTorch's ``op_``).

    In place, ``fn`` runs on a clone, so what its ops saved for backward is not the memory overwritten (the
    result is PyTorch's; the memory saving is not). A leaf that requires grad cannot be changed in place:
    RuntimeError, as in PyTorch.
    """
    return input.copy_(fn(input.clone())) if inplace else fn(input)


def broadcast_shape(op: str, *tensors: Tensor) -> tuple[int, ...]:
    """The shape ``tensors`` broadcast to; RuntimeError naming ``op`` and every shape when they do not."""
    shapes = [shape_of(t) for t in tensors]
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise RuntimeError(f"{op}: shapes {' and '.join(map(str, shapes))} cannot be broadcast together") from None


def broadcast_target(op: str, input: Tensor, target: Any, stacklevel: int = 3) -> Tensor:
    """``target`` as a Tensor for an elementwise loss; as PyTorch, a size other than the input's warns and broadcasts.

    ``stacklevel`` 3 points the warning at the caller of the loss function. Raises RuntimeError when the two
    shapes do not broadcast.
    """
    target = as_tensor_like(target, input)
    if shape_of(target) != shape_of(input):
        warnings.warn(f"{op}: using a target size {shape_of(target)} that is different to the input size "
                      f"{shape_of(input)}. This will likely lead to incorrect results due to broadcasting. "
                      "Please ensure they have the same size.", UserWarning, stacklevel=stacklevel)
        broadcast_shape(op, input, target)
    return target
