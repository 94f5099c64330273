"""Shared pieces of the experiments: the run context, an iteration-based training loop, accuracy on arrays."""
import os
import sys
import time

import numpy as np

import nn.functional as F
from autograd.data import DataLoader, TensorDataset

from ..datasets import choose_dataset, dataset_title, load_arrays
from ..training import evaluate

__all__ = ["Context", "train_iterations", "accuracy", "smooth", "weights_and_biases"]


class Context:
    """Where an experiment writes and what it trains on.

    Attributes:
        out: the output directory (created). quick: the reduced run. seed: the base seed.
        dataset: the requested dataset (``auto`` resolved lazily by :meth:`arrays`).
        workers: trials of the hyper-parameter search at once (None: one per CPU).
        executor: an executor to run search trials on (overrides ``scheduler``; see :mod:`scratchgrad.search`).
        scheduler: where the search starts or joins its executor (:func:`scratchgrad.executors.open_executor`).
        sampler: the search's sampler, ``"random"`` (the book's) or ``"optuna"``.
        progress: print progress lines.
        model: the network of experiments that offer a choice (``convnet``: simple_convnet or deep_convnet).
    """

    def __init__(self, out, quick=False, dataset="auto", data_dir=None, download=False, seed=0, workers=None,
                 executor=None, progress=True, model=None, scheduler=None, sampler="random"):
        self.out, self.quick, self.seed, self.model = out, bool(quick), int(seed), model
        self.dataset, self.data_dir, self.download = dataset, data_dir, download
        self.workers, self.executor, self.progress = workers, executor, progress
        self.scheduler, self.sampler = scheduler, sampler
        self.dataset_key = None
        self.dataset_reason = None
        self._cache = {}
        os.makedirs(out, exist_ok=True)

    def path(self, name):
        """``out/name``."""
        return os.path.join(self.out, name)

    def log(self, message):
        """A progress line (to stderr, so stdout keeps the results)."""
        if self.progress:
            print(message, file=sys.stderr, flush=True)

    def resolve_dataset(self):
        """The dataset key ``auto`` stands for (printed once with the reason)."""
        if self.dataset_key is None:
            self.dataset_key, self.dataset_reason = choose_dataset(self.dataset, self.data_dir)
            self.log(self.dataset_reason)
        return self.dataset_key

    def dataset_info(self):
        """``{"name", "title", "reason"}`` for summaries."""
        key = self.resolve_dataset()
        return {"name": key, "title": dataset_title(key), "reason": self.dataset_reason}

    def arrays(self, train_size=None, test_size=None, flatten=True):
        """``(x_train, t_train, x_test, t_test)`` numpy arrays of the dataset (cached per request)."""
        key = (train_size, test_size, flatten)
        if key not in self._cache:
            self._cache[key] = load_arrays(self.resolve_dataset(), self.data_dir, self.download, train_size,
                                           test_size, self.seed, flatten=flatten)
        return self._cache[key]


def weights_and_biases(model, weight_decay):
    """Parameter groups decaying only the weights (the book's L2 penalty ``0.5 * lambda * sum(W**2)``)."""
    weights = [p for name, p in model.named_parameters() if name.endswith("weight") and p.ndim > 1]
    others = [p for name, p in model.named_parameters() if not (name.endswith("weight") and p.ndim > 1)]
    groups = [{"params": weights, "weight_decay": weight_decay}]
    if others:
        groups.append({"params": others, "weight_decay": 0.0})
    return groups


def train_iterations(model, optimizer, x, t, iterations, batch_size, seed, on_epoch=None):
    """Train for a number of mini-batch steps (the book's ``max_iterations``), returning the loss per step.

    Batches come from a shuffled DataLoader cycling over ``(x, t)`` (each epoch a new permutation; the book
    draws every batch with replacement instead). ``on_epoch(epoch)`` is called after each full pass that more
    steps follow, not after the last one (even when it ends a pass): callers record the final state themselves.

    Raises:
        ValueError: ``x`` is empty (no batch could ever be drawn).
        FloatingPointError: the loss became NaN/Inf (the message names the step).
    """
    if len(x) == 0 and iterations > 0:
        raise ValueError(f"train_iterations: no training samples (x has shape {tuple(x.shape)}) for {iterations} "
                         "iterations")
    loader = DataLoader(TensorDataset(x, t), batch_size=batch_size, shuffle=True, seed=seed,
                        drop_last=len(x) >= batch_size)
    losses, step, epoch = np.empty(iterations, dtype=np.float64), 0, 0
    model.train()
    while step < iterations:
        for xb, tb in loader:
            loss = F.cross_entropy(model(xb), tb)
            value = loss.item()
            if not np.isfinite(value):
                raise FloatingPointError(f"train_iterations: loss became {value} at step {step + 1}; lower the "
                                         "learning rate")
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses[step] = value
            step += 1
            if step >= iterations:
                break
        else:
            epoch += 1
            if on_epoch is not None:
                on_epoch(epoch)
    return losses


def accuracy(model, x, t, batch_size=2000):
    """Accuracy of ``model`` on arrays ``(x, t)`` in eval mode (training mode restored)."""
    return evaluate(model, DataLoader(TensorDataset(x, t), batch_size=batch_size))["acc"]


def smooth(values, window):
    """Moving average over ``window`` steps (shorter at the start), for readable loss curves."""
    values = np.asarray(values, dtype=np.float64)
    window = max(1, min(int(window), len(values)))
    c = np.cumsum(np.insert(values, 0, 0.0))
    out = np.empty_like(values)
    head = min(window, len(values))
    out[:head] = c[1:head + 1] / np.arange(1, head + 1)
    out[head:] = (c[head + 1:] - c[1:len(values) - head + 1]) / window
    return out


class Timer:
    """``with Timer() as t: ...`` then ``t.seconds``."""

    def __enter__(self):
        self._start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self._start
        return False
