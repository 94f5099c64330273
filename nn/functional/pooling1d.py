"""1-D pooling over ``(N, C, L)``: ``max_pool1d`` and ``avg_pool1d``, the 2-D pooling ops over images of height 1."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, overload

from ._utils import ntuple
from .pooling import _avg_pool, _check_rank, _max_pool, _unbatched

if TYPE_CHECKING:
    from autograd import Tensor

__all__ = ["max_pool1d", "avg_pool1d"]


def _lift(value: Any, name: str, op: str, default: int | None = None) -> tuple[int, int] | None:
    """A 1-D pooling argument (an int or a 1-tuple) as the pair ``(fill, value)`` of its height-1 2-D form."""
    if value is None:
        return None
    (v,) = ntuple(value, 1, name, op)
    return (1 if default is None else default, v)


@overload
def max_pool1d(input: Tensor, kernel_size: int | tuple[int, ...], stride: int | tuple[int, ...] | None = None,
               padding: int | tuple[int, ...] = 0, dilation: int | tuple[int, ...] = 1, ceil_mode: bool = False,
               return_indices: Literal[False] = False) -> Tensor: ...
@overload
def max_pool1d(input: Tensor, kernel_size: int | tuple[int, ...], stride: int | tuple[int, ...] | None = None,
               padding: int | tuple[int, ...] = 0, dilation: int | tuple[int, ...] = 1, ceil_mode: bool = False, *,
               return_indices: Literal[True]) -> tuple[Tensor, Tensor]: ...
@overload
def max_pool1d(input: Tensor, kernel_size: int | tuple[int, ...], stride: int | tuple[int, ...] | None = None,
               padding: int | tuple[int, ...] = 0, dilation: int | tuple[int, ...] = 1, ceil_mode: bool = False,
               return_indices: bool = ...) -> Tensor | tuple[Tensor, Tensor]: ...


def max_pool1d(input: Tensor, kernel_size: int | tuple[int, ...], stride: int | tuple[int, ...] | None = None,
               padding: int | tuple[int, ...] = 0, dilation: int | tuple[int, ...] = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """1-D max pooling of ``(N, C, L)`` (or unbatched ``(C, L)``), as ``torch.nn.functional.max_pool1d``.

    :func:`max_pool2d` over height 1; ``return_indices`` gives the index into ``L`` of each maximum.
    """
    op = "max_pool1d"
    _check_rank(op, input, 1)
    if input.ndim == 2:
        return _unbatched(max_pool1d, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)
    if isinstance(stride, (tuple, list)) and len(stride) == 0:
        stride = None
    out = _max_pool(op, input.unsqueeze(2), _lift(kernel_size, "kernel_size", op), _lift(stride, "stride", op),
                    _lift(padding, "padding", op, 0), _lift(dilation, "dilation", op), ceil_mode, return_indices, nd=1)
    return tuple(o.squeeze(2) for o in out) if return_indices else out.squeeze(2)


def avg_pool1d(input: Tensor, kernel_size: int | tuple[int, ...], stride: int | tuple[int, ...] | None = None,
               padding: int | tuple[int, ...] = 0, ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """1-D average pooling of ``(N, C, L)`` (or unbatched ``(C, L)``), as ``torch.nn.functional.avg_pool1d``
    (:func:`avg_pool2d` over height 1; PyTorch's 1-D form has no ``divisor_override``)."""
    op = "avg_pool1d"
    _check_rank(op, input, 1)
    if input.ndim == 2:
        return _unbatched(avg_pool1d, input, kernel_size, stride, padding, ceil_mode, count_include_pad)
    if isinstance(stride, (tuple, list)) and len(stride) == 0:
        stride = None
    out = _avg_pool(op, input.unsqueeze(2), _lift(kernel_size, "kernel_size", op), _lift(stride, "stride", op),
                    _lift(padding, "padding", op, 0), ceil_mode, count_include_pad, None, nd=1)
    return out.squeeze(2)
