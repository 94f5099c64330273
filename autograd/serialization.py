"""``save`` / ``load``: checkpoints in a safe format (a numpy ``.npz`` archive plus a JSON description).

A checkpoint is one zip archive written by numpy: every array (tensor data, ndarrays, numpy scalars) is a
``.npy`` member, and one extra ``uint8`` member holds a JSON document describing the saved object (dicts,
lists, tuples, numbers, strings, bools, None, and references to the arrays). Loading uses
``numpy.load(..., allow_pickle=False)`` and ``json``: no code from the file is ever executed, so a
checkpoint from an untrusted source is safe to open (unlike pickle-based formats). A name ending in
``.safetensors`` selects that format instead (a flat dict of tensors; :mod:`autograd.safetensors_io`).

Round trips are exact: dtypes and shapes of arrays, ``int`` vs ``float``, ``tuple`` vs ``list``,
``dict`` vs ``OrderedDict``, dict keys of any scalar type, and one tensor saved under two names comes
back as one tensor. Tensors come back as leaf Tensors (``requires_grad`` kept; a ``nn.Parameter`` comes
back as a plain Tensor, which ``load_state_dict`` and optimisers accept).
"""
from __future__ import annotations

import json
import os
from collections import OrderedDict
from typing import Any

import numpy as np

from . import safetensors_io
from .archive import ArchiveError, NpzReader
from .atomic import atomic_write
from .devices import as_device
from .transfer import host
from .tensor import Tensor

__all__ = ["save", "load", "SerializationError"]

_FORMAT = "scratchgrad"
_VERSION = 1
_STRUCTURE = "__structure__"
_ZIP_MAGIC = b"PK\x03\x04"
#: The JSON structure of a checkpoint is small (names, numbers, references); a larger one is refused unread.
MAX_STRUCTURE_BYTES = 64 << 20
#: Tensors hold numbers: bool, signed/unsigned ints, floats, complex (an ndarray entry may hold any non-object dtype).
_TENSOR_KINDS = "biufc"


class SerializationError(RuntimeError):
    """A file given to :func:`load` is not a readable scratchgrad checkpoint: another format (pickle, torch,
    a plain ``.npz``), truncated, corrupted, or crafted (sizes that do not add up, a structure that refers to
    nothing). The message names the file and the defect. A ``RuntimeError``, as ``torch.load`` raises."""


# -- encoding ------------------------------------------------------------------------------------------------

class _Encoder:
    """Turns an object tree into a JSON-able tree plus a dict of arrays (``a0``, ``a1``, ...)."""

    def __init__(self):
        self.arrays = {}
        self.memo = {}  # id(tensor or array) -> its node, so shared objects are stored once
        self.keep = []  # keep memoised objects alive so ids are not reused during encoding

    def _array_ref(self, array, path):
        if type(array) is not np.ndarray and not isinstance(array, np.generic):
            array = host(array)  # checkpoints hold host arrays, whatever device or library the tensor was on
        if array.dtype.hasobject:
            raise TypeError(f"an array of dtype object at {_where(path)}")
        name = f"a{len(self.arrays)}"
        self.arrays[name] = np.asarray(array)
        return name

    def encode(self, obj, path):
        # JSON literals stand for themselves; every other value is an object tagged with "$".
        if obj is None or isinstance(obj, (bool, str)):
            return str(obj) if isinstance(obj, str) else obj
        if isinstance(obj, np.generic):  # before int/float: np.float64 is a float subclass
            return {"$": "scalar", "ref": self._array_ref(np.asarray(obj), path)}
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, float):
            return float(obj)
        if isinstance(obj, (Tensor, np.ndarray)):
            node = self.memo.get(id(obj))
            if node is None:
                if isinstance(obj, Tensor):
                    node = {"$": "tensor", "ref": self._array_ref(obj._data, path), "requires_grad": bool(obj.requires_grad)}
                else:
                    node = {"$": "ndarray", "ref": self._array_ref(obj, path)}
                self.memo[id(obj)] = node
                self.keep.append(obj)
            return node
        if isinstance(obj, dict):
            tag = "odict" if isinstance(obj, OrderedDict) else "dict"
            items = []
            for k, v in obj.items():
                if not (k is None or isinstance(k, (bool, int, float, str, tuple))):
                    raise TypeError(f"a dict key of type {type(k).__name__} at {_where(path)} (keys must be str, numbers, "
                                    "bool, None or tuples)")
                items.append([self.encode(k, path + [repr(k)]), self.encode(v, path + [repr(k)])])
            return {"$": tag, "items": items}
        if isinstance(obj, (list, tuple)):
            tag = "tuple" if isinstance(obj, tuple) else "list"
            return {"$": tag, "items": [self.encode(v, path + [i]) for i, v in enumerate(obj)]}
        raise TypeError(f"an object of type {type(obj).__name__} at {_where(path)}")


def _where(path):
    return "obj" + "".join(f"[{p}]" for p in path)


