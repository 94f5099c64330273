"""Activations: ``relu``, ``leaky_relu``, ``sigmoid``, ``tanh``, ``gelu``, ``silu``, ``mish``, ``softplus``,
``logsigmoid``, ``softmax``, ``log_softmax`` (and ``erf``, which exact GELU needs and numpy lacks).

The ELU family, ``prelu`` and ``hardtanh`` are in :mod:`nn.functional.rectifiers`."""
from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

import autograd as ag
from autograd.backend import namespace
from autograd.op import Op

from ._utils import maybe_inplace, require_float

if TYPE_CHECKING:
    from autograd import Tensor
    from autograd.types import DTypeLike

__all__ = ["relu", "leaky_relu", "sigmoid", "tanh", "gelu", "silu", "mish", "softplus", "logsigmoid", "softmax",
           "log_softmax", "erf"]


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(x, 0)`` elementwise (the book's ``Relu`` layer); gradient 0 at 0, as PyTorch.
    ``inplace=True`` overwrites ``input``."""
    return maybe_inplace(ag.relu, input, inplace)


def sigmoid(input: Tensor) -> Tensor:
    """The logistic function ``1 / (1 + exp(-x))``, computed without overflow (the book's ``Sigmoid`` layer)."""
    return ag.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    """Elementwise hyperbolic tangent."""
    return ag.tanh(input)


class LeakyReLU(Op):
    """``x`` where ``x > 0``, ``negative_slope * x`` elsewhere; the local slope is kept as a constant array."""

    __slots__ = ("negative_slope", "slope")
    attrs = ("negative_slope",)
    saved_attrs = ("slope",)
    save_inputs = True  # only linked to under create_graph (see autograd's PiecewiseMul); PyTorch saves it too

    def __init__(self, negative_slope):
        self.negative_slope = negative_slope

    def forward(self, x):
        positive = x > 0
        if type(x) is np.ndarray:
            self.slope = np.multiply(positive, x.dtype.type(1.0 - self.negative_slope), dtype=x.dtype)
            self.slope += x.dtype.type(self.negative_slope)
        else:  # another array-API library: no arithmetic on bools there
            self.slope = namespace(x).astype(positive, x.dtype) * (1.0 - self.negative_slope) + self.negative_slope
        return x * self.slope

    def backward(self, grad, x):
        return namespace(grad).piecewise_mul(grad, self.slope, x)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x`` for ``x > 0``, else ``negative_slope * x``; ``inplace=True`` overwrites ``input``."""
    return maybe_inplace(LeakyReLU(float(negative_slope)).apply, input, inplace)


# -- erf ----------------------------------------------------------------------------------------------------
# numpy and the array API have no erf.  A piecewise Chebyshev interpolant of math.erf on [0, 6] (12 pieces of
# width 0.5, degree 12) is accurate to about 2e-15 relative; erf(x) rounds to 1 in float64 beyond 6.  The first
# piece interpolates erf(x) / x (even and smooth), so that erf keeps its relative accuracy near 0, where it is
# about 1.128 x.  The coefficients are built once, on first use, and serve numpy arrays (chebval per piece)
# and other libraries' (Clenshaw's recurrence with each element's coefficients taken from the table).

_ERF_WIDTH, _ERF_DEGREE, _ERF_PIECES = 0.5, 12, 12
_erf_coefs: list[Any] = []


def _erf_pieces():
    """The Chebyshev coefficients of each piece (a list of ``_ERF_DEGREE + 1`` float64 arrays); the first
    piece's are those of ``erf(x) / x``."""
    from numpy.polynomial import chebyshev

    if not _erf_coefs:
        ref = np.vectorize(math.erf, otypes=[np.float64])
        for i in range(_ERF_PIECES):
            lo = i * _ERF_WIDTH

            def erf_on(t, lo=lo):  # math.erf on [lo, lo + width] (over x on the first piece), t in [-1, 1]
                x = lo + (t + 1) * (_ERF_WIDTH / 2)  # (Chebyshev points never reach t = -1, x = 0)
                return ref(x) / x if lo == 0 else ref(x)

            _erf_coefs.append(chebyshev.chebinterpolate(erf_on, _ERF_DEGREE))
    return _erf_coefs


def _erf_values(x):
    """erf of an array of any library, computed in float64 and returned in ``x``'s floating dtype."""
    return _erf_array(x) if type(x) is np.ndarray else _erf_generic(x)


def _erf_generic(x):
    """:func:`_erf_array` for another library's array, with array-API functions only."""
    ns = namespace(x)
    xp = ns.xp
    table = ns.asarray(np.stack(_erf_pieces()))  # (pieces, degree + 1)
    x64 = xp.reshape(ns.astype(x, np.float64), (-1,))  # (take wants 1-d indices)
    ax = xp.abs(x64)
    nan = xp.isnan(ax)
    piece = xp.astype(xp.floor(xp.clip(xp.where(nan, 0.0, ax) * (1 / _ERF_WIDTH), 0.0, float(_ERF_PIECES))), xp.int64)
    inside = piece < _ERF_PIECES
    piece = xp.where(inside, piece, 0)
    ax = xp.where(inside, ax, 0.0)  # (beyond the pieces, NaN and infinities included, the result is set below)
    t = ax * (2 / _ERF_WIDTH) - xp.astype(2 * piece + 1, xp.float64)
    b1 = b2 = xp.zeros_like(t)
    for k in range(_ERF_DEGREE, 0, -1):
        b1, b2 = xp.take(table[:, k], piece) + 2.0 * t * b1 - b2, b1
    value = xp.take(table[:, 0], piece) + t * b1 - b2
    value = xp.where(inside, xp.where(piece == 0, value * ax, value), 1.0)
    value = xp.reshape(xp.where(nan, math.nan, xp.copysign(value, x64)), x.shape)
    return ns.astype(value, x.dtype) if ns.kind(x) == "f" else value


def _erf_array(x):
    """erf of a numpy array, computed in float64 and returned in ``x``'s floating dtype."""
    from numpy.polynomial import chebyshev

    _erf_pieces()
    ax = np.abs(np.asarray(x, dtype=np.float64))
    out = np.ones_like(ax)
    # past the last piece (inf included) erf is 1 to double precision; NaN stays NaN below
    piece = np.nan_to_num(np.minimum(ax * (1 / _ERF_WIDTH), _ERF_PIECES), nan=_ERF_PIECES).astype(np.intp)
    for i in range(_ERF_PIECES):
        idx = np.flatnonzero(piece == i)
        if idx.size:
            out.flat[idx] = chebyshev.chebval(ax.flat[idx] * (2 / _ERF_WIDTH) - (2 * i + 1), _erf_coefs[i]) * \
                (ax.flat[idx] if i == 0 else 1.0)
    out = np.copysign(out, x)
    out[np.isnan(ax)] = np.nan
    return out.astype(x.dtype if x.dtype.kind == "f" else np.float64, copy=False)


class Erf(Op):
    """The error function; derivative ``2 / sqrt(pi) * exp(-x**2)``."""

    __slots__ = ()
    save_inputs = True

    def forward(self, x):
        return _erf_values(x)

    def backward(self, grad, x):
        return grad * (namespace(grad).exp(-(x * x)) * (2.0 / math.sqrt(math.pi)))


def erf(input: Tensor) -> Tensor:
    """The error function ``2/sqrt(pi) * integral_0^x exp(-t**2) dt`` elementwise (float64 accuracy)."""
    return Erf().apply(input)


_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


class GELU(Op):
    """``x * Phi(x)`` (exact, with erf) or PyTorch's tanh approximation."""

    __slots__ = ("approximate",)
    attrs = ("approximate",)
    save_inputs = True

    def __init__(self, approximate):
        self.approximate = approximate

    def forward(self, x):
        if self.approximate == "tanh":
            return 0.5 * x * (1.0 + namespace(x).tanh(_tanh_arg(x)))
        if type(x) is not np.ndarray:
            return 0.5 * x * (1.0 + _erf_generic(x * (1 / math.sqrt(2.0))))
        return 0.5 * x * (1.0 + _erf_array(x * x.dtype.type(1 / math.sqrt(2.0))))

    def backward(self, grad, x):
        return self._rule(grad, x, erf)

    def fast_backward(self, grad, x):
        """The same rule with the array erf (float64-accurate, no graph)."""
        return self._rule(grad, x, _erf_values)

    def _rule(self, grad, x, erf_fn):
        xp = namespace(grad)
        if self.approximate == "tanh":
            th = xp.tanh(_tanh_arg(x))
            slope = (1.0 + 3 * 0.044715 * (x * x)) * _SQRT_2_OVER_PI
            deriv = 0.5 * (1.0 + th) + (0.5 * x) * ((1.0 - th * th) * slope)
        else:
            cdf_erf = erf_fn(x * (1 / math.sqrt(2.0)))
            deriv = 0.5 * (1.0 + cdf_erf) + x * (xp.exp(x * x * -0.5) * _INV_SQRT_2PI)
        return grad * deriv


def _tanh_arg(x):
    """``sqrt(2/pi) * (x + 0.044715 x^3)``, the argument of tanh in the approximate GELU."""
    return (x + 0.044715 * (x * x * x)) * _SQRT_2_OVER_PI


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit ``x * Phi(x)``; ``approximate='tanh'`` uses PyTorch's tanh formula.

    Raises:
        RuntimeError: ``approximate`` is neither ``'none'`` nor ``'tanh'``.
    """
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"gelu: approximate argument must be either 'none' or 'tanh', got {approximate!r}")
    return GELU(approximate).apply(input)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * sigmoid(x)`` (swish); ``inplace=True`` overwrites ``input``."""
    require_float("silu", input)
    return maybe_inplace(lambda x: x * ag.sigmoid(x), input, inplace)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))`` (Misra, 2019); ``inplace=True`` overwrites ``input``."""
    require_float("mish", input)
    return maybe_inplace(lambda x: x * ag.tanh(softplus(x, 1.0, math.inf)), input, inplace)


class Softplus(Op):
    """``log(1 + exp(beta * x)) / beta``, linear where ``beta * x > threshold``; derivative ``sigmoid(beta * x)``."""

    __slots__ = ("beta", "threshold", "linear")
    attrs = ("beta", "threshold")
    save_inputs = True
    saved_attrs = ("linear",)

    def __init__(self, beta, threshold):
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        xp = namespace(x)
        bx = x * _scalar(x, self.beta)
        # max(z, 0) + log1p(exp(-|z|)): no overflow, and several times faster than np.logaddexp here.
        out = xp.log1p(xp.exp(-xp.abs(bx)))
        out += xp.maximum(bx, 0)
        if self.beta != 1:
            out /= _scalar(x, self.beta)
        linear = bx > self.threshold
        if xp.any(linear):
            out = xp.where(linear, x, out)
        # a 0/1 array outside numpy (the array API has no arithmetic on bools), for the rule below
        self.linear = linear if type(x) is np.ndarray else xp.astype(linear, x.dtype)
        return out

    def backward(self, grad, x):
        return self._rule(grad, ag.sigmoid(x * self.beta))

    def fast_backward(self, grad, x):
        """The same rule with the array sigmoid."""
        return self._rule(grad, _sigmoid_array(x * _scalar(x, self.beta)))

    def _rule(self, grad, sig):
        lin = self.linear
        if namespace(lin).any(lin):
            sig = sig * ~lin + lin if type(lin) is np.ndarray else sig * (1.0 - lin) + lin
        return grad * sig


def _sigmoid_array(z):
    """``1 / (1 + exp(-z))`` as ``0.5 * tanh(z / 2) + 0.5``: no overflow, no ``np.where`` (slow on random masks)."""
    half = _scalar(z, 0.5)
    return namespace(z).tanh(z * half) * half + half


def _scalar(x, value):
    """``value`` as a scalar of ``x``'s dtype for numpy (older numpy would widen float32 by a Python float), a
    Python float for other libraries (which keep the array's dtype)."""
    return x.dtype.type(value) if type(x) is np.ndarray else value


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * x)) / beta`` elementwise, stable; reverts to ``x`` where ``beta * x > threshold``."""
    return Softplus(float(beta), float(threshold)).apply(input)


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(x)) = -softplus(-x)``, stable for large ``|x|`` (``-100 -> -100``, ``100 -> -3.7e-44``)."""
    require_float("logsigmoid", input)
    return -softplus(-input, 1.0, math.inf)


