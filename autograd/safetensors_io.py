"""safetensors files: a flat dict of named tensors, the weights format PyTorch, JAX and Hugging Face read.

:func:`autograd.save` and :func:`autograd.load` come here for a path (or a file object whose ``name``) ends in
``.safetensors``::

    ag.save(model.state_dict(), "model.safetensors")      # safetensors.torch.load_file reads it
    model.load_state_dict(ag.load("model.safetensors"))   # and reads what safetensors.torch.save_file wrote

The file is a JSON header (names, dtypes, shapes, offsets) followed by the raw little-endian bytes: loading
parses the header and copies bytes, so it never executes code. It holds tensors only; a checkpoint with
nested structure, numbers or optimizer state goes to a ``.npz`` file (the default format). Needs the
``safetensors`` package (``pip install safetensors``, or the ``safetensors`` extra).
"""
import os
from collections.abc import Mapping

import numpy as np

from .tensor import Tensor

__all__ = ["SUFFIX", "is_safetensors", "encode", "load"]

SUFFIX = ".safetensors"

# safetensors' dtype names, little-endian as the format stores them (bfloat16 and float8 have no numpy dtype).
_DTYPES = {"BOOL": "|b1", "U8": "|u1", "I8": "|i1", "U16": "<u2", "I16": "<i2", "U32": "<u4", "I32": "<i4",
           "U64": "<u8", "I64": "<i8", "F16": "<f2", "F32": "<f4", "F64": "<f8", "C64": "<c8"}
_NAMES = {np.dtype(v).newbyteorder("="): k for k, v in _DTYPES.items()}


def is_safetensors(f):
    """True when ``f`` (a path, or a file object with a ``name``) ends in ``.safetensors``."""
    name = f if isinstance(f, (str, bytes, os.PathLike)) else getattr(f, "name", None)
    return isinstance(name, (str, bytes, os.PathLike)) and os.fsdecode(os.fspath(name)).endswith(SUFFIX)


def _library(action):
    try:
        import safetensors
        import safetensors.numpy  # the writer
    except ImportError:
        raise ModuleNotFoundError(f"autograd.{action}: .safetensors files need the safetensors package "
                                  "(pip install safetensors, or pip install 'scratchgrad[safetensors]')") from None
    return safetensors


def encode(obj):
    """The bytes of a safetensors file holding ``obj``, a flat mapping of str to Tensor or ndarray.

    Raises:
        TypeError: ``obj`` is not a mapping, a key is not a str, a value is not a tensor (the message names the
            key and points to ``.npz`` for nested structure), or a dtype safetensors cannot store.
    """
    safetensors = _library("save")
    if not isinstance(obj, Mapping):
        raise TypeError(f"autograd.save: a .safetensors file holds a flat dict of tensors (str -> Tensor), got an "
                        f"object of type {type(obj).__name__}; save other objects to a .npz file")
    tensors = {}
    for key, value in obj.items():
        if not isinstance(key, str):
            raise TypeError(f"autograd.save: the key {key!r} is of type {type(key).__name__}; the keys of a "
                            ".safetensors file are str")
        if not isinstance(value, (Tensor, np.ndarray)):
            raise TypeError(f"autograd.save: the value at key {key!r} is of type {type(value).__name__}, but a "
                            ".safetensors file holds only tensors (a flat dict: str -> Tensor); save nested structure, "
                            "numbers or optimizer state to a .npz file instead (autograd.save(obj, 'checkpoint.npz'))")
        array = value._data if isinstance(value, Tensor) else value
        name = _NAMES.get(array.dtype.newbyteorder("="))
        if name is None:
            raise TypeError(f"autograd.save: the tensor at key {key!r} has dtype {array.dtype}, which safetensors "
                            f"cannot store (it stores {', '.join(str(np.dtype(v)) for v in _DTYPES.values())})")
        tensors[key] = np.asarray(array, dtype=np.dtype(_DTYPES[name]), order="C")  # little-endian, C order
    return safetensors.numpy.save(tensors)


def load(f, name, error=RuntimeError):
    """A dict of Tensors (str -> leaf Tensor, requires_grad False) read from safetensors file ``f`` (a path or a
    binary file object); ``name`` is how messages call the file.

    Raises:
        error (a RuntimeError; :func:`autograd.load` passes its SerializationError): the file is not a safetensors
            file (another format, truncated, corrupted), or it holds a dtype numpy has no type for (bfloat16,
            float8: convert it to float32 in PyTorch first).
    """
    safetensors = _library("load")
    if hasattr(f, "read"):
        data = f.read()
    else:
        with open(os.fspath(f), "rb") as fh:
            data = fh.read()
    try:
        entries = safetensors.deserialize(data)
    except safetensors.SafetensorError as e:
        raise error(f"autograd.load: {name} is not a safetensors file ({_looks_like(data)}{e})") from None
    out = {}
    for key, entry in entries:
        dtype = _DTYPES.get(entry["dtype"])
        if dtype is None:
            raise error(f"autograd.load: the tensor {key!r} in {name} has dtype {entry['dtype']}, which numpy "
                               "has no type for; convert it in PyTorch first (e.g. t.float() for bfloat16)")
        array = np.frombuffer(entry["data"], dtype=np.dtype(dtype)).reshape(entry["shape"])
        if not array.flags.writeable:
            array = array.copy()
        out[key] = Tensor._make(array.astype(array.dtype.newbyteorder("="), copy=False))
    return out


def _looks_like(data):
    """What the file seems to be instead, for the error message."""
    head = data[:4]
    if head == b"PK\x03\x04":
        return "it is a zip archive, e.g. a .npz checkpoint or a torch.save file: "
    if head[:1] == b"\x80":
        return "it is a pickle file: "
    return "empty: " if not data else ""
