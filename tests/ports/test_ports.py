"""Each PyTorch-style script here runs twice: as is (scratchgrad's import lines) and, when torch is installed, with
the import lines swapped back to PyTorch's; both runs must reach the script's stated result.

A script is one file ``port_<name>.py``. Its import lines are scratchgrad's, each followed by the PyTorch line it
replaces (``import autograd as torch  # torch: import torch``); nothing else may differ between the two versions.
At module level it sets ``MIN_DROP`` and, once it has run, ``loss_before`` and ``loss_after``: the loss must fall
at least ``MIN_DROP`` times in both runs. Its own asserts state anything else it promises. Adding a port is
adding such a file.
"""
import ast
import pathlib
import re

import pytest

HERE = pathlib.Path(__file__).parent
SCRIPTS = sorted(HERE.glob("port_*.py"))
_SWAP = re.compile(r"^(?P<indent>[ \t]*)(?P<ours>\S.*?)[ \t]*# torch: (?P<torch>.+?)[ \t]*$", re.MULTILINE)
_OURS = {"autograd", "nn", "optim", "viz", "scratchgrad"}


def torch_version(source):
    """The script with every marked line replaced by the PyTorch line its ``# torch:`` comment gives."""
    return _SWAP.sub(lambda m: m["indent"] + m["torch"], source)


def _imported_packages(source):
    """Top-level package names that ``source`` imports (anywhere in the file)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names.add(node.module.split(".")[0])
    return names


def run(source, path):
    """Execute a script as ``__main__`` in a fresh namespace; returns that namespace."""
    namespace = {"__name__": "__main__", "__file__": str(path)}
    exec(compile(source, str(path), "exec"), namespace)  # noqa: S102  (our own test scripts)
    return namespace


def check_result(namespace, library):
    before, after, factor = namespace["loss_before"], namespace["loss_after"], namespace["MIN_DROP"]
    assert after * factor <= before, f"{library}: loss {before:.4g} -> {after:.4g}, less than a {factor}x drop"


def test_there_are_ports():
    assert len(SCRIPTS) >= 3


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.stem)
def test_only_the_import_lines_differ(path):
    source = path.read_text()
    ported = torch_version(source)
    changed = [(a, b) for a, b in zip(source.splitlines(), ported.splitlines()) if a != b]
    assert changed, f"{path.name} marks no import line"
    for ours, theirs in changed:
        assert re.match(r"\s*(import|from) ", ours) and re.match(r"\s*(import|from) ", theirs), ours
    assert not _imported_packages(ported) & _OURS, f"{path.name}: an import of scratchgrad's has no '# torch:' line"
    assert "torch" not in _imported_packages(source)
    assert "MIN_DROP" in source


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.stem)
def test_port_runs_with_scratchgrad(path):
    check_result(run(path.read_text(), path), "scratchgrad")


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.stem)
def test_port_runs_with_torch(path):
    pytest.importorskip("torch")
    check_result(run(torch_version(path.read_text()), path), "torch")


def test_the_swap_rewrites_marked_lines_only():
    source = "import autograd as torch  # torch: import torch\n    import nn  # torch: from torch import nn\nx = 1\n"
    assert torch_version(source) == "import torch\n    from torch import nn\nx = 1\n"
