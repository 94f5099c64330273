"""IDX parser: valid raw and .gz files, and every kind of defect raising IDXError that names the file."""
import gzip
import struct

import numpy as np
import pytest
from hypothesis import given, strategies as st

from autograd.data import IDXError, parse_idx, read_idx, read_idx_images, read_idx_labels
from autograd.data.idx import check_pair


def idx_bytes(arr, magic=None):
    """IDX encoding of a uint8 array (or a forced magic number)."""
    arr = np.asarray(arr, dtype=np.uint8)
    magic = (0x08 << 8 | arr.ndim) if magic is None else magic
    return struct.pack(">I", magic) + struct.pack(f">{arr.ndim}I", *arr.shape) + arr.tobytes()


def write(path, data, gz=False):
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


@pytest.fixture
def images():
    return np.random.default_rng(0).integers(0, 256, size=(7, 28, 28), dtype=np.uint8)


@pytest.mark.parametrize("gz", [False, True])
def test_valid_images_and_labels_raw_and_gz(tmp_path, images, gz):
    labels = np.arange(7, dtype=np.uint8) % 10
    ip = write(tmp_path / ("img.gz" if gz else "img"), idx_bytes(images), gz)
    lp = write(tmp_path / ("lbl.gz" if gz else "lbl"), idx_bytes(labels), gz)
    got_i, got_l = read_idx_images(ip), read_idx_labels(lp)
    assert got_i.dtype == np.uint8 and got_i.shape == (7, 28, 28)
    np.testing.assert_array_equal(got_i, images)
    np.testing.assert_array_equal(got_l, labels)
    check_pair(got_i, got_l, ip, lp)


@given(st.lists(st.integers(0, 5), min_size=1, max_size=4))
def test_parse_roundtrips_any_shape(shape):
    arr = np.arange(int(np.prod(shape)), dtype=np.uint8).reshape(shape)
    np.testing.assert_array_equal(parse_idx(idx_bytes(arr)), arr)


def test_big_endian_dtypes_are_converted():
    arr = np.array([[1, -2], [300, 4]], dtype=">i4")
    data = struct.pack(">I", 0x0C << 8 | 2) + struct.pack(">2I", 2, 2) + arr.tobytes()
    out = parse_idx(data)
    assert out.dtype == np.int32 and out.dtype.isnative
    np.testing.assert_array_equal(out, [[1, -2], [300, 4]])


def raises_naming(path, *words):
    def check(excinfo):
        msg = str(excinfo.value)
        assert str(path) in msg, msg
        for w in words:
            assert w in msg, msg
    return check


@pytest.mark.parametrize("gz", [False, True])
def test_wrong_magic(tmp_path, images, gz):
    p = write(tmp_path / "img", idx_bytes(images, magic=0x00000801), gz)  # label magic on an image file
    with pytest.raises(IDXError) as e:
        read_idx_images(p)
    raises_naming(p, "magic", "0x00000803")(e)


def test_labels_file_given_as_images(tmp_path):
    p = write(tmp_path / "lbl", idx_bytes(np.zeros(5)))
    with pytest.raises(IDXError, match="magic") as e:
        read_idx_images(p)
    raises_naming(p)(e)


def test_garbage_is_not_idx(tmp_path):
    p = write(tmp_path / "junk", b"<html>not found</html>")
    with pytest.raises(IDXError, match="not an IDX file") as e:
        read_idx(p)
    raises_naming(p)(e)


@pytest.mark.parametrize("cut", [0, 2, 6, 16, 100, 28 * 28 * 7 + 15])
@pytest.mark.parametrize("gz", [False, True])
def test_truncated_file(tmp_path, images, cut, gz):
    p = write(tmp_path / "img", idx_bytes(images)[:cut], gz)
    with pytest.raises(IDXError, match="truncated|too short") as e:
        read_idx_images(p)
    raises_naming(p)(e)


def test_header_claims_more_items_than_bytes(tmp_path, images):
    data = bytearray(idx_bytes(images))
    data[4:8] = struct.pack(">I", 60000)
    p = write(tmp_path / "img", bytes(data))
    with pytest.raises(IDXError) as e:
        read_idx_images(p)
    raises_naming(p, "truncated", "60000", str(len(data)))(e)


def test_trailing_bytes(tmp_path, images):
    p = write(tmp_path / "img", idx_bytes(images) + b"\0\0\0")
    with pytest.raises(IDXError, match="3 more") as e:
        read_idx_images(p)
    raises_naming(p)(e)


def test_truncated_gzip_stream(tmp_path, images):
    blob = gzip.compress(idx_bytes(images))
    p = tmp_path / "img.gz"
    p.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(IDXError, match="gzip") as e:
        read_idx_images(p)
    raises_naming(p)(e)


def test_corrupt_gzip_stream(tmp_path, images):
    blob = bytearray(gzip.compress(idx_bytes(images)))
    blob[20:40] = b"\xff" * 20
    p = tmp_path / "img.gz"
    p.write_bytes(bytes(blob))
    with pytest.raises(IDXError) as e:
        read_idx_images(p)
    raises_naming(p)(e)


def test_wrong_image_size(tmp_path):
    p = write(tmp_path / "img", idx_bytes(np.zeros((3, 32, 32))))
    with pytest.raises(IDXError, match="32x32") as e:
        read_idx_images(p)
    raises_naming(p, "28x28")(e)


def test_labels_out_of_range(tmp_path):
    p = write(tmp_path / "lbl", idx_bytes([1, 2, 3, 10, 200]))
    with pytest.raises(IDXError) as e:
        read_idx_labels(p)
    raises_naming(p, "out of range", "index 3", "10")(e)


def test_counts_mismatch_names_both_files(tmp_path, images):
    ip = write(tmp_path / "img", idx_bytes(images))
    lp = write(tmp_path / "lbl", idx_bytes(np.zeros(6)))
    with pytest.raises(IDXError) as e:
        check_pair(read_idx_images(ip), read_idx_labels(lp), ip, lp)
    raises_naming(ip, str(lp), "7 images", "6 labels")(e)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nope")


def test_idx_error_is_value_error():
    assert issubclass(IDXError, ValueError)
