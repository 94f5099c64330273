"""The IDX reader on hostile files: only IDXError escapes, and a small .gz never decompresses much.

Fuzzed inputs (bit flips, truncations, crafted headers, broken gzip streams) go through ``read_idx``,
``read_idx_images`` and ``read_idx_labels``, as the MNIST readers and the CLI call them; the bomb tests
measure the peak of Python/numpy allocations (tracemalloc).
"""
import gzip
import os
import struct
import tracemalloc
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd.data import MNIST, IDXError, read_idx, read_idx_images, read_idx_labels

FUZZ = settings(max_examples=10 * settings.default.max_examples)
MB = 1 << 20
PEAK = 8 * MB

_IMAGES = struct.pack(">IIII", 2051, 3, 28, 28) + bytes(range(256)) * 9 + bytes(3 * 784 - 2304)
_LABELS = struct.pack(">II", 2049, 3) + bytes([1, 2, 3])
_READERS = [read_idx, read_idx_images, read_idx_labels]


def read_or_documented_error(path, reader):
    try:
        reader(path)
    except IDXError as e:
        assert os.fspath(path) in str(e)


def _write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@FUZZ
@given(base=st.sampled_from([_IMAGES, _LABELS]), gz=st.booleans(), reader=st.sampled_from(_READERS), data=st.data())
def test_mutated_files(tmp_path_factory, base, gz, reader, data):
    buf = bytearray(gzip.compress(base) if gz else base)
    for pos, bit in data.draw(st.lists(st.tuples(st.integers(0, len(buf) - 1), st.integers(0, 7)), max_size=6)):
        buf[pos] ^= 1 << bit
    if data.draw(st.booleans()):
        del buf[data.draw(st.integers(0, len(buf))):]
    if data.draw(st.booleans()):
        buf += data.draw(st.binary(max_size=16))
    read_or_documented_error(_write(tmp_path_factory.mktemp("idx"), "f", bytes(buf)), reader)


_DIMS = st.one_of(st.integers(0, 40), st.sampled_from([2 ** 32 - 1, 2 ** 31, 60000, 784]))


@FUZZ
@given(magic=st.one_of(st.sampled_from([2051, 2049, 0x0D03, 0x0E01, 0x0B02, 0x0CFF, 0x0840]),
                       st.integers(0, 2 ** 32 - 1)),
       dims=st.lists(_DIMS, max_size=5), payload=st.integers(0, 3000), gz=st.booleans(),
       reader=st.sampled_from(_READERS))
def test_crafted_headers(tmp_path_factory, magic, dims, payload, gz, reader):
    data = struct.pack(">I", magic) + struct.pack(f">{len(dims)}I", *dims) + bytes(payload)
    path = _write(tmp_path_factory.mktemp("idx"), "f.gz" if gz else "f", gzip.compress(data) if gz else data)
    read_or_documented_error(path, reader)


def test_gzip_stream_defects(tmp_path):
    good = gzip.compress(_LABELS)
    cases = {"crc": good[:-8] + struct.pack("<I", zlib.crc32(_LABELS) ^ 1) + good[-4:],
             "only magic": b"\x1f\x8b", "header only": good[:10], "garbage": b"\x1f\x8b" + bytes(100),
             "two members": good + gzip.compress(b"\0")}
    for name, data in cases.items():
        with pytest.raises(IDXError):
            read_idx_labels(_write(tmp_path, name.replace(" ", "_"), data))


def _peak(fn):
    tracemalloc.start()
    try:
        try:
            fn()
            result = None
        except Exception as e:
            result = e
        return tracemalloc.get_traced_memory()[1], result
    finally:
        tracemalloc.stop()


def _gzip_stream(header, zeros):
    z = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip framing
    out = [z.compress(header)]
    chunk = bytes(MB)
    out += [z.compress(chunk) for _ in range(zeros // MB)]
    return b"".join(out + [z.flush()])


def test_gz_bomb_is_decompressed_no_further_than_its_header_declares(tmp_path):
    path = _write(tmp_path, "bomb.gz", _gzip_stream(struct.pack(">IIII", 2051, 1, 28, 28), 64 * MB))
    assert path.stat().st_size < 200_000
    peak, error = _peak(lambda: read_idx_images(path))
    assert isinstance(error, IDXError) and "more bytes than the 800 its header declares" in str(error)
    assert peak < PEAK, peak


def test_header_declaring_more_than_the_gz_can_hold_stops_at_the_header(tmp_path):
    path = _write(tmp_path, "huge.gz", _gzip_stream(struct.pack(">IIII", 2051, 2 ** 32 - 1, 28, 28), 4 * MB))
    peak, error = _peak(lambda: read_idx_images(path))
    assert isinstance(error, IDXError) and "can hold" in str(error)
    assert peak < MB, peak


def test_huge_dims_in_a_raw_file_are_a_truncation(tmp_path):
    path = _write(tmp_path, "huge", struct.pack(">IIII", 2051, 2 ** 32 - 1, 2 ** 32 - 1, 28) + bytes(100))
    peak, error = _peak(lambda: read_idx_images(path))
    assert isinstance(error, IDXError) and "truncated" in str(error)
    assert peak < MB, peak


def test_zero_images_of_impossible_size_are_an_idx_error(tmp_path):
    path = _write(tmp_path, "zero", struct.pack(">IIII", 2051, 0, 2 ** 32 - 1, 2 ** 32 - 1))
    with pytest.raises(IDXError, match="cannot represent|images are"):
        read_idx_images(path)


def test_mnist_with_a_bomb_file_raises_idx_error(tmp_path):
    folder = tmp_path / "mnist"
    folder.mkdir()
    (folder / "t10k-images-idx3-ubyte.gz").write_bytes(_gzip_stream(struct.pack(">IIII", 2051, 3, 28, 28), 8 * MB))
    (folder / "t10k-labels-idx1-ubyte").write_bytes(_LABELS)
    with pytest.raises(IDXError, match="t10k-images"):
        MNIST(tmp_path, train=False)
