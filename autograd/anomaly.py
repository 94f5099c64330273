"""``detect_anomaly()``: find the op whose backward first produces NaN or Inf, and where it was created."""
import os

from .grad_mode import _State

__all__ = ["detect_anomaly", "AnomalyError"]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


class AnomalyError(RuntimeError):
    """Raised under :func:`detect_anomaly` when a backward rule returns a non-finite gradient.

    Attributes:
        node: the op (graph node) whose backward produced it.
        input_index: which input's gradient was non-finite.
        frame: the user-code ``FrameSummary`` that created the op, or None.
    """

    def __init__(self, node, input_index):
        self.node, self.input_index = node, input_index
        from .function import creation_sites

        self.frame = _user_frame(creation_sites.get(node))
        where = f'File "{self.frame.filename}", line {self.frame.lineno}, in {self.frame.name}: {self.frame.line}' if self.frame else "unknown location (created outside detect_anomaly)"
        super().__init__(f"Function '{node.name}Backward' returned nan or inf values in its gradient for input {input_index}. The op was created at {where}")


def _user_frame(trace):
    """The innermost frame of the creation stack that lies outside this package."""
    if not trace:
        return None
    for frame in reversed(trace):
        if not os.path.abspath(frame.filename).startswith(_PACKAGE_DIR):
            return frame
    return trace[-1]


class detect_anomaly:
    """Context manager (and decorator): ops remember where they were created, and backward checks every gradient.

    The first op whose backward produces NaN/Inf raises :class:`AnomalyError` naming the op and the line of
    user code that created it.  It slows everything down; use it to debug only.
    """

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = _State.anomaly
        _State.anomaly = self.check_nan
        return self

    def __exit__(self, *exc):
        _State.anomaly = self._prev
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)

        return wrapper