def _encode_at(encoder, obj):
    """Encode, naming the path of the offending value in the error."""
    try:
        return encoder.encode(obj, [])
    except TypeError as e:
        raise TypeError(f"autograd.save: cannot save {e} (supported: Tensors, ndarrays, numpy scalars, numbers, str, "
                        "bool, None, and dicts/lists/tuples of them)") from None


def save(obj, f):
    """Save ``obj`` (a state dict, or nested dicts/lists/tuples of Tensors, ndarrays, numbers, strings, None).

    Args:
        obj: what to save (e.g. ``{'model': model.state_dict(), 'optimizer': opt.state_dict(),
            'epoch': 3, 'rng': autograd.get_rng_state()}``).
        f: a path (written atomically by :func:`autograd.atomic.atomic_write`: to a temporary file in the same
            directory, then renamed, so a crash never leaves a half-written checkpoint under the real name, and
            temporary files of saves that were killed are removed by the next save to that directory) or a
            binary file object.
            A name ending in ``.safetensors`` writes a safetensors file instead, which holds a flat dict of
            tensors only (:mod:`autograd.safetensors_io`).
    Raises:
        TypeError: ``obj`` contains something else (the message names its type).
        OSError: the file cannot be written (e.g. the disk is full; the previous file is then left as it was).
    """
    if safetensors_io.is_safetensors(f):
        payload = safetensors_io.encode(obj)
        _write(f, lambda out: out.write(payload))
        return
    encoder = _Encoder()
    root = _encode_at(encoder, obj)
    doc = json.dumps({"format": _FORMAT, "version": _VERSION, "root": root}, allow_nan=True)
    arrays = dict(encoder.arrays)
    arrays[_STRUCTURE] = np.frombuffer(doc.encode("utf-8"), dtype=np.uint8)
    _write(f, lambda out: np.savez(out, **arrays))  # to a file object, so numpy does not append ".npz" to the name


def _write(f, write):
    """Call ``write(binary file)`` on ``f`` itself when it is a file object, else atomically onto the path ``f``."""
    if hasattr(f, "write"):
        write(f)
        return
    with atomic_write(f) as out:
        write(out)


# -- decoding ------------------------------------------------------------------------------------------------

class _Malformed(Exception):
    pass


def _is_key(k):
    return k is None or isinstance(k, (bool, int, float, str)) or (isinstance(k, tuple) and all(map(_is_key, k)))


class _Decoder:
    """Rebuilds the object tree from the JSON structure, reading each referenced array once, when first met."""

    def __init__(self, reader):
        self.reader = reader
        self.arrays = {}
        self.tensors = {}

    def _array(self, node):
        ref = node.get("ref")
        if not isinstance(ref, str) or ref == _STRUCTURE or ref not in self.reader.infos:
            raise _Malformed(f"reference to a missing array {ref!r}")
        if ref not in self.arrays:
            self.arrays[ref] = self.reader.read(ref)
        return self.arrays[ref]

    def _tensor(self, node):
        ref = node.get("ref")
        if ref in self.tensors:
            return self.tensors[ref]
        array = self._array(node)
        if array.dtype.kind not in _TENSOR_KINDS or array.dtype.fields is not None:
            raise _Malformed(f"tensor {ref!r} has dtype {array.dtype}, which a Tensor cannot hold")
        if not array.dtype.isnative:
            array = array.astype(array.dtype.newbyteorder("="))
        requires_grad = node.get("requires_grad", False)
        if not isinstance(requires_grad, bool):
            raise _Malformed(f"tensor {ref!r} has requires_grad={requires_grad!r}")
        if requires_grad and array.dtype.kind not in "fc":
            raise _Malformed(f"tensor {ref!r} of dtype {array.dtype} cannot require grad")
        t = Tensor._make(array)
        if requires_grad:
            t.requires_grad_(True)
        self.tensors[ref] = t
        return t

    def decode(self, node):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if not isinstance(node, dict):
            raise _Malformed(f"unexpected JSON value of type {type(node).__name__}")
        tag = node.get("$")
        if tag == "tensor":
            return self._tensor(node)
        if tag == "ndarray":
            return self._array(node)
        if tag == "scalar":
            array = self._array(node)
            if array.ndim != 0:
                raise _Malformed("a scalar entry holds an array")
            return array[()]
        items = node.get("items")
        if not isinstance(items, list):
            raise _Malformed(f"node {tag!r} without items")
        if tag in ("dict", "odict"):
            out = OrderedDict() if tag == "odict" else {}
            for pair in items:
                if not (isinstance(pair, list) and len(pair) == 2):
                    raise _Malformed("dict item is not a [key, value] pair")
                key = self.decode(pair[0])
                if not _is_key(key):
                    raise _Malformed(f"unhashable dict key of type {type(key).__name__}")
                out[key] = self.decode(pair[1])
            return out
        if tag == "list":
            return [self.decode(v) for v in items]
        if tag == "tuple":
            return tuple(self.decode(v) for v in items)
        raise _Malformed(f"unknown node tag {tag!r}")


def _name_of(f):
    return repr(os.fspath(f)) if isinstance(f, (str, bytes, os.PathLike)) else repr(getattr(f, "name", "<file object>"))


