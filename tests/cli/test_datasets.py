"""``--dataset auto``: MNIST if found, else Fashion-MNIST if found, else generated digits; subsets."""
import gzip
import json
import struct

import numpy as np
import pytest

from autograd.data import FashionMNIST, Subset, SyntheticDigits
from scratchgrad.__main__ import main
from scratchgrad.datasets import choose_dataset, find_dataset, load_arrays, load_datasets

FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No dataset anywhere: the environment, home and Debian directories all point into tmp_path."""
    monkeypatch.setenv("SCRATCHGRAD_DATA", str(tmp_path / "env"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(FashionMNIST, "system_dirs", (str(tmp_path / "debian"),))
    return tmp_path


def _touch(folder, names=FILES, gz=False):
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / (name + (".gz" if gz else ""))).write_bytes(b"")


def _write_idx(folder, n_train=120, n_test=40, seed=0):
    """Small valid gzip IDX files (images of random digits with a label-dependent bright row)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        images = rng.integers(0, 60, (n, 28, 28)).astype(np.uint8)
        images[np.arange(n), 2 + 2 * labels, :] = 255
        with gzip.open(folder / f"{prefix}-images-idx3-ubyte.gz", "wb") as fh:
            fh.write(struct.pack(">IIII", 0x803, n, 28, 28) + images.tobytes())
        with gzip.open(folder / f"{prefix}-labels-idx1-ubyte.gz", "wb") as fh:
            fh.write(struct.pack(">II", 0x801, n) + labels.tobytes())


def test_nothing_found_means_synthetic(isolated):
    name, reason = choose_dataset("auto")
    assert name == "synthetic"
    assert "neither MNIST nor Fashion-MNIST" in reason and str(isolated / "env") in reason


def test_fashion_found_in_debian_directory(isolated):
    _touch(isolated / "debian", gz=True)
    name, reason = choose_dataset("auto")
    assert name == "fashion-mnist" and str(isolated / "debian") in reason and "no MNIST" in reason


def test_mnist_preferred_over_fashion(isolated):
    _touch(isolated / "debian", gz=True)
    _touch(isolated / "env" / "mnist")
    name, reason = choose_dataset("auto")
    assert name == "mnist" and str(isolated / "env" / "mnist") in reason


def test_incomplete_mnist_is_not_chosen(isolated):
    _touch(isolated / "home" / ".cache" / "scratchgrad" / "mnist", FILES[:3])
    assert find_dataset("mnist") is None
    assert choose_dataset("auto")[0] == "synthetic"
    _touch(isolated / "home" / ".cache" / "scratchgrad" / "mnist", FILES[3:], gz=True)
    assert choose_dataset("auto")[0] == "mnist"


def test_data_dir_and_torchvision_layout(isolated):
    _touch(isolated / "mine" / "FashionMNIST" / "raw")
    assert choose_dataset("auto", data_dir=str(isolated / "mine"))[0] == "fashion-mnist"
    assert choose_dataset("auto")[0] == "synthetic"


def test_explicit_choice_and_unknown_name(isolated):
    assert choose_dataset("mnist")[0] == "mnist"
    with pytest.raises(ValueError, match="unknown dataset"):
        choose_dataset("cifar10")


def test_cli_auto_trains_on_found_mnist(isolated, capsys):
    _write_idx(isolated / "data" / "mnist")
    out = isolated / "run"
    assert main(["train", "--data-dir", str(isolated / "data"), "--no-progress", "--no-pictures", "--model", "mlp",
                 "--epochs", "2", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "MNIST files found in" in text and "120 MNIST images" in text
    record = json.loads((out / "history.json").read_text())
    assert record["dataset"]["name"] == "mnist" and record["dataset"]["test_size"] == 40


def test_cli_auto_without_data_uses_synthetic(isolated, capsys):
    assert main(["train", "--train-size", "100", "--test-size", "50", "--no-progress", "--no-pictures",
                 "--model", "mlp", "--out", str(isolated / "o")]) == 0
    assert "generated digits" in capsys.readouterr().out


def test_subsets_are_seeded_and_arrays_match(isolated):
    _write_idx(isolated / "env" / "fashion-mnist")
    train, test = load_datasets("fashion-mnist", train_size=50, test_size=10, seed=3)
    again, _ = load_datasets("fashion-mnist", train_size=50, test_size=10, seed=3)
    other, _ = load_datasets("fashion-mnist", train_size=50, test_size=10, seed=4)
    assert isinstance(train, Subset) and len(train) == 50 and len(test) == 10
    assert list(train.indices) == list(again.indices) != list(other.indices)
    x, t, xt, tt = load_arrays("fashion-mnist", train_size=50, test_size=10, seed=3)
    assert x.shape == (50, 784) and x.dtype == np.float32 and xt.shape == (10, 784)
    np.testing.assert_array_equal(t, train.dataset.targets[train.indices])
    full, _ = load_datasets("fashion-mnist", train_size=10_000)
    assert not isinstance(full, Subset) and len(full) == 120


def test_synthetic_sizes():
    train, test = load_datasets("synthetic", train_size=30, test_size=20, seed=1)
    assert isinstance(train, SyntheticDigits) and (len(train), len(test)) == (30, 20)
    assert not np.array_equal(train.data[:20], test.data)
