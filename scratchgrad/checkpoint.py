"""Training checkpoints: one ``autograd.save`` archive with everything a resumed run needs, checked on load.

A checkpoint may come from anywhere (edited by hand, truncated, written by another program), so
:func:`load_checkpoint` checks every entry's type and range before anything uses it, and everything wrong
with one raises :class:`CheckpointError` naming the file and the entry: a resumed run never starts from
half-valid state, and never allocates what an edited number asks for.
"""
import math
import os

import numpy as np

import autograd as ag

__all__ = ["save_checkpoint", "load_checkpoint", "check_param_groups", "CheckpointError", "CHECKPOINT_FORMAT"]

CHECKPOINT_FORMAT = "scratchgrad-checkpoint"
_VERSION = 1
_REQUIRED = ("model", "optimizer", "epoch", "history", "rng")
#: Per-epoch history entries that hold integers, and the one that holds a list (the losses of each step).
_INT_HISTORY = ("epoch",)
_LIST_HISTORY = ("step_loss",)


class CheckpointError(ValueError):
    """A training checkpoint cannot be used: unreadable, not written by :func:`save_checkpoint`, or holding
    something that is not what ``fit`` writes (the message names the file and the entry)."""


def _plain(history):
    return {k: [float(v) if isinstance(v, float) else v for v in vals] for k, vals in history.items()}


def save_checkpoint(path, model, optimizer, scheduler, history, epoch, loader=None, partial=None, meta=None):
    """Write a checkpoint to ``path`` atomically (a temporary file renamed into place).

    Contents: ``model`` and ``optimizer`` (and ``scheduler``) state dicts, ``epoch`` (epochs completed),
    ``history``, ``rng`` (``autograd.get_rng_state()``), ``loader`` (the training loader's state dict),
    ``partial`` (the epoch in progress when interrupted, else None) and ``meta`` (free-form settings).

    Raises:
        OSError: the file cannot be written (e.g. the disk is full); an existing checkpoint is left intact.
    """
    directory = os.path.dirname(os.path.abspath(os.fspath(path)))
    os.makedirs(directory, exist_ok=True)
    ag.save({
        "format": CHECKPOINT_FORMAT, "version": _VERSION,
        "model": model.state_dict(), "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict() if scheduler is not None else None,
        "epoch": int(epoch), "history": _plain(history), "rng": ag.get_rng_state(),
        "loader": loader.state_dict() if hasattr(loader, "state_dict") else None,
        "partial": partial, "meta": meta,
    }, path)


# -- checks: each returns the value or raises _Bad(what is wrong), which load_checkpoint words ----------------

class _Bad(Exception):
    pass


def is_int(v):
    """A Python or numpy integer, not a bool."""
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def is_number(v):
    """A finite or non-finite real number (int or float), not a bool."""
    return is_int(v) or isinstance(v, (float, np.floating))


def _count(v, what):
    if not (is_int(v) and v >= 0):
        raise _Bad(f"{what} must be a non-negative integer, got {v!r}")
    return int(v)


def _finite(v, what, low=None):
    if not (is_number(v) and math.isfinite(v) and (low is None or v >= low)):
        bound = "" if low is None else f" >= {low}"
        raise _Bad(f"{what} must be a finite number{bound}, got {v!r}")
    return v


def _dict(v, what):
    if not isinstance(v, dict):
        raise _Bad(f"{what} must be a dict, got {type(v).__name__}")
    return v


def _rng(v, what):
    try:  # numpy checks a bit generator's state thoroughly; a throw-away generator takes the test
        np.random.Generator(np.random.PCG64()).bit_generator.state = v
    except (TypeError, ValueError, KeyError, OverflowError) as e:
        raise _Bad(f"{what} is not a random generator state ({type(e).__name__}: {e})") from None
    return v


def _loader(v, what):
    if v is None:
        return v
    _dict(v, what)
    _count(v.get("epoch"), f"{what}['epoch']")
    seed = v.get("seed")
    if seed is not None and not is_int(seed):
        raise _Bad(f"{what}['seed'] must be an integer or None, got {seed!r}")
    return v


def _history(v, epoch):
    _dict(v, "history")
    for key, values in v.items():
        where = f"history[{key!r}]"
        if not isinstance(key, str) or not isinstance(values, list):
            raise _Bad(f"{where} must be a list")
        if len(values) != epoch:
            raise _Bad(f"{where} has {len(values)} entries but the checkpoint says {epoch} epoch(s) are done")
        for i, x in enumerate(values):
            if key in _LIST_HISTORY:
                if not (isinstance(x, list) and all(map(is_number, x))):
                    raise _Bad(f"{where}[{i}] must be a list of numbers")
            elif not (is_int(x) if key in _INT_HISTORY else is_number(x)):
                raise _Bad(f"{where}[{i}] must be a number, got {x!r}")
    if "epoch" in v and v["epoch"] != list(range(1, epoch + 1)):
        raise _Bad(f"history['epoch'] must count the epochs 1 to {epoch}")
    return v


