"""What a notebook shows, checked in a real kernel: viz figures as PNG and graphs as SVG without
``%matplotlib``; scratchgrad.fit's progress bars as a widget with ipywidgets, as text without it (no warning)."""
import base64
import shutil
import struct

import pytest
from notebook_kernel import WIDGET, execute, mime_types, stream_text

pytest.importorskip("matplotlib")

FIT = """
import autograd as ag, nn, optim, scratchgrad
from autograd.data import DataLoader, TensorDataset
ag.manual_seed(0)
model = nn.Linear(4, 3)
loader = DataLoader(TensorDataset(ag.randn(40, 4), ag.randint(0, 3, (40,))), batch_size=10)
history = scratchgrad.fit(model, optim.SGD(model.parameters(), lr=0.1), loader, epochs=2)
"""


def test_figures_and_graphs_display_inline(tmp_path):
    cells = ["import sys\nimport numpy as np\nimport autograd as ag\nimport viz",
             "viz.plot_filters(np.random.default_rng(0).standard_normal((8, 1, 5, 5)), ncols=4)",
             "print(viz.plot_filters(np.ones((8, 1, 5, 5)), ncols=4).get_size_inches() * 100)",
             "print('matplotlib.pyplot' in sys.modules, 'IPython' in sys.modules)"]
    dot = shutil.which("dot") is not None  # required in CI (conftest); the graph cell needs it
    if dot:
        cells.append("x = ag.randn(2, 3, requires_grad=True)\nviz.draw_graph((x * 2).sum())")
    nb = execute(cells, tmp_path, timeout=120)
    (shown,) = nb.cells[1].outputs
    assert shown.output_type == "execute_result"
    png = base64.b64decode(shown.data["image/png"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = (round(float(v)) for v in stream_text(nb.cells[2]).strip(" []\n").split())
    assert struct.unpack(">II", png[16:24]) == (width, height)
    # no pyplot: the PNG came from the figure itself; IPython is there only because this is a kernel
    assert stream_text(nb.cells[3]).split() == ["False", "True"]
    if dot:
        assert "image/svg+xml" in mime_types(nb.cells[4])


@pytest.mark.parametrize("widgets", [True, False], ids=["ipywidgets", "no-ipywidgets"])
def test_fit_progress_bars_in_a_notebook(tmp_path, widgets):
    pytest.importorskip("tqdm")
    if widgets:
        pytest.importorskip("ipywidgets")
    block = "" if widgets else "import sys\nsys.modules['ipywidgets'] = None  # as if it were not installed"
    nb = execute([block, FIT], tmp_path, timeout=120)
    cell = nb.cells[1]
    printed = stream_text(cell)
    assert "epoch 2/2: train loss" in printed  # the per-epoch line, either way
    assert "Warning" not in printed and "IProgress" not in printed
    bars = mime_types(cell).count(WIDGET)
    if widgets:
        assert bars == 2  # one widget per epoch
        assert "100%|" not in printed
    else:
        assert bars == 0
        assert printed.count("100%|") == 2  # text bars, one per epoch
