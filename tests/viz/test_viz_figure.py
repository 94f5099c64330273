"""viz.figure: every plot is a matplotlib Figure that IPython displays as PNG, with no IPython or pyplot import."""
import io
import pickle
import struct
import subprocess
import sys

import numpy as np
import pytest

import viz

mpl_figure = pytest.importorskip("matplotlib.figure")
imread = pytest.importorskip("matplotlib.image").imread
Figure = pytest.importorskip("viz.figure").Figure


def png_size(data):
    """(width, height) from a PNG's IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def _plots():
    rng = np.random.default_rng(0)
    return {
        "plot_filters": viz.plot_filters(rng.standard_normal((6, 1, 3, 3)), ncols=3),
        "plot_activation_histograms": viz.plot_activation_histograms([rng.random((20, 5))] * 2),
        "plot_history": viz.plot_history({"train_loss": [1.0, 0.5], "test_acc": [0.4, 0.6]}),
        "plot_optimizer_paths": viz.plot_optimizer_paths({"SGD": rng.standard_normal((4, 2))}),
        "plot_search": viz.plot_search([{"lr": 0.1, "weight_decay": 1e-4, "val_acc": 0.5},
                                        {"lr": 0.01, "weight_decay": 1e-3, "val_acc": 0.7}]),
    }


def test_every_plot_is_a_displayable_figure():
    for name, fig in _plots().items():
        assert isinstance(fig, Figure) and isinstance(fig, mpl_figure.Figure), name
        w, h = fig.get_size_inches() * fig.dpi
        assert png_size(fig._repr_png_()) == (round(w), round(h)), name


def test_repr_png_is_what_savefig_writes(tmp_path):
    fig = _plots()["plot_filters"]
    fig.savefig(tmp_path / "f.png", dpi=fig.dpi)
    shown = imread(io.BytesIO(fig._repr_png_()))
    np.testing.assert_array_equal(shown, imread(tmp_path / "f.png"))
    assert shown[..., :3].std() > 0.01  # a picture, not a blank canvas


def test_figure_pickles_and_still_displays():
    fig = pickle.loads(pickle.dumps(_plots()["plot_history"]))
    assert type(fig) is Figure
    assert png_size(fig._repr_png_())[0] > 100


def test_plotting_imports_neither_ipython_nor_pyplot():
    code = ("import sys, numpy as np, viz; fig = viz.plot_filters(np.ones((2, 1, 3, 3))); fig._repr_png_(); "
            "print(sorted(m for m in ('IPython', 'matplotlib.pyplot') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
