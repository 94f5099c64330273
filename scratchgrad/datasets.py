"""Which dataset to train on (``--dataset auto``) and loading it, whole or as a reproducible subset.

``auto`` prefers MNIST (the book's data) when its files are on disk, else Fashion-MNIST (Debian's package
``dataset-fashion-mnist`` puts it in ``/usr/share/datasets/fashion-mnist``), else generated digits, so the
tool runs offline on any machine.
"""
import os

import numpy as np

from autograd.data import MNIST, DatasetNotFoundError, FashionMNIST, Subset, SyntheticDigits

__all__ = ["DATASETS", "DATASET_CLASSES", "SYNTHETIC_SIZES", "MAX_SYNTHETIC", "find_dataset", "choose_dataset",
           "load_datasets", "load_arrays", "dataset_title", "synthetic_size_problem", "data_error_message"]

DATASETS = ("auto", "mnist", "fashion-mnist", "synthetic")
#: The datasets read from IDX files, in the order ``auto`` tries them.
DATASET_CLASSES = {"mnist": MNIST, "fashion-mnist": FashionMNIST}
#: Default sizes (train, test) of the generated digits when no size is asked for.
SYNTHETIC_SIZES = (10000, 2000)
#: At most this many generated images per split (drawing 10,000 takes about half a second and 8 MB; more than
#: this would take minutes and gigabytes, which is never what a --train-size typo means).
MAX_SYNTHETIC = 200_000
_TITLES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST", "synthetic": "SyntheticDigits"}
_SPLIT_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                "t10k-labels-idx1-ubyte")


def synthetic_size_problem(train_size, test_size):
    """Why ``--train-size``/``--test-size`` are too large for generated digits (None if they are not)."""
    for flag, size in (("--train-size", train_size), ("--test-size", test_size)):
        if size is not None and size > MAX_SYNTHETIC:
            return f"{flag} {size}: --dataset synthetic draws at most {MAX_SYNTHETIC:,} images per split"
    return None


def data_error_message(exc):
    """What the command line says for a data error: a :class:`DatasetNotFoundError` in the CLI's words
    (``--data-dir``, ``--download``), anything else as it is."""
    if not isinstance(exc, DatasetNotFoundError) or not exc.files:
        return str(exc)
    files = " and ".join(f"{f}(.gz)" for f in exc.files)
    searched = "".join(f"\n  {d}" for d in exc.searched)
    hint = f", {exc.install_hint}," if exc.install_hint else ","
    return (f"{exc.dataset} {exc.split} files not found. Put {files} into {exc.download_dir} (or into a "
            f"directory you pass as --data-dir D, or set $SCRATCHGRAD_DATA), add --download to fetch them{hint} or "
            f"use --dataset synthetic to train on generated digits. Searched:{searched}")


def dataset_title(name):
    """The display name of a dataset key (``'fashion-mnist'`` -> ``'Fashion-MNIST'``)."""
    return _TITLES.get(name, name)


def _has(folder, name):
    return any(os.path.isfile(os.path.join(folder, name + ext)) for ext in ("", ".gz"))


def find_dataset(name, data_dir=None):
    """The directory holding all four IDX files of ``name`` (``'mnist'`` or ``'fashion-mnist'``), or None.

    Searches the same places as ``MNIST``/``FashionMNIST`` do (``data_dir``, ``$SCRATCHGRAD_DATA``,
    ``~/.cache/scratchgrad``, and for Fashion-MNIST Debian's directory) without reading the files.
    """
    cls = DATASET_CLASSES[name]
    for folder in cls.candidate_dirs(data_dir):
        if all(_has(folder, f) for f in _SPLIT_FILES):
            return folder
    return None


def choose_dataset(name="auto", data_dir=None):
    """Resolve ``--dataset``: returns ``(dataset key, reason)``, the reason being a sentence for the user.

    ``auto``: MNIST if its files are found, else Fashion-MNIST if found, else ``'synthetic'``.

    Raises:
        ValueError: an unknown name.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    if name != "auto":
        return name, f"{dataset_title(name)} was asked for with --dataset {name}"
    mnist = find_dataset("mnist", data_dir)
    if mnist is not None:
        return "mnist", f"--dataset auto: MNIST files found in {mnist}"
    fashion = find_dataset("fashion-mnist", data_dir)
    if fashion is not None:
        return "fashion-mnist", f"--dataset auto: no MNIST files found; Fashion-MNIST files found in {fashion}"
    where = ", ".join(dict.fromkeys(MNIST.candidate_dirs(data_dir) + FashionMNIST.candidate_dirs(data_dir)))
    return "synthetic", ("--dataset auto: neither MNIST nor Fashion-MNIST files were found (searched " + where +
                         "), so training uses generated digits (SyntheticDigits); use --dataset mnist --download "
                         "to fetch MNIST")


def _subset(dataset, size, seed, what):
    if size is None or size >= len(dataset):
        return dataset
    if size < 1:
        raise ValueError(f"{what} size must be at least 1, got {size}")
    # A seeded random choice (kept in index order) so small subsets still have every class.
    index = np.sort(np.random.default_rng([seed, len(dataset)]).permutation(len(dataset))[:size])
    return Subset(dataset, index)


def load_datasets(name, data_dir=None, download=False, train_size=None, test_size=None, seed=0):
    """The training and test sets of ``name`` (a key of :data:`DATASETS` other than ``auto``).

    Args:
        train_size, test_size: use a random subset of this many samples (the same for a given ``seed``);
            None: all of it (for ``synthetic``, :data:`SYNTHETIC_SIZES`).
        download: fetch MNIST/Fashion-MNIST files that are missing.

    Returns:
        ``(train, test)`` datasets of ``(image (1, 28, 28) float32 in [0, 1], label)``.

    Raises:
        DatasetNotFoundError: the files are missing and ``download`` is False.
        ValueError: more than :data:`MAX_SYNTHETIC` generated images asked for.
    """
    if name == "synthetic":
        problem = synthetic_size_problem(train_size, test_size)
        if problem:
            raise ValueError(problem)
        n_train = SYNTHETIC_SIZES[0] if train_size is None else train_size
        n_test = SYNTHETIC_SIZES[1] if test_size is None else test_size
        return SyntheticDigits(n_train, seed=seed, train=True), SyntheticDigits(n_test, seed=seed, train=False)
    if name not in DATASET_CLASSES:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS[1:])}")
    cls = DATASET_CLASSES[name]
    train = cls(root=data_dir, train=True, download=download)
    test = cls(root=data_dir, train=False, download=download)
    return _subset(train, train_size, seed, "train"), _subset(test, test_size, seed, "test")


def _arrays(dataset, flatten):
    if isinstance(dataset, Subset):
        index = np.asarray(dataset.indices, dtype=np.int64)
        x, t = _arrays(dataset.dataset, flatten)
        return x[index], t[index]
    return dataset.arrays(flatten=flatten)


def load_arrays(name, data_dir=None, download=False, train_size=None, test_size=None, seed=0, flatten=True):
    """Like :func:`load_datasets` but as numpy arrays ``(x_train, t_train, x_test, t_test)``.

    ``x`` is float32 in ``[0, 1]``, ``(N, 784)`` with ``flatten`` (the book's ``load_mnist(flatten=True)``)
    else ``(N, 1, 28, 28)``; ``t`` is int64 ``(N,)``.
    """
    train, test = load_datasets(name, data_dir, download, train_size, test_size, seed)
    return (*_arrays(train, flatten), *_arrays(test, flatten))
