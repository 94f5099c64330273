"""``embedding``: rows of a weight matrix looked up by integer indices, as ``torch.nn.functional.embedding``.

The lookup is one op: forward takes the rows, backward adds the gradient back into the rows it came from
(repeated indices accumulate).  ``padding_idx`` and ``scale_grad_by_freq`` only rescale the incoming gradient
per looked-up position (0 at the padding index, ``1/count`` of that index in the batch) before the scatter,
so the rule stays one differentiable index-add.  ``max_norm`` renormalises the looked-up rows of the weight in
place before the lookup, outside the graph, as PyTorch does.
"""
import numbers

import numpy as np

import autograd as ag
from autograd import Tensor
from autograd.backend import namespace
from autograd.op import Op

from ._utils import shape_of

__all__ = ["embedding"]


class Embedding(Op):
    """``weight[indices]`` for a ``(num_embeddings, embedding_dim)`` weight; the indices are a constant."""

    __slots__ = ("indices", "scale", "num")
    attrs = ("num",)
    saved_attrs = ("indices", "scale")

    def __init__(self, indices, scale):
        self.indices, self.scale = indices, scale  # scale: None, or a per-position gradient factor (*indices.shape, 1)

    def forward(self, weight):
        self.num = weight.shape[0]
        return namespace(weight).take(weight, self.indices, axis=0)

    def backward(self, grad):
        xp = namespace(grad)
        if self.scale is not None:
            grad = grad * self.scale
        return xp.index_add((self.num, grad.shape[-1]), (self.indices,), grad)


def _check_padding_idx(padding_idx, num_embeddings, op):
    """``padding_idx`` as a non-negative int (negatives count from the end), or None; AssertionError when out of range, as PyTorch."""
    if padding_idx is None:
        return None
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise AssertionError(f"{op}: padding_idx={padding_idx} must be within num_embeddings={num_embeddings}")
    return int(padding_idx) % num_embeddings


def _renorm_(weight, indices, max_norm, norm_type):
    """PyTorch's ``embedding_renorm_``: rows of ``weight`` used by ``indices`` with a norm above ``max_norm`` are
    scaled, in place and outside the graph, to norm ``max_norm`` (times ``1 / (1 + 1e-7 / norm)``)."""
    rows = ag.tensor(np.unique(indices))
    with ag.no_grad():
        picked = weight[rows]
        norms = (picked.abs() ** norm_type).sum(1, keepdim=True) ** (1.0 / norm_type)
        factor = ag.where(norms > max_norm, max_norm / (norms + 1e-7), ag.ones_like(norms))
        weight[rows] = picked * factor


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False):
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
    indices = input.numpy()
    if indices.size and (indices.min() < 0 or indices.max() >= num):
        bad = indices.min() if indices.min() < 0 else indices.max()
        raise IndexError(f"embedding: index {int(bad)} is out of range for weight of shape {shape_of(weight)} (input of shape {shape_of(input)})")
    padding_idx = _check_padding_idx(padding_idx, num, "embedding")
    if max_norm is not None:
        if not isinstance(max_norm, numbers.Real):
            raise TypeError(f"embedding: max_norm must be a number, got {max_norm!r}")
        _renorm_(weight, indices, float(max_norm), float(norm_type))
    scale = None
    if scale_grad_by_freq or padding_idx is not None:
        scale = np.ones(indices.shape + (1,), dtype=weight.dtype)
        if scale_grad_by_freq:
            _, inverse, counts = np.unique(indices, return_inverse=True, return_counts=True)
            scale[..., 0] = 1.0 / counts[inverse.reshape(indices.shape)]
        if padding_idx is not None:
            scale[indices == padding_idx] = 0
    return Embedding(indices.astype(np.intp, copy=False), scale).apply(weight)
