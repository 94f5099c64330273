"""``DataLoader``: mini-batches over a dataset, each sample exactly once per epoch, and ``default_collate``."""
from __future__ import annotations

import collections.abc
import numbers
import warnings
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from .. import creation
from ..devices import cuda
from ..random import Generator, numpy_generator
from ..tensor import Tensor

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping, Sequence

__all__ = ["DataLoader", "default_collate"]


class _MapDataset(Protocol):
    """What a DataLoader iterates over: any map-style dataset (a :class:`~autograd.data.Dataset` or not)."""

    def __getitem__(self, index: int, /) -> Any: ...

    def __len__(self) -> int: ...


def _stack(arrays: Sequence[np.ndarray[Any, Any]]) -> Tensor:
    first = arrays[0].shape
    for i, a in enumerate(arrays):
        if a.shape != first:
            raise RuntimeError(f"default_collate: stack expects each sample to be of equal size, but got "
                               f"{list(first)} at entry 0 and {list(a.shape)} at entry {i}")
    return creation.as_tensor(np.stack(arrays))


def default_collate(batch: Sequence[Any]) -> Any:
    """Merge a list of samples into a batch, recursively, like ``torch.utils.data.default_collate``.

    Tensors and arrays of shape ``S`` stack into a Tensor ``(B, *S)`` (no grad); Python ints become an int64
    Tensor ``(B,)``, floats a float32 one (the engine's default dtype), bools a bool one; numpy scalars keep
    their dtype; strings stay a list; tuples, lists and dicts are collated field by field (a tuple of samples
    ``(x, t)`` gives a tuple of batches ``(x_batch, t_batch)``).

    Raises:
        RuntimeError: samples whose tensors differ in shape, or sequences of different lengths.
        TypeError: an element type it cannot batch.
    """
    if not isinstance(batch, collections.abc.Sequence) or len(batch) == 0:
        raise TypeError(f"default_collate: expected a non-empty list of samples, got {type(batch).__name__}")
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack([b.numpy() for b in batch])
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "OUSV":
            raise TypeError(f"default_collate: cannot batch arrays of dtype {elem.dtype}")
        return _stack([np.asarray(b) for b in batch])
    if isinstance(elem, np.generic):
        return creation.as_tensor(np.array(batch))
    if isinstance(elem, (bool, numbers.Number)):
        return creation.tensor(list(batch))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, collections.abc.Mapping):
        return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(field)) for field in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        n = len(elem)
        if any(len(b) != n for b in batch):
            raise RuntimeError("default_collate: each element in list of batch should be of equal size, got "
                               f"sizes {sorted({len(b) for b in batch})}")
        fields = [default_collate(list(field)) for field in zip(*batch)]
        return tuple(fields) if isinstance(elem, tuple) else fields
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
                    f"found {type(elem).__name__}")


