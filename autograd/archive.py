"""Bounded reading of ``.npz`` archives: one member at a time, sizes checked before anything is decompressed.

``numpy.load`` trusts an archive's sizes: a small file can declare or decompress to gigabytes. Here the zip
directory is read by ``zipfile`` (its size is bounded by the file's), and each member is read on demand:

* its declared size must be possible for its compressed size (equal for stored members, at most deflate's
  maximum ratio of about 1032:1 for deflated ones) and its data must lie inside the file;
* its ``.npy`` header must declare exactly as many bytes as the member declares, so the array allocated for
  it is never larger than the data actually there;
* the data is decompressed straight into that array, no further than the declared size, and a member whose
  stream goes on past its declared size, ends early, or fails its CRC is refused.

Every defect raises :class:`ArchiveError` (a ``ValueError``) with a sentence saying what is wrong.
"""
import struct
import zipfile
import zlib

import numpy as np
import numpy.lib.format as npy

__all__ = ["ArchiveError", "NpzReader"]

#: Deflate cannot expand data by more than about 1032:1 (a 258-byte match costs at least two bits).
MAX_DEFLATE_RATIO = 1032
_CHUNK = 1 << 16
#: Longest .npy header read (numpy writes a few hundred bytes; its reader refuses more than 10,000).
_MAX_HEADER = 1 << 16
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # signature, version, flags, method, time, date, crc, sizes, lengths
_READERS = {(1, 0): npy.read_array_header_1_0, (2, 0): npy.read_array_header_2_0}


class ArchiveError(ValueError):
    """An archive or one of its members is malformed (the message says what is wrong)."""


class _Member:
    """The data of one zip member, decompressed on demand and never past its declared size."""

    def __init__(self, fh, info, start):
        self.fh, self.info, self.name = fh, info, info.filename
        self.pos, self.compressed_left, self.left = start, info.compress_size, info.file_size
        self.crc = 0
        self.z = zlib.decompressobj(-zlib.MAX_WBITS) if info.compress_type == zipfile.ZIP_DEFLATED else None

    def _raw(self, n):
        n = min(n, self.compressed_left)
        self.fh.seek(self.pos)
        data = self.fh.read(n)
        if len(data) != n:
            raise ArchiveError(f"member {self.name!r} is truncated")
        self.pos += n
        self.compressed_left -= n
        return data

    def read_into(self, view):
        """Fill the writable byte memoryview ``view`` with the member's next bytes."""
        if len(view) > self.left:
            raise ArchiveError(f"member {self.name!r} holds {self.info.file_size} bytes, fewer than its header needs")
        filled = 0
        while filled < len(view):
            if self.z is None:
                data = self._raw(len(view) - filled)
            else:
                if self.z.eof:
                    raise ArchiveError(f"member {self.name!r} decompresses to fewer bytes than it declares")
                src = self.z.unconsumed_tail or self._raw(_CHUNK)
                if not src:
                    raise ArchiveError(f"member {self.name!r} is truncated (its compressed data ends early)")
                data = self._inflate(self.z, src, len(view) - filled)
            view[filled:filled + len(data)] = data
            self.crc = zlib.crc32(data, self.crc)
            filled += len(data)
        self.left -= filled

    def read(self, n):
        """The next ``n`` bytes, or fewer at the end (for the .npy header, so at most ``_MAX_HEADER``)."""
        if n > _MAX_HEADER:
            raise ArchiveError(f"member {self.name!r} declares a .npy header of {n} bytes (at most {_MAX_HEADER})")
        out = bytearray(min(n, self.left))
        self.read_into(memoryview(out))
        return bytes(out)

    def _inflate(self, z, src, limit):
        try:
            return z.decompress(src, limit)
        except zlib.error as e:
            raise ArchiveError(f"member {self.name!r} has corrupt compressed data ({e})") from None

    def finish(self):
        """Check that the member was read whole: no data past its declared size, and the CRC matches."""
        if self.left:
            raise ArchiveError(f"member {self.name!r} has {self.left} bytes more than its .npy header declares")
        if self.z is not None:
            while not self.z.eof:
                src = self.z.unconsumed_tail or self._raw(_CHUNK)
                if not src:
                    raise ArchiveError(f"member {self.name!r} is truncated (its compressed stream does not end)")
                if self._inflate(self.z, src, 1):
                    raise ArchiveError(f"member {self.name!r} decompresses beyond its declared size of "
                                       f"{self.info.file_size} bytes")
        if self.crc != self.info.CRC:
            raise ArchiveError(f"member {self.name!r} fails its CRC check (the data is corrupted)")