def _partial(v, epoch):
    if v is None:
        return v
    _dict(v, "partial")
    if v.get("epoch") != epoch + 1 or not is_int(v.get("epoch")):
        raise _Bad(f"partial['epoch'] must be {epoch + 1} (the epoch after the {epoch} done), got {v.get('epoch')!r}")
    step = _count(v.get("step"), "partial['step']")
    for key in ("correct", "count"):
        _count(v.get(key), f"partial[{key!r}]")
    _finite(v.get("loss_sum"), "partial['loss_sum']")
    _finite(v.get("elapsed"), "partial['elapsed']", low=0)
    if not isinstance(v.get("scored"), bool):
        raise _Bad(f"partial['scored'] must be True or False, got {v.get('scored')!r}")
    _rng(v.get("rng_start"), "partial['rng_start']")
    _loader(v.get("loader_start"), "partial['loader_start']")
    losses = v.get("losses", [])
    if not (isinstance(losses, list) and len(losses) == step and all(map(is_number, losses))):
        raise _Bad(f"partial['losses'] must be a list of {step} numbers (one per step done)")
    return v


def _tensors(v, what):
    _dict(v, what)
    for key, value in v.items():
        if not isinstance(key, str):
            raise _Bad(f"{what} has a key {key!r} that is not a string")
        if not isinstance(value, ag.Tensor) or value.numpy().dtype.kind not in "biuf":
            raise _Bad(f"{what}[{key!r}] must be a real-valued Tensor, got {_describe(value)}")
    return v


def _optimizer(v):
    _dict(v, "optimizer")
    groups = v.get("param_groups")
    if not (isinstance(groups, list) and all(isinstance(g, dict) for g in groups)):
        raise _Bad("optimizer['param_groups'] must be a list of dicts")
    for i, g in enumerate(groups):
        params = g.get("params")
        if not (isinstance(params, list) and all(map(is_int, params))):
            raise _Bad(f"optimizer['param_groups'][{i}]['params'] must be a list of parameter indices")
    state = _dict(v.get("state"), "optimizer['state']")
    for key, entry in state.items():
        for name, value in _dict(entry, f"optimizer['state'][{key!r}]").items():
            where = f"optimizer['state'][{key!r}][{name!r}]"
            if isinstance(value, ag.Tensor):
                if value.numpy().dtype.kind not in "biuf":
                    raise _Bad(f"{where} must be real-valued, got {_describe(value)}")
            elif not (is_number(value) and math.isfinite(value) and value >= 0):
                raise _Bad(f"{where} must be a Tensor or a non-negative number, got {_describe(value)}")
    return v


def _describe(value):
    if isinstance(value, ag.Tensor):
        return f"a Tensor of dtype {value.numpy().dtype}"
    if isinstance(value, np.ndarray):
        return f"an ndarray of dtype {value.dtype}"
    return repr(value) if isinstance(value, (int, float, str, type(None))) else f"a {type(value).__name__}"


def check_param_groups(optimizer, saved_groups, source="the checkpoint"):
    """Raise :class:`CheckpointError` unless every hyper-parameter in ``saved_groups`` (an optimizer state
    dict's ``param_groups``) has the kind of value ``optimizer``'s own groups hold: a finite number for a number
    (``lr`` >= 0), a bool for a bool, a sequence of as many finite numbers for a tuple (``betas``); ``source``
    names the checkpoint in the message."""
    for i, (own, saved) in enumerate(zip(optimizer.param_groups, saved_groups)):
        for key, default in own.items():
            if key in ("params", "param_names") or key not in saved:
                continue
            value, where = saved[key], f"the optimizer's param_groups[{i}][{key!r}]"
            if isinstance(default, bool) or default is None:
                ok = isinstance(value, bool) or value is None
            elif is_number(default):
                ok = is_number(value) and math.isfinite(value) and (key != "lr" or value >= 0)
            elif isinstance(default, (tuple, list)):
                ok = (isinstance(value, (tuple, list)) and len(value) == len(default)
                      and all(is_number(x) and math.isfinite(x) for x in value))
            else:
                ok = type(value) is type(default)
            if not ok:
                raise CheckpointError(f"{source}: {where} is {_describe(value)}, which {type(optimizer).__name__} "
                                      f"cannot use (it holds {default!r} there)")


def load_checkpoint(path):
    """Read a checkpoint written by :func:`save_checkpoint` (or ``fit``) and check all of its entries.

    Raises:
        FileNotFoundError: no file at ``path``.
        CheckpointError: the file is corrupt, not a scratchgrad training checkpoint, or holds an entry of the
            wrong type or range (the message names the file and the entry).
    """
    name = repr(os.fspath(path))
    if not os.path.isfile(os.fspath(path)):
        raise FileNotFoundError(f"load_checkpoint: no checkpoint file at {name}")
    try:
        state = ag.load(path)
    except ag.SerializationError as exc:
        raise CheckpointError(f"load_checkpoint: cannot read {name}: {exc}") from None
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(f"load_checkpoint: {name} is not a training checkpoint written by scratchgrad.fit "
                              f"(no '{CHECKPOINT_FORMAT}' format tag)")
    missing = [k for k in _REQUIRED if k not in state]
    if missing:
        raise CheckpointError(f"load_checkpoint: {name} lacks {', '.join(missing)}")
    try:
        if state.get("version") != _VERSION:
            raise _Bad(f"version must be {_VERSION}, got {state.get('version')!r}")
        epoch = _count(state["epoch"], "epoch")
        _history(state["history"], epoch)
        _partial(state.get("partial"), epoch)
        _tensors(state["model"], "model")
        _optimizer(state["optimizer"])
        _rng(state["rng"], "rng")
        _loader(state.get("loader"), "loader")
        for key in ("scheduler", "meta"):
            if state.get(key) is not None:
                _dict(state[key], key)
    except _Bad as exc:
        raise CheckpointError(f"load_checkpoint: {name} is damaged or was edited: {exc}") from None
    return state
