"""What the numpy-function implementations share: the table, numpy-argument checks and shape stand-ins."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import registry
from ..tensor import Tensor

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["IMPLEMENTATIONS", "implements", "autograd_function", "unsupported_argument", "array_operand", "tensor_of",
           "standin", "permutation", "no_where", "check_order"]

IMPLEMENTATIONS: dict[Callable[..., Any], Callable[..., Any]] = {}  # numpy function -> implementation on Tensors

_ARGUMENT_HINTS = {
    "out": "assign the result instead (or copy it into a Tensor with .copy_())",
    "dtype": "cast with .to(dtype) first",
    "where": "select with autograd.where instead",
}


def implements(*funcs):
    """Register the decorated function as the Tensor implementation of numpy's ``funcs`` (None entries, names
    this numpy lacks, are skipped)."""
    def decorate(impl):
        for f in funcs:
            if f is not None:
                IMPLEMENTATIONS[f] = impl
        return impl

    return decorate


def autograd_function(name, wanted_by):
    """The registered autograd function ``name``.

    Raises:
        TypeError: this version of autograd has no such function (the message names ``wanted_by``, numpy's name).
    """
    fn = registry.functions.get(name) or registry.internal.get(name)
    if fn is None:
        raise TypeError(f"{wanted_by} on Tensors needs autograd.{name}, which this version of autograd does not "
                        "have; call it on t.detach().numpy() to leave the graph on purpose")
    return fn


def unsupported_argument(label, /, **given):
    """Raise TypeError for the first of ``given`` (keyword -> value) that is not None: an argument of numpy's
    ``label`` function that the autograd function has no equivalent for (never accepted and ignored)."""
    for key, value in given.items():
        if value is not None:
            hint = _ARGUMENT_HINTS.get(key, "autograd has no equivalent")
            raise TypeError(f"{label} on Tensors: the argument {key}={value!r} is not supported; {hint}")


def array_operand(x, takes_arrays=False):
    """An operand for an autograd op: lists and tuples become arrays, as numpy would make them, and arrays become
    (constant) Tensors unless the op ``takes_arrays``; numbers stay numbers (so that they never widen a dtype)."""
    if isinstance(x, (list, tuple)):
        x = np.asarray(x)
    return Tensor._make(x) if type(x) is np.ndarray and not takes_arrays else x


def tensor_of(x):
    """``x`` as a Tensor: Tensors as they are, anything else as numpy would make it an array (shared when it is one)."""
    return x if isinstance(x, Tensor) else Tensor._make(np.asarray(x))


def standin(shape):
    """A read-only bool array of ``shape`` that takes no memory, for numpy to compute shapes and check axes on."""
    return np.broadcast_to(np.empty((), dtype=bool), shape)


def permutation(fn, ndim, *args):
    """The axis permutation numpy's ``fn(array, *args)`` applies to an array of ``ndim`` dims."""
    return tuple(int(s) - 2 for s in fn(standin(tuple(range(2, ndim + 2))), *args).shape)


def no_where(where):
    """``where=True`` is numpy's default (every element); any other mask is unsupported."""
    return None if where is True else where


def check_order(label, order, default):
    """Accept only numpy's default memory order for numpy's ``label`` function (other orders are unsupported)."""
    unsupported_argument(label, order=None if order == default else order)
