"""Map-style datasets: ``Dataset``, ``TensorDataset``, ``Subset``, ``ConcatDataset`` and ``random_split``.

A dataset is anything with ``__getitem__(i)`` and ``__len__()``. Datasets that hold whole arrays may also
define ``get_batch(indices)``: it returns a tuple of numpy arrays whose first dim is ``len(indices)`` (or
None when it cannot, e.g. because a per-sample transform is set). :class:`~autograd.data.DataLoader` uses it
to build a batch with one fancy-indexing call per array instead of a Python loop over samples.
"""
from __future__ import annotations

import bisect
import math
import numbers
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import numpy as np

from .. import creation
from ..random import Generator, numpy_generator
from ..tensor import Tensor

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

__all__ = ["Dataset", "TensorDataset", "Subset", "ConcatDataset", "random_split"]

_T_co = TypeVar("_T_co", covariant=True)


class Dataset(Generic[_T_co]):
    """Base class of map-style datasets: subclasses define ``__getitem__(index)`` and ``__len__()``.

    ``Dataset[T]`` (for type checkers) is a dataset whose samples are ``T``, as ``torch.utils.data.Dataset[T]``.
    """

    def __getitem__(self, index: int) -> _T_co:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")

    def __add__(self, other: Dataset[_T_co]) -> ConcatDataset[_T_co]:
        """``a + b`` is ``ConcatDataset([a, b])``."""
        return ConcatDataset([self, other])


def _as_array(x: Any) -> np.ndarray[Any, Any]:
    if isinstance(x, Tensor):
        return x.numpy()
    if isinstance(x, np.ndarray):
        return x
    return creation.tensor(x).numpy()


class TensorDataset(Dataset[tuple[Tensor, ...]]):
    """A dataset over tensors (or arrays) that share their first dim: sample ``i`` is ``(t[i] for t in tensors)``.

    Args:
        *tensors: Tensors or numpy arrays with the same size ``N`` of dim 0, e.g. ``x (N, C, H, W)`` and
            ``t (N,)``.

    Raises:
        ValueError: no tensors, a 0-d tensor, or first dims that differ (the message lists the sizes).
    """

    def __init__(self, *tensors: Tensor | np.ndarray[Any, Any]) -> None:
        if not tensors:
            raise ValueError("TensorDataset: expected at least one tensor")
        arrays = tuple(_as_array(t) for t in tensors)
        if any(a.ndim == 0 for a in arrays):
            shapes = [a.shape for a in arrays]
            raise ValueError(f"TensorDataset: tensors must have a first dim, got shapes {shapes}")
        sizes = [a.shape[0] for a in arrays]
        if len(set(sizes)) != 1:
            raise ValueError(f"TensorDataset: size mismatch between tensors: first dims are {sizes}, expected all equal")
        self._arrays = arrays
        self.tensors = tuple(creation.as_tensor(a) for a in arrays)

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        return tuple(creation.as_tensor(np.asarray(a[index])) for a in self._arrays)

    def __len__(self) -> int:
        return self._arrays[0].shape[0]

    def get_batch(self, indices: np.ndarray[Any, Any]) -> tuple[np.ndarray[Any, Any], ...]:
        """The samples at ``indices`` (int array) as one array per tensor, each ``(len(indices), ...)``."""
        return tuple(a[indices] for a in self._arrays)

    def __repr__(self) -> str:
        return f"TensorDataset(len={len(self)}, shapes={[a.shape for a in self._arrays]})"


