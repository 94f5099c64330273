"""Every experiment in --quick mode: figures (non-empty PNGs), summary.json, the CLI's output."""
import concurrent.futures
import json

import pytest

from scratchgrad.__main__ import main
from scratchgrad.experiments import EXPERIMENTS, run_experiment

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
EXPECTED = {
    "optimizers": ("optimizer_paths.png", "optimizers_mlp.png"),
    "weight-init": ("activations_sigmoid_std1.png", "activations_relu_he.png", "weight_init_mlp.png"),
    "batchnorm": ("batchnorm.png",),
    "overfit": ("overfit.png",),
    "hparam-search": ("hparam_search.png",),
    "convnet": ("filters.png", "curves.png"),
}


def _check_outputs(out, summary, name):
    assert summary["experiment"] == name and summary["quick"] is True
    assert summary["findings"] and all(isinstance(s, str) for s in summary["findings"])
    assert isinstance(summary["book_finding_holds"], bool)
    assert summary["conclusive"] is False and "too short to show the book's finding" in summary["verdict"]
    for fig in summary["figures"]:
        data = (out / fig).read_bytes()
        assert data[:8] == PNG_MAGIC and len(data) > 3000, fig
    assert set(EXPECTED[name]) <= set(summary["figures"])
    on_disk = json.loads((out / "summary.json").read_text())
    assert on_disk["findings"] == summary["findings"]


def _weight_init_numbers(s):
    layers = s["histograms"]["relu / std 0.01"]["layers"]
    assert layers[-1]["std"] < layers[0]["std"] / 100  # std 0.01 activations vanish layer by layer
    he = s["histograms"]["relu / He"]["layers"]
    assert 0.3 < he[-1]["std"] / he[0]["std"] < 3  # He keeps their spread
    assert s["histograms"]["sigmoid / std 1"]["layers"][0]["saturated"] > 0.3


def _optimizers_numbers(s):
    assert set(s["mlp"]["results"]) == {"SGD", "Momentum", "AdaGrad", "Adam"}
    assert s["toy"]["AdaGrad"]["distance_to_minimum"] < 1.0


def _overfit_numbers(s):
    assert s["train_size"] == 300
    assert len(s["plain"]["train_acc"]) == len(s["dropout"]["train_acc"]) == 12


def _batchnorm_numbers(s):
    assert len(s["results"]) == 4 and s["results"][0]["weight_scale"] == 1.0


def _convnet_numbers(s):
    assert s["history"]["epoch"] == [1] and set(s["filter_smoothness"]) == {"before", "after"}


CHECKS = {"weight-init": _weight_init_numbers, "optimizers": _optimizers_numbers, "overfit": _overfit_numbers,
          "batchnorm": _batchnorm_numbers, "convnet": _convnet_numbers}


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_quick_experiment(name, tmp_path):
    summary = run_experiment(name, tmp_path, quick=True, dataset="synthetic", progress=False)
    _check_outputs(tmp_path, summary, name)
    CHECKS[name](summary)


def test_hparam_search_through_cli(tmp_path, capsys):
    out = tmp_path / "hp"
    assert main(["experiment", "hparam-search", "--quick", "--dataset", "synthetic", "--workers", "1",
                 "--out", str(out), "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "best validation accuracy" in text and "summary.json" in text
    assert "a --quick run is too short" in text and "does NOT hold" not in text
    summary = json.loads((out / "summary.json").read_text())
    _check_outputs(out, summary, "hparam-search")
    assert len(summary["trials"]) == 8 and len(summary["rounds"]) == 2
    for trial in summary["trials"]:
        assert 1e-6 <= trial["params"]["lr"] <= 1e-2 and 1e-8 <= trial["params"]["weight_decay"] <= 1e-4

    # the same trials on a process pool (as a Dask/Ray executor would run them) give the same numbers
    with concurrent.futures.ProcessPoolExecutor(2) as pool:
        pooled = run_experiment("hparam-search", tmp_path / "pool", quick=True, dataset="synthetic", executor=pool,
                                progress=False)
    assert [t["score"] for t in pooled["trials"]] == [t["score"] for t in summary["trials"]]


def test_registry_matches_cli_choices():
    from scratchgrad.cli import EXPERIMENT_NAMES

    assert tuple(EXPERIMENTS) == EXPERIMENT_NAMES


def test_unknown_experiment():
    with pytest.raises(ValueError, match="unknown experiment"):
        run_experiment("dropout", "/tmp/never-written")


def test_train_iterations_rejects_empty_data_instead_of_looping_forever():
    import numpy as np

    import nn
    import optim
    from scratchgrad.experiments._common import train_iterations

    model = nn.models.MLP(4, (3,), 2)
    x, t = np.zeros((0, 4), np.float32), np.zeros(0, np.int64)
    with pytest.raises(ValueError, match="no training samples"):
        train_iterations(model, optim.SGD(model.parameters(), lr=0.1), x, t, 5, 2, 0)


def test_failed_download_exits_1_with_the_reason(tmp_path, monkeypatch, capsys):
    import autograd.data.mnist
    from autograd.data import DownloadError

    def offline(urls, path, md5=None, **kwargs):
        raise DownloadError(f"could not download {path}: network unreachable")

    monkeypatch.setenv("SCRATCHGRAD_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(autograd.data.mnist, "download_url", offline)
    code = main(["experiment", "overfit", "--quick", "--dataset", "mnist", "--download", "--no-progress",
                 "--out", str(tmp_path / "o")])
    assert code == 1 and "network unreachable" in capsys.readouterr().err
