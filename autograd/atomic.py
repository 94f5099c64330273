"""Atomic file writes that leave nothing behind: :func:`atomic_write` and :func:`remove_stale_temp_files`.

A file is written to a hidden temporary file in the destination's directory and renamed onto the real name
only when it is complete, so a crash never leaves a half-written file under that name. A process killed
mid-write (``kill -9``, a power cut) cannot delete its temporary file, so every write first removes the
temporary files of writers that no longer run: on POSIX each writer holds an exclusive ``flock`` on its
temporary file while it writes, and a file nobody holds a lock on is stale (the kernel drops a dead
process's locks). Where ``fcntl`` is missing (Windows) a writer's file cannot be deleted while it is open,
so an attempted deletion that fails means the writer is alive.
"""
import contextlib
import os
import re
import tempfile

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]  # (checked before use: no locking there)

__all__ = ["atomic_write", "remove_stale_temp_files", "TEMP_SUFFIX"]

#: Every temporary file this module makes is named ``.<target name>.<8 random characters>`` + TEMP_SUFFIX.
TEMP_SUFFIX = ".scratchgrad-tmp"
_OURS = re.compile(r"^\..+\.[a-z0-9_]{8}" + re.escape(TEMP_SUFFIX) + "$")


def _legacy(target):
    """Temporary files of earlier versions' saves of ``target`` (``.<name>.XXXXXXXX.tmp``, never locked)."""
    return re.compile(r"^\." + re.escape(target) + r"\.[a-z0-9_]{8}\.tmp$")


def _try_remove(path):
    """Remove ``path`` unless a live writer holds it; True if it was removed."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:  # held: its writer is still running
                return False
            os.unlink(path)
            return True
    except OSError:
        return False
    finally:
        os.close(fd)
    try:  # no flock: deleting a file another process has open fails on Windows
        os.unlink(path)
        return True
    except OSError:
        return False


def remove_stale_temp_files(directory, target=None):
    """Remove the temporary files that killed writers left in ``directory``; returns their names.

    Args:
        target: also remove the unlocked ``.<target>.XXXXXXXX.tmp`` files that earlier versions' saves of the
            file named ``target`` left behind.
    """
    legacy = _legacy(target) if target else None
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    return [name for name in names
            if (_OURS.match(name) or (legacy is not None and legacy.match(name)))
            and _try_remove(os.path.join(directory, name))]


def _create_locked(directory, name):
    """A new temporary file for ``name`` in ``directory``, locked where locks exist: ``(fd, path)``."""
    while True:
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=TEMP_SUFFIX, dir=directory)
        if fcntl is None:
            return fd, tmp
        fcntl.flock(fd, fcntl.LOCK_EX)
        # Another writer's cleanup may have removed the file between mkstemp and flock: start again then.
        try:
            if os.stat(tmp).st_ino == os.fstat(fd).st_ino:
                return fd, tmp
        except FileNotFoundError:
            pass
        os.close(fd)


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(path, text=False, fsync=True):
    """Context manager: a file object whose contents replace ``path`` when the block ends without an error.

    Stale temporary files in the directory are removed first. On an error (including ``KeyboardInterrupt``)
    the temporary file is deleted and ``path`` is left as it was.

    Args:
        path: the destination.
        text: open in text mode (UTF-8) instead of binary.
        fsync: flush the data to disk before the rename (a crash then leaves the old or the new file).
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    name = os.path.basename(path)
    remove_stale_temp_files(directory, target=name)
    fd, tmp = _create_locked(directory, name)
    try:
        with os.fdopen(fd, "w" if text else "wb", encoding="utf-8" if text else None) as fh:
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes the file private; give it the usual permissions
            yield fh
            fh.flush()
            if fsync:
                os.fsync(fh.fileno())
            if fcntl is not None:
                os.replace(tmp, path)  # still locked, so no cleanup can take the file before it has its name
        if fcntl is None:
            os.replace(tmp, path)  # Windows cannot rename an open file
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
