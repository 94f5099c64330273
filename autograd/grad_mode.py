"""Grad mode: whether ops record the computational graph.

``no_grad()``, ``enable_grad()`` and ``set_grad_enabled(mode)`` work both as context managers and as
decorators, as in PyTorch.  Like PyTorch's, the mode is per thread: ``no_grad`` in one thread does not
change what another thread records.
"""
import functools
import threading

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled"]


class _ThreadState(threading.local):
    """Per-thread autograd switches, read on every op; the class attributes are each new thread's defaults."""

    grad_enabled = True
    anomaly = False
    tracer = None  # the active autograd.tracing.Trace, which records every op applied (export)


_State = _ThreadState()


class _Global:
    """Process-wide autograd state, shared by all threads (tensors are shared too)."""

    node_hooks = False  # set once any non-leaf tensor gets a hook (or retain_grad)
    clock = 0  # counts in-place modifications; a tensor's version is the clock value of its last one


def is_grad_enabled():
    """Return True when ops record the graph."""
    return _State.grad_enabled


class _GradModeContext:
    """Base for the grad-mode context managers; an instance also decorates functions."""

    mode = True

    def __enter__(self):
        self._prev = _State.grad_enabled
        _State.grad_enabled = self.mode

    def __exit__(self, *exc):
        _State.grad_enabled = self._prev
        return False

    def __call__(self, fn):
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = _State.grad_enabled
            _State.grad_enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                _State.grad_enabled = prev

        return wrapper


class no_grad(_GradModeContext):
    """Context manager / decorator that stops graph recording (use it for evaluation and parameter updates)."""

    mode = False


class enable_grad(_GradModeContext):
    """Context manager / decorator that turns graph recording back on inside a ``no_grad`` block."""

    mode = True


class set_grad_enabled(_GradModeContext):
    """Set grad mode to ``mode``; takes effect immediately, and as a context manager restores the old mode on exit."""

    def __init__(self, mode):
        self._prev = _State.grad_enabled
        self.mode = bool(mode)
        _State.grad_enabled = self.mode

    def __enter__(self):
        pass

    def __call__(self, fn):
        _State.grad_enabled = self._prev  # used as a decorator: only the decorated calls switch mode
        return super().__call__(fn)
