"""Recurrent layers over whole sequences: ``RNN`` (tanh or ReLU), ``LSTM`` (with optional ``proj_size``), ``GRU``.

PyTorch's constructor arguments, parameter names (``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``,
``bias_hh_l{k}``, ``weight_hr_l{k}``, ``..._reverse`` for the backward direction), shapes, default init and
outputs. The time loop runs the one-step functions of :mod:`nn.modules.rnn_cell`, built from autograd ops, so
gradients through time (and double backward) come from the engine.

Shapes (``D`` = 2 if bidirectional else 1, ``H_out`` = ``proj_size`` or ``hidden_size``):
input ``(L, N, H_in)``, ``(N, L, H_in)`` with ``batch_first``, or unbatched ``(L, H_in)``;
``h_0``/``h_n`` ``(D * num_layers, N, H_out)`` (``c_0``/``c_n`` ``(D * num_layers, N, hidden_size)``), without
``N`` when unbatched; output ``(L, N, D * H_out)`` (``(N, L, ...)`` with ``batch_first``).
"""
from __future__ import annotations

import numbers
import warnings
from typing import TYPE_CHECKING, Any

import autograd as ag

from .. import functional as F
from ..module import Module
from ..parameter import Parameter
from ._utils import _check_device, shape_of
from .rnn_cell import (
    check_dtype,
    check_nonlinearity,
    check_size,
    gru_step,
    init_uniform,
    lstm_step,
    rnn_relu_step,
    rnn_tanh_step,
    zero_state,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from autograd.types import DeviceLike, DTypeLike

__all__ = ["RNNBase", "RNN", "LSTM", "GRU"]

_MODES: dict[str, tuple[int, Callable[..., tuple[ag.Tensor, ...]]]] = {  # mode -> (gates stacked, one-step function)
    "RNN_TANH": (1, rnn_tanh_step), "RNN_RELU": (1, rnn_relu_step), "LSTM": (4, lstm_step), "GRU": (3, gru_step),
}


class RNNBase(Module):
    """The shared multi-layer, optionally bidirectional recurrent layer; ``mode`` is 'RNN_TANH', 'RNN_RELU', 'LSTM'
    or 'GRU'. Use :class:`RNN`, :class:`LSTM` or :class:`GRU`.

    Raises:
        ValueError: ``dropout`` outside [0, 1], a non-positive size or ``num_layers``, a ``proj_size`` that is
            negative, not below ``hidden_size`` or given to another mode than LSTM.
        TypeError: a ``hidden_size`` that is not an int.
    """

    weight_ih_l0: Parameter  # (and the other weights of each layer and direction, set by name)

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device: DeviceLike | None = None, dtype: DTypeLike | None = None) -> None:
        super().__init__()
        _check_device(device, type(self).__name__)
        if mode not in _MODES:
            raise ValueError(f"Unrecognized RNN mode: {mode!r}")
        if not isinstance(dropout, (int, float, numbers.Real)) or isinstance(dropout, bool) or not 0 <= float(dropout) <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an element "
                             f"being zeroed, got {dropout!r}")
        self.mode = mode
        self.input_size = check_size("input_size", input_size)
        self.hidden_size = check_size("hidden_size", hidden_size)
        self.num_layers = check_size("num_layers", num_layers)
        if proj_size < 0:
            raise ValueError(f"proj_size should be a positive integer or zero to disable projections, got {proj_size}")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if proj_size >= hidden_size:
            raise ValueError(f"proj_size has to be smaller than hidden_size, got proj_size={proj_size} and "
                             f"hidden_size={hidden_size}")
        if float(dropout) > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects "
                          f"num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                          UserWarning, stacklevel=3)
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, int(proj_size)
        gates = _MODES[mode][0] * self.hidden_size
        out = self.proj_size or self.hidden_size
        directions = 2 if bidirectional else 1
        self._all_weights: list[list[str]] = []  # per layer and direction: the parameter names, in PyTorch's order
        for layer in range(self.num_layers):
            for direction in range(directions):
                layer_input = self.input_size if layer == 0 else out * directions
                shapes: list[tuple[str, tuple[int, ...]]] = [("weight_ih", (gates, layer_input)), ("weight_hh", (gates, out))]
                if bias:
                    shapes += [("bias_ih", (gates,)), ("bias_hh", (gates,))]
                if self.proj_size:
                    shapes.append(("weight_hr", (self.proj_size, self.hidden_size)))
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                for name, shape in shapes:
                    setattr(self, name + suffix, Parameter(ag.empty(*shape, dtype=dtype)))
                self._all_weights.append([name + suffix for name, _ in shapes])
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draw every weight uniform in ``[-1/sqrt(hidden_size), 1/sqrt(hidden_size)]``, as PyTorch."""
        init_uniform(self.parameters(), self.hidden_size)

    def flatten_parameters(self) -> None:
        """No-op, as PyTorch off cuDNN: there is no fused weight buffer to compact."""

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters, one list per layer and direction (PyTorch's order)."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def _step_weights(self, k: int) -> list[ag.Tensor | None]:
        """The one-step function's weights for layer-direction ``k``: ``w_ih, w_hh, b_ih, b_hh[, w_hr]``."""
        suffix = self._all_weights[k][0][len("weight_ih"):]
        names = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"] + (["weight_hr"] if self.proj_size else [])
        return [getattr(self, n + suffix) if self.bias or not n.startswith("bias") else None for n in names]

    # -- forward -----------------------------------------------------------------------------------------------

    def _check_input(self, input: ag.Tensor) -> tuple[ag.Tensor, bool]:
        """The input as time-major ``(L, N, H_in)``, and whether it was batched."""
        name = self._get_name()
        if not isinstance(input, ag.Tensor):
            raise TypeError(f"{name}: expected input to be a Tensor (packed sequences are not supported), "
                            f"got {type(input).__name__}")
        if input.ndim not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.ndim}D instead (shape {shape_of(input)})")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{name}: input.size(-1) must be equal to input_size. Expected {self.input_size}, got "
                               f"{input.shape[-1]} (input of shape {shape_of(input)})")
        check_dtype(self, input, self.weight_ih_l0)
        batched = input.ndim == 3
        x = (input.transpose(0, 1) if self.batch_first else input) if batched else input.unsqueeze(1)
        if x.shape[0] == 0:
            raise RuntimeError(f"{name}: Expected sequence length to be larger than 0 in RNN (input of shape {shape_of(input)})")
        return x, batched

    def _initial_states(self, hx: Any, batched: bool, x: ag.Tensor) -> list[tuple[ag.Tensor, ...]]:
        """Per layer and direction, the state tuple ``(h,)`` / ``(h, c)`` of ``(N, ...)`` tensors (zeros like the
        sequence ``x (L, N, ...)`` by default)."""
        n = x.shape[1]
        name, layers = self._get_name(), self.num_layers * (2 if self.bidirectional else 1)
        sizes = [self.proj_size or self.hidden_size] + ([self.hidden_size] if self.mode == "LSTM" else [])
        if hx is None:
            return [tuple(zero_state(x, n, size) for size in sizes) for _ in range(layers)]
        if self.mode == "LSTM":
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError(f"LSTM: expected hx to be a tuple (h_0, c_0), got {type(hx).__name__}")
        elif not isinstance(hx, ag.Tensor):
            raise TypeError(f"{name}: expected hx to be a Tensor, got {type(hx).__name__}")
        hx = tuple(hx) if self.mode == "LSTM" else (hx,)
        states = []
        for i, (h, size) in enumerate(zip(hx, sizes)):
            what = f"hidden[{i}]" if self.mode == "LSTM" else "hidden"
            if not isinstance(h, ag.Tensor):
                raise TypeError(f"{name}: expected {what} to be a Tensor, got {type(h).__name__}")
            dims = 3 if batched else 2
            if h.ndim != dims:
                kind = "batched 3-D" if batched else "unbatched 2-D"
                raise RuntimeError(f"{name}: For {kind} input, hx should also be {dims}-D but got {h.ndim}-D tensor "
                                   f"({what} of shape {shape_of(h)})")
            expected = (layers, n, size) if batched else (layers, size)
            if shape_of(h) != expected:
                raise RuntimeError(f"{name}: Expected {what} size {expected}, got {shape_of(h)}")
            check_dtype(self, h, self.weight_ih_l0, what)
            states.append((h if batched else h.unsqueeze(1)).unbind(0))
        return list(zip(*states))

    def forward(self, input: ag.Tensor,
                hx: ag.Tensor | tuple[ag.Tensor, ag.Tensor] | None = None) -> tuple[ag.Tensor, Any]:
        """Run the layers over the sequence: ``(output, h_n)``, or ``(output, (h_n, c_n))`` for the LSTM.

        Raises:
            ValueError: an input that is not 2-D or 3-D, or of another dtype than the weights.
            RuntimeError: an input whose last dim is not ``input_size``, an empty sequence, initial states of
                the wrong shape. TypeError: a non-Tensor input or ``hx`` of the wrong kind.
        """
        x, batched = self._check_input(input)
        states = self._initial_states(hx, batched, x)
        step = _MODES[self.mode][1]
        directions = 2 if self.bidirectional else 1
        xs = list(x.unbind(0))
        finals = []
        for layer in range(self.num_layers):
            outs = []
            for direction in range(directions):
                k = layer * directions + direction
                ys, state = _scan(step, xs, states[k], self._step_weights(k), reverse=direction == 1)
                outs.append(ys)
                finals.append(state)
            xs = outs[0] if directions == 1 else [ag.cat(pair, 1) for pair in zip(*outs)]
            if self.dropout and self.training and layer < self.num_layers - 1:
                xs = [F.dropout(t, self.dropout) for t in xs]
        output = ag.stack(xs, 0)
        last = tuple(ag.stack([s[i] for s in finals], 0) for i in range(len(finals[0])))
        if batched:
            output = output.transpose(0, 1) if self.batch_first else output
        else:
            output, last = output.squeeze(1), tuple(h.squeeze(1) for h in last)
        return output, (last if self.mode == "LSTM" else last[0])

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            text += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if not self.bias:
            text += ", bias=False"
        if self.batch_first:
            text += ", batch_first=True"
        if self.dropout:
            text += f", dropout={self.dropout}"
        if self.bidirectional:
            text += ", bidirectional=True"
        return text


