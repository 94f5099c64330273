"""Reader for the IDX format of MNIST and Fashion-MNIST, raw or gzip-compressed, with full validation.

An IDX file is a big-endian header -- two zero bytes, a dtype code, the number of dims ``d``, then ``d``
uint32 sizes -- followed by exactly ``prod(sizes)`` items. MNIST images are magic 2051 (``0x00000803``:
unsigned bytes, 3 dims) and labels 2049 (``0x00000801``: unsigned bytes, 1 dim). Every defect (a wrong magic
number, a short or overlong file, a broken gzip stream) raises :class:`IDXError` naming the file, never a
numpy crash or a silently wrong array; a ``.gz`` file is decompressed no further than its header declares, so
a small file never makes the reader allocate much more than the data it returns.
"""
from __future__ import annotations

import gzip
import math
import os
import zlib
from typing import Any

import numpy as np

__all__ = ["IDXError", "parse_idx", "read_idx", "read_idx_images", "read_idx_labels", "check_pair"]

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049

# dtype code -> (numpy dtype, name); multi-byte items are big-endian in IDX.
_DTYPES: dict[int, tuple[np.dtype[Any], str]] = {
    0x08: (np.dtype(np.uint8), "unsigned byte"),
    0x09: (np.dtype(np.int8), "signed byte"),
    0x0B: (np.dtype(">i2"), "int16"),
    0x0C: (np.dtype(">i4"), "int32"),
    0x0D: (np.dtype(">f4"), "float32"),
    0x0E: (np.dtype(">f8"), "float64"),
}


class IDXError(ValueError):
    """An IDX file is malformed: wrong magic number, wrong dims, truncated, corrupt gzip data, bad labels."""


#: gzip (deflate) cannot expand data by more than about 1032:1, so a ``.gz`` file of ``n`` bytes whose header
#: declares more than ``n * _MAX_GZIP_RATIO`` bytes is corrupt, and nothing past the header is decompressed.
_MAX_GZIP_RATIO = 1032
#: numpy arrays have at most 64 dims.
_MAX_DIMS = 64


def _header(buf, name, magic):
    """``(dtype, dims, header bytes, total bytes)`` from the start of IDX data ``buf`` (the header's bytes, at
    least), or None when ``buf`` is too short to hold the header; raises IDXError for an invalid header."""
    n = len(buf)
    if n < 4:
        return None
    if buf[0] != 0 or buf[1] != 0 or buf[2] not in _DTYPES:
        found = int.from_bytes(bytes(buf[:4]), "big")
        expected = f", expected 0x{magic:08X} ({magic})" if magic is not None else ""
        raise IDXError(f"{name}: not an IDX file: magic number 0x{found:08X}{expected}")
    found = int.from_bytes(bytes(buf[:4]), "big")
    if magic is not None and found != magic:
        want_dtype, want_ndim = _DTYPES.get((magic >> 8) & 0xFF, (None, "?"))[1], magic & 0xFF
        got_dtype, got_ndim = _DTYPES[buf[2]][1], buf[3]
        raise IDXError(f"{name}: wrong magic number 0x{found:08X} ({found}): {got_ndim}-dim {got_dtype} data, "
                       f"expected 0x{magic:08X} ({magic}): {want_ndim}-dim {want_dtype} data")
    dtype, _ = _DTYPES[buf[2]]
    ndim = buf[3]
    if ndim > _MAX_DIMS:
        raise IDXError(f"{name}: the header declares {ndim} dims; arrays have at most {_MAX_DIMS}")
    header = 4 + 4 * ndim
    if n < header:
        return None
    dims = tuple(int.from_bytes(bytes(buf[4 + 4 * i:8 + 4 * i]), "big") for i in range(ndim))
    return dtype, dims, header, header + math.prod(dims) * dtype.itemsize


def _read(stream, n, chunk=1 << 20):
    """Up to ``n`` bytes from ``stream``, read in chunks so memory grows only with the data actually there."""
    out = bytearray()
    while len(out) < n:
        data = stream.read(min(chunk, n - len(out)))
        if not data:
            break
        out += data
    return out


