"""``DeferredInterrupt``: turn Ctrl-C into a flag checked between training steps."""
import signal
import sys
import threading

__all__ = ["DeferredInterrupt"]


class DeferredInterrupt:
    """Context manager: the first Ctrl-C sets ``pending`` instead of raising, so the current optimizer step
    finishes and the parameters are never left half-updated; a second Ctrl-C raises ``KeyboardInterrupt`` at
    once. Only active in the main thread when SIGINT has Python's default handler; elsewhere it does nothing
    (``pending`` stays False and Ctrl-C raises as usual).
    """

    def __init__(self, message="\nInterrupted: finishing the current step and saving a checkpoint "
                               "(press Ctrl-C again to abort at once)"):
        self.pending = False
        self.message = message
        self._previous = None

    def _handler(self, signum, frame):
        if self.pending:
            raise KeyboardInterrupt
        self.pending = True
        if self.message:
            print(self.message, file=sys.stderr, flush=True)

    def __enter__(self):
        if threading.current_thread() is threading.main_thread() and \
                signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            self._previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None
        return False
