"""``fit`` and ``evaluate``: the training loop, with checkpoints that resume bit-for-bit.

    history = fit(model, optimizer, train_loader, val_loader, epochs=3, checkpoint="run/checkpoint.npz")
    history = fit(model, optimizer, train_loader, val_loader, epochs=5, resume="run/checkpoint.npz")

A checkpoint (written with ``autograd.save`` after every epoch, and on Ctrl-C) holds the model's and the
optimizer's (and scheduler's) state dicts, the history so far, the global random generator's state and the
loader's epoch counter, so a resumed run repeats exactly what the uninterrupted run would have done.
"""
from __future__ import annotations

import functools
import math
import sys
import time
import warnings
from typing import TYPE_CHECKING, Any

import autograd as ag
from autograd.backend import data_of, namespace
import nn.functional as F

from .checkpoint import CheckpointError, check_param_groups, load_checkpoint, save_checkpoint
from .interrupt import DeferredInterrupt

if TYPE_CHECKING:
    import os
    from collections.abc import Callable, Iterable, Mapping

    import nn
    import optim
    from optim.lr_scheduler import LRScheduler

__all__ = ["fit", "evaluate", "Callback", "NonFiniteLossError", "TrainingInterrupted"]

_HISTORY_KEYS = ("epoch", "train_loss", "train_acc", "test_loss", "test_acc", "lr", "epoch_time", "eval_time", "time",
                 "step_loss")


class NonFiniteLossError(FloatingPointError):
    """The training loss became NaN or infinite; ``epoch`` and ``step`` (1-based) say where, ``history``
    holds the epochs completed before."""

    def __init__(self, message, epoch, step, loss, history):
        super().__init__(message)
        self.epoch, self.step, self.loss, self.history = epoch, step, loss, history


class TrainingInterrupted(KeyboardInterrupt):
    """Training was stopped by Ctrl-C (or a ``KeyboardInterrupt``) after a checkpoint was written.

    Attributes: ``checkpoint`` (the path written, or None when ``fit`` had no checkpoint path), ``epoch`` and
    ``step`` (1-based epoch in progress and batches done in it), ``history`` (completed epochs).
    """

    def __init__(self, message, checkpoint, epoch, step, history):
        super().__init__(message)
        self.checkpoint, self.epoch, self.step, self.history = checkpoint, epoch, step, history

    def __str__(self):
        return self.args[0]


class Callback:
    """Base class of ``fit`` callbacks; override any of the hooks (all do nothing here).

    Epoch and step numbers are 1-based. A hook may raise ``KeyboardInterrupt`` to stop training the way
    Ctrl-C does (a checkpoint is saved first).
    """

    def on_train_begin(self, history: dict[str, list[Any]]) -> None:
        """Called once before the first epoch (``history`` holds resumed epochs, if any)."""

    def on_epoch_begin(self, epoch: int) -> None:
        """Called before epoch ``epoch`` trains."""

    def on_batch_end(self, epoch: int, step: int, loss: float) -> None:
        """Called after each optimizer step with the batch's loss (a float)."""

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        """Called after evaluation and the checkpoint; ``logs`` is this epoch's row of the history."""

    def on_train_end(self, history: dict[str, list[Any]]) -> None:
        """Called once after the last epoch."""


def _accuracy_count(output, target):
    """Number of correct class predictions, or None when ``output``/``target`` are not logits/labels."""
    out = output.detach().cpu().numpy() if hasattr(output, "numpy") else output
    tgt = target.detach().cpu().numpy() if hasattr(target, "numpy") else target
    if getattr(out, "ndim", 0) != 2 or getattr(tgt, "ndim", 0) != 1 or tgt.dtype.kind not in "iu":
        return None
    return int((out.argmax(axis=1) == tgt).sum())


def _split(batch, place=None):
    """``(input, target)`` of a batch, moved to ``place`` (the model's namespace, see :func:`_place_of`) when given."""
    if isinstance(batch, (tuple, list)) and len(batch) == 2:
        if place is None:
            return batch[0], batch[1]
        return tuple(b.to(place) if isinstance(b, ag.Tensor) else b for b in batch)
    raise TypeError(f"fit: each batch must be a pair (input, target), got {type(batch).__name__}"
                    + (f" of length {len(batch)}" if hasattr(batch, "__len__") else ""))


