"""``embedding``: rows of a weight matrix looked up by integer indices, as ``torch.nn.functional.embedding``.

The lookup is one op: forward takes the rows, backward adds the gradient back into the rows it came from
(repeated indices accumulate).  ``padding_idx`` and ``scale_grad_by_freq`` only rescale the incoming gradient
per looked-up position (0 at the padding index, ``1/count`` of that index in the batch) before the scatter.
Under ``create_graph`` that scatter is itself an op whose derivative is PyTorch's double backward (the rows
at the indices, masked at ``padding_idx``, not rescaled by frequency), so second derivatives agree with
PyTorch and with finite differences of the first derivative.  ``max_norm`` renormalises the looked-up rows of the weight in
place before the lookup, outside the graph, as PyTorch does.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

import autograd as ag
from autograd import Tensor
from autograd.backend import namespace
from autograd.op import Op
from autograd.transfer import move, place_of

from ._utils import shape_of

__all__ = ["embedding"]


class Embedding(Op):
    """``weight[indices]`` for a ``(num_embeddings, embedding_dim)`` weight; the indices are a constant."""

    __slots__ = ("indices", "scale", "keep", "num")
    attrs = ("num",)
    saved_attrs = ("indices", "scale", "keep")

    def __init__(self, indices, scale, keep):
        # scale: None or the gradient factor of each position, (*indices.shape, 1): 1/count and 0 at padding_idx;
        # keep: None or the positions not at padding_idx, for the double backward.
        self.indices, self.scale, self.keep = indices, scale, keep

    def forward(self, weight):
        self.num = weight.shape[0]
        return namespace(weight).take(weight, self.indices, axis=0)

    def backward(self, grad):
        return EmbeddingBackward(self.indices, self.scale, self.keep, self.num).apply(grad)

    def fast_backward(self, grad):
        return _scatter(grad, self.indices, self.scale, self.num)


def _scatter(grad, indices, scale, num):
    """The rows' gradient: each position's (scaled) gradient added into its row."""
    if scale is not None:
        grad = grad * scale
    return namespace(grad).index_add((num, grad.shape[-1]), (indices,), grad)


class EmbeddingBackward(Op):
    """The embedding's weight gradient as an op, so that its own derivative is PyTorch's
    ``embedding_dense_double_backward``: the rows at the indices, zero at ``padding_idx`` and *not* rescaled by
    ``scale_grad_by_freq`` (which the first backward already applied)."""

    __slots__ = ("indices", "scale", "keep", "num")
    saved_attrs = ("indices", "scale", "keep")

    def __init__(self, indices, scale, keep, num):
        self.indices, self.scale, self.keep, self.num = indices, scale, keep, num

    def forward(self, grad):
        return _scatter(grad, self.indices, self.scale, self.num)

    def backward(self, grad):
        rows = namespace(grad).getitem(grad, (self.indices,))
        return rows if self.keep is None else rows * self.keep


def _check_padding_idx(padding_idx, num_embeddings, op):
    """``padding_idx`` as a non-negative int (negatives count from the end), or None; AssertionError when out of range, as PyTorch."""
    if padding_idx is None:
        return None
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise AssertionError(f"{op}: padding_idx={padding_idx} must be within num_embeddings={num_embeddings}")
    return int(padding_idx) % num_embeddings


def _unique(indices):
    """The distinct values of the index array, sorted; each position's count of its value (``indices``' shape)."""
    if type(indices) is np.ndarray:
        values, inverse, counts = np.unique(indices, return_inverse=True, return_counts=True)
        return values, counts[inverse.reshape(indices.shape)]
    xp = namespace(indices)
    values, _, inverse, counts = xp.unique_all(indices)
    return values, xp.reshape(xp.take(counts, xp.reshape(inverse, (-1,))), indices.shape)


def _renorm_(weight, indices, max_norm, norm_type):
    """PyTorch's ``embedding_renorm_``: rows of ``weight`` used by ``indices`` with a norm above ``max_norm`` are
    scaled, in place and outside the graph, to norm ``max_norm`` (times ``1 / (1 + 1e-7 / norm)``)."""
    rows = Tensor._make(_unique(indices)[0])
    with ag.no_grad():
        picked = weight[rows]
        norms = (picked.abs() ** norm_type).sum(1, keepdim=True) ** (1.0 / norm_type)
        factor = ag.where(norms > max_norm, max_norm / (norms + 1e-7), ag.ones_like(norms))
        weight[rows] = picked * factor


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Look up rows of ``weight (num_embeddings, embedding_dim)``: ``(*) int64/int32 -> (*, embedding_dim)``.

    Args:
        padding_idx: the row at this index gets no gradient (negatives count from the end).
        max_norm: rows looked up whose ``norm_type``-norm exceeds it are rescaled in place to that norm first.
        scale_grad_by_freq: divide each row's gradient by how often its index occurs in ``input``.
        sparse: sparse gradients are not supported (raises).
    Raises:
        TypeError: ``input`` is not a Tensor. RuntimeError: indices that are not int64/int32, or a weight that
        is not 2-D. IndexError: an index outside ``[0, num_embeddings)``. AssertionError: ``padding_idx`` out
        of range (as PyTorch). NotImplementedError: ``sparse=True``.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"embedding: argument 'input' must be Tensor, not {type(input).__name__}")
    if sparse:
        raise NotImplementedError("embedding: sparse=True (sparse gradients) is not supported")
    if input.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"embedding: expected indices of dtype int64 or int32, got {input.dtype} (input of shape {shape_of(input)})")
    if weight.ndim != 2:
        raise RuntimeError(f"embedding: 'weight' must be 2-D (num_embeddings, embedding_dim), got weight of shape {shape_of(weight)}")
    num = weight.shape[0]
    # the indices in the weight's library and device (numpy's: as they are)
    indices = input.numpy() if type(weight._data) is np.ndarray else move(input._data, place_of(weight._data))
    xp = namespace(indices)
    lo, hi = (int(xp.min(indices)), int(xp.max(indices))) if math.prod(indices.shape) else (0, 0)
    if lo < 0 or hi >= num:
        bad = lo if lo < 0 else hi
        raise IndexError(f"embedding: index {bad} is out of range for weight of shape {shape_of(weight)} (input of shape {shape_of(input)})")
    padding_idx = _check_padding_idx(padding_idx, num, "embedding")
    if max_norm is not None:
        if not isinstance(max_norm, numbers.Real):
            raise TypeError(f"embedding: max_norm must be a number, got {max_norm!r}")
        _renorm_(weight, indices, float(max_norm), float(norm_type))
    scale = keep = None
    if padding_idx is not None:
        keep = xp.astype((indices != padding_idx)[..., None], weight.dtype)
    if scale_grad_by_freq:
        scale = xp.astype(1.0 / xp.astype(_unique(indices)[1][..., None], np.float64), weight.dtype)
    if keep is not None:
        scale = keep if scale is None else scale * keep
    return Embedding(xp.astype(indices, np.intp), scale, keep).apply(weight)
