"""numpy functions on Tensors (``__array_function__``): each runs the differentiable autograd function, with
numpy's arguments translated (``axis`` -> ``dim``, ``keepdims`` -> ``keepdim``, ``ddof`` -> ``correction``) and
numpy's semantics kept where PyTorch's differ (``np.std`` is the population std, ``np.squeeze`` of a dim that is
not 1 raises, ``np.split`` takes indices).

:data:`IMPLEMENTATIONS` maps a numpy function to its implementation in this package (``reductions``,
``shapes``, ``arrays``; the shared helpers are in ``base``); :func:`autograd.interop.array_function`
dispatches through it and raises TypeError for a numpy function that is not in it. An argument of numpy's with no
autograd equivalent (``out=``, ``where=``, ``order='F'``...) raises TypeError rather than being ignored. The
functions that target an op this version lacks (``cumsum``, ``sort``...) raise TypeError naming it.

Shapes and axes are worked out by numpy itself on a zero-memory stand-in array of the same shape
(:func:`_standin`), so that numpy's own rules and errors apply, and the Tensor is then reshaped or permuted
(differentiably) to match.
"""
from . import arrays, reductions, shapes  # noqa: F401  (each registers its implementations)
from .base import IMPLEMENTATIONS, array_operand, autograd_function, implements, unsupported_argument

__all__ = ["IMPLEMENTATIONS", "implements", "autograd_function", "unsupported_argument", "array_operand"]