def _place_of(model):
    """Where the model's parameters are: None for numpy (batches stay as they are), else their namespace and
    device, which batches are moved to (``x.to(place)``)."""
    for p in model.parameters():
        data = data_of(p)
        return None if type(data).__module__ == "numpy" else namespace(data)
    return None


def evaluate(model: nn.Module, loader: Iterable[Any],
             loss_fn: Callable[[ag.Tensor, ag.Tensor], ag.Tensor] | None = None) -> dict[str, float]:
    """Mean loss and accuracy of ``model`` over ``loader``, under ``no_grad`` and ``model.eval()``.

    The model's training mode is restored afterwards. The loss is averaged per sample (``loss_fn`` must use
    ``reduction='mean'``); the accuracy is NaN when outputs are not ``(N, C)`` logits with ``(N,)`` labels.

    Returns:
        ``{"loss": float, "acc": float, "count": int}``.
    """
    loss_fn = F.cross_entropy if loss_fn is None else loss_fn
    was_training = model.training
    model.eval()
    total, correct, count, scored = 0.0, 0, 0, True
    place = _place_of(model)
    try:
        with ag.no_grad():
            for batch in loader:
                x, t = _split(batch, place)
                out = model(x)
                n = len(t)
                total += float(loss_fn(out, t).item()) * n
                c = _accuracy_count(out, t)
                scored = scored and c is not None
                correct += c or 0
                count += n
    finally:
        model.train(was_training)
    if count == 0:
        raise ValueError("evaluate: the loader yielded no samples")
    return {"loss": total / count, "acc": correct / count if scored else math.nan, "count": count}


@functools.lru_cache(maxsize=None)
def _tqdm():
    """tqdm's progress bar class, or None (said once per process) when tqdm is not installed.

    ``tqdm.auto`` picks the notebook widget in Jupyter when ipywidgets is installed (the ``notebook`` extra)
    and text bars elsewhere.
    """
    try:
        from tqdm import TqdmWarning
    except ImportError:
        print("note: no progress bars: they need tqdm (pip install tqdm); the loss is printed after each epoch",
              file=sys.stderr)
        return None
    with warnings.catch_warnings():
        # In Jupyter without ipywidgets tqdm.auto warns "IProgress not found" and falls back to text bars,
        # which work there: keep the fallback, drop the warning.
        warnings.simplefilter("ignore", TqdmWarning)
        from tqdm.auto import tqdm
    return tqdm


def _progress_bar(total, desc, initial, enabled):
    tqdm = _tqdm() if enabled else None
    if tqdm is None:
        return None
    return tqdm(total=total, initial=initial, desc=desc, unit="batch", leave=True, dynamic_ncols=True,
                mininterval=0.5, file=sys.stderr)


class _EpochState:
    """Running sums of one epoch, plus what is needed to restart it from the middle."""

    def __init__(self, epoch, rng_start, loader_start, step=0, loss_sum=0.0, correct=0, count=0, scored=True,
                 elapsed=0.0, losses=()):
        self.epoch, self.rng_start, self.loader_start = epoch, rng_start, loader_start
        self.step, self.loss_sum, self.correct, self.count = step, loss_sum, correct, count
        self.scored, self.elapsed = scored, elapsed
        self.losses = [float(v) for v in losses]  # each step's loss, for the per-step curve
        self.lr = math.nan

    def to_dict(self):
        """The state as plain data for the checkpoint's ``partial`` entry."""
        return {"epoch": self.epoch, "step": self.step, "rng_start": self.rng_start,
                "loader_start": self.loader_start, "loss_sum": self.loss_sum, "correct": self.correct,
                "count": self.count, "scored": self.scored, "elapsed": self.elapsed, "losses": list(self.losses)}

    @classmethod
    def from_dict(cls, d):
        """Rebuild from :meth:`to_dict`'s output."""
        return cls(d["epoch"], d["rng_start"], d["loader_start"], d["step"], d["loss_sum"], d["correct"],
                   d["count"], d["scored"], d["elapsed"], d.get("losses", ()))