class _BatchIterator:
    """One epoch of batches (``len()`` gives the number of batches)."""

    __slots__ = ("_loader", "_order", "_stop", "_pos")

    def __init__(self, loader: DataLoader, order: np.ndarray[Any, Any]) -> None:
        self._loader = loader
        self._order = order
        bs = loader.batch_size
        self._stop = (len(order) // bs) * bs if loader.drop_last else len(order)
        self._pos = 0

    def __iter__(self) -> _BatchIterator:
        return self

    def __len__(self) -> int:
        bs = self._loader.batch_size
        return max(0, -(-(self._stop - self._pos) // bs))

    def __next__(self) -> Any:
        if self._pos >= self._stop:
            raise StopIteration
        bs = self._loader.batch_size
        idx = self._order[self._pos:min(self._pos + bs, self._stop)]
        self._pos += bs
        return self._loader._fetch(idx)


class DataLoader:
    """Iterate over a dataset in mini-batches; every epoch visits every sample exactly once.

    Unlike the book's ``Trainer`` (which draws each batch with replacement), each epoch is one permutation of
    the dataset cut into consecutive batches.

    Args:
        dataset: a map-style dataset (``__getitem__`` and ``__len__``). If it has ``get_batch(indices)``
            (TensorDataset, MNIST without transforms, SyntheticDigits, ...) and ``collate_fn`` is None, a batch
            is built by indexing whole arrays at once, not sample by sample.
        batch_size: samples per batch (the last one may be smaller unless ``drop_last``).
        shuffle: draw a new permutation each epoch (else samples come in index order).
        drop_last: drop the last incomplete batch.
        seed: makes shuffling reproducible and independent of other randomness: epoch ``k`` uses
            ``numpy.random.default_rng([seed, k])``. None draws each epoch's permutation from ``generator``.
        generator: an ``autograd.Generator`` the permutations are drawn from (as PyTorch's ``generator=``);
            None: the thread's default generator, so ``autograd.manual_seed`` / ``set_rng_state`` control it.
        collate_fn: merges a list of samples into a batch; default :func:`default_collate`.
        num_workers: accepted as in PyTorch (a non-negative int, kept as ``loader.num_workers``), but batches are
            always loaded in the calling process: the same batches, in the same order, as ``num_workers=0``.
        pin_memory: pinned host memory only matters for copies to an accelerator; batches are ordinary host
            arrays either way (``.to('cuda')`` copies them), and with no GPU present True warns, as PyTorch does.

    Yields:
        Batches as Tensors; for datasets of ``(input, target)`` pairs a tuple ``(x (B, ...), t (B,))``.

    The epoch counter (``loader.epoch``) advances each time an iteration starts. Save it with
    :meth:`state_dict` and restore with :meth:`load_state_dict` or :meth:`set_epoch` so a resumed run sees
    the same shuffles as an uninterrupted one.
    """

    def __init__(self, dataset: _MapDataset, batch_size: int = 1, shuffle: bool = False, drop_last: bool = False,
                 seed: int | None = None, collate_fn: Callable[[list[Any]], Any] | None = None, num_workers: int = 0,
                 pin_memory: bool = False, generator: Generator | None = None) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
            raise ValueError(f"DataLoader: batch_size should be a positive integer value, "
                             f"but got batch_size={batch_size!r}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
            raise ValueError(f"DataLoader: seed should be a non-negative integer or None, but got seed={seed!r}")
        if generator is not None and not isinstance(generator, Generator):
            raise TypeError(f"DataLoader: generator must be an autograd.Generator, not {type(generator).__name__}")
        if generator is not None and seed is not None:
            raise ValueError("DataLoader: pass seed or generator, not both (each alone makes the shuffles reproducible)")
        if isinstance(num_workers, bool) or not isinstance(num_workers, (int, np.integer)) or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers option should be non-negative; use num_workers=0 to disable "
                             f"multiprocessing, got num_workers={num_workers!r}")
        if pin_memory and not cuda.is_available():
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, then device pinned "
                          "memory won't be used.", UserWarning, stacklevel=2)
        self.dataset = dataset
        self.num_workers = int(num_workers)
        self.pin_memory = bool(pin_memory)
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.seed = None if seed is None else int(seed)
        self.generator = generator
        self.collate_fn = collate_fn
        self.epoch = 0

    def __len__(self) -> int:
        """Number of batches per epoch."""
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def order(self, epoch: int | None = None) -> np.ndarray[Any, Any]:
        """The sample order (int64 array) of ``epoch`` (default: the next one). Draws from ``generator`` (or
        the thread's default generator) when ``seed`` is None and ``shuffle`` is on."""
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n, dtype=np.int64)
        if self.seed is None:
            return numpy_generator(self.generator, "DataLoader").permutation(n)
        epoch = self.epoch if epoch is None else int(epoch)
        return np.random.default_rng([self.seed, epoch]).permutation(n)

    def __iter__(self) -> Iterator[Any]:
        order = self.order(self.epoch)
        self.epoch += 1
        return _BatchIterator(self, order)

    def _fetch(self, idx: np.ndarray[Any, Any]) -> Any:
        if self.collate_fn is None:
            get_batch = getattr(self.dataset, "get_batch", None)
            if get_batch is not None:
                arrays = get_batch(idx)
                if arrays is not None:
                    return tuple(creation.as_tensor(np.ascontiguousarray(a)) for a in arrays)
            return default_collate([self.dataset[int(i)] for i in idx])
        return self.collate_fn([self.dataset[int(i)] for i in idx])

    def set_epoch(self, epoch: int) -> None:
        """Make the next iteration epoch ``epoch`` (0-based), e.g. after resuming from a checkpoint."""
        if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)) or epoch < 0:
            raise ValueError(f"DataLoader.set_epoch: expected a non-negative int, got {epoch!r}")
        self.epoch = int(epoch)

    def state_dict(self) -> dict[str, Any]:
        """``{"epoch": next epoch, "seed": seed}``: what :meth:`load_state_dict` needs to resume the shuffles.
        With ``seed=None`` the shuffles come from a generator: restore it too (``generator.set_state`` or
        ``autograd.set_rng_state``)."""
        return {"epoch": self.epoch, "seed": self.seed}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore the epoch counter saved by :meth:`state_dict`.

        Raises:
            ValueError: the saved seed differs from this loader's (the shuffles would not match).
        """
        if "seed" in state and state["seed"] != self.seed:
            raise ValueError(f"DataLoader.load_state_dict: the state was saved with seed={state['seed']!r} but "
                             f"this loader has seed={self.seed!r}; the shuffles would differ")
        self.set_epoch(state["epoch"])

    def __repr__(self) -> str:
        return (f"DataLoader(len(dataset)={len(self.dataset)}, batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"drop_last={self.drop_last}, seed={self.seed}, epoch={self.epoch})")
