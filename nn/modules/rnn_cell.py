"""Recurrent cells: ``RNNCell``, ``LSTMCell``, ``GRUCell``, and the one-step functions that ``nn.RNN``/``LSTM``/``GRU``
run over a sequence.

A step is composed of autograd ops (``linear``, ``chunk``, ``sigmoid``, ``tanh``), so backpropagation through time
and double backward come from the engine. Gates follow PyTorch's layout of the stacked weights: LSTM ``i, f, g, o``;
GRU ``r, z, n`` with ``b_hn`` inside the reset gate's product, ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``.
"""
from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING, Any

import autograd as ag

from .. import functional as F
from ..functional.generic import placed_like
from ..init import uniform_
from ..module import Module
from ..parameter import Parameter
from ._utils import _check_device, shape_of

if TYPE_CHECKING:
    from collections.abc import Iterable

    from autograd.types import DeviceLike, DTypeLike

__all__ = ["RNNCell", "LSTMCell", "GRUCell", "rnn_tanh_step", "rnn_relu_step", "lstm_step", "gru_step"]


# -- one time step: (x (N, in), state tuple, weights) -> the new state tuple (h first) ------------------------------

def rnn_tanh_step(x: ag.Tensor, state: tuple[ag.Tensor, ...], w_ih: ag.Tensor, w_hh: ag.Tensor,
                  b_ih: ag.Tensor | None = None, b_hh: ag.Tensor | None = None) -> tuple[ag.Tensor]:
    """Elman RNN step ``h' = tanh(W_ih x + b_ih + W_hh h + b_hh)``; ``state`` is ``(h,)``."""
    return (ag.tanh(F.linear(x, w_ih, b_ih) + F.linear(state[0], w_hh, b_hh)),)


def rnn_relu_step(x: ag.Tensor, state: tuple[ag.Tensor, ...], w_ih: ag.Tensor, w_hh: ag.Tensor,
                  b_ih: ag.Tensor | None = None, b_hh: ag.Tensor | None = None) -> tuple[ag.Tensor]:
    """Elman RNN step with ReLU, ``h' = relu(W_ih x + b_ih + W_hh h + b_hh)``; ``state`` is ``(h,)``."""
    return (ag.relu(F.linear(x, w_ih, b_ih) + F.linear(state[0], w_hh, b_hh)),)


def zero_state(like: ag.Tensor, n: int, size: int) -> ag.Tensor:
    """The default state ``(n, size)``: zeros of ``like``'s dtype, in its namespace and device."""
    return placed_like(like, ag.zeros(n, size, dtype=like.dtype))


def lstm_step(x: ag.Tensor, state: tuple[ag.Tensor, ...], w_ih: ag.Tensor, w_hh: ag.Tensor,
              b_ih: ag.Tensor | None = None, b_hh: ag.Tensor | None = None,
              w_hr: ag.Tensor | None = None) -> tuple[ag.Tensor, ag.Tensor]:
    """LSTM step; ``state`` is ``(h, c)``. With ``w_hr`` (``proj_size``) the new ``h`` is projected: ``W_hr h``."""
    h, c = state
    i, f, g, o = (F.linear(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh)).chunk(4, 1)
    c = ag.sigmoid(f) * c + ag.sigmoid(i) * ag.tanh(g)
    h = ag.sigmoid(o) * ag.tanh(c)
    return (h if w_hr is None else F.linear(h, w_hr), c)


def gru_step(x: ag.Tensor, state: tuple[ag.Tensor, ...], w_ih: ag.Tensor, w_hh: ag.Tensor,
             b_ih: ag.Tensor | None = None, b_hh: ag.Tensor | None = None) -> tuple[ag.Tensor]:
    """GRU step ``h' = (1 - z) * n + z * h``; ``state`` is ``(h,)``."""
    h = state[0]
    i_r, i_z, i_n = F.linear(x, w_ih, b_ih).chunk(3, 1)
    h_r, h_z, h_n = F.linear(h, w_hh, b_hh).chunk(3, 1)
    r = ag.sigmoid(i_r + h_r)
    z = ag.sigmoid(i_z + h_z)
    n = ag.tanh(i_n + r * h_n)
    return (n + z * (h - n),)