class NpzReader:
    """The members of an ``.npz`` archive open in the binary file ``fh``, read as arrays one at a time.

    Raises:
        ArchiveError: the file is not a readable zip archive.
    """

    def __init__(self, fh):
        self.fh = fh
        try:
            fh.seek(0, 2)
            self.size = fh.tell()
            # zipfile reads only the central directory here, which is never larger than the file.
            zf = zipfile.ZipFile(fh)
            infos = zf.infolist()
        except ArchiveError:
            raise
        except Exception as e:  # zipfile reports damage with a dozen exception types; all mean the same here
            raise ArchiveError(f"not a readable zip archive ({type(e).__name__}: {e})") from None
        self.filenames = [info.filename for info in infos]
        self.infos: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            if info.filename.endswith(".npy"):
                self.infos.setdefault(info.filename[:-4], info)

    @property
    def names(self):
        """The names of the archive's arrays (member names without ``.npy``)."""
        return list(self.infos)

    def _open(self, key):
        info = self.infos[key]
        name = info.filename
        if info.flag_bits & 0x1:
            raise ArchiveError(f"member {name!r} is encrypted")
        if info.compress_type == zipfile.ZIP_STORED:
            if info.file_size != info.compress_size:
                raise ArchiveError(f"stored member {name!r} declares {info.file_size} bytes but holds "
                                   f"{info.compress_size}")
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            if info.file_size > info.compress_size * MAX_DEFLATE_RATIO + 64:
                raise ArchiveError(f"member {name!r} declares {info.file_size} bytes, more than its "
                                   f"{info.compress_size} compressed bytes can hold")
        else:
            raise ArchiveError(f"member {name!r} uses compression method {info.compress_type} (numpy writes stored "
                               "or deflated members only)")
        if info.header_offset < 0 or info.header_offset + _LOCAL_HEADER.size > self.size:
            raise ArchiveError(f"member {name!r} starts outside the file (truncated?)")
        self.fh.seek(info.header_offset)
        fields = _LOCAL_HEADER.unpack(self.fh.read(_LOCAL_HEADER.size))
        if fields[0] != b"PK\x03\x04":
            raise ArchiveError(f"member {name!r} has no local header where the directory says (corrupted?)")
        start = info.header_offset + _LOCAL_HEADER.size + fields[-2] + fields[-1]
        if start + info.compress_size > self.size:
            raise ArchiveError(f"member {name!r} ends past the end of the file (truncated)")
        return _Member(self.fh, info, start)

    def read(self, key, max_bytes=None):
        """The array stored as member ``key`` (``key + '.npy'``).

        Args:
            max_bytes: refuse a member declaring more bytes than this.
        Raises:
            KeyError: no such member.
            ArchiveError: the member is malformed, holds objects (pickles are never read) or is too large.
        """
        info = self.infos[key]
        if max_bytes is not None and info.file_size > max_bytes:
            raise ArchiveError(f"member {info.filename!r} declares {info.file_size} bytes, more than the "
                               f"{max_bytes} allowed for it")
        member = self._open(key)
        shape, fortran, dtype = _npy_header(member)
        count = 1
        for d in shape:
            count *= d
        if member.left != count * dtype.itemsize:
            raise ArchiveError(f"member {info.filename!r}: its .npy header declares shape {shape} of {dtype} "
                               f"({count * dtype.itemsize} bytes) but the member holds {member.left} data bytes")
        try:
            array = np.empty(shape, dtype=dtype, order="F" if fortran else "C")
        except (ValueError, OverflowError, MemoryError) as e:  # e.g. more than 64 dims, or a dim beyond intp
            raise ArchiveError(f"member {info.filename!r} declares an impossible shape {shape} ({e})") from None
        if array.nbytes:
            flat = array.reshape(-1, order="F" if fortran else "C")  # a view of the array's memory
            member.read_into(memoryview(flat.view(np.uint8)))  # type: ignore[arg-type]  # (numpy 2's stubs lack __buffer__)
        member.finish()
        return array


def _npy_header(member):
    """``(shape, fortran_order, dtype)`` from the ``.npy`` header at the start of ``member``."""
    name = member.name
    try:
        version = npy.read_magic(member)
        reader = _READERS.get(version)
        if reader is None:
            raise ArchiveError(f"member {name!r} is .npy format version {version[0]}.{version[1]}, which this reader "
                               "does not read")
        shape, fortran, dtype = reader(member)
    except ArchiveError:
        raise
    except Exception as e:  # numpy parses the header with ast and tokenize, whose errors vary (TokenError...)
        raise ArchiveError(f"member {name!r} is not a valid .npy array ({type(e).__name__}: {e})") from None
    if dtype.hasobject:
        raise ArchiveError(f"member {name!r} holds Python objects (dtype {dtype}); they are never unpickled")
    if not all(isinstance(d, int) and d >= 0 for d in shape):
        raise ArchiveError(f"member {name!r} declares an invalid shape {shape!r}")
    return shape, bool(fortran), dtype