class Subset(Dataset[_T_co]):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset: Dataset[_T_co], indices: Sequence[int] | np.ndarray[Any, Any]) -> None:
        self.dataset = dataset
        self.indices = indices
        self._index = np.asarray(indices, dtype=np.int64).reshape(-1)

    def __getitem__(self, index: int) -> _T_co:
        if isinstance(index, (list, np.ndarray)):  # (a list of samples, as PyTorch's)
            return [self.dataset[int(i)] for i in self._index[index]]
        return self.dataset[int(self._index[index])]

    def __len__(self) -> int:
        return len(self._index)

    def get_batch(self, indices: np.ndarray[Any, Any]) -> tuple[np.ndarray[Any, Any], ...] | None:
        """Forwards to the wrapped dataset's ``get_batch`` with the indices mapped (None if it has none)."""
        inner = getattr(self.dataset, "get_batch", None)
        return None if inner is None else inner(self._index[indices])


class ConcatDataset(Dataset[_T_co]):
    """The concatenation of several datasets (sample ``i`` runs on into the next dataset)."""

    def __init__(self, datasets: Iterable[Dataset[_T_co]]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]).tolist())

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> _T_co:
        index = int(index)
        if index < 0:
            if -index > len(self):
                raise IndexError(f"ConcatDataset: index {index} out of range for length {len(self)}")
            index += len(self)
        k = bisect.bisect_right(self.cumulative_sizes, index)
        if k == len(self.datasets):
            raise IndexError(f"ConcatDataset: index {index} out of range for length {len(self)}")
        start = self.cumulative_sizes[k - 1] if k else 0
        return self.datasets[k][index - start]


def _split_lengths(lengths: Sequence[float], n: int) -> list[int]:
    lengths = list(lengths)
    if any(not isinstance(x, numbers.Real) or x < 0 for x in lengths):
        raise ValueError(f"random_split: lengths must be non-negative numbers, got {lengths}")
    # torch's rule: lengths summing to 1 are fractions (so [1] means "everything", as does [n]).
    if math.isclose(sum(lengths), 1.0) and sum(lengths) <= 1 + 1e-12:
        counts = [int(math.floor(n * f)) for f in lengths]
        # Like torch: hand the leftover samples out one each, round-robin from the first split.
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        return counts
    if any(not float(x).is_integer() for x in lengths):
        raise ValueError(f"random_split: fractions must sum to 1, got {lengths} (sum {sum(lengths)})")
    counts = [int(x) for x in lengths]
    if sum(counts) != n:
        raise ValueError(f"random_split: sum of input lengths {counts} is {sum(counts)}, "
                         f"which does not equal the length of the input dataset ({n})")
    return counts


def random_split(dataset: Dataset[_T_co], lengths: Sequence[float], seed: int | None = None,
                 generator: Generator | None = None) -> list[Subset[_T_co]]:
    """Split ``dataset`` at random into non-overlapping :class:`Subset` s of the given lengths.

    Args:
        dataset: the dataset to split.
        lengths: sizes that sum to ``len(dataset)``, or fractions that sum to 1 (each split gets
            ``floor(n * f)`` samples; the remainder is handed out one at a time from the first split).
        seed: an int for a split that does not depend on any generator; None draws from ``generator``.
        generator: an ``autograd.Generator`` (as PyTorch's ``generator=``); None: the thread's default generator
            (reseeded by ``autograd.manual_seed``).

    Returns:
        A list of :class:`Subset`.

    Raises:
        ValueError: lengths that do not sum to ``len(dataset)`` (or fractions that do not sum to 1); both ``seed``
            and ``generator``.
        TypeError: a ``generator`` that is not an ``autograd.Generator``.
    """
    if generator is not None and not isinstance(generator, Generator):
        raise TypeError(f"random_split: generator must be an autograd.Generator, not {type(generator).__name__}")
    if generator is not None and seed is not None:
        raise ValueError("random_split: pass seed or generator, not both")
    n = len(dataset)
    counts = _split_lengths(lengths, n)
    rng = np.random.default_rng(seed) if seed is not None else numpy_generator(generator, "random_split")
    perm = rng.permutation(n)
    out, start = [], 0
    for c in counts:
        out.append(Subset(dataset, perm[start:start + c].tolist()))
        start += c
    return out
