"""Where search trials run: the local process pool, a Dask cluster (started or joined) or Ray, and BLAS capping.

Every executor here has ``submit(fn, *args)`` returning a future with ``result()``, which is all
:func:`scratchgrad.search.random_search` needs.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import os

from threadpoolctl import threadpool_limits

__all__ = ["SCHEDULERS", "RayExecutor", "cap_blas_threads", "open_executor"]

#: The ``scheduler`` names :func:`open_executor` knows, besides a Dask scheduler's address ``tcp://host:port``.
SCHEDULERS = ("local", "dask", "ray")

# pid -> the thread count this process's BLAS was capped to (keyed by pid: a forked child inherits the dict).
_capped: dict[int, int] = {}


def cap_blas_threads(threads):
    """Limit this process's BLAS and OpenMP thread pools to ``threads`` for the rest of its life (threadpoolctl).

    Without it every worker process of a pool starts a BLAS pool as wide as the machine, and N workers on N
    cores fight over N * N threads (numpy's OpenBLAS here shrinks its running pool when asked, so no environment
    variable is needed). Cheap to call again: it acts once per process and count.
    """
    if _capped.get(os.getpid()) != threads:
        threadpool_limits(limits=threads)  # not used as a context manager: the limit stays
        _capped[os.getpid()] = threads


def _call(fn, *args):
    return fn(*args)


class RayExecutor:
    """Ray tasks behind a ``concurrent.futures``-style ``submit(fn, *args)``: each call runs as a Ray task holding
    one CPU, and the returned future's ``result()`` waits for it as ``ray.get`` does. Needs ``ray.init()`` first
    (:func:`open_executor` with ``"ray"`` does it)."""

    def __init__(self):
        import ray

        self._task = ray.remote(num_cpus=1)(_call)

    def submit(self, fn, *args):
        """Run ``fn(*args)`` as a Ray task; a ``concurrent.futures.Future`` of its result."""
        return self._task.remote(fn, *args).future()


def _need(module, extra):
    try:
        return __import__(module, fromlist=["_"])
    except ImportError as exc:
        raise ImportError(f"this scheduler needs {module.split('.')[0]}: pip install 'scratchgrad[{extra}]' "
                          f"({exc})") from exc


@contextlib.contextmanager
def open_executor(scheduler=None, workers=None):
    """The executor ``scheduler`` names, with ``workers`` trials at a time; closed (clusters it started stopped)
    on exit.

    Args:
        scheduler: None or ``"local"``: a ``ProcessPoolExecutor`` of ``workers`` processes (None when
            ``workers`` is 1: trials run in this process, one after another); ``"dask"``: a
            ``dask.distributed.LocalCluster`` of ``workers`` processes with one thread each; ``"tcp://host:port"``:
            join that running Dask scheduler (its workers run the trials); ``"ray"``: start Ray on this machine
            with ``workers`` CPUs (for a Ray cluster of your own, call ``ray.init`` and pass
            ``executor=RayExecutor()`` to the search).
        workers: how many trials at once (None: one per CPU); not allowed with an address (the cluster has its own).

    Raises:
        ValueError: an unknown scheduler, or ``workers`` with an address. ImportError: dask.distributed or ray is not
            installed. OSError: no Dask scheduler answers at the address.
    """
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ValueError(f"open_executor: workers must be a positive int or None, got {workers!r}")
    if scheduler in (None, "local"):
        n = workers or os.cpu_count() or 1
        if n == 1:
            yield None
            return
        pool = concurrent.futures.ProcessPoolExecutor(max_workers=n)
        try:
            yield pool
        finally:
            pool.shutdown(wait=True, cancel_futures=True)  # after Ctrl-C, no waiting for trials never started
    elif scheduler == "dask" or str(scheduler).startswith("tcp://"):
        distributed = _need("dask.distributed", "dask")
        if scheduler == "dask":
            cluster = distributed.LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                                               processes=True, dashboard_address=":0")
        elif workers is not None:
            raise ValueError(f"open_executor: workers={workers} with the Dask scheduler at {scheduler}: its own "
                             "workers run the trials")
        else:
            cluster = None
        with contextlib.ExitStack() as stack:
            if cluster is not None:
                stack.enter_context(cluster)
            client = stack.enter_context(distributed.Client(cluster or scheduler, timeout="10s"))
            yield client.get_executor()
    elif scheduler == "ray":
        ray = _need("ray", "ray")
        ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False, logging_level="warning")
        try:
            yield RayExecutor()
        finally:
            ray.shutdown()
    else:
        raise ValueError(f"open_executor: unknown scheduler {scheduler!r}; use one of {', '.join(SCHEDULERS)} or a "
                         "Dask scheduler's address tcp://host:port")
