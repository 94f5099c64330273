"""The matplotlib pictures: each writes a non-empty image of the figure's size, and rejects bad input."""
import numpy as np
import pytest

import autograd as ag
import viz

pytest.importorskip("matplotlib")
from matplotlib.image import imread  # noqa: E402


def check_png(fig, path):
    """The file is a PNG of exactly the figure's pixel size and not one flat colour."""
    img = imread(str(path))
    w, h = fig.get_size_inches() * fig.dpi
    assert img.shape[:2] == (round(h), round(w))
    assert img[..., :3].std() > 0.01


def test_plot_filters_single_and_before_after(tmp_path):
    rng = np.random.default_rng(0)
    w = ag.tensor(rng.standard_normal((30, 1, 5, 5)).astype(np.float32))
    fig = viz.plot_filters(w, title="conv1", path=tmp_path / "f.png")
    check_png(fig, tmp_path / "f.png")
    assert len([a for a in fig.get_axes() if a.images]) == 30
    fig = viz.plot_filters([w, w.numpy() * 2], titles=["before", "after"], path=tmp_path / "g.png")
    check_png(fig, tmp_path / "g.png")
    assert len([a for a in fig.get_axes() if a.images]) == 60
    colour = viz.plot_filters(rng.standard_normal((4, 3, 3, 3)), ncols=4)
    (img,) = colour.get_axes()[0].images
    assert img.get_array().shape == (3, 3, 3)
    with pytest.raises(ValueError, match="C_out, C_in, kh, kw"):
        viz.plot_filters(np.zeros((3, 5, 5)))
    with pytest.raises(ValueError, match="titles"):
        viz.plot_filters([w, w], titles=["one"])


def test_plot_activation_histograms_from_arrays(tmp_path):
    rng = np.random.default_rng(0)
    acts = [1 / (1 + np.exp(-rng.standard_normal((100, 50)) * s)) for s in (0.1, 1.0, 5.0, 10.0, 20.0)]
    fig = viz.plot_activation_histograms(acts, path=tmp_path / "h.png")
    check_png(fig, tmp_path / "h.png")
    axes = [a for a in fig.get_axes() if a.patches]
    assert len(axes) == 5 and axes[0].get_title() == "layer 1"
    assert sum(p.get_height() for p in axes[2].patches) == 100 * 50


def test_plot_activation_histograms_hooks_activation_modules(tmp_path):
    nn = pytest.importorskip("nn")
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 20), nn.Sigmoid(), nn.Linear(20, 20), nn.Sigmoid())
    try:
        fig = viz.plot_activation_histograms(model, ag.randn(64, 20), path=tmp_path / "a.png")
    except (AttributeError, NotImplementedError) as exc:  # nn still being written
        pytest.skip(f"nn is not complete yet: {exc}")
    check_png(fig, tmp_path / "a.png")
    axes = [a for a in fig.get_axes() if a.patches]
    assert [a.get_title() for a in axes] == ["1: 1 (Sigmoid)", "2: 3 (Sigmoid)"]
    assert axes[0].get_xlim()[0] <= 0.0 and axes[0].get_xlim()[1] >= 1.0  # sigmoid: the book's 0..1 range
    with pytest.raises(TypeError, match="x"):
        viz.plot_activation_histograms(model)


def test_plot_history(tmp_path):
    hist = {"train_loss": [2.3, 1.0, 0.5], "test_loss": [2.2, 1.1, 0.7], "train_acc": [0.1, 0.7, 0.9]}
    fig = viz.plot_history(hist, path=tmp_path / "c.png")
    check_png(fig, tmp_path / "c.png")
    loss_ax, acc_ax = fig.get_axes()
    assert len(loss_ax.lines) == 2 and len(acc_ax.lines) == 1
    assert list(loss_ax.lines[1].get_ydata()) == [2.2, 1.1, 0.7]
    assert len(viz.plot_history({"test_acc": [0.5, 0.6]}).get_axes()) == 1
    with pytest.raises(ValueError, match="train_loss"):
        viz.plot_history({"lr": [0.1]})


def test_plot_optimizer_paths(tmp_path):
    paths = {}
    for name, lr in [("SGD", 0.95), ("Momentum", 0.1), ("AdaGrad", 1.5), ("Adam", 0.3)]:
        p = np.array([-7.0, 2.0])
        pts = [p.copy()]
        for _ in range(30):
            p = p - lr * np.array([p[0] / 10, 2 * p[1]]) * 0.5
            pts.append(p.copy())
        paths[name] = np.array(pts)
    fig = viz.plot_optimizer_paths(paths, path=tmp_path / "o.png")
    check_png(fig, tmp_path / "o.png")
    axes = fig.get_axes()
    assert [a.get_title() for a in axes] == list(paths)
    assert axes[0].get_xlim() == (-10.0, 10.0)
    np.testing.assert_allclose(axes[1].lines[0].get_xydata(), paths["Momentum"])
    with pytest.raises(ValueError, match=r"\(k, 2\)"):
        viz.plot_optimizer_paths({"bad": np.zeros((3, 3))})


def test_plot_search(tmp_path):
    rng = np.random.default_rng(0)
    results = [{"lr": 10 ** rng.uniform(-6, -2), "weight_decay": 10 ** rng.uniform(-8, -4), "val_acc": a}
               for a in rng.uniform(0.1, 0.9, 20)]
    fig = viz.plot_search(results, path=tmp_path / "s.svg")
    assert (tmp_path / "s.svg").read_text().lstrip().startswith("<?xml")
    fig.savefig(tmp_path / "s.png", dpi=fig.dpi)
    check_png(fig, tmp_path / "s.png")
    ax = fig.get_axes()[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    best = max(results, key=lambda r: r["val_acc"])
    np.testing.assert_allclose(ax.collections[1].get_offsets()[0], [best["lr"], best["weight_decay"]])
    with pytest.raises(ValueError, match="val_acc"):
        viz.plot_search([{"lr": 0.1, "weight_decay": 0.1}])
    with pytest.raises(ValueError, match="suffix"):
        viz.plot_search(results, path=tmp_path / "s.bmp2")