_RNN_STEPS = {"tanh": rnn_tanh_step, "relu": rnn_relu_step}


# -- argument checks shared with nn.RNN/LSTM/GRU ---------------------------------------------------------------

def check_size(name: str, value: Any) -> int:
    """A positive int (TypeError for another type, ValueError for ``<= 0``, as PyTorch)."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{name} must be greater than zero, got {value}")
    return int(value)


def check_nonlinearity(nonlinearity: str) -> None:
    """ValueError (as PyTorch) for a nonlinearity other than 'tanh' or 'relu'."""
    if nonlinearity not in _RNN_STEPS:
        raise ValueError(f"Unknown nonlinearity {nonlinearity!r}. Select from 'tanh' or 'relu'.")


def check_dtype(module: Module, tensor: ag.Tensor, weight: ag.Tensor, what: str = "input") -> None:
    """ValueError (as PyTorch) when ``tensor``'s dtype is not the weights'."""
    if tensor.dtype != weight.dtype:
        raise ValueError(f"{module._get_name()}: {what} dtype ({tensor.dtype}) does not match weight dtype "
                         f"({weight.dtype}). Convert the {what} (.to({weight.dtype})) or the model (.to({tensor.dtype}))")


def init_uniform(parameters: Iterable[Parameter], hidden_size: int) -> None:
    """PyTorch's default init of recurrent weights: every parameter uniform in ``[-1/sqrt(hidden), 1/sqrt(hidden)]``."""
    bound = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0.0
    for p in parameters:
        uniform_(p, -bound, bound)


# -- the cells ----------------------------------------------------------------------------------------------

