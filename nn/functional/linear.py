"""``linear`` (the book's ``Affine`` layer): ``y = x @ weight.T + bias`` as one fused op."""
from __future__ import annotations

from typing import TYPE_CHECKING

from autograd.backend import data_of, namespace
from autograd.op import Op, check_same_namespace

from ._utils import shape_of

if TYPE_CHECKING:
    from autograd import Tensor

__all__ = ["linear"]


class Linear(Op):
    """``x @ weight.T + bias`` for ``x (*, in)``, ``weight (out, in)``, ``bias (out,)``; one node instead of three."""

    __slots__ = ()
    save_inputs = True

    def forward(self, x, weight, bias):
        out = namespace(x).matmul(x, weight.T)
        if bias is not None:
            out += bias
        return out

    def backward(self, grad, x, weight, bias):
        xp = namespace(grad)
        n_out, n_in = weight.shape
        flat = xp.reshape(grad, (-1, n_out)) if len(grad.shape) != 2 else grad
        gx = gw = gb = None
        if self.needs_input_grad(0):
            gx = xp.matmul(grad, weight)
        if self.needs_input_grad(1):
            x2 = xp.reshape(x, (-1, n_in)) if len(x.shape) != 2 else x
            gw = xp.matmul(xp.swapaxes(flat, 0, 1), x2)
        if bias is not None and self.needs_input_grad(2):
            gb = xp.sum(flat, axis=0)
        return gx, gw, gb


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """Affine map ``input @ weight.T + bias`` over the last dim (the book's ``Affine``), as PyTorch.

    Args:
        input: ``(*, in_features)``.
        weight: ``(out_features, in_features)``.
        bias: ``(out_features,)`` or None.
    Raises:
        RuntimeError: shapes or dtypes that do not fit together.
    """
    if weight.ndim != 2:
        raise RuntimeError(f"linear: expected a 2-D weight (out_features, in_features), got shape {shape_of(weight)}")
    if input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        raise RuntimeError(
            f"linear: input of shape {shape_of(input)} cannot be multiplied with weight of shape {shape_of(weight)} "
            f"(expected the input's last dim to be in_features={weight.shape[1]})"
        )
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise RuntimeError(f"linear: expected bias of shape ({weight.shape[0]},), got {shape_of(bias)}")
    x, w = data_of(input), data_of(weight)
    if type(x) is not type(w):  # (one fused op, no promotion: the mixing check)
        check_same_namespace(Linear(), (x, w))
    if x.dtype != w.dtype:
        raise RuntimeError(f"linear: input ({input.dtype}) and weight ({weight.dtype}) must have the same dtype")
    if input.ndim == 1:
        return Linear().apply(input.unsqueeze(0), weight, bias).squeeze(0)
    return Linear().apply(input, weight, bias)
