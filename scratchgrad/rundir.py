"""Output directories of runs: a new run never silently replaces an earlier one.

Without ``--out`` a run goes to its default directory, or to the first of ``<default>-2``, ``<default>-3``,
... that holds no earlier run. An ``--out`` that holds a run is an error unless ``--overwrite`` says to replace
it (its old result files are then removed first, so no stale picture sits beside a new history).
"""
import json
import os

__all__ = ["TRAIN_FILES", "OutputDirError", "holds_run", "choose_output_dir", "remove_files", "experiment_files"]

#: The files ``scratchgrad train`` writes into its output directory.
TRAIN_FILES = ("history.json", "checkpoint.npz", "curves.png", "filters.png", "graph.svg", "graph.dot")
#: Numbered directories tried after the default one before giving up.
_MAX_NUMBER = 10000


class OutputDirError(Exception):
    """The output directory cannot be used as asked (the message names ``--out`` and what to do)."""


def holds_run(path, files):
    """Whether directory ``path`` holds any of ``files``."""
    return any(os.path.lexists(os.path.join(path, f)) for f in files)


def experiment_files(path):
    """The result files of an experiment run in ``path``: ``summary.json`` and the figures it lists."""
    files = ["summary.json"]
    try:
        with open(os.path.join(path, "summary.json"), encoding="utf-8") as fh:
            figures = json.load(fh).get("figures", [])
        files += [f for f in figures if isinstance(f, str) and os.path.basename(f) == f]
    except (OSError, ValueError, AttributeError):  # no summary, or not one we wrote: only summary.json is ours
        pass
    return files


def remove_files(path, files):
    """Remove those of ``files`` that exist in directory ``path``; returns their names."""
    removed = []
    for name in files:
        target = os.path.join(path, name)
        if os.path.lexists(target) and not os.path.isdir(target):
            os.remove(target)
            removed.append(name)
    return removed


def choose_output_dir(out, default, files, overwrite=False, own=None):
    """The directory a run writes to; raises :class:`OutputDirError` rather than replace a run silently.

    Args:
        out: the ``--out`` given, or None.
        default: the default directory (numbered when it holds a run).
        files: the names whose presence means a directory holds a run (a callable ``files(path)`` or a list).
        overwrite: ``--overwrite`` was given: remove those files from ``out`` and use it.
        own: a directory that holds this very run (``--resume``'s): always usable, nothing removed.
    Returns:
        ``(directory, note)``: the note says why a numbered directory was chosen (or is None).
    """
    names = files if callable(files) else (lambda path: files)
    if own is not None and (out is None or _same(out, own)):
        return own, None
    if out is None:
        for n in range(1, _MAX_NUMBER + 1):
            candidate = default if n == 1 else f"{default}-{n}"
            if not holds_run(candidate, names(candidate)):
                note = None if n == 1 else f"{default} holds an earlier run, so this one goes to {candidate}"
                return candidate, note
        raise OutputDirError(f"{default}, {default}-2 ... {default}-{_MAX_NUMBER} all hold runs; pass --out DIR")
    if holds_run(out, names(out)):
        if not overwrite:
            found = [f for f in names(out) if os.path.lexists(os.path.join(out, f))]
            resume = (f", or --resume {os.path.join(out, 'checkpoint.npz')} to continue it"
                      if "checkpoint.npz" in found else "")
            raise OutputDirError(f"--out {out} already holds a run ({', '.join(found)}); pass --overwrite to replace "
                                 f"it, or another --out{resume}")
        remove_files(out, names(out))
    return out, None


def _same(a, b):
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)
