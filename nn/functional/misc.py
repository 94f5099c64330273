"""Odds and ends of ``torch.nn.functional``: ``pad`` (the engine's) and ``one_hot``."""
from __future__ import annotations

import math

import numpy as np

from autograd import Tensor
from autograd.backend import data_of, namespace, to_numpy_dtype
from autograd.ops import pad

__all__ = ["pad", "one_hot"]


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """``(*) -> (*, num_classes)`` int64 one-hot encoding of class indices (``-1``: ``max + 1``), as PyTorch.

    Raises:
        RuntimeError: a non-integer tensor, negative indices, indices ``>= num_classes``, or ``num_classes=-1``
            with an empty tensor.
    """
    t = data_of(tensor)  # in its own library (the classes stay where they are)
    xp = namespace(t)
    if xp.kind(t) not in "iu":
        raise RuntimeError(f"one_hot: only applicable to index tensors (an integer dtype), got dtype {to_numpy_dtype(t.dtype)}")
    size = math.prod(t.shape)
    if num_classes == -1:
        if size == 0:
            raise RuntimeError("one_hot: can not infer the total number of classes from an empty tensor; pass num_classes")
        num_classes = int(xp.max(t)) + 1
    if size and int(xp.min(t)) < 0:
        raise RuntimeError(f"one_hot: class values must be non-negative, got {int(xp.min(t))}")
    if size and int(xp.max(t)) >= num_classes:
        raise RuntimeError(f"one_hot: class values must be smaller than num_classes={num_classes}, got {int(xp.max(t))}")
    return Tensor._make(xp.astype(t[..., None] == xp.arange(int(num_classes)), np.int64))
