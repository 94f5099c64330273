"""``scratchgrad train --resume``: the checkpoint's run settings, checked, merged with the flags given.

A resumed run keeps the settings it was started with (model, data, optimizer...). They come from the
checkpoint's ``meta['config']``, which is checked value by value as strictly as the flags themselves are, so
an edited or foreign checkpoint is an error, never a traceback or a huge allocation. A flag given with
``--resume`` that contradicts the checkpoint is an error listing each one; the flags that may change
(``--epochs``, ``--out``, ``--data-dir``, ``--download``, ``--no-progress``, ``--no-pictures``) are used.
"""
import math

import numpy as np

from .builders import DEFAULT_INIT, DEFAULT_LR, INITS, MODELS, OPTIMIZERS
from .checkpoint import CheckpointError, is_int, is_number, load_checkpoint
from .cli import MAX_SEED, TRAIN_DEFAULTS, apply_defaults, given_settings, model_option_problem
from .datasets import DATASETS, synthetic_size_problem

__all__ = ["RUN_SETTINGS", "ContradictingFlags", "resume_settings", "resolved_config"]

#: The settings a checkpoint remembers, so ``--resume`` rebuilds the same model, data and optimizer.
RUN_SETTINGS = tuple(TRAIN_DEFAULTS)
#: The largest first-layer filter picture kept in a checkpoint (filters x channels x height x width values).
_MAX_FILTER_VALUES = 10 ** 6


def _size(v):
    return v is None or (is_int(v) and v >= 1)


_VALID = {
    "model": lambda v: v in MODELS,
    "dataset": lambda v: v in DATASETS and v != "auto",
    "optimizer": lambda v: v in OPTIMIZERS,
    "init": lambda v: v is None or v in INITS,
    "batch_size": lambda v: is_int(v) and v >= 1,
    "lr": lambda v: v is None or (is_number(v) and math.isfinite(v) and v > 0),
    "weight_decay": lambda v: is_number(v) and math.isfinite(v) and v >= 0,
    "dropout": lambda v: v is None or (is_number(v) and 0 <= v < 1),
    "batchnorm": lambda v: isinstance(v, bool),
    "seed": lambda v: is_int(v) and 0 <= v <= MAX_SEED,
    "train_size": _size,
    "test_size": _size,
}


class ContradictingFlags(ValueError):
    """Flags given with ``--resume`` differ from the checkpoint's settings (the message lists them)."""


def _flag(key):
    return "--" + key.replace("_", "-")


def resolved_config(config):
    """``config`` with the defaults that depend on other settings made explicit (lr, init)."""
    out = dict(config)
    if out.get("lr") is None:
        out["lr"] = DEFAULT_LR[out["optimizer"]]
    if out.get("init") is None:
        out["init"] = DEFAULT_INIT[out["model"]]
    return out


def _checked_config(state, path):
    meta = state.get("meta") or {}
    config = meta.get("config")
    if not isinstance(config, dict):
        raise CheckpointError(f"{path!r} holds no run settings (meta['config']): it was not written by "
                              "scratchgrad train (resume it from Python with scratchgrad.fit(..., resume=...))")
    missing = [k for k in RUN_SETTINGS if k not in config]
    if missing:
        raise CheckpointError(f"{path!r} is damaged or was edited: its run settings lack "
                              f"{', '.join(missing)}")
    for key in RUN_SETTINGS:
        if not _VALID[key](config[key]):
            raise CheckpointError(f"{path!r} is damaged or was edited: its setting {key} = {config[key]!r} is not a "
                                  f"valid {_flag(key)} value")
    problem = (model_option_problem(config["model"], config["dropout"], config["batchnorm"])
               or (synthetic_size_problem(config["train_size"], config["test_size"])
                   if config["dataset"] == "synthetic" else None))
    if problem:
        raise CheckpointError(f"{path!r} is damaged or was edited: its settings do not go together ({problem})")
    filters = meta.get("initial_filters")
    if filters is not None and not (isinstance(filters, np.ndarray) and filters.ndim == 4
                                    and filters.dtype.kind == "f" and filters.size <= _MAX_FILTER_VALUES):
        raise CheckpointError(f"{path!r} is damaged or was edited: meta['initial_filters'] is not a picture of "
                              "first-layer filters (a float array (filters, channels, height, width))")
    return resolved_config(config)


def resume_settings(args):
    """Load ``args.resume``, check it, and put its run settings into ``args``; returns the checkpoint.

    Raises:
        FileNotFoundError, CheckpointError: the checkpoint cannot be used (``CheckpointError`` says why).
        ContradictingFlags: flags given on the command line differ from the checkpoint's settings.
    """
    state = load_checkpoint(args.resume)
    config = _checked_config(state, args.resume)
    given = given_settings(args)
    apply_defaults(args)
    mine = resolved_config({k: getattr(args, k) for k in RUN_SETTINGS})
    contradictions = [f"{_flag(k)} {_show(k, mine[k])} (the checkpoint has {_show(k, config[k])})"
                      for k in given if not (k == "dataset" and given[k] == "auto") and mine[k] != config[k]]
    if contradictions:
        raise ContradictingFlags(
            f"--resume {args.resume}: a resumed run keeps its checkpoint's settings, and these flags contradict "
            f"them: {'; '.join(contradictions)}. Leave them out to continue the run, or start a new run without "
            "--resume (flags that may change on resume: --epochs, --out, --data-dir, --download, "
            "--no-progress, --no-pictures)")
    for key in RUN_SETTINGS:
        setattr(args, key, config[key])
    return state


def _show(key, value):
    if isinstance(value, bool):
        return "on" if value else "off"
    if value is None:
        return {"init": "PyTorch's default", "dropout": "the model's default"}.get(key, "all")
    return str(value)
