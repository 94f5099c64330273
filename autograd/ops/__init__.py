"""The differentiable ops, grouped by kind; each is defined once, as an :class:`~autograd.op.Op` subclass with
its functional form registered beside it (:mod:`autograd.registry`).

Importing this package loads every op module, then attaches the registered methods and operators to
:class:`~autograd.Tensor`. ``__all__`` and the module's names are the registry's, never listed by hand.
"""
from .. import registry
from ..tensor import Tensor
from . import (assign, comparison, conversion, einsum, elementwise, gather, layout, linalg, norms,  # noqa: F401
               padding, pointwise, reductions, rounding, scan, shape, sorting)  # (each registers its ops)
from .conversion import Cast  # noqa: F401  (engine helper)
from .padding import Pad  # noqa: F401  (engine helper)
from .shape import IndexAdd, normalize_dims  # noqa: F401  (engine helpers)

globals().update(registry.functions)
__all__ = sorted(registry.functions)
registry.install(Tensor)