def _loader_state(loader):
    return loader.state_dict() if hasattr(loader, "state_dict") else None


def _new_history(with_val):
    keys = [k for k in _HISTORY_KEYS if with_val or not k.startswith("test_")]
    return {k: [] for k in keys}


def _current_lr(optimizer):
    groups = getattr(optimizer, "param_groups", None)
    return float(groups[0]["lr"]) if groups else math.nan


def _check_fit_args(epochs, callbacks):
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"fit: epochs must be a non-negative int (the total number of epochs), got {epochs!r}")
    callbacks = list(callbacks or ())
    for cb in callbacks:
        if not any(hasattr(cb, h) for h in ("on_train_begin", "on_epoch_begin", "on_batch_end", "on_epoch_end",
                                            "on_train_end")):
            raise TypeError(f"fit: callback {cb!r} has none of the Callback hooks (on_batch_end, on_epoch_end, ...)")
    return callbacks


def _call(callbacks, hook, *args):
    for cb in callbacks:
        fn = getattr(cb, hook, None)
        if fn is not None:
            fn(*args)


def fit(model: nn.Module, optimizer: optim.Optimizer, train_loader: Iterable[Any],
        val_loader: Iterable[Any] | None = None, epochs: int = 1,
        loss_fn: Callable[[ag.Tensor, ag.Tensor], ag.Tensor] | None = None, scheduler: LRScheduler | None = None,
        callbacks: Iterable[Any] = (), checkpoint: str | os.PathLike[str] | None = None,
        resume: str | os.PathLike[str] | None = None, progress: bool = True, meta: Mapping[str, Any] | None = None,
        device: Any = None) -> dict[str, list[Any]]:
    """Train ``model`` for ``epochs`` epochs and return the history (one entry per epoch).

    Each step: ``loss = loss_fn(model(x), t)``, ``optimizer.zero_grad()``, ``loss.backward()``,
    ``optimizer.step()``; after each epoch the model is evaluated on ``val_loader`` (under ``no_grad`` and
    ``model.eval()``, then back to training mode), ``scheduler.step()`` runs and a checkpoint is written.

    Args:
        model: a Module mapping a batch ``x`` to logits ``(N, C)`` (or whatever ``loss_fn`` takes).
        optimizer: an ``optim.Optimizer`` over the model's parameters.
        train_loader, val_loader: iterables of ``(x, t)`` batches (a ``DataLoader``; its epoch counter is
            saved in checkpoints so shuffles resume exactly).
        epochs: the total number of epochs; with ``resume`` the epochs already done count towards it.
        loss_fn: ``loss_fn(output, target)`` -> a scalar Tensor (mean over the batch); default
            ``nn.functional.cross_entropy``.
        scheduler: an ``optim.lr_scheduler`` stepped once per epoch.
        callbacks: :class:`Callback` objects (or any object with some of its hooks).
        checkpoint: a path written (atomically) after every epoch and on interrupt.
        resume: a checkpoint path to continue from (possibly mid-epoch, after Ctrl-C).
        progress: show a progress bar per epoch with the running loss (needs ``tqdm``).
        meta: a JSON-like dict stored in the checkpoint under ``"meta"`` (e.g. the CLI's settings).
        device: move the model there first (``model.to(device)``: a device such as ``'cuda'``, or an array-API
            namespace module). Batches always follow the model's parameters (``x.to(...)`` each step), so a
            model moved before ``fit`` trains there too.

    Returns:
        a dict of lists: ``epoch`` (1-based), ``train_loss``, ``train_acc`` (running, in training mode),
        ``test_loss``, ``test_acc`` (on ``val_loader``; absent without one), ``lr`` (at the start of the
        epoch), ``epoch_time`` (seconds training), ``eval_time`` and ``time`` (cumulative wall seconds), and
        ``step_loss`` (for each epoch, the list of its steps' training losses).

    Raises:
        NonFiniteLossError: the loss became NaN/Inf (the message names epoch and step and suggests a lower
            learning rate); the optimizer did not step on that batch.
        TrainingInterrupted: Ctrl-C or a ``KeyboardInterrupt`` from a callback; the checkpoint (if a path was
            given) holds the state after the last complete step, and ``resume`` continues from there.
            A second Ctrl-C while the step finishes aborts at once without saving.
        ValueError: bad ``epochs``.
        CheckpointError: (a ValueError) the ``resume`` checkpoint is unreadable or damaged, or does not match
            the model/optimizer/loader.
        OSError: writing the checkpoint failed (e.g. the disk is full); the exception's ``history`` attribute
            holds the epochs finished, and the file on disk is the previous checkpoint.
    """
    callbacks = _check_fit_args(epochs, callbacks)
    if device is not None:
        model.to(device)
    loss_fn = F.cross_entropy if loss_fn is None else loss_fn
    history, partial, start = _new_history(val_loader is not None), None, 0
    if resume is not None:
        state = load_checkpoint(resume)  # every entry's type and range checked
        try:
            check_param_groups(optimizer, state["optimizer"]["param_groups"], f"fit: the checkpoint {str(resume)!r}")
            model.load_state_dict(state["model"])
            optimizer.load_state_dict(state["optimizer"])
            if scheduler is not None and state.get("scheduler") is not None:
                scheduler.load_state_dict(state["scheduler"])
            if state.get("loader") is not None and hasattr(train_loader, "load_state_dict"):
                train_loader.load_state_dict(state["loader"])
        except CheckpointError:
            raise
        # modules raise RuntimeError (as in torch), optimizers and loaders ValueError, and a state of the right
        # types but the wrong structure can make them raise the others
        except (RuntimeError, ValueError, TypeError, KeyError, IndexError) as exc:
            why = " ".join(str(exc).split())  # one line: module errors list their mismatches on several
            raise CheckpointError(f"fit: the checkpoint {str(resume)!r} does not fit this model/optimizer/loader; "
                                  f"resume with the ones it was saved from ({type(exc).__name__}: {why})") from None
        history = {k: list(v) for k, v in state["history"].items()}
        history.setdefault("step_loss", [[] for _ in range(int(state["epoch"]))])  # older checkpoints lack it
        start = int(state["epoch"])
        if state.get("partial") is not None:
            partial = _EpochState.from_dict(state["partial"])
        ag.set_rng_state(state["rng"])

    def save(epoch_state):
        if checkpoint is not None:
            try:
                save_checkpoint(checkpoint, model, optimizer, scheduler, history, epoch_done, train_loader,
                                partial=None if epoch_state is None else epoch_state.to_dict(), meta=meta)
            except OSError as exc:  # e.g. a full disk: the caller can still keep the history
                exc.history = history  # type: ignore[attr-defined]  # (what the caller keeps of the run)
                raise

    epoch_done = start
    with DeferredInterrupt() as interrupt:
        _call(callbacks, "on_train_begin", history)  # inside: Ctrl-C is already handled when it runs
        epoch_state = None
        try:
            for epoch in range(start + 1, epochs + 1):
                resuming = partial is not None
                epoch_state = partial if resuming else _EpochState(epoch, ag.get_rng_state(),
                                                                   _loader_state(train_loader))
                partial = None
                _run_epoch(model, optimizer, train_loader, loss_fn, epoch_state, resuming, epochs, callbacks,
                           interrupt, progress, history)
                row = _finish_epoch(model, val_loader, loss_fn, epoch_state, history)
                if progress:
                    _print_row(row, epochs)
                if scheduler is not None:
                    scheduler.step()
                epoch_done, epoch_state = epoch, None
                save(None)
                _call(callbacks, "on_epoch_end", epoch, row)
                if interrupt.pending:
                    raise KeyboardInterrupt
        except KeyboardInterrupt:
            save(epoch_state)
            at = (f"epoch {epoch_state.epoch}, step {epoch_state.step}" if epoch_state is not None
                  else f"the end of epoch {epoch_done}")
            where = (f"checkpoint saved to {checkpoint}" if checkpoint is not None
                     else "no checkpoint path was given, so nothing was saved")
            raise TrainingInterrupted(f"training interrupted at {at}; {where}", checkpoint,
                                      epoch_state.epoch if epoch_state else epoch_done,
                                      epoch_state.step if epoch_state else 0, history) from None
    _call(callbacks, "on_train_end", history)
    return history


