"""autograd.save / autograd.load of ``.safetensors`` files (autograd/safetensors_io.py): exact round trips, the
reference library reads and writes the same files, errors name the key, and loading never runs code."""
import io
import os
import pickle
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd as ag

safetensors_numpy = pytest.importorskip("safetensors.numpy")

_DTYPES = [np.bool_, np.uint8, np.int8, np.uint16, np.int16, np.uint32, np.int32, np.uint64, np.int64, np.float16,
           np.float32, np.float64]


@given(arrays=st.dictionaries(
    st.text(min_size=1, max_size=8).filter(lambda k: k != "__metadata__"),
    st.sampled_from(_DTYPES).flatmap(lambda dt: hnp.arrays(dt, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0))),
    max_size=4))
def test_round_trip_is_exact_and_the_reference_library_agrees(tmp_path_factory, arrays):
    path = tmp_path_factory.mktemp("st") / "x.safetensors"
    ag.save({k: ag.from_numpy(v) for k, v in arrays.items()}, path)
    loaded = ag.load(path)
    reference = safetensors_numpy.load_file(str(path))
    assert set(loaded) == set(arrays) == set(reference)
    for key, expected in arrays.items():
        got = loaded[key]
        assert isinstance(got, ag.Tensor) and not got.requires_grad and got.is_leaf
        assert got.dtype == expected.dtype and got.shape == expected.shape
        np.testing.assert_array_equal(got.numpy(), expected)
        np.testing.assert_array_equal(reference[key], expected)


def test_files_written_by_the_reference_library_load(tmp_path):
    path = tmp_path / "ref.safetensors"
    arrays = {"w": np.arange(6, dtype=np.float32).reshape(2, 3), "n": np.array(7, dtype=np.int64)}
    safetensors_numpy.save_file(arrays, str(path))
    loaded = ag.load(str(path))
    assert loaded["w"].tolist() == arrays["w"].tolist() and loaded["n"].item() == 7 and loaded["n"].ndim == 0
    loaded["w"].add_(1.0)  # writable, not a view of a read-only buffer


def test_views_ndarrays_big_endian_and_requires_grad(tmp_path):
    base = ag.arange(12.0).reshape(3, 4)
    p = ag.tensor([1.0, 2.0], requires_grad=True)
    obj = {"t": base.T, "e": ag.ones(3).expand(2, 3), "a": np.arange(3, dtype=">i4"), "p": p, "s": base.sum()}
    ag.save(obj, tmp_path / "v.safetensors")
    loaded = ag.load(tmp_path / "v.safetensors")
    np.testing.assert_array_equal(loaded["t"].numpy(), base.T.numpy())
    np.testing.assert_array_equal(loaded["e"].numpy(), np.ones((2, 3)))
    assert loaded["a"].tolist() == [0, 1, 2] and loaded["a"].dtype == np.int32
    assert loaded["p"].tolist() == [1.0, 2.0] and not loaded["p"].requires_grad  # the format has no such flag
    assert loaded["s"].shape == () and loaded["s"].item() == 66.0


def test_file_objects_are_chosen_by_their_name(tmp_path):
    path = tmp_path / "f.safetensors"
    with open(path, "wb") as f:
        ag.save({"x": ag.ones(2)}, f)
    with open(path, "rb") as f:
        assert ag.load(f)["x"].tolist() == [1.0, 1.0]
    assert safetensors_numpy.load_file(str(path))["x"].tolist() == [1.0, 1.0]
    buffer = io.BytesIO()  # no name: the default format
    ag.save({"x": ag.ones(2)}, buffer)
    assert buffer.getvalue()[:2] == b"PK"


@pytest.mark.parametrize("obj, match", [
    ({"epoch": 3}, r"key 'epoch' is of type int.*\.npz"),
    ({"model": {"w": ag.ones(1)}}, r"key 'model' is of type dict.*nested structure.*\.npz"),
    ([ag.ones(1)], r"flat dict of tensors.*list.*\.npz"),
    ({1: ag.ones(1)}, "key 1 is of type int"),
    ({"s": np.array(["a"])}, r"key 's' has dtype <U1"),
    ({"c": np.ones(2, dtype=np.complex128)}, r"key 'c' has dtype complex128"),
])
def test_what_a_safetensors_file_cannot_hold_is_a_type_error_naming_the_key(tmp_path, obj, match):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(b"previous")
    with pytest.raises(TypeError, match=match):
        ag.save(obj, path)
    assert path.read_bytes() == b"previous"  # nothing written
    assert os.listdir(tmp_path) == ["bad.safetensors"]


def test_an_npz_checkpoint_with_nested_structure_still_saves(tmp_path):
    ag.save({"model": {"w": ag.ones(1)}, "epoch": 3}, tmp_path / "ckpt.npz")
    assert ag.load(tmp_path / "ckpt.npz")["epoch"] == 3


class _Exploit:
    def __reduce__(self):
        return (os.system, ("touch PWNED",))


@pytest.mark.parametrize("content, match", [
    (b"", "empty"),
    (pickle.dumps(_Exploit()), "pickle"),
    (b"PK\x03\x04" + b"\x00" * 60, "zip archive"),
    (b"\x10\x00\x00\x00\x00\x00\x00\x00{\"a\": 1", "not a safetensors file"),
])
def test_other_files_are_refused_without_running_code(tmp_path, monkeypatch, content, match):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.safetensors").write_bytes(content)
    with pytest.raises(RuntimeError, match=match):
        ag.load("x.safetensors")
    assert not (tmp_path / "PWNED").exists()


def test_a_truncated_file_is_refused(tmp_path):
    ag.save({"w": ag.ones(100)}, tmp_path / "w.safetensors")
    data = (tmp_path / "w.safetensors").read_bytes()
    (tmp_path / "w.safetensors").write_bytes(data[:-10])
    with pytest.raises(RuntimeError, match="not a safetensors file"):
        ag.load(tmp_path / "w.safetensors")


def test_bfloat16_from_pytorch_names_the_key(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file

    save_file({"w": torch.ones(2, dtype=torch.bfloat16)}, str(tmp_path / "b.safetensors"))
    with pytest.raises(RuntimeError, match=r"tensor 'w' .* BF16.*t\.float\(\)"):
        ag.load(tmp_path / "b.safetensors")


def test_without_the_library_the_error_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "safetensors", None)  # import safetensors now raises ImportError
    with pytest.raises(ModuleNotFoundError, match=r"pip install safetensors"):
        ag.save({"w": ag.ones(1)}, tmp_path / "w.safetensors")
    with pytest.raises(ModuleNotFoundError, match=r"scratchgrad\[safetensors\]"):
        ag.load(tmp_path / "w.safetensors")
