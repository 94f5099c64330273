"""Hypothesis profiles: 'ci' (default, fast) and 'thorough' (HYPOTHESIS_PROFILE=thorough).

With ``SCRATCHGRAD_REQUIRE_OPTIONAL=1`` (what ``.ci/run`` sets) a missing optional dependency of the tests is
an error at the start instead of a quiet skip of every test that needs it.
"""
import importlib.util
import os
import shutil

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

#: What some tests need and skip without (torch: the comparisons; graphviz/dot: rendering; matplotlib: plots;
#: safetensors: the .safetensors files and the round trips with PyTorch; onnx, onnxruntime: export and its check;
#: array_api_strict: the backend tests; distributed, optuna: the search on a Dask cluster and with Optuna's
#: sampler; dezero, mygrad: the benchmarks' peers; nbclient, nbformat, ipykernel, ipywidgets: the notebooks, run in
#: a real kernel; mypy: the type check; ray: the search on a local Ray cluster).
OPTIONAL = ("torch", "graphviz", "matplotlib", "tqdm", "safetensors", "onnx", "onnxruntime", "array_api_strict",
            "distributed", "optuna", "dezero", "mygrad", "nbclient", "nbformat", "ipykernel", "ipywidgets", "mypy",
            "ray")


def pytest_sessionstart(session):
    if os.environ.get("SCRATCHGRAD_REQUIRE_OPTIONAL") != "1":
        return
    missing = [name for name in OPTIONAL if importlib.util.find_spec(name) is None]
    if shutil.which("dot") is None:
        missing.append("graphviz's dot program")
    if missing:
        pytest.exit(f"SCRATCHGRAD_REQUIRE_OPTIONAL=1: {', '.join(missing)} missing, so the tests that need them "
                    "would be skipped; install them (see .ci/run)", returncode=1)
