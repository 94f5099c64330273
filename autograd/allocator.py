"""Keep freed memory for reuse instead of returning it to the OS after every training step.

A training step allocates and frees many arrays of megabytes (activations, their gradients). glibc's
malloc serves such blocks with ``mmap`` and unmaps them on free, so each step pays again for zeroed pages
from the kernel: on SimpleConvNet, a third of the step time went to those page faults. PyTorch avoids this
with its caching allocator; numpy has none, so on import scratchgrad raises glibc's mmap and trim
thresholds (``mallopt``), and freed blocks stay in the heap for the next step.

The change is process-wide and only affects glibc (Linux); elsewhere it does nothing. Set the environment
variable ``SCRATCHGRAD_KEEP_FREED_MEMORY=0`` before importing to keep the system defaults.
"""
import ctypes
import ctypes.util
import os

__all__ = ["keep_freed_memory"]

_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3  # glibc <malloc.h>


def keep_freed_memory(mmap_threshold=32 << 20, trim_threshold=1 << 30, top_pad=64 << 20):
    """Ask glibc to serve blocks below ``mmap_threshold`` bytes from the heap and to keep up to
    ``trim_threshold`` bytes of free heap; returns True when it took effect."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    return all(mallopt(option, value) == 1 for option, value in (
        (_M_MMAP_THRESHOLD, mmap_threshold), (_M_TRIM_THRESHOLD, trim_threshold), (_M_TOP_PAD, top_pad)))


if os.environ.get("SCRATCHGRAD_KEEP_FREED_MEMORY", "1") != "0":
    keep_freed_memory()
