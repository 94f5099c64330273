"""docs/tutorial.ipynb: stored lean (no outputs) and executes from top to bottom without an error."""
import shutil
from pathlib import Path

import pytest
from notebook_kernel import mime_types, run, stream_text

TUTORIAL = Path(__file__).resolve().parents[2] / "docs" / "tutorial.ipynb"


def _read():
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(TUTORIAL, as_version=4)
    nbformat.validate(nb)
    return nb


def test_tutorial_is_stored_without_outputs():
    code = [c for c in _read().cells if c.cell_type == "code"]
    assert len(code) > 10
    assert [i for i, c in enumerate(code) if c.outputs or c.execution_count is not None] == []


def test_tutorial_executes_and_shows_its_pictures(tmp_path):
    for name in ("matplotlib", "graphviz", "tqdm"):
        pytest.importorskip(name)
    if shutil.which("dot") is None:
        pytest.skip("the tutorial draws graphs: graphviz's dot program is not installed")
    nb = run(_read(), tmp_path, timeout=300)  # raises on the first cell that fails
    code = [c for c in nb.cells if c.cell_type == "code"]
    # every figure arrives as a PNG (never as a bare "<Figure size ...>") and every graph as SVG, with no
    # %matplotlib anywhere
    figures = [out.data for c in code for out in c.outputs
               if "Figure size" in out.get("data", {}).get("text/plain", "")]
    assert len(figures) >= sum(c.source.count("viz.plot_") for c in code)
    assert all("image/png" in data for data in figures)
    mimes = [m for c in code for m in mime_types(c)]
    assert mimes.count("image/svg+xml") == sum(c.source.count("viz.draw_graph") for c in code)
    printed = "".join(stream_text(c) for c in code)
    assert "Warning" not in printed and "Traceback" not in printed
    assert list(tmp_path.iterdir()) == []  # it writes no files
