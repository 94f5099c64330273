"""Normalization layers: ``BatchNorm1d`` (``(N, C)`` / ``(N, C, L)``), ``BatchNorm2d`` (``(N, C, H, W)``),
``LayerNorm`` (the trailing dims of each sample) and ``GroupNorm`` (groups of channels of each sample)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import autograd as ag

from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter
from ._utils import _check_device, shape_of

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from autograd.types import DeviceLike, DTypeLike

__all__ = ["BatchNorm1d", "BatchNorm2d", "LayerNorm", "GroupNorm"]


def _affine(module: Module, shape: tuple[int, ...], affine: bool, bias: bool, dtype: DTypeLike | None) -> None:
    """Register ``weight`` (ones) and ``bias`` (zeros) of ``shape``, or None where ``affine``/``bias`` is off."""
    module.register_parameter("weight", Parameter(ag.ones(*shape, dtype=dtype)) if affine else None)
    module.register_parameter("bias", Parameter(ag.zeros(*shape, dtype=dtype)) if affine and bias else None)


def _reset_affine(module: _BatchNorm | LayerNorm | GroupNorm) -> None:
    """PyTorch's init of a normalisation layer's affine parameters: weight 1, bias 0."""
    if module.weight is not None:
        init.ones_(module.weight)
    if module.bias is not None:
        init.zeros_(module.bias)


class _BatchNorm(Module):
    """Shared body of the batch-norm layers (the book's "BatchNormalization", per channel as PyTorch).

    Training: normalise with the batch's per-channel mean and (biased) variance, and update the running
    estimates ``running = (1 - momentum) * running + momentum * batch`` (the running variance uses the
    unbiased batch variance); with ``momentum=None`` a cumulative average over ``num_batches_tracked``
    batches. Evaluation: normalise with the running estimates (or with batch statistics when
    ``track_running_stats=False``). Then scale by ``weight`` (gamma) and shift by ``bias`` (beta).
    """

    _expected_ranks: tuple[int, ...] = ()
    weight: Parameter | None
    bias: Parameter | None
    running_mean: ag.Tensor | None
    running_var: ag.Tensor | None
    num_batches_tracked: ag.Tensor | None

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: DeviceLike | None = None, dtype: DTypeLike | None = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        _check_device(device, type(self).__name__)
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        _affine(self, (num_features,), affine, bias, dtype)
        if track_running_stats:
            self.register_buffer("running_mean", ag.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", ag.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", ag.tensor(0, dtype=ag.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches seen."""
        with ag.no_grad():  # (the buffers are None without track_running_stats)
            if self.running_mean is not None:
                self.running_mean.zero_()
            if self.running_var is not None:
                self.running_var.fill_(1)
            if self.num_batches_tracked is not None:
                self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """Reset the running statistics and set gamma to 1 and beta to 0."""
        self.reset_running_stats()
        _reset_affine(self)

    def _check_input(self, input: ag.Tensor) -> None:
        """ValueError for a rank this layer does not take, RuntimeError for the wrong channel count."""
        if input.ndim not in self._expected_ranks:
            ranks = " or ".join(f"{r}D" for r in self._expected_ranks)
            raise ValueError(f"{self!r}: expected {ranks} input (got {input.ndim}D input of shape {shape_of(input)})")
        if input.shape[1] != self.num_features:
            raise RuntimeError(f"{self!r}: expected input with {self.num_features} channels (dim 1), "
                               f"got input of shape {shape_of(input)}")

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        """Normalise per channel (dim 1). Raises ValueError for a wrong rank, RuntimeError for a wrong channel count."""
        self._check_input(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            count = self.num_batches_tracked
            if count is not None:  # (None: tracking switched on after construction, as PyTorch checks)
                with ag.no_grad():
                    count.add_(1)
                if self.momentum is None:
                    factor = 1.0 / float(count.item())
        use_batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        # Running statistics are passed only when F.batch_norm should read (eval) or update (train) them.
        track = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if track else None, self.running_var if track else None,
                            self.weight, self.bias, use_batch_stats, factor, self.eps)

    def _load_from_state_dict(self, state_dict: Mapping[str, Any], prefix: str, *args: Any, **kwargs: Any) -> None:
        """Accept checkpoints from before ``num_batches_tracked`` existed (it counts from 0), as PyTorch does."""
        key = prefix + "num_batches_tracked"
        if self.num_batches_tracked is not None and key not in state_dict:
            state_dict = {**state_dict, key: ag.tensor(0, dtype=ag.int64)}
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalization over ``(N, C)`` or ``(N, C, L)`` input (statistics per feature ``C``).

    After a Linear layer this is the book's BatchNormalization layer of chapter 6.
    """

    _expected_ranks = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalization over ``(N, C, H, W)`` input (statistics per channel, over N, H and W)."""

    _expected_ranks = (4,)


class LayerNorm(Module):
    """Layer normalization over the trailing ``normalized_shape`` dims of each sample, as ``torch.nn.LayerNorm``.

    Shapes: ``(*, *normalized_shape) -> same``. Each sample's last dims are normalised with their own mean and
    biased variance, then scaled by ``weight`` and shifted by ``bias`` (both of shape ``normalized_shape``,
    initialised to 1 and 0; absent with ``elementwise_affine=False``, the bias alone with ``bias=False``).
    """

    weight: Parameter | None
    bias: Parameter | None

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device: DeviceLike | None = None, dtype: DTypeLike | None = None) -> None:
        super().__init__()
        _check_device(device, type(self).__name__)
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(int(s) for s in normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _affine(self, self.normalized_shape, elementwise_affine, bias, dtype)

    def reset_parameters(self) -> None:
        """Weight 1, bias 0."""
        _reset_affine(self)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        """Normalise. Raises RuntimeError when the input's trailing dims are not ``normalized_shape``."""
        k = len(self.normalized_shape)
        if shape_of(input)[-k:] != self.normalized_shape:
            raise RuntimeError(f"{self!r}: expected input of shape (*, {', '.join(map(str, self.normalized_shape))}), "
                               f"got input of shape {shape_of(input)}")
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"


class GroupNorm(Module):
    """Group normalization, as ``torch.nn.GroupNorm``: channels split into ``num_groups`` groups, each group of
    each sample normalised with its own statistics, then a per-channel affine map.

    Shapes: ``(N, C, *) -> same`` with ``C = num_channels``. ``weight``/``bias``: ``(num_channels,)``, 1 and 0
    (absent with ``affine=False``; the bias alone with ``bias=False``).
    """

    weight: Parameter | None
    bias: Parameter | None

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
                 device: DeviceLike | None = None, dtype: DTypeLike | None = None, *, bias: bool = True) -> None:
        super().__init__()
        _check_device(device, type(self).__name__)
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        _affine(self, (num_channels,), affine, bias, dtype)

    def reset_parameters(self) -> None:
        """Weight 1, bias 0."""
        _reset_affine(self)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        """Normalise. Raises RuntimeError for fewer than 2 dims or a channel count other than ``num_channels``."""
        if input.ndim < 2 or input.shape[1] != self.num_channels:
            raise RuntimeError(f"{self!r}: expected input of shape (N, {self.num_channels}, *), got input of shape {shape_of(input)}")
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, bias={self.bias is not None}"
