"""Training checkpoints: one ``autograd.save`` archive with everything a resumed run needs."""
import os

import autograd as ag

__all__ = ["save_checkpoint", "load_checkpoint", "CHECKPOINT_FORMAT"]

CHECKPOINT_FORMAT = "scratchgrad-checkpoint"
_VERSION = 1
_REQUIRED = ("model", "optimizer", "epoch", "history", "rng")


def _plain(history):
    return {k: [float(v) if isinstance(v, float) else v for v in vals] for k, vals in history.items()}


def save_checkpoint(path, model, optimizer, scheduler, history, epoch, loader=None, partial=None, meta=None):
    """Write a checkpoint to ``path`` atomically (a temporary file renamed into place).

    Contents: ``model`` and ``optimizer`` (and ``scheduler``) state dicts, ``epoch`` (epochs completed),
    ``history``, ``rng`` (``autograd.get_rng_state()``), ``loader`` (the training loader's state dict),
    ``partial`` (the epoch in progress when interrupted, else None) and ``meta`` (free-form settings).
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


def load_checkpoint(path):
    """Read a checkpoint written by :func:`save_checkpoint` (or ``fit``) and check its keys.

    Raises:
        FileNotFoundError: no file at ``path``.
        ValueError: the file is corrupt or not a scratchgrad training checkpoint (the message says why).
    """
    if not os.path.isfile(os.fspath(path)):
        raise FileNotFoundError(f"load_checkpoint: no checkpoint file at {os.fspath(path)!r}")
    try:
        state = ag.load(path)
    except RuntimeError as exc:  # autograd.load's way to say "corrupt or another format"
        raise ValueError(f"load_checkpoint: cannot read {os.fspath(path)!r}: {exc}") from None
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"load_checkpoint: {os.fspath(path)!r} is not a training checkpoint written by "
                         f"scratchgrad.fit (no '{CHECKPOINT_FORMAT}' format tag)")
    missing = [k for k in _REQUIRED if k not in state]
    if missing:
        raise ValueError(f"load_checkpoint: {os.fspath(path)!r} lacks {', '.join(missing)}")
    return state
