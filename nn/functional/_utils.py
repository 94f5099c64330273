"""Small helpers shared by the functional ops: argument normalisation, error messages, mode dispatch."""
import numpy as np

from autograd import Tensor, from_numpy

__all__ = ["pair", "shape_of", "check_reduction", "reduce_loss", "as_tensor_like", "require_float", "maybe_inplace"]


def pair(value, name, op):
    """``value`` as a 2-tuple of ints (an int is repeated), as PyTorch's ``_pair``.

    Raises:
        TypeError: ``value`` is neither an int nor a sequence of two ints.
    """
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    try:
        a, b = value
        return int(a), int(b)
    except (TypeError, ValueError):
        raise TypeError(f"{op}: {name} must be an int or a tuple of two ints, got {value!r}") from None


def shape_of(x):
    """The shape of a Tensor/array as a plain tuple (for error messages)."""
    return tuple(int(s) for s in x.shape)


_REDUCTIONS = ("none", "mean", "sum")


def check_reduction(reduction, op):
    """Raise ValueError (as PyTorch) when ``reduction`` is not 'none', 'mean' or 'sum'."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: {reduction!r} is not a valid value for reduction (expected 'none', 'mean' or 'sum')")


def reduce_loss(loss, reduction):
    """Apply ``reduction`` to an elementwise loss Tensor."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def as_tensor_like(value, like):
    """``value`` as a Tensor; Python numbers and arrays take ``like``'s floating dtype."""
    if isinstance(value, Tensor):
        return value
    return from_numpy(np.asarray(value, dtype=like.dtype))


def require_float(op, input):
    """NotImplementedError (a RuntimeError, as PyTorch's) for an integer or bool ``input`` of ``op``."""
    if input.dtype.kind != "f":
        raise NotImplementedError(f"{op}: not implemented for {input.dtype} input of shape {shape_of(input)} "
                                  "(expected a floating-point tensor)")


def maybe_inplace(fn, input, inplace):
    """``fn(input)``, or with ``inplace=True`` ``input`` itself overwritten with it (recorded, as PyTorch's ``op_``).

    In place, ``fn`` runs on a clone, so what its ops saved for backward is not the memory overwritten (the
    result is PyTorch's; the memory saving is not). A leaf that requires grad cannot be changed in place:
    RuntimeError, as in PyTorch.
    """
    return input.copy_(fn(input.clone())) if inplace else fn(input)
