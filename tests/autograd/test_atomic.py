"""autograd.atomic: a save killed with SIGKILL leaves a temporary file that the next save removes, while the
temporary file of a save still running is left alone."""
import os
import signal
import subprocess
import sys
import textwrap

import pytest

import autograd as ag
from autograd.atomic import TEMP_SUFFIX, atomic_write, remove_stale_temp_files

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
posix_only = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")

# A save that stops half-way through writing (after its first bytes are on disk) until it is killed.
_STALLED_SAVE = textwrap.dedent("""
    import sys, time
    import numpy as np
    import autograd as ag

    def stalled_savez(file, **arrays):
        file.write(b"PK\\x03\\x04 half a checkpoint")
        file.flush()
        print("writing", flush=True)
        time.sleep(120)

    np.savez = stalled_savez
    ag.save({"w": ag.ones(1000)}, sys.argv[1])
""")


def _temps(folder):
    return sorted(f for f in os.listdir(folder) if f.endswith(TEMP_SUFFIX))


def _start_stalled_save(path):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-c", _STALLED_SAVE, str(path)], stdout=subprocess.PIPE, text=True,
                            env=env)
    assert proc.stdout.readline().strip() == "writing"
    return proc


@posix_only
def test_killed_save_is_cleaned_up_by_the_next_save_and_a_running_one_is_not(tmp_path):
    ckpt = tmp_path / "checkpoint.npz"
    ag.save({"epoch": 1}, ckpt)
    proc = _start_stalled_save(ckpt)
    try:
        [temp] = _temps(tmp_path)
        assert temp.startswith(".checkpoint.npz.")
        ag.save({"other": 2}, tmp_path / "other.npz")  # the writer is alive: its file stays
        assert _temps(tmp_path) == [temp]
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    assert _temps(tmp_path) == [temp]  # what kill -9 leaves behind
    assert ag.load(ckpt) == {"epoch": 1}  # the checkpoint itself is intact
    ag.save({"epoch": 2}, ckpt)
    assert sorted(os.listdir(tmp_path)) == ["checkpoint.npz", "other.npz"]
    assert ag.load(ckpt) == {"epoch": 2}


def test_stale_files_of_other_saves_in_the_directory_go_too(tmp_path):
    stale = tmp_path / f".a.npz.abcd1234{TEMP_SUFFIX}"
    legacy = tmp_path / ".b.npz.abcd_123.tmp"   # what earlier versions' saves of b.npz left behind
    foreign = [tmp_path / ".c.npz.abcd1234.tmp", tmp_path / "notes.tmp", tmp_path / f".x{TEMP_SUFFIX}"]
    for p in [stale, legacy, *foreign]:
        p.write_bytes(b"x")
    ag.save({"v": 1}, tmp_path / "b.npz")
    assert not stale.exists() and not legacy.exists()
    assert all(p.exists() for p in foreign)  # not ours, or of another target: left alone


def test_atomic_write_keeps_the_old_file_on_error(tmp_path):
    path = tmp_path / "f.txt"
    path.write_text("old")
    with pytest.raises(ZeroDivisionError):
        with atomic_write(path, text=True) as fh:
            fh.write("new")
            1 / 0
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["f.txt"]
    with atomic_write(path, text=True) as fh:
        fh.write("new")
    assert path.read_text() == "new" and os.listdir(tmp_path) == ["f.txt"]


def test_remove_stale_temp_files_on_a_missing_directory(tmp_path):
    assert remove_stale_temp_files(tmp_path / "nope") == []