def _scan(step: Callable[..., tuple[ag.Tensor, ...]], xs: list[ag.Tensor], state: tuple[ag.Tensor, ...],
          weights: list[ag.Tensor | None], reverse: bool) -> tuple[list[ag.Tensor], tuple[ag.Tensor, ...]]:
    """Run ``step`` over the time steps ``xs`` (forward, or from the end with ``reverse``); the outputs ``h_t`` in
    time order and the final state."""
    ys: list[Any] = [None] * len(xs)
    for t in (reversed(range(len(xs))) if reverse else range(len(xs))):
        state = step(xs[t], state, *weights)
        ys[t] = state[0]
    return ys, state


class RNN(RNNBase):
    """Multi-layer Elman RNN, ``h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)`` (or ReLU).

    ``RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True, batch_first=False, dropout=0.0,
    bidirectional=False)``, positional order as PyTorch's. Shapes: see :mod:`nn.modules.rnn`.
    Raises:
        ValueError: a nonlinearity other than 'tanh' or 'relu' (and see :class:`RNNBase`).
    """

    if TYPE_CHECKING:
        def forward(self, input: ag.Tensor, hx: ag.Tensor | tuple[ag.Tensor, ag.Tensor] | None = None
                    ) -> tuple[ag.Tensor, ag.Tensor]: ...

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device: DeviceLike | None = None, dtype: DTypeLike | None = None) -> None:
        check_nonlinearity(nonlinearity)
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, num_layers,
                         bias, batch_first, dropout, bidirectional, proj_size, device, dtype)


class LSTM(RNNBase):
    """Multi-layer LSTM (gates ``i, f, g, o``); with ``proj_size > 0`` each ``h_t`` is projected by ``weight_hr``.

    ``forward(input, (h_0, c_0))`` returns ``(output, (h_n, c_n))``. Shapes: see :mod:`nn.modules.rnn`.
    """

    if TYPE_CHECKING:
        def forward(self, input: ag.Tensor,
                    hx: ag.Tensor | tuple[ag.Tensor, ag.Tensor] | None = None
                   ) -> tuple[ag.Tensor, tuple[ag.Tensor, ag.Tensor]]: ...

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device: DeviceLike | None = None, dtype: DTypeLike | None = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)


class GRU(RNNBase):
    """Multi-layer GRU (gates ``r, z, n``; ``b_hn`` inside the reset gate's product, as PyTorch).

    Shapes: see :mod:`nn.modules.rnn`.
    """

    if TYPE_CHECKING:
        def forward(self, input: ag.Tensor,
                    hx: ag.Tensor | tuple[ag.Tensor, ag.Tensor] | None = None) -> tuple[ag.Tensor, ag.Tensor]: ...

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device: DeviceLike | None = None, dtype: DTypeLike | None = None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)
