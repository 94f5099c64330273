"""Reader for the IDX format of MNIST and Fashion-MNIST, raw or gzip-compressed, with full validation.

An IDX file is a big-endian header -- two zero bytes, a dtype code, the number of dims ``d``, then ``d``
uint32 sizes -- followed by exactly ``prod(sizes)`` items. MNIST images are magic 2051 (``0x00000803``:
unsigned bytes, 3 dims) and labels 2049 (``0x00000801``: unsigned bytes, 1 dim). Every defect (a wrong magic
number, a short or overlong file, a broken gzip stream) raises :class:`IDXError` naming the file, never a
numpy crash or a silently wrong array.
"""
import gzip
import math
import os
import zlib

import numpy as np

__all__ = ["IDXError", "parse_idx", "read_idx", "read_idx_images", "read_idx_labels", "check_pair"]

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049

# dtype code -> (numpy dtype, name); multi-byte items are big-endian in IDX.
_DTYPES = {
    0x08: (np.dtype(np.uint8), "unsigned byte"),
    0x09: (np.dtype(np.int8), "signed byte"),
    0x0B: (np.dtype(">i2"), "int16"),
    0x0C: (np.dtype(">i4"), "int32"),
    0x0D: (np.dtype(">f4"), "float32"),
    0x0E: (np.dtype(">f8"), "float64"),
}


class IDXError(ValueError):
    """An IDX file is malformed: wrong magic number, wrong dims, truncated, corrupt gzip data, bad labels."""


def _read_bytes(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] != b"\x1f\x8b":  # gzip magic; IDX files start with two zero bytes, so the test is unambiguous
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as e:
        raise IDXError(f"{path}: corrupt or truncated gzip data ({type(e).__name__}: {e}); "
                       "delete the file and download it again") from None


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
    header = 4 + 4 * ndim
    if n < header:
        raise IDXError(f"{name}: truncated header: {ndim} dims need {header} header bytes, the file has {n}")
    dims = tuple(int(d) for d in np.frombuffer(buf, dtype=">u4", count=ndim, offset=4))
    expected = header + math.prod(dims) * dtype.itemsize
    if n < expected:
        raise IDXError(f"{name}: truncated: the header declares shape {dims} ({expected} bytes with the header) "
                       f"but the file has only {n} bytes")
    if n > expected:
        raise IDXError(f"{name}: corrupt: the file has {n} bytes, {n - expected} more than the {expected} its "
                       f"header declares for shape {dims}")
    arr = np.frombuffer(buf, dtype=dtype, offset=header).reshape(dims)
    return arr if dtype.byteorder in "=|" else arr.astype(dtype.newbyteorder("="))


def read_idx(path, magic=None):
    """Read an IDX file (raw or gzip, detected from the content) into a numpy array; see :func:`parse_idx`.

    Raises:
        FileNotFoundError: no such file.
        IDXError: the file is malformed (the message names the file and the defect).
    """
    path = os.fspath(path)
    return parse_idx(_read_bytes(path), name=path, magic=magic)


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
