"""Grad mode: whether ops record the computational graph.

``no_grad()``, ``enable_grad()``, ``set_grad_enabled(mode)`` and ``inference_mode(mode=True)`` work both as
context managers and as decorators (``@no_grad``, ``@enable_grad`` and ``@inference_mode`` also without
parentheses), as in PyTorch.  Like PyTorch's, the mode is per thread: ``no_grad`` in one thread does not
change what another thread records.
"""
from __future__ import annotations

import functools
import threading
from typing import TYPE_CHECKING, Any, Literal, cast, overload

if TYPE_CHECKING:
    from typing_extensions import Self  # noqa: UP035  (typing.Self is Python 3.11+; 3.10 is supported)

    from .types import Fn

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode",
           "is_inference_mode_enabled"]


class _ThreadState(threading.local):
    """Per-thread autograd switches, read on every op.

    The three switches every op reads live in one tuple, ``mode = (grad_enabled, anomaly, tracer)``, so that an op
    pays for one thread-local read (each costs several hundred instructions) instead of three; the properties
    read and set its fields. The class attributes are each new thread's defaults.
    """

    mode: tuple[bool, bool, Any] = (True, False, None)  # (grad_enabled, anomaly, the active autograd.tracing.Trace recording every op)
    inference = False  # only what is_inference_mode_enabled reports: recording is grad_enabled's business

    @property
    def grad_enabled(self) -> bool:
        return self.mode[0]

    @grad_enabled.setter
    def grad_enabled(self, value: bool) -> None:
        _, anomaly, tracer = self.mode
        self.mode = (value, anomaly, tracer)

    @property
    def anomaly(self) -> bool:
        return self.mode[1]

    @anomaly.setter
    def anomaly(self, value: bool) -> None:
        grad, _, tracer = self.mode
        self.mode = (grad, value, tracer)

    @property
    def tracer(self) -> Any:
        return self.mode[2]

    @tracer.setter
    def tracer(self, value: Any) -> None:
        grad, anomaly, _ = self.mode
        self.mode = (grad, anomaly, value)


_State = _ThreadState()


class _Global:
    """Process-wide autograd state, shared by all threads (tensors are shared too)."""

    node_hooks = False  # set once any non-leaf tensor gets a hook (or retain_grad)
    clock = 0  # counts in-place modifications; a tensor's version is the clock value of its last one


def is_grad_enabled() -> bool:
    """Return True when ops record the graph."""
    return _State.grad_enabled


def is_inference_mode_enabled() -> bool:
    """Return True inside ``inference_mode()``."""
    return _State.inference


class _GradModeContext:
    """Base for the grad-mode context managers; an instance also decorates functions."""

    mode = True

    def __enter__(self) -> None:
        self._prev = _State.grad_enabled
        _State.grad_enabled = self.mode

    def __exit__(self, *exc: object) -> Literal[False]:
        _State.grad_enabled = self._prev
        return False

    def __call__(self, fn: Fn) -> Fn:
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            prev = _State.grad_enabled
            _State.grad_enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                _State.grad_enabled = prev

        return cast("Fn", wrapper)


class _NoParamDecorator(_GradModeContext):
    """A context manager that also decorates a function given without parentheses (``@no_grad``), as PyTorch's."""

    @overload
    def __new__(cls, orig_func: None = None) -> Self: ...
    @overload
    def __new__(cls, orig_func: Fn) -> Fn: ...  # type: ignore[misc]  # (@no_grad without parentheses: the function)

    def __new__(cls, orig_func: Any = None) -> Any:
        if orig_func is None:
            return super().__new__(cls)
        if not callable(orig_func):
            raise TypeError(f"{cls.__name__}() takes no arguments, got {type(orig_func).__name__}")
        return cls()(orig_func)


class no_grad(_NoParamDecorator):
    """Context manager / decorator that stops graph recording (use it for evaluation and parameter updates)."""

    mode = False


class enable_grad(_NoParamDecorator):
    """Context manager / decorator that turns graph recording back on inside a ``no_grad`` block."""

    mode = True


class inference_mode(_GradModeContext):
    """``no_grad`` for inference, as PyTorch's ``inference_mode`` (context manager and decorator).

    ``inference_mode()`` (or ``mode=True``) stops graph recording and makes ``is_inference_mode_enabled()``
    true; ``inference_mode(False)`` turns recording on, as in PyTorch. Unlike PyTorch, the tensors made inside
    are ordinary tensors (PyTorch's "inference tensors" refuse later use in autograd; here they may be used).
    """

    @overload
    def __new__(cls, mode: bool = True) -> Self: ...
    @overload
    def __new__(cls, mode: Fn) -> Fn: ...  # type: ignore[misc]  # (@inference_mode without parentheses: the function)

    def __new__(cls, mode: Any = True) -> Any:
        if isinstance(mode, bool):
            return super().__new__(cls)
        if not callable(mode):
            raise TypeError(f"inference_mode(): mode must be a bool, got {type(mode).__name__}")
        return cls()(mode)  # @inference_mode without parentheses

    def __init__(self, mode: bool = True) -> None:
        self.inference = mode
        self.mode = not mode

    def __enter__(self) -> None:
        self._prev_modes = (_State.grad_enabled, _State.inference)
        _State.grad_enabled, _State.inference = self.mode, self.inference

    def __exit__(self, *exc: object) -> Literal[False]:
        _State.grad_enabled, _State.inference = self._prev_modes
        return False

    def __call__(self, fn: Fn) -> Fn:
        inference = self.inference

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with inference_mode(inference):
                return fn(*args, **kwargs)

        return cast("Fn", wrapper)


class set_grad_enabled(_GradModeContext):
    """Set grad mode to ``mode``; takes effect immediately, and as a context manager restores the old mode on exit."""

    def __init__(self, mode: bool) -> None:
        self._prev = _State.grad_enabled
        self.mode = bool(mode)
        _State.grad_enabled = self.mode

    def __enter__(self) -> None:
        pass

    def __call__(self, fn: Fn) -> Fn:
        _State.grad_enabled = self._prev  # used as a decorator: only the decorated calls switch mode
        return super().__call__(fn)
