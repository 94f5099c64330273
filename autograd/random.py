"""Random number generators: ``Generator`` (PyTorch's ``torch.Generator``), the default generator and its seeding.

Every random function (``rand``, ``randn``, ``randint``, ``rand_like``, ``randn_like``, dropout, ``nn.init``, the
shuffles of ``DataLoader`` and ``random_split``) takes ``generator=``; without one it draws from the calling
thread's default generator. That is the process-wide :data:`default_generator` (what :func:`manual_seed` seeds in
a script), unless the thread has installed another with :func:`use_generator`::

    with ag.random.use_generator(ag.Generator().manual_seed(trial_seed)):
        train(...)  # init, dropout and shuffles of this thread draw from the trial's own stream

so that work in several threads at once (a thread pool, a Dask worker with several threads) stays reproducible.
A ``Generator`` wraps a numpy ``Generator`` (PCG64); its states are numpy's (JSON-able dicts), not byte tensors.
"""
from __future__ import annotations

import contextlib
import numbers
import os
import threading
from typing import TYPE_CHECKING, Any

import numpy as np

from .devices import as_device

if TYPE_CHECKING:
    from collections.abc import Iterator

    from typing_extensions import Self  # noqa: UP035  (typing.Self is Python 3.11+; 3.10 is supported)

    from .types import DeviceLike

__all__ = ["Generator", "current_generator", "default_generator", "get_rng_state", "initial_seed", "manual_seed",
           "numpy_generator", "seed", "set_rng_state", "use_generator"]

#: What a fresh ``Generator()`` is seeded with: PyTorch's default seed.
DEFAULT_SEED = 67280421310721
_SEED_MIN, _SEED_LIMIT = -(1 << 63), 1 << 64


class Generator:
    """A random number generator as ``torch.Generator``: ``manual_seed(s)`` (returns itself), ``seed()``,
    ``initial_seed()``, ``get_state()`` / ``set_state()`` and ``device``.

    A new one is seeded with PyTorch's default seed, so ``Generator()`` always gives the same stream.

    Raises:
        RuntimeError: a device other than the CPU (CUDA draws use CuPy's generator, seeded by
            ``autograd.cuda.manual_seed``).
    """

    __slots__ = ("_initial_seed", "_rng", "device")
    _initial_seed: int
    _rng: np.random.Generator

    def __init__(self, device: DeviceLike = "cpu") -> None:
        device = as_device(device, "Generator")
        if device.type != "cpu":
            raise RuntimeError(f"Generator: only CPU generators exist here, got device {device}; CUDA draws use "
                               "CuPy's generator (autograd.cuda.manual_seed)")
        self.device = device
        self.manual_seed(DEFAULT_SEED)

    def manual_seed(self, seed: int) -> Self:
        """Restart the stream from ``seed`` (an int in ``[-2**63, 2**64)``; negative ones count from ``2**64``, as
        PyTorch); returns this generator.

        Raises:
            RuntimeError: a seed that is not an int. ValueError: one outside that range.
        """
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
            # RuntimeError, not TypeError: torch's type for this
            raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")  # noqa: TRY004
        seed = int(seed)
        if not _SEED_MIN <= seed < _SEED_LIMIT:
            raise ValueError(f"manual_seed: seed {seed} is outside [-2**63, 2**64)")
        self._initial_seed = seed % _SEED_LIMIT
        self._rng = np.random.default_rng(self._initial_seed)
        return self

    def seed(self) -> int:
        """Seed with a non-deterministic 64-bit number from the OS and return it."""
        value = int.from_bytes(os.urandom(8), "little")
        self.manual_seed(value)
        return value

    def initial_seed(self) -> int:
        """The seed this stream started from (in ``[0, 2**64)``)."""
        return self._initial_seed

    def get_state(self) -> dict[str, Any]:
        """The current state (numpy's bit-generator state, a JSON-able dict)."""
        return dict(self._rng.bit_generator.state)

    def set_state(self, state: dict[str, Any]) -> Self:
        """Continue from a state of :meth:`get_state`; returns this generator.

        Raises:
            TypeError: ``state`` is not such a dict. ValueError: a state of another kind of bit generator.
        """
        if not isinstance(state, dict):
            raise TypeError(f"set_state: expected a state dict from Generator.get_state(), got {type(state).__name__}")
        self._rng.bit_generator.state = state
        return self

    def __repr__(self) -> str:
        return f"<autograd.Generator device='{self.device}' initial_seed={self._initial_seed}>"


default_generator = Generator().manual_seed(int.from_bytes(os.urandom(8), "little"))
_local = threading.local()


def current_generator() -> Generator:
    """The generator the calling thread draws from when none is passed: the one :func:`use_generator` installed,
    else :data:`default_generator`."""
    return getattr(_local, "generator", None) or default_generator


@contextlib.contextmanager
def use_generator(generator: Generator) -> Iterator[Generator]:
    """Make ``generator`` the calling thread's default inside the ``with`` block (other threads are not affected);
    the previous default comes back on exit, also after an error.

    Raises:
        TypeError: ``generator`` is not a :class:`Generator`.
    """
    if not isinstance(generator, Generator):
        raise TypeError(f"use_generator: expected an autograd.Generator, got {type(generator).__name__}")
    previous = getattr(_local, "generator", None)
    _local.generator = generator
    try:
        yield generator
    finally:
        _local.generator = previous


def numpy_generator(generator: Generator | np.random.Generator | None = None,
                    op: str = "random") -> np.random.Generator:
    """The numpy ``Generator`` to draw from: ``generator``'s (an autograd :class:`Generator`, or a numpy
    ``Generator`` used as is), or the calling thread's default one when it is None.

    Raises:
        TypeError: anything else (the message names ``op``).
    """
    if generator is None:
        return current_generator()._rng
    if isinstance(generator, Generator):
        return generator._rng
    if isinstance(generator, np.random.Generator):
        return generator
    raise TypeError(f"{op}(): argument 'generator' must be autograd.Generator, not {type(generator).__name__}")


def manual_seed(seed: int) -> Generator:
    """Seed the calling thread's default generator (:data:`default_generator` in a script) and return it."""
    return current_generator().manual_seed(seed)


def seed() -> int:
    """Seed the calling thread's default generator non-deterministically; returns the seed."""
    return current_generator().seed()


def initial_seed() -> int:
    """The seed the calling thread's default generator started from."""
    return current_generator().initial_seed()


def get_rng_state() -> dict[str, Any]:
    """The state of the calling thread's default generator (a JSON-able dict), for checkpoints."""
    return current_generator().get_state()


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore a state from :func:`get_rng_state` into the calling thread's default generator."""
    current_generator().set_state(state)