def load(f, map_location=None, weights_only=None):
    """Load an object written by :func:`save` (never executes code from the file).

    Only the arrays the file's structure refers to are read, each checked against its declared size before
    it is decompressed (see :mod:`autograd.archive`), so a small file can never make ``load`` allocate much
    more than the data it returns.

    Args:
        f: a path or a binary file object open for reading (seekable). A name ending in ``.safetensors`` is
            read as a safetensors file: the result is a dict of Tensors (:mod:`autograd.safetensors_io`).
        map_location: where the tensors go, as PyTorch's: None (the CPU: checkpoints hold host arrays) or a
            device (``'cpu'``, ``'cuda:0'``); a device that is not available raises. (PyTorch's dict and
            function forms are not supported.)
        weights_only: as PyTorch's; every checkpoint here holds only tensors, arrays, numbers, strings and
            containers, so loading is always what PyTorch calls weights-only, whatever the value.
    Raises:
        FileNotFoundError: no such file (and any other OSError of opening it).
        SerializationError: the file is not a scratchgrad checkpoint (another format, e.g. a PyTorch or pickle
            file), or it is truncated, corrupted or malformed; the message names the file and the defect.
        RuntimeError: ``map_location`` names a device that is not available.
        TypeError: ``map_location`` is a dict or a function, or ``weights_only`` is not a bool.
    """
    if map_location is not None:
        if isinstance(map_location, dict) or callable(map_location):
            raise TypeError("autograd.load: map_location may be None or a device; the dict and function forms "
                            "are not supported")
        map_location = as_device(map_location, "load")
    if weights_only is not None and not isinstance(weights_only, bool):
        raise TypeError(f"autograd.load: weights_only must be a bool or None, got {type(weights_only).__name__}")
    name = _name_of(f)
    if safetensors_io.is_safetensors(f):
        return safetensors_io.load(f, name, SerializationError)
    if hasattr(f, "read"):
        obj = _load_from(f, name)
    else:
        with open(os.fspath(f), "rb") as fh:
            obj = _load_from(fh, name)
    if map_location is not None and map_location.type != "cpu":
        obj = _to_device(obj, map_location)
    return obj


def _to_device(obj, device):
    """``obj`` with every Tensor in it moved to ``device`` (containers rebuilt, other values as they are)."""
    if isinstance(obj, Tensor):
        moved = obj.detach().to(device)
        return moved.requires_grad_(obj.requires_grad) if obj.is_floating_point() else moved
    if isinstance(obj, dict):
        out: Any = type(obj)() if isinstance(obj, OrderedDict) else {}
        for k, v in obj.items():
            out[k] = _to_device(v, device)
        if hasattr(obj, "_metadata"):
            out._metadata = obj._metadata
        return out
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_device(v, device) for v in obj)
    return obj


def _load_from(fh, name):
    def fail(why):
        return SerializationError(f"autograd.load: {name} is not a scratchgrad checkpoint ({why})")

    try:
        head = fh.read(8)
        fh.seek(-len(head), 1)
    except (OSError, ValueError, AttributeError) as e:
        raise fail(f"cannot read it as a binary file: {type(e).__name__}: {e}") from None
    if not isinstance(head, bytes) or not head.startswith(_ZIP_MAGIC):
        kind = ("not a binary file" if not isinstance(head, bytes) else "an empty file" if not head else
                "truncated" if _ZIP_MAGIC.startswith(head) else "a pickle file" if head[:1] == b"\x80" else
                "a single .npy array" if head.startswith(b"\x93NUMPY") else "not a zip archive")
        raise fail(kind)
    try:
        reader = NpzReader(fh)
        if _STRUCTURE not in reader.infos:
            hint = "; it looks like a torch.save file" if any(n.endswith("data.pkl") for n in reader.filenames) else ""
            raise fail(f"no {_STRUCTURE} entry{hint}")
        structure = reader.read(_STRUCTURE, max_bytes=MAX_STRUCTURE_BYTES)
        if structure.dtype != np.uint8 or structure.ndim != 1:
            raise _Malformed("the structure entry is not a byte string")
        doc = json.loads(structure.tobytes().decode("utf-8"))
        if not isinstance(doc, dict) or doc.get("format") != _FORMAT:
            raise _Malformed("the structure entry does not name the scratchgrad format")
        version = doc.get("version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise _Malformed(f"format version {version!r} is not a version number")
        if version > _VERSION:
            raise _Malformed(f"format version {version} is newer than this reader ({_VERSION})")
        return _Decoder(reader).decode(doc.get("root"))
    except ArchiveError as e:
        raise fail(f"truncated or corrupted: {e}") from None
    except (_Malformed, UnicodeDecodeError, ValueError, RecursionError) as e:  # ValueError: JSON, int digit limit
        raise fail(f"malformed structure: {e}") from None
    except OSError as e:  # reading failed half-way (a file object that cannot seek, an I/O error)
        raise fail(f"cannot read it: {type(e).__name__}: {e}") from None
