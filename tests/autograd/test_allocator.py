"""autograd.allocator: glibc's thresholds are raised on import (Linux), and it degrades to a no-op elsewhere."""
import ctypes.util
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from autograd import allocator


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_takes_effect_on_glibc():
    assert allocator.keep_freed_memory() is True


def test_without_a_c_library_it_does_nothing(monkeypatch):
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    assert allocator.keep_freed_memory() is False


def test_opt_out_by_environment_variable_still_imports():
    code = "import autograd as ag; print((ag.ones(3) * 2).sum().item())"
    env = dict(os.environ, SCRATCHGRAD_KEEP_FREED_MEMORY="0", PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "6.0"
