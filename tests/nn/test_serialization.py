"""autograd.save / autograd.load: exact round trips, safety, damaged and foreign files."""
import io
import math
import os
import pickle
import zipfile
from collections import OrderedDict

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd as ag
import nn
from nn.models import SimpleConvNet


def assert_same(a, b, path="obj"):
    """Deep equality that also checks types (tuple vs list, int vs float, dtypes, shapes)."""
    assert type(a) is type(b), f"{path}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, ag.Tensor):
        assert a.requires_grad == b.requires_grad, path
        a, b = a.numpy(), b.numpy()
    if isinstance(a, (np.ndarray, np.generic)):
        assert a.dtype == b.dtype and a.shape == b.shape, path
        np.testing.assert_array_equal(a, b, err_msg=path)
    elif isinstance(a, dict):
        assert list(a) == list(b), path
        for k in a:
            assert type(k) is type([kk for kk in b if kk == k][0]), path
            assert_same(a[k], b[k], f"{path}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), path
    else:
        assert a == b, path


def test_state_dict_round_trip_through_a_file(tmp_path):
    ag.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(), nn.Linear(3 * 4 * 4, 2))
    model(ag.randn(4, 1, 6, 6))  # non-default running statistics
    path = tmp_path / "model.pt"
    ag.save(model.state_dict(), path)
    assert sorted(os.listdir(tmp_path)) == ["model.pt"]  # no '.npz' appended, no temporary file left
    loaded = ag.load(path)
    assert isinstance(loaded, OrderedDict)
    assert_same(model.state_dict(), loaded)
    assert loaded["1.num_batches_tracked"].dtype == np.int64
    other = nn.Sequential(nn.Conv2d(1, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(), nn.Linear(3 * 4 * 4, 2))
    other.load_state_dict(ag.load(str(path)))
    model.eval(), other.eval()
    x = ag.randn(2, 1, 6, 6)
    np.testing.assert_array_equal(model(x).numpy(), other(x).numpy())


def test_model_zoo_checkpoint_with_optimizer_state_and_rng(tmp_path):
    net = SimpleConvNet(hidden_size=8)
    params = list(net.parameters())
    checkpoint = {
        "model": net.state_dict(),
        "optimizer": {
            "state": {0: {"step": 3, "exp_avg": ag.zeros(*params[0].shape), "exp_avg_sq": ag.ones(*params[0].shape)}},
            "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0,
                              "amsgrad": False, "maximize": False, "foreach": None, "params": [0, 1, 2]}],
        },
        "epoch": 7,
        "history": [2.3, 1.1, float("inf")],
        "rng": ag.get_rng_state(),
        "note": "Deep Learning from Scratch ✓",
    }
    ag.save(checkpoint, tmp_path / "ckpt.pt")
    loaded = ag.load(tmp_path / "ckpt.pt")
    assert_same(checkpoint, loaded)
    expected = ag.randn(5).numpy()
    ag.set_rng_state(loaded["rng"])
    np.testing.assert_array_equal(ag.randn(5).numpy(), expected)


def test_exact_types_and_sharing(tmp_path):
    shared = ag.tensor([1.0, 2.0], requires_grad=True)
    obj = {
        "ints": [1, -(2**70), True, False, None],
        "floats": (1.0, -0.0, float("nan"), 1e-310),
        "np": [np.float32(1.5), np.int16(-3), np.bool_(True), np.float64(2.0)],
        "arrays": [np.arange(6, dtype=np.uint8).reshape(2, 3), np.zeros((0, 4), np.float16), np.array(3.5),
                   np.asfortranarray(np.ones((2, 3), np.complex64)), np.arange(10)[::3], np.array(["ab", "c"])],
        "tensors": [ag.tensor(5), ag.zeros(2, 0), ag.tensor([True, False])],
        1: "int key", 2.5: "float key", (1, "a"): "tuple key", None: "none key", False: "bool key",
        "a": shared, "b": shared,
        "empty": [{}, [], (), OrderedDict()],
    }
    ag.save(obj, tmp_path / "x.bin")
    loaded = ag.load(tmp_path / "x.bin")
    assert_same(obj, loaded)
    assert loaded["a"] is loaded["b"] and loaded["a"].requires_grad and loaded["a"].is_leaf
    with ag.no_grad():
        loaded["tensors"][0].add_(1)  # loaded arrays are ordinary writable arrays
    assert loaded["tensors"][0].item() == 6


def test_file_objects(tmp_path):
    buffer = io.BytesIO()
    ag.save({"w": ag.ones(3)}, buffer)
    buffer.seek(0)
    np.testing.assert_array_equal(ag.load(buffer)["w"].numpy(), 1)
    with open(tmp_path / "f.pt", "wb") as f:
        ag.save([1, 2], f)
    with open(tmp_path / "f.pt", "rb") as f:
        assert ag.load(f) == [1, 2]


