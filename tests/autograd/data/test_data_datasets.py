"""MNIST/FashionMNIST file discovery and errors, the real Fashion-MNIST (when Debian installed it),
SyntheticDigits, Spiral and transforms."""
import gzip
import os
import struct

import numpy as np
import pytest

import autograd as ag
from autograd.data import (MNIST, DataLoader, DatasetNotFoundError, FashionMNIST, IDXError, Spiral,
                           SyntheticDigits, transforms as T)

DEBIAN_FASHION = "/usr/share/datasets/fashion-mnist"


def idx(arr):
    arr = np.asarray(arr, np.uint8)
    return struct.pack(">I", 0x0800 | arr.ndim) + struct.pack(f">{arr.ndim}I", *arr.shape) + arr.tobytes()


def write_split(folder, n=20, prefix="t10k", gz=False, n_labels=None, seed=0):
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = np.arange(n if n_labels is None else n_labels) % 10
    for name, blob in ((f"{prefix}-images-idx3-ubyte", idx(images)), (f"{prefix}-labels-idx1-ubyte", idx(labels))):
        path = os.path.join(folder, name + (".gz" if gz else ""))
        with open(path, "wb") as f:
            f.write(gzip.compress(blob) if gz else blob)
    return images, labels


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """No user cache, no env var, no Debian dir unless a test puts them back."""
    monkeypatch.delenv("SCRATCHGRAD_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(FashionMNIST, "system_dirs", ())


@pytest.mark.parametrize("layout", ["mnist", "MNIST/raw", ""])
@pytest.mark.parametrize("gz", [False, True])
def test_mnist_from_files(tmp_path, layout, gz):
    images, labels = write_split(tmp_path / "root" / layout, gz=gz)
    ds = MNIST(tmp_path / "root", train=False)
    assert ds.folder == os.path.join(tmp_path / "root", layout) or ds.folder == str(tmp_path / "root" / layout)
    assert ds.data.dtype == np.uint8 and ds.data.shape == (20, 28, 28) and ds.targets.dtype == np.int64
    np.testing.assert_array_equal(ds.data, images)
    np.testing.assert_array_equal(ds.targets, labels)
    x, t = ds[3]
    assert isinstance(x, ag.Tensor) and x.shape == (1, 28, 28) and x.dtype == np.float32 and type(t) is int
    np.testing.assert_allclose(x.numpy()[0], images[3] / 255.0, rtol=1e-6)
    xa, ta = ds.arrays()
    assert xa.shape == (20, 1, 28, 28) and xa.dtype == np.float32 and ta.dtype == np.int64
    assert 0.0 <= xa.min() and xa.max() <= 1.0
    assert ds.arrays(flatten=True)[0].shape == (20, 784)
    assert ds.arrays(normalize=False)[0].max() == images.max()


def test_batches_equal_samples_and_transforms_take_slow_path(tmp_path):
    write_split(tmp_path / "mnist", n=10)
    ds = MNIST(tmp_path, train=False)
    xb, tb = next(iter(DataLoader(ds, batch_size=10)))
    np.testing.assert_array_equal(xb.numpy(), np.stack([ds[i][0].numpy() for i in range(10)]))
    np.testing.assert_array_equal(xb.numpy(), ds.arrays()[0])
    norm = MNIST(tmp_path, train=False, transform=T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,)), T.Flatten()]),
                 target_transform=lambda y: y + 100)
    xn, tn = next(iter(DataLoader(norm, batch_size=10)))
    assert xn.shape == (10, 784)
    np.testing.assert_allclose(xn.numpy(), (xb.numpy().reshape(10, -1) - 0.5) / 0.5, atol=1e-6)
    np.testing.assert_array_equal(tn.numpy(), tb.numpy() + 100)


def test_search_order_root_env_cache(tmp_path, monkeypatch):
    write_split(tmp_path / "home" / ".cache" / "scratchgrad" / "mnist", n=5)
    assert MNIST(train=False).folder.endswith(os.path.join(".cache", "scratchgrad", "mnist"))
    write_split(tmp_path / "env" / "mnist", n=6)
    monkeypatch.setenv("SCRATCHGRAD_DATA", str(tmp_path / "env"))
    assert len(MNIST(train=False)) == 6
    write_split(tmp_path / "root" / "mnist", n=7)
    assert len(MNIST(tmp_path / "root", train=False)) == 7


def test_offline_error_says_what_to_do(tmp_path):
    with pytest.raises(DatasetNotFoundError) as e:
        MNIST(tmp_path / "root", train=True)
    msg = str(e.value)
    assert isinstance(e.value, FileNotFoundError)
    for part in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", str(tmp_path / "root" / "mnist"),
                 "download=True", "SyntheticDigits"):
        assert part in msg, msg


def test_only_one_file_present_is_not_found(tmp_path):
    write_split(tmp_path / "mnist")
    os.remove(tmp_path / "mnist" / "t10k-labels-idx1-ubyte")
    with pytest.raises(DatasetNotFoundError):
        MNIST(tmp_path, train=False)


def test_fashion_offline_error_mentions_debian_package(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="dataset-fashion-mnist") as e:
        FashionMNIST(tmp_path, train=False)
    assert str(tmp_path / "fashion-mnist") in str(e.value)


def test_mnist_and_fashion_do_not_mix(tmp_path):
    write_split(tmp_path / "mnist")
    with pytest.raises(DatasetNotFoundError):
        FashionMNIST(tmp_path, train=False)


def test_corrupt_dataset_file_names_it(tmp_path):
    write_split(tmp_path / "mnist")
    path = tmp_path / "mnist" / "t10k-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(IDXError, match="truncated") as e:
        MNIST(tmp_path, train=False)
    assert str(path) in str(e.value)


