"""Odds and ends of ``torch.nn.functional``: ``pad`` (the engine's) and ``one_hot``."""
from __future__ import annotations

import numpy as np

from autograd import Tensor, from_numpy
from autograd.backend import namespace
from autograd.ops import pad

__all__ = ["pad", "one_hot"]


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """``(*) -> (*, num_classes)`` int64 one-hot encoding of class indices (``-1``: ``max + 1``), as PyTorch.

    Raises:
        RuntimeError: a non-integer tensor, negative indices, indices ``>= num_classes``, or ``num_classes=-1``
            with an empty tensor.
    """
    t = tensor.numpy() if isinstance(tensor, Tensor) else np.asarray(tensor)
    if t.dtype.kind not in "iu":
        raise RuntimeError(f"one_hot: only applicable to index tensors (an integer dtype), got dtype {t.dtype}")
    if num_classes == -1:
        if t.size == 0:
            raise RuntimeError("one_hot: can not infer the total number of classes from an empty tensor; pass num_classes")
        num_classes = int(t.max()) + 1
    if t.size and t.min() < 0:
        raise RuntimeError(f"one_hot: class values must be non-negative, got {int(t.min())}")
    if t.size and t.max() >= num_classes:
        raise RuntimeError(f"one_hot: class values must be smaller than num_classes={num_classes}, got {int(t.max())}")
    xp = namespace(t)
    return from_numpy(xp.astype(t[..., None] == xp.arange(int(num_classes)), xp.int64))
