"""Dropout (inverted, as PyTorch): ``dropout``.

The book (ch. 6) drops units at training time without rescaling and multiplies every output by ``1 - p``
at test time.  PyTorch's *inverted* dropout, used here, moves the factor to training time instead: kept
units are scaled by ``1 / (1 - p)``, so the expected activation is unchanged and evaluation is the identity.
Both give the same expected value at test time; the inverted form keeps inference free of dropout.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from autograd.backend import data_of
from autograd.op import Op
from autograd.random import numpy_generator
from autograd.transfer import move, place_of

from ._utils import maybe_inplace

if TYPE_CHECKING:
    from autograd import Tensor

__all__ = ["dropout"]


class Dropout(Op):
    """Multiply by a fixed mask whose kept entries hold ``1 / (1 - p)``; the gradient is ``grad * mask``."""

    __slots__ = ("mask", "p")
    attrs = ("p",)
    saved_attrs = ("mask",)

    def __init__(self, mask, p):
        self.mask, self.p = mask, p

    def forward(self, x):
        return x * self.mask

    def backward(self, grad):
        return grad * self.mask


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)`` (identity when not training).

    Randomness comes from the thread's default generator, as PyTorch's has no ``generator=``: ``autograd.manual_seed``
    makes it reproducible, ``autograd.random.use_generator`` gives a thread its own stream.
    ``inplace=True`` overwrites ``input`` (when training).

    Raises:
        ValueError: ``p`` outside ``[0, 1]``.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    dtype = input.dtype if input.dtype.kind == "f" else np.dtype(np.float32)
    if p == 1.0:
        mask = np.zeros(input.shape, dtype=dtype)
    else:
        keep = numpy_generator().random(input.shape, dtype=np.float32) >= np.float32(p)
        mask = np.multiply(keep, dtype.type(1.0 / (1.0 - p)), dtype=dtype)
    if type(data_of(input)) is not np.ndarray:  # drawn on the host, moved to the input's library and device
        mask = move(mask, place_of(data_of(input)))
    return maybe_inplace(Dropout(mask, p).apply, input, inplace)
