"""The distribution: LICENSE, one version everywhere, CHANGELOG, extras, and a clear error when another ``autograd``
shadows this one."""
import configparser
import pathlib
import subprocess
import sys

import pytest

import autograd
import nn
import optim
import scratchgrad
import viz

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _setup_cfg():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    return cfg


def test_license_is_the_mit_license_setup_cfg_names():
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "Copyright (c)" in text and "the scratchgrad developers" in text
    assert _setup_cfg()["metadata"]["license"] == "MIT"


def test_every_package_has_the_one_version():
    versions = {m.__name__: m.__version__ for m in (autograd, nn, optim, viz, scratchgrad)}
    assert set(versions.values()) == {autograd.__version__}, versions
    assert _setup_cfg()["metadata"]["version"] == "attr: autograd.__version__"  # setup.cfg reads the same one


def test_the_installed_metadata_agrees():
    setupcfg = pytest.importorskip("setuptools.config.setupcfg")
    config = setupcfg.read_configuration(str(ROOT / "setup.cfg"))
    assert config["metadata"]["version"] == autograd.__version__


def test_changelog_has_this_version_and_an_unreleased_section():
    text = (ROOT / "CHANGELOG.md").read_text()
    assert "## Unreleased" in text and f"## {autograd.__version__}" in text
    assert text.index("## Unreleased") < text.index(f"## {autograd.__version__}")


def test_safetensors_is_an_extra_that_ci_installs():
    extras = _setup_cfg()["options.extras_require"]
    assert extras["safetensors"].strip().startswith("safetensors")
    assert "safetensors" in extras["all"]
    readme = (ROOT / "README.md").read_text()
    setup_block = readme.split("```sh", 1)[1].split("```", 1)[0].strip().splitlines()
    assert ".[all]" in setup_block[1]  # .ci/run runs the README's second set-up line


def test_the_search_libraries_are_extras_and_threadpoolctl_a_requirement():
    cfg = _setup_cfg()
    extras = cfg["options.extras_require"]
    assert "threadpoolctl" in cfg["options"]["install_requires"]  # workers cap their BLAS threads
    in_all = {line.split(">")[0].strip() for line in extras["all"].strip().splitlines()}
    assert extras["dask"].strip().startswith("dask[distributed]") and "dask[distributed]" in in_all
    assert extras["optuna"].strip().startswith("optuna") and "optuna" in in_all
    assert extras["ray"].strip().startswith("ray") and "ray" not in in_all  # too big for CI; its test skips


def test_the_notebook_and_test_extras_are_in_all():
    extras = _setup_cfg()["options.extras_require"]
    wanted = set(extras["notebook"].split()) | set(extras["test"].split())
    assert {"ipywidgets>=8", "nbclient>=0.7"} <= wanted
    assert wanted <= set(extras["all"].split())  # CI installs .[all]: the notebook tests run there


@pytest.mark.parametrize("package", ["nn", "optim", "viz", "scratchgrad"])
def test_a_shadowing_autograd_gives_an_import_error_that_says_how_to_fix_it(tmp_path, package):
    fake = tmp_path / "site" / "autograd"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("def grad(fun):\n    return fun\n")  # like the HIPS autograd: no Tensor
    code = f"import sys; sys.path[:0] = [{str(fake.parent)!r}, {str(ROOT)!r}]; import {package}"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 1
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError:"), run.stderr
    for words in (str(fake / "__init__.py"), "not scratchgrad's", "HIPS", "fresh virtual environment", "pip install"):
        assert words in last, (words, last)
