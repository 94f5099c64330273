"""Small helpers shared by the functional ops: argument normalisation, error messages, mode dispatch."""
import numpy as np

from autograd import Tensor, from_numpy

__all__ = ["ntuple", "pair", "shape_of", "check_reduction", "reduce_loss", "as_tensor_like"]


def ntuple(value, n, name, op):
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


def pair(value, name, op):
    """``value`` as a 2-tuple of ints (an int is repeated), as PyTorch's ``_pair``; TypeError otherwise."""
    return ntuple(value, 2, name, op)


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