class _CellBase(Module):
    """A single recurrent step with ``weight_ih (G*hidden, input)``, ``weight_hh (G*hidden, hidden)`` and biases.

    ``G`` is the number of gates (``num_chunks``): 1 (RNN), 4 (LSTM), 3 (GRU).
    """

    num_chunks = 1
    n_states = 1  # hidden tensors in the state: 2 (h, c) for the LSTM
    bias_ih: Parameter | None
    bias_hh: Parameter | None

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: DeviceLike | None = None,
                 dtype: DTypeLike | None = None) -> None:
        super().__init__()
        _check_device(device, type(self).__name__)
        self.input_size = check_size("input_size", input_size)
        self.hidden_size = check_size("hidden_size", hidden_size)
        self.bias = bias
        gates = self.num_chunks * self.hidden_size
        self.weight_ih = Parameter(ag.empty(gates, self.input_size, dtype=dtype))
        self.weight_hh = Parameter(ag.empty(gates, self.hidden_size, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(ag.empty(gates, dtype=dtype))
            self.bias_hh = Parameter(ag.empty(gates, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draw every weight uniform in ``[-1/sqrt(hidden_size), 1/sqrt(hidden_size)]``, as PyTorch."""
        init_uniform(self.parameters(), self.hidden_size)

    def _step(self, x: ag.Tensor, state: tuple[ag.Tensor, ...]) -> tuple[ag.Tensor, ...]:
        raise NotImplementedError

    def _run(self, input: ag.Tensor, hx: tuple[ag.Tensor, ...] | None) -> tuple[ag.Tensor, ...]:
        """Check ``input (N, input_size)`` / ``(input_size,)`` and the state tuple ``hx``; run one step."""
        name = self._get_name()
        if not isinstance(input, ag.Tensor):
            raise TypeError(f"{name}: expected input to be a Tensor, got {type(input).__name__}")
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead (shape {shape_of(input)})")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{name}: input has inconsistent input_size: got {input.shape[-1]} expected "
                               f"{self.input_size} (input of shape {shape_of(input)})")
        check_dtype(self, input, self.weight_ih)
        batched = input.ndim == 2
        x = input if batched else input.unsqueeze(0)
        n = x.shape[0]
        if hx is None:
            state = tuple(zero_state(x, n, self.hidden_size) for _ in range(self.n_states))
        else:
            state = tuple(self._check_hidden(h, i, batched, n) for i, h in enumerate(hx))
        out = self._step(x, state)
        return out if batched else tuple(h.squeeze(0) for h in out)

    def _check_hidden(self, h: ag.Tensor, i: int, batched: bool, n: int) -> ag.Tensor:
        """``hidden<i>`` as ``(N, hidden_size)``; RuntimeError for another shape (as PyTorch), ValueError for a dtype."""
        name = self._get_name()
        if not isinstance(h, ag.Tensor):
            raise TypeError(f"{name}: expected hx to be a Tensor, got {type(h).__name__}")
        expected = (n, self.hidden_size) if batched else (self.hidden_size,)
        if shape_of(h) != expected:
            kind = "batched 2-D" if batched else "unbatched 1-D"
            raise RuntimeError(f"{name}: for {kind} input, expected hidden{i} of shape {expected}, got {shape_of(h)}")
        check_dtype(self, h, self.weight_ih, f"hidden{i}")
        return h if batched else h.unsqueeze(0)

    def _weights(self) -> tuple[ag.Tensor, ag.Tensor, ag.Tensor | None, ag.Tensor | None]:
        return (self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            text += ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            text += f", nonlinearity={self.nonlinearity}"
        return text


class RNNCell(_CellBase):
    """Elman RNN cell ``h' = tanh(W_ih x + b_ih + W_hh h + b_hh)`` (or ReLU).

    Shapes: input ``(N, input_size)`` or ``(input_size,)``; hx and output ``(N, hidden_size)`` / ``(hidden_size,)``
    (hx defaults to zeros).
    Raises:
        ValueError: a nonlinearity other than 'tanh' or 'relu' (at construction; PyTorch waits for forward).
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device: DeviceLike | None = None, dtype: DTypeLike | None = None) -> None:
        check_nonlinearity(nonlinearity)
        super().__init__(input_size, hidden_size, bias, device, dtype)
        self.nonlinearity = nonlinearity

    def _step(self, x: ag.Tensor, state: tuple[ag.Tensor, ...]) -> tuple[ag.Tensor, ...]:
        return _RNN_STEPS[self.nonlinearity](x, state, *self._weights())

    def forward(self, input: ag.Tensor, hx: ag.Tensor | None = None) -> ag.Tensor:
        """One step: the new hidden state."""
        return self._run(input, None if hx is None else (hx,))[0]


class LSTMCell(_CellBase):
    """LSTM cell: gates ``i, f, g, o`` from ``W_ih x + b_ih + W_hh h + b_hh``; ``c' = f c + i g``, ``h' = o tanh(c')``.

    Shapes: input ``(N, input_size)`` or ``(input_size,)``; hx a tuple ``(h, c)`` of ``(N, hidden_size)`` each
    (zeros by default); returns ``(h', c')``.
    """

    num_chunks = 4
    n_states = 2

    def _step(self, x: ag.Tensor, state: tuple[ag.Tensor, ...]) -> tuple[ag.Tensor, ...]:
        return lstm_step(x, state, *self._weights())

    def forward(self, input: ag.Tensor, hx: tuple[ag.Tensor, ag.Tensor] | None = None) -> tuple[ag.Tensor, ...]:
        """One step: ``(h', c')``."""
        if hx is not None and (not isinstance(hx, tuple) or len(hx) != 2):
            raise TypeError(f"LSTMCell: expected hx to be a tuple (h_0, c_0), got {type(hx).__name__}")
        return self._run(input, hx)


class GRUCell(_CellBase):
    """GRU cell: ``r, z`` gates, ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``, ``h' = (1 - z) n + z h``.

    Shapes: as :class:`RNNCell`.
    """

    num_chunks = 3

    def _step(self, x: ag.Tensor, state: tuple[ag.Tensor, ...]) -> tuple[ag.Tensor, ...]:
        return gru_step(x, state, *self._weights())

    def forward(self, input: ag.Tensor, hx: ag.Tensor | None = None) -> ag.Tensor:
        """One step: the new hidden state."""
        return self._run(input, None if hx is None else (hx,))[0]
