"""The op registry: where each functional op declares its public name, its Tensor methods and its array-API name.

An op is written once, in one file: its :class:`~autograd.op.Op` subclass (forward and backward side by
side) and, right under it, the functional form decorated with :func:`register`::

    @register(method=True, xp="exp")
    def exp(input):
        \"\"\"Elementwise ``e ** input``.\"\"\"
        return Exp().apply(input)

Everything else is derived from this registry, never kept in sync by hand: ``autograd.__all__`` and the
``autograd.<name>`` functions (:data:`functions`), the Tensor methods and operators (:data:`methods`,
attached by :func:`install`), and the namespace that backward rules compute with under ``create_graph``
(:data:`graph_namespace`: the ops under their array-API names). This module imports nothing of autograd, so
any module may use it.
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any, overload

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeAlias

    from .types import Fn

    _Names: TypeAlias = bool | str | tuple[str, ...] | None  # a name, names, or True/False/None (see register)

__all__ = ["register", "functions", "internal", "methods", "graph_namespace", "install"]

functions: dict[str, Callable[..., Any]] = {}  # public name -> function (autograd.<name>, in autograd.__all__)
internal: dict[str, Callable[..., Any]] = {}  # name -> function of ops registered with export=False (engine helpers...)
methods: dict[str, Any] = {}  # Tensor attribute -> function or property


class _GraphNamespace:
    """Differentiable ops under array-API names (``exp``, ``sum(x, axis=, keepdims=)``, ``permute_dims``...),
    plus the helpers that :mod:`autograd.backend` gives for arrays (``sum_to``, ``index_add``, ``getitem``)."""

    def __repr__(self) -> str:
        return f"<graph namespace: {', '.join(sorted(vars(self)))}>"


graph_namespace = _GraphNamespace()


def _names(value: _Names, default: str | None) -> tuple[Any, ...]:
    if value is True:
        return (default,)
    if not value:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _swapped(fn: Callable[..., Any], name: str) -> Callable[..., Any]:
    def reflected(self: Any, other: Any) -> Any:
        return fn(other, self)

    reflected.__name__ = name
    reflected.__doc__ = f"``{fn.__name__}(other, self)``."
    # ``other`` takes what ``fn``'s second operand takes; the result is ``fn``'s (for the type stubs, autograd._stubgen).
    hints = getattr(fn, "__annotations__", {})
    second = fn.__code__.co_varnames[1]  # the name of its second parameter
    reflected.__annotations__ = {k: hints[v] for k, v in (("other", second), ("return", "return")) if v in hints}
    return reflected


@overload
def register(fn: Fn, *, name: str | None = ..., method: _Names = ..., reflected: _Names = ..., xp: _Names = ...,
             export: bool = ..., property: bool = ...) -> Fn: ...
@overload
def register(fn: None = None, *, name: str | None = ..., method: _Names = ..., reflected: _Names = ...,
             xp: _Names = ..., export: bool = ..., property: bool = ...) -> Callable[[Fn], Fn]: ...


def register(fn: Fn | None = None, *, name: str | None = None, method: _Names = True, reflected: _Names = None,
             xp: _Names = None, export: bool = True, property: bool = False) -> Fn | Callable[[Fn], Fn]:
    """Declare a functional op: its public name, Tensor methods and graph-namespace names.

    Args:
        name: the public name (default: the function's ``__name__``); also the method name when ``method=True``.
        method: ``True`` (a Tensor method of the same name), ``False``, or a name / tuple of names
            (``("add", "__add__")``).
        reflected: name(s) of reflected operators (``"__radd__"``): called with the operands swapped.
        xp: name(s) under which backward rules find the op in :data:`graph_namespace`; the op must then
            take the same arguments as the array-API function of that name.
        export: list the op in ``autograd.__all__`` (False for Tensor-only methods such as ``to``).
        property: attach it as a read-only property (``T``, ``mT``) instead of a method.
    Returns:
        ``fn`` itself, so the decorated function stays the public one.
    """
    if fn is None:
        return lambda f: register(f, name=name, method=method, reflected=reflected, xp=xp, export=export,
                                  property=property)
    public = name or fn.__name__
    if export:
        if public in functions and functions[public] is not fn:
            raise RuntimeError(f"register: the op name {public!r} is already taken by {functions[public]!r}")
        functions[public] = fn
    else:
        internal[public] = fn
    attr = builtins.property(fn) if property else fn
    for m in _names(method, public):
        methods[m] = attr
    for r in _names(reflected, None):
        methods[r] = _swapped(fn, r)
    for x in _names(xp, public):
        setattr(graph_namespace, x, fn)
    return fn



def install(cls: type) -> None:
    """Attach every registered method and operator to ``cls`` (the Tensor class); called once, after the ops load."""
    for attr, fn in methods.items():
        setattr(cls, attr, fn)
