"""The benchmark tests check what the workloads compute, not their speed: they run with one BLAS/OpenMP thread.

On a shared 2-core machine numpy's and torch's default thread pools fight each other and the other processes
(a 25 ms step took 1-2 s), so every test here caps them: through threadpoolctl where it is installed, and
torch's own intra-op count.
"""
import contextlib
import importlib.util

import pytest


@pytest.fixture(autouse=True)
def _one_thread():
    torch = None
    if importlib.util.find_spec("torch") is not None:
        import torch
    before = torch.get_num_threads() if torch else None
    limits = contextlib.nullcontext()
    if importlib.util.find_spec("threadpoolctl") is not None:
        from threadpoolctl import threadpool_limits

        limits = threadpool_limits(1)
    with limits:
        if torch:
            torch.set_num_threads(1)
        try:
            yield
        finally:
            if torch:
                torch.set_num_threads(before)
