"""``autograd.load`` on hostile files: only SerializationError escapes, and small files stay small in memory.

The fuzz tests mutate real checkpoints (bit flips, truncations, spliced bytes), rewrite the fields of their
zip headers, craft ``.npy`` headers and JSON structures, and assert that ``load`` either returns or raises
``autograd.SerializationError``. The bomb tests measure the peak of Python/numpy allocations (tracemalloc)
while loading a small file that declares or decompresses to far more than it holds.
"""
import io
import json
import struct
import tracemalloc
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd as ag

FUZZ = settings(max_examples=10 * settings.default.max_examples)
MB = 1 << 20


def _saved(obj):
    buf = io.BytesIO()
    ag.save(obj, buf)
    return buf.getvalue()


def _deflated(data):
    """The same archive with every member deflated (as ``numpy.savez_compressed`` writes them)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
    return out.getvalue()


_STATE = {"model": {"w": ag.randn(3, 4), "b": ag.zeros(4, requires_grad=True)}, "step": np.int64(7),
          "lr": 0.1, "names": ("a", None, True), "buf": np.arange(6, dtype=np.uint8).reshape(2, 3), 3: [1.5]}
BASES = [_saved(_STATE), _deflated(_saved(_STATE)), _saved({"epoch": 1})]


def load_or_documented_error(data):
    """Load ``data``; any exception but SerializationError fails the test."""
    try:
        return ag.load(io.BytesIO(data))
    except ag.SerializationError as e:
        assert "autograd.load:" in str(e) and "is not a scratchgrad checkpoint" in str(e)
        return e


def test_the_bases_load():
    assert ag.load(io.BytesIO(BASES[1]))["model"]["w"].shape == (3, 4)
    assert ag.load(io.BytesIO(BASES[2])) == {"epoch": 1}


@FUZZ
@given(base=st.sampled_from(BASES), data=st.data())
def test_bit_flips_truncations_and_splices(base, data):
    buf = bytearray(base)
    for pos, bit in data.draw(st.lists(st.tuples(st.integers(0, len(buf) - 1), st.integers(0, 7)), max_size=8)):
        buf[pos] ^= 1 << bit
    if data.draw(st.booleans()):
        at = data.draw(st.integers(0, len(buf)))
        buf[at:at + data.draw(st.integers(0, 64))] = data.draw(st.binary(max_size=64))
    if data.draw(st.booleans()):
        del buf[data.draw(st.integers(0, len(buf))):]
    load_or_documented_error(bytes(buf))


# (offset from the signature, struct format) of the size/offset/method/flag fields of each zip header
_FIELDS = {
    b"PK\x03\x04": [(6, "<H"), (8, "<H"), (14, "<I"), (18, "<I"), (22, "<I"), (26, "<H"), (28, "<H")],
    b"PK\x01\x02": [(8, "<H"), (10, "<H"), (16, "<I"), (20, "<I"), (24, "<I"), (28, "<H"), (30, "<H"), (42, "<I")],
    b"PK\x05\x06": [(8, "<H"), (10, "<H"), (12, "<I"), (16, "<I"), (20, "<H")],
}
_INTERESTING = st.one_of(st.sampled_from([0, 1, 8, 12, 14, 99, 0xFFFF, 0xFFFFFFFF, 0x7FFFFFFF, 2 ** 31]),
                         st.integers(0, 0xFFFFFFFF))


@FUZZ
@given(base=st.sampled_from(BASES), data=st.data())
def test_crafted_zip_header_fields(base, data):
    buf = bytearray(base)
    headers = [(i, sig) for sig in _FIELDS for i in range(len(buf)) if buf.startswith(sig, i)]
    for _ in range(data.draw(st.integers(1, 3))):
        at, sig = data.draw(st.sampled_from(headers))
        offset, fmt = data.draw(st.sampled_from(_FIELDS[sig]))
        value = data.draw(_INTERESTING) % (1 << (8 * struct.calcsize(fmt)))
        if at + offset + struct.calcsize(fmt) <= len(buf):
            buf[at + offset:at + offset + struct.calcsize(fmt)] = struct.pack(fmt, value)
    load_or_documented_error(bytes(buf))


def _archive(members, method=zipfile.ZIP_STORED):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return out.getvalue()


def _npy(header_text, data=b"", magic=b"\x93NUMPY\x01\x00"):
    header = header_text.encode("latin1")
    return magic + struct.pack("<H", len(header)) + header + data


def _structure(root):
    doc = json.dumps({"format": "scratchgrad", "version": 1, "root": root}).encode()
    return _npy(f"{{'descr': '|u1', 'fortran_order': False, 'shape': ({len(doc)},), }}", doc)


_DESCRS = ["'<f4'", "'>f8'", "'|u1'", "'|b1'", "'<i8'", "'|O'", "'<M8[ns]'", "'|V0'", "'|S3'", "'<U2'",
           "[('a', '<f4'), ('b', '|O')]", "[('a', '<f4')]", "'xyz'", "3", "None"]
_SHAPES = ["()", "(0,)", "(3,)", "(2, 2)", "(-1,)", f"({2 ** 40},)", "(3.0,)", f"(0, {2 ** 62}, {2 ** 62})", "((1,),)",
           "'a'",           "(" + "1, " * 70 + ")", f"({10 ** 30},)", f"(0,) + ({2 ** 70},)"]


@FUZZ
@given(descr=st.sampled_from(_DESCRS), shape=st.sampled_from(_SHAPES), fortran=st.sampled_from(["False", "True",
       "1", "'x'"]), data=st.binary(max_size=80), tag=st.sampled_from(["tensor", "ndarray", "scalar"]),
       extra=st.sampled_from(["", "'extra': 1, ", "}{"]), deflate=st.booleans(),
       magic=st.sampled_from([b"\x93NUMPY\x01\x00", b"\x93NUMPY\x02\x00", b"\x93NUMPY\x03\x00", b"\x93NUMPX\x01\x00"]))
def test_crafted_npy_headers(descr, shape, fortran, data, tag, extra, deflate, magic):
    header = f"{{'descr': {descr}, 'fortran_order': {fortran}, 'shape': {shape}, {extra}}}"
    if magic[6:7] != b"\x01":  # versions 2 and 3 have a 4-byte header length
        member = magic + struct.pack("<I", len(header)) + header.encode("latin1") + data
    else:
        member = _npy(header, data, magic)
    archive = _archive({"__structure__.npy": _structure({"$": tag, "ref": "a0"}), "a0.npy": member},
                       zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED)
    load_or_documented_error(archive)


_json_leaves = st.one_of(st.none(), st.booleans(), st.integers(-10, 10), st.floats(allow_nan=True),
                         st.text(max_size=4), st.sampled_from(["a0", "a1", "a2", "$", "__structure__"]))


def _nodes(inner):
    tags = st.sampled_from(["dict", "odict", "list", "tuple", "tensor", "ndarray", "scalar", "set", None, 3])
    return st.one_of(
        st.lists(inner, max_size=3),
        st.builds(lambda t, items: {"$": t, "items": items}, tags, st.one_of(st.lists(inner, max_size=3), inner)),
        st.builds(lambda t, ref, rg: {"$": t, "ref": ref, "requires_grad": rg}, tags,
                  st.sampled_from(["a0", "a1", "a2", "a9", "__structure__", 0, None]), _json_leaves),
        st.builds(lambda items: {"$": "dict", "items": items}, st.lists(st.lists(inner, max_size=3), max_size=3)),
        st.dictionaries(st.text(max_size=3), inner, max_size=3))


_JSON = st.recursive(_json_leaves, _nodes, max_leaves=12)
# a float tensor's data, an int array, a datetime array (an ndarray may hold it, a Tensor may not), a 0-d one
_ARRAYS = {"a0": np.ones((2, 2), np.float32), "a1": np.arange(3), "a2": np.array(["2020-01-01"], "M8[D]"),
           "a3": np.array(5)}


@FUZZ
@given(root=_JSON, version=st.sampled_from([1, 1, 2, 0, -1, "1", True, None, 2 ** 70]),
       fmt=st.sampled_from(["scratchgrad", "scratchgrad", "other", None]))
def test_crafted_structures(root, version, fmt):
    buf = io.BytesIO()
    doc = json.dumps({"format": fmt, "version": version, "root": root}).encode()
    np.savez(buf, __structure__=np.frombuffer(doc, np.uint8), **_ARRAYS)
    load_or_documented_error(buf.getvalue())


@pytest.mark.parametrize("text", [
    b"[" * 100000 + b"]" * 100000,                                     # nesting deeper than the recursion limit
    b'{"format": "scratchgrad", "version": 1, "root": ' + b"9" * 5000 + b"}",  # past Python's int digit limit
    b'{"format": "scratchgrad", "version": 1, "root": {"$": "tensor", "ref": "a2"}}',   # datetime as a Tensor
    b'{"format": "scratchgrad", "version": 1, "root": {"$": "tensor", "ref": "a1", "requires_grad": true}}',
    b'{"format": "scratchgrad", "version": 1, "root": {"$": "ndarray", "ref": "__structure__"}}',
    b'{"format": "scratchgrad", "version": 1, "root": {"$": "dict", "items": [[{"$": "ndarray", "ref": "a0"}, 1]]}}',
    b'\xef\xbb\xbf{}', b"null", b"",
])
def test_crafted_structure_texts(text):
    buf = io.BytesIO()
    np.savez(buf, __structure__=np.frombuffer(text, np.uint8), **_ARRAYS)
    assert isinstance(load_or_documented_error(buf.getvalue()), ag.SerializationError)


def test_other_compression_methods_are_refused_clearly():
    archive = _archive({"__structure__.npy": _structure(1)}, zipfile.ZIP_BZIP2)
    with pytest.raises(ag.SerializationError, match="compression method 12"):
        ag.load(io.BytesIO(archive))


def test_serialization_error_is_a_runtime_error():
    assert issubclass(ag.SerializationError, RuntimeError)


# -- bombs: a small file that declares or decompresses to much more than it holds ------------------------------

BOMB = 64 * MB  # zeros behind each bomb; loading must stay far below this
PEAK = 8 * MB


def _peak(fn):
    """Peak bytes traced while ``fn()`` runs, and its result (or the exception it raised)."""
    tracemalloc.start()
    try:
        try:
            result = fn()
        except Exception as e:
            result = e
        return tracemalloc.get_traced_memory()[1], result
    finally:
        tracemalloc.stop()


def _bomb(root, big_header, zeros=BOMB):
    """An archive with the structure ``root`` and a deflated member ``big``: ``big_header`` and ``zeros`` zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("__structure__.npy", _structure(root))
        with zf.open("big.npy", "w") as fh:
            fh.write(big_header)
            chunk = bytes(MB)
            for _ in range(zeros // MB):
                fh.write(chunk)
    return bytearray(out.getvalue())


def _set_size(buf, name, size):
    """Rewrite member ``name``'s uncompressed size in its local header and the central directory."""
    name = name.encode()
    for sig, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        at = buf.find(sig)
        while at >= 0:
            if buf[at + name_at:at + name_at + len(name)] == name:
                buf[at + size_at:at + size_at + 4] = struct.pack("<I", size)
            at = buf.find(sig, at + 1)
    return bytes(buf)


def _npy_header(shape, descr="<f8"):
    return _npy(f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}")


def test_unreferenced_member_is_never_read():
    data = bytes(_bomb({"$": "dict", "items": [["epoch", 1]]}, _npy_header((BOMB // 8,))))
    assert len(data) < BOMB // 200
    peak, result = _peak(lambda: ag.load(io.BytesIO(data)))
    assert result == {"epoch": 1}
    assert peak < PEAK, peak


def test_member_decompressing_past_its_declared_size_is_refused():
    header = _npy_header((10,))
    data = _set_size(_bomb({"$": "ndarray", "ref": "big"}, header), "big.npy", len(header) + 80)
    peak, result = _peak(lambda: ag.load(io.BytesIO(data)))
    assert isinstance(result, ag.SerializationError) and "decompresses beyond its declared size" in str(result)
    assert peak < PEAK, peak


def test_declared_size_beyond_what_deflate_can_hold_is_refused_before_decompressing():
    data = _set_size(_bomb({"$": "ndarray", "ref": "big"}, _npy_header((2 ** 29 - 16,)), zeros=MB), "big.npy",
                     0xFFFFFFF0)
    peak, result = _peak(lambda: ag.load(io.BytesIO(data)))
    assert isinstance(result, ag.SerializationError) and "compressed bytes can hold" in str(result)
    assert peak < PEAK, peak


def test_npy_header_declaring_a_huge_array_is_refused_before_allocating():
    archive = _archive({"__structure__.npy": _structure({"$": "ndarray", "ref": "a0"}),
                        "a0.npy": _npy(f"{{'descr': '<f8', 'fortran_order': False, 'shape': ({2 ** 40},), }}",
                                       bytes(64))})
    peak, result = _peak(lambda: ag.load(io.BytesIO(archive)))
    assert isinstance(result, ag.SerializationError) and "holds 64 data bytes" in str(result)
    assert peak < PEAK, peak


def test_huge_structure_member_is_refused_unread():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("__structure__.npy", "w") as fh:
            fh.write(_npy(f"{{'descr': '|u1', 'fortran_order': False, 'shape': ({BOMB + MB},), }}"))
            for _ in range(BOMB // MB + 1):
                fh.write(b" " * MB)
    peak, result = _peak(lambda: ag.load(io.BytesIO(out.getvalue())))
    assert isinstance(result, ag.SerializationError) and "allowed" in str(result)
    assert peak < PEAK, peak


def test_a_real_load_peaks_near_the_size_of_its_data():
    w = np.random.default_rng(0).standard_normal((1000, 1000))  # 8 MB
    data = _deflated(_saved({"w": w}))
    peak, result = _peak(lambda: ag.load(io.BytesIO(data)))
    np.testing.assert_array_equal(result["w"], w)
    assert peak < 1.5 * w.nbytes, peak


def test_a_wrong_crc_is_caught():
    data = bytearray(_deflated(_saved({"w": np.arange(1000.0)})))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("a0.npy")
    at = data.find(b"PK\x01\x02")
    while data[at + 46:at + 46 + 6] != b"a0.npy":
        at = data.find(b"PK\x01\x02", at + 1)
    data[at + 16:at + 20] = struct.pack("<I", (info.CRC + 1) & 0xFFFFFFFF)
    with pytest.raises(ag.SerializationError, match="CRC"):
        ag.load(io.BytesIO(bytes(data)))