def test_unsupported_objects_name_their_location(tmp_path):
    with pytest.raises(TypeError, match=r"cannot save an object of type set at obj\['model'\]\['x'\]"):
        ag.save({"model": {"x": {1, 2}}}, tmp_path / "bad.pt")
    with pytest.raises(TypeError, match=r"dtype object at obj\[1\]"):
        ag.save([1, np.array([None])], tmp_path / "bad.pt")
    with pytest.raises(TypeError, match="dict key of type frozenset"):
        ag.save({frozenset(): 1}, tmp_path / "bad.pt")
    assert os.listdir(tmp_path) == []


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.pt"
    ag.save({"version": 1}, path)

    def broken_savez(file, **arrays):
        file.write(b"PK\x03\x04 partial")
        raise OSError("disk full")

    monkeypatch.setattr("autograd.serialization.np.savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        ag.save({"version": 2}, path)
    monkeypatch.undo()
    assert ag.load(path) == {"version": 1}
    assert os.listdir(tmp_path) == ["ckpt.pt"]


@pytest.mark.parametrize("keep", [0, 3, 40, 0.5, 0.9, -1])
def test_truncated_file_raises_clearly(tmp_path, keep):
    path = tmp_path / "x.pt"
    ag.save({"w": ag.randn(50, 50), "step": 3}, path)
    data = path.read_bytes()
    n = keep if isinstance(keep, int) and keep >= 0 else int(len(data) * keep) if keep > 0 else len(data) - 1
    path.write_bytes(data[:n])
    with pytest.raises(RuntimeError, match=r"autograd.load: '.*x.pt' is not a scratchgrad checkpoint \("):
        ag.load(path)


def test_corrupted_bytes_raise_clearly(tmp_path):
    path = tmp_path / "x.pt"
    ag.save({"w": ag.randn(100)}, path)
    data = bytearray(path.read_bytes())
    data[200] ^= 0xFF  # inside the first array's data: the zip CRC check catches it
    path.write_bytes(bytes(data))
    with pytest.raises(RuntimeError, match="not a scratchgrad checkpoint"):
        ag.load(path)


def test_foreign_files_raise_clearly(tmp_path):
    cases = {
        "pickle.pt": (pickle.dumps({"w": np.ones(3)}), "a pickle file"),
        "text.pt": (b"hello world", "not a zip archive"),
        "empty.pt": (b"", "an empty file"),
    }
    np.save(tmp_path / "array.npy", np.ones(3))
    cases["array.npy"] = ((tmp_path / "array.npy").read_bytes(), "single .npy array")
    buffer = io.BytesIO()
    np.savez(buffer, x=np.ones(3))
    cases["plain.npz"] = (buffer.getvalue(), "no __structure__ entry")
    for name, (content, why) in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(RuntimeError, match=f"'.*{name}' is not a scratchgrad checkpoint \\(.*{why}"):
            ag.load(tmp_path / name)


def test_torch_checkpoint_is_recognised_as_foreign(tmp_path):
    torch = pytest.importorskip("torch")
    torch.save({"w": torch.ones(3)}, tmp_path / "t.pt")
    with pytest.raises(RuntimeError, match="torch.save file"):
        ag.load(tmp_path / "t.pt")


def test_loading_never_executes_code(tmp_path):
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (exec, (f"open({str(marker)!r}, 'w').close()",))

    path = tmp_path / "evil.pt"
    with zipfile.ZipFile(path, "w") as archive:
        payload = io.BytesIO()
        np.save(payload, np.array([Exploit()], dtype=object), allow_pickle=True)
        archive.writestr("__structure__.npy", payload.getvalue())
    with pytest.raises(RuntimeError, match="not a scratchgrad checkpoint"):
        ag.load(path)
    assert not marker.exists()


def test_malformed_structure(tmp_path):
    def write(name, structure, **arrays):
        buffer = io.BytesIO()
        np.savez(buffer, __structure__=np.frombuffer(structure, np.uint8), **arrays)
        (tmp_path / name).write_bytes(buffer.getvalue())
        return tmp_path / name

    cases = [
        (b"{not json", "malformed structure"),
        (b'{"format": "other", "version": 1, "root": 1}', "does not name the scratchgrad format"),
        (b'{"format": "scratchgrad", "version": 99, "root": 1}', "newer than this reader"),
        (b'{"format": "scratchgrad", "version": 1, "root": {"$": "tensor", "ref": "a7"}}', "missing array"),
        (b'{"format": "scratchgrad", "version": 1, "root": {"$": "set", "items": []}}', "unknown node tag"),
        (b'{"format": "scratchgrad", "version": 1, "root": {"$": "dict", "items": [[{"$": "list", "items": []}, 1]]}}',
         "unhashable"),
        (b"\xff\xfe", "malformed structure"),
    ]
    for i, (structure, why) in enumerate(cases):
        with pytest.raises(RuntimeError, match=why):
            ag.load(write(f"m{i}.pt", structure))


def test_missing_file():
    with pytest.raises(FileNotFoundError):
        ag.load("/nonexistent/dir/ckpt.pt")


_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8))
_arrays = hnp.arrays(
    dtype=st.sampled_from([np.float32, np.float64, np.int64, np.int8, np.uint16, np.bool_, np.float16]),
    shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3))
_leaves = st.one_of(_scalars, _arrays, _arrays.map(ag.from_numpy))
_keys = st.one_of(st.text(max_size=5), st.integers(-5, 5), st.booleans(), st.none(), st.tuples(st.integers(0, 3)))
_trees = st.recursive(_leaves, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.lists(inner, max_size=3).map(tuple),
    st.dictionaries(_keys, inner, max_size=3)), max_leaves=10)


@given(tree=_trees)
def test_round_trip_property(tree):
    buffer = io.BytesIO()
    ag.save(tree, buffer)
    buffer.seek(0)
    assert_same(tree, ag.load(buffer))