def test_images_labels_count_mismatch(tmp_path):
    write_split(tmp_path / "mnist", n=20, n_labels=19)
    with pytest.raises(IDXError, match="20 images.*19 labels"):
        MNIST(tmp_path, train=False)


needs_debian = pytest.mark.skipif(not os.path.isdir(DEBIAN_FASHION),
                                  reason="Debian's dataset-fashion-mnist not installed")


@needs_debian
def test_real_fashion_mnist_test_set(monkeypatch):
    monkeypatch.setattr(FashionMNIST, "system_dirs", (DEBIAN_FASHION,))
    ds = FashionMNIST(train=False)
    assert ds.folder == DEBIAN_FASHION
    assert ds.data.shape == (10000, 28, 28) and ds.data.dtype == np.uint8
    assert np.bincount(ds.targets).tolist() == [1000] * 10
    assert ds.classes[int(ds.targets[0])] == "Ankle boot"  # the first test image is an ankle boot
    x, t = ds.arrays()
    assert x.shape == (10000, 1, 28, 28) and t.shape == (10000,)


@needs_debian
def test_real_fashion_mnist_train_set_loads(monkeypatch):
    # Load time (< 2 s required) is measured by benchmarks/, not asserted here.
    monkeypatch.setattr(FashionMNIST, "system_dirs", (DEBIAN_FASHION,))
    ds = FashionMNIST(train=True)
    assert ds.data.shape == (60000, 28, 28) and np.bincount(ds.targets).tolist() == [6000] * 10


# -- generated data -----------------------------------------------------------------------------------------

def test_synthetic_digits_deterministic_and_shaped():
    a, b = SyntheticDigits(300, seed=1), SyntheticDigits(300, seed=1)
    np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_array_equal(a.targets, b.targets)
    assert a.data.shape == (300, 28, 28) and a.data.dtype == np.uint8 and a.targets.dtype == np.int64
    assert not np.array_equal(a.data, SyntheticDigits(300, seed=2).data)
    assert not np.array_equal(a.data, SyntheticDigits(300, seed=1, train=False).data)
    x, t = a[0]
    assert x.shape == (1, 28, 28) and x.dtype == np.float32 and type(t) is int


def test_synthetic_digits_balanced_and_inked():
    ds = SyntheticDigits(1005, seed=0)
    counts = np.bincount(ds.targets, minlength=10)
    assert counts.min() == 100 and counts.max() == 101
    ink = (ds.data > 128).sum(axis=(1, 2))
    assert ink.min() >= 10 and ds.data.max() >= 200
    # digits stay inside the frame: the border rows/columns are mostly dark
    border = np.concatenate([ds.data[:, 0], ds.data[:, -1], ds.data[:, :, 0], ds.data[:, :, -1]], axis=1)
    assert (border > 128).mean() < 0.01


def test_synthetic_digits_learnable_but_not_trivial():
    train, test = SyntheticDigits(2000, seed=0), SyntheticDigits(500, seed=0, train=False)
    x, t = train.arrays(flatten=True)
    xv, tv = test.arrays(flatten=True)
    centroids = np.stack([x[t == c].mean(0) for c in range(10)])
    acc = (((xv[:, None] - centroids) ** 2).sum(-1).argmin(1) == tv).mean()
    assert 0.45 < acc < 0.95, acc  # chance is 0.1; a template match should not solve it


def test_spiral():
    s = Spiral(num_per_class=50, num_classes=4, seed=0)
    assert len(s) == 200 and s.data.shape == (200, 2) and s.data.dtype == np.float32
    assert np.bincount(s.targets).tolist() == [50] * 4
    assert np.linalg.norm(s.data, axis=1).max() <= 1.0
    np.testing.assert_array_equal(s.data, Spiral(50, 4, seed=0).data)
    assert not np.array_equal(s.data, Spiral(50, 4, seed=1).data)
    x, t = next(iter(DataLoader(s, batch_size=8)))
    assert x.shape == (8, 2) and t.dtype == np.int64


# -- transforms ---------------------------------------------------------------------------------------------

def test_to_tensor():
    img = np.array([[0, 255], [51, 102]], np.uint8)
    x = T.ToTensor()(img)
    assert isinstance(x, ag.Tensor) and x.shape == (1, 2, 2) and x.dtype == np.float32
    np.testing.assert_allclose(x.numpy()[0], [[0, 1], [0.2, 0.4]], rtol=1e-6)
    rgb = np.zeros((4, 5, 3), np.uint8)
    assert T.ToTensor()(rgb).shape == (3, 4, 5)
    assert T.ToTensor()(np.full((2, 2), 3.0)).numpy().max() == 3.0  # only uint8 is scaled
    with pytest.raises(TypeError):
        T.ToTensor()(ag.zeros(2, 2))


def test_normalize_and_flatten():
    x = ag.tensor(np.stack([np.full((2, 2), 1.0), np.full((2, 2), 3.0)]).astype(np.float32))
    y = T.Normalize((1.0, 1.0), (1.0, 2.0))(x)
    assert isinstance(y, ag.Tensor)
    np.testing.assert_allclose(y.numpy()[1], 1.0)
    np.testing.assert_allclose(y.numpy()[0], 0.0)
    assert T.Flatten()(y).shape == (8,)
    with pytest.raises(ValueError, match="zero"):
        T.Normalize((0.0,), (0.0,))
    with pytest.raises(ValueError, match="channels"):
        T.Normalize((0.0, 0.0, 0.0), (1.0, 1.0, 1.0))(x)