def _run_epoch(model, optimizer, loader, loss_fn, state, resuming, epochs, callbacks, interrupt, progress, history):
    """Train one epoch (or, when ``resuming``, the rest of it), accumulating into ``state``."""
    model.train()
    epoch = state.epoch
    if resuming:
        # Rebuild the epoch's batch order exactly as it was drawn, skip the batches already done, then put the
        # generator back where the interrupted run left it (dropout masks and the like continue from there).
        resume_rng = ag.get_rng_state()
        ag.set_rng_state(state.rng_start)
        if state.loader_start is not None:
            loader.load_state_dict(state.loader_start)
        batches = iter(loader)
        for _ in range(state.step):
            next(batches)
        ag.set_rng_state(resume_rng)
    else:
        batches = iter(loader)
    _call(callbacks, "on_epoch_begin", epoch)
    total = len(batches) + state.step if hasattr(batches, "__len__") else None
    bar = _progress_bar(total, f"epoch {epoch}/{epochs}", state.step, progress)
    state.lr = _current_lr(optimizer)  # schedulers step between epochs, so this is the epoch's rate
    started = time.perf_counter()
    place = _place_of(model)
    try:
        for batch in batches:
            x, t = _split(batch, place)
            out = model(x)
            loss = loss_fn(out, t)
            value = float(loss.item())
            if not math.isfinite(value):
                raise NonFiniteLossError(
                    f"fit: the training loss became {value} at epoch {epoch}, step {state.step + 1}; training "
                    f"stopped before the optimizer step. The learning rate (lr={_current_lr(optimizer):g}) is "
                    f"probably too high: try a lower one (e.g. 10x smaller).",
                    epoch, state.step + 1, value, history)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            n = len(t)
            c = _accuracy_count(out, t)
            state.step += 1
            state.loss_sum += value * n
            state.count += n
            state.scored = state.scored and c is not None
            state.correct += c or 0
            state.losses.append(value)
            state.elapsed = state.elapsed + (time.perf_counter() - started)
            started = time.perf_counter()
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{state.loss_sum / state.count:.4f}", refresh=False)
            _call(callbacks, "on_batch_end", epoch, state.step, value)
            if interrupt.pending:
                raise KeyboardInterrupt
    finally:
        state.elapsed += time.perf_counter() - started
        if bar is not None:
            bar.close()


