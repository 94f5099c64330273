"""The type hints: mypy (configured in setup.cfg) passes on the packages and on a user's training loop, the registry's
stubs are current, every registered op is annotated, and the ``py.typed`` markers ship."""
import configparser
import hashlib
import importlib.util
import inspect
import os
import pathlib
import subprocess
import sys
import tempfile

import pytest

import autograd
from autograd import _stubgen, registry

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGES = ("autograd", "nn", "optim", "viz", "scratchgrad")
USER_CODE = pathlib.Path(__file__).with_name("typing_user_code.py")


@pytest.fixture(scope="module")
def mypy_report():
    """mypy's output on the packages and the user code; the cache (one per checkout) makes reruns incremental."""
    pytest.importorskip("mypy")  # (CI installs the test extra, and conftest requires it there)
    key = hashlib.sha1(str(ROOT).encode()).hexdigest()[:12]
    cache = pathlib.Path(tempfile.gettempdir()) / f"scratchgrad-mypy-{key}"
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "setup.cfg"), "--cache-dir", str(cache),
         "--no-error-summary", "--show-error-codes", *PACKAGES, str(USER_CODE.relative_to(ROOT))],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False, env={**os.environ, "MYPY_FORCE_COLOR": "0"})
    return run


def test_mypy_finds_no_error_in_the_packages_or_the_user_code(mypy_report):
    lines = [line for line in mypy_report.stdout.splitlines() if ": error:" in line]
    assert mypy_report.returncode == 0 and not lines, "\n".join(lines) or mypy_report.stdout + mypy_report.stderr


def test_the_user_code_runs():
    spec = importlib.util.spec_from_file_location("typing_user_code", USER_CODE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    loss = module.train(epochs=1)
    assert 0.0 < loss < 5.0


@pytest.mark.skipif(sys.version_info < (3, 11), reason="the stub generator reads overloads (typing.get_overloads)")
@pytest.mark.parametrize("path", sorted(_stubgen.STUBS))
def test_the_stubs_are_what_the_registry_says(path):
    expected = _stubgen.STUBS[path]()
    assert (ROOT / "autograd" / path).read_text() == expected, (
        f"autograd/{path} is out of date with the op registry: run `python -m autograd._stubgen`")


def _registered():
    """Every registered function reachable as ``autograd.<name>`` or as a Tensor method/operator, once."""
    seen = {}
    for fn in list(registry.functions.values()) + list(registry.methods.values()):
        fn = fn.fget if isinstance(fn, property) else fn
        seen[id(fn)] = fn
    return list(seen.values())


def test_every_registered_op_is_annotated():
    missing = []
    for fn in _registered():
        sig = inspect.signature(fn)
        params = [p for p in sig.parameters.values() if p.name != "self"]  # (a method's self is the Tensor)
        unannotated = [p.name for p in params if p.annotation is inspect.Parameter.empty]
        if unannotated or sig.return_annotation is inspect.Signature.empty:
            missing.append(f"{fn.__module__}.{fn.__qualname__}: {unannotated or 'return'}")
    assert not missing, "registered ops without full annotations:\n" + "\n".join(missing)


def test_the_packages_ship_py_typed_and_the_stubs():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    package_data = {k: {v.strip() for v in value.split(",")} for k, value in cfg["options.package_data"].items()}
    for package in PACKAGES:
        assert (ROOT / package / "py.typed").is_file()
        assert "py.typed" in package_data[package]
    for stub in _stubgen.STUBS:
        package = "autograd" + "".join("." + part for part in pathlib.PurePath(stub).parent.parts)
        assert "*.pyi" in package_data[package], stub
    assert "mypy" in cfg["options.extras_require"]["test"]


def test_the_aliases_module_is_importable_at_run_time():
    import autograd.types as t

    assert t.TensorLike is not None and set(t.__all__) <= set(vars(t))
    assert autograd.Tensor.__mro__[1:] == (autograd.inplace.InplaceOps, object)  # TensorMethods is for checkers only