def _read_bytes(path, magic):
    """The file's (decompressed) bytes, never more than its header declares plus one (to detect overlong files)."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        compressed = f.read(2) == b"\x1f\x8b"  # gzip magic; IDX files start with two zero bytes: unambiguous
        f.seek(0)
        stream = gzip.GzipFile(fileobj=f, mode="rb") if compressed else f
        try:
            buf = _read(stream, 4)
            if len(buf) == 4 and buf[3] <= _MAX_DIMS:
                buf += _read(stream, 4 * buf[3])
            head = _header(buf, path, magic)
            if head is not None:
                total = head[3]
                if compressed and total > size * _MAX_GZIP_RATIO + 1024:
                    raise IDXError(f"{path}: corrupt: the header declares shape {head[1]} ({total} bytes), more "
                                   f"than a {size}-byte .gz file can hold; delete the file and download it again")
                want = total + 1 - len(buf)
                buf += _read(stream, want if compressed else min(want, size - len(buf) + 1))
                if len(buf) > total:  # said here, where the real size of a raw file is known
                    more = f"{size - total} more" if not compressed else "more"
                    raise IDXError(f"{path}: corrupt: the file {'decompresses to' if compressed else 'has'} {more} "
                                   f"bytes than the {total} its header declares for shape {head[1]}")
        except (OSError, EOFError, zlib.error) as e:
            raise IDXError(f"{path}: corrupt or truncated gzip data ({type(e).__name__}: {e}); "
                           "delete the file and download it again") from None
    return bytes(buf)


def parse_idx(buf, name="<bytes>", magic=None):
    """Parse IDX bytes into a read-only numpy array of the declared dtype and shape (no copy for bytes).

    Args:
        buf: the (decompressed) file contents.
        name: what error messages call the data (the file's path).
        magic: the required magic number as an int (e.g. 2051), or None to accept any valid IDX header.

    Raises:
        IDXError: the header is short or invalid, the magic differs from ``magic``, or the byte count differs
            from what the header declares.
    """
    n = len(buf)
    if n < 4:
        raise IDXError(f"{name}: file too short for an IDX header ({n} bytes, need at least 4); truncated?")
    head = _header(buf, name, magic)
    if head is None:
        raise IDXError(f"{name}: truncated header: {buf[3]} dims need {4 + 4 * buf[3]} header bytes, the file has {n}")
    dtype, dims, header, expected = head
    if n < expected:
        raise IDXError(f"{name}: truncated: the header declares shape {dims} ({expected} bytes with the header) "
                       f"but the file has only {n} bytes")
    if n > expected:
        raise IDXError(f"{name}: corrupt: the file has {n} bytes, {n - expected} more than the {expected} its "
                       f"header declares for shape {dims}")
    try:
        arr = np.frombuffer(buf, dtype=dtype, offset=header, count=math.prod(dims)).reshape(dims)
    except ValueError as e:  # a shape numpy cannot make, e.g. (0, 2**32 - 1, 2**32 - 1): too many elements
        raise IDXError(f"{name}: the header declares shape {dims}, which numpy cannot represent ({e})") from None
    return arr if dtype.byteorder in "=|" else arr.astype(dtype.newbyteorder("="))


def read_idx(path, magic=None):
    """Read an IDX file (raw or gzip, detected from the content) into a numpy array; see :func:`parse_idx`.

    Raises:
        FileNotFoundError: no such file.
        IDXError: the file is malformed (the message names the file and the defect).
    """
    path = os.fspath(path)
    return parse_idx(_read_bytes(path, magic), name=path, magic=magic)


def read_idx_images(path, size=(28, 28)):
    """Read an IDX image file (magic 2051) into a uint8 array ``(N, H, W)``.

    Args:
        size: the required ``(H, W)``, or None to accept any.

    Raises:
        IDXError: malformed file, or images of another size.
    """
    arr = read_idx(path, magic=IMAGES_MAGIC)
    if size is not None and arr.shape[1:] != tuple(size):
        raise IDXError(f"{os.fspath(path)}: images are {arr.shape[1]}x{arr.shape[2]}, expected "
                       f"{size[0]}x{size[1]}")
    return arr


def read_idx_labels(path, num_classes=10):
    """Read an IDX label file (magic 2049) into a uint8 array ``(N,)`` with every label in ``0..num_classes-1``.

    Raises:
        IDXError: malformed file, or a label out of range (the message gives the first bad index and value).
    """
    arr = read_idx(path, magic=LABELS_MAGIC)
    if num_classes is not None and arr.size:
        bad = np.flatnonzero(arr >= num_classes)
        if bad.size:
            i = int(bad[0])
            raise IDXError(f"{os.fspath(path)}: label out of range: {bad.size} labels are >= {num_classes}, "
                           f"the first at index {i} is {int(arr[i])}; expected labels in 0..{num_classes - 1}")
    return arr


def check_pair(images, labels, images_path, labels_path):
    """Raise :class:`IDXError` unless there are as many labels as images (the message names both files)."""
    if len(images) != len(labels):
        raise IDXError(f"{os.fspath(images_path)} has {len(images)} images but {os.fspath(labels_path)} has "
                       f"{len(labels)} labels; the files do not belong together (or one is corrupt)")