def _print_row(row, epochs):
    """One summary line per epoch (to stderr, after the progress bar)."""
    text = f"epoch {row['epoch']}/{epochs}: train loss {row['train_loss']:.4f}"
    if not math.isnan(row["train_acc"]):
        text += f" acc {row['train_acc']:.4f}"
    if "test_loss" in row:
        text += f", test loss {row['test_loss']:.4f}"
        if not math.isnan(row["test_acc"]):
            text += f" acc {row['test_acc']:.4f}"
    print(text + f" ({row['epoch_time']:.1f} s)", file=sys.stderr, flush=True)


def _finish_epoch(model, val_loader, loss_fn, state, history):
    """Evaluate, append the epoch's row to ``history`` and return the row."""
    if state.count == 0:
        raise ValueError("fit: the training loader yielded no batches: the dataset is empty, or it has fewer "
                         "samples than batch_size and drop_last=True (use a smaller batch_size)")
    started = time.perf_counter()
    val = evaluate(model, val_loader, loss_fn) if val_loader is not None else None
    eval_time = time.perf_counter() - started
    previous = history["time"][-1] if history["time"] else 0.0
    row = {"epoch": state.epoch, "train_loss": state.loss_sum / state.count,
           "train_acc": state.correct / state.count if state.scored else math.nan,
           "lr": state.lr, "epoch_time": state.elapsed, "eval_time": eval_time,
           "time": previous + state.elapsed + eval_time, "step_loss": list(state.losses)}
    if val is not None:
        row["test_loss"], row["test_acc"] = val["loss"], val["acc"]
    for key, value in row.items():
        history.setdefault(key, []).append(value)
    return row