def _implicit_dim(op, ndim, stacklevel):
    """PyTorch's deprecated default dim (0 for 0-, 1- and 3-D input, else 1), with its warning.

    ``stacklevel`` is the public function's ``_stacklevel`` (as PyTorch's): 3 points at its caller.
    """
    dim = 0 if ndim in (0, 1, 3) else 1
    warnings.warn(f"Implicit dimension choice for {op} has been deprecated. Change the call to include dim=X as an "
                  f"argument (the implicit choice here is dim={dim} for a {ndim}-D input).", UserWarning,
                  stacklevel=stacklevel)
    return dim


def softmax(input: Tensor, dim: int | None = None, dtype: DTypeLike | None = None, *, _stacklevel: int = 3) -> Tensor:
    """``exp(x) / sum(exp(x), dim)``, computed stably; ``dtype`` casts the input first.

    Without ``dim`` it warns and picks PyTorch's deprecated default (``_stacklevel``: where the warning points).
    """
    if dtype is not None:
        input = input.to(dtype)
    return ag.softmax(input, _implicit_dim("softmax", input.ndim, _stacklevel) if dim is None else dim)


def log_softmax(input: Tensor, dim: int | None = None, dtype: DTypeLike | None = None, *,
                _stacklevel: int = 3) -> Tensor:
    """``x - logsumexp(x, dim)``, computed stably (finite for logits of 1e4); ``dtype`` casts the input first.

    Without ``dim`` it warns and picks PyTorch's deprecated default, as :func:`softmax`.
    """
    if dtype is not None:
        input = input.to(dtype)
    return ag.log_softmax(input, _implicit_dim("log_softmax", input.ndim, _stacklevel) if dim is None else dim)
