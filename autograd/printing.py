"""``repr`` of tensors, character for character as PyTorch prints them.

PyTorch's rules (``torch/_tensor_str.py``), restated for numpy arrays:

* one formatter per tensor, chosen from its nonzero finite values: *integer mode* when they are all whole
  numbers (``1.``), *scientific mode* when max/min > 1000, max > 1e8 or min < 1e-4 (``1.0000e-05``), else fixed
  with 4 decimals (``1.5000``); every value is right-aligned to the widest one;
* above 1000 elements the tensor is summarised: 3 items at each end of every dimension longer than 6, with
  ``...`` between; the formatter then sees only the items shown;
* rows wrap so that a line holds ``(80 - indent) // (width + 2)`` items, continuation lines indented under the
  first item; each dimension adds one column of indent and ``dim - 1`` blank lines between its slices;
* suffixes (``size=``, ``dtype=``, ``grad_fn=``/``requires_grad=``) follow, each moved to a new line when it
  would push the last line past 80 characters (measured as PyTorch's own text, see ``_with_suffixes``).

The dtype is printed as ``autograd.<name>`` (PyTorch prints ``torch.<name>``), and left out for the default
float dtype, int64 and bool, as PyTorch does; an empty tensor shows every dtype but the default float one.
"""
import math

import numpy as np

PRECISION, THRESHOLD, EDGEITEMS, LINEWIDTH = 4, 1000, 3, 80

_ALWAYS_IMPLIED = (np.dtype("int64"), np.dtype("bool"))
_NAMESPACE = "autograd."  # where PyTorch prints "torch."


class _Formatter:
    """Formats every value of one tensor to a common width (PyTorch's ``_Formatter``)."""

    __slots__ = ("floating", "int_mode", "sci_mode", "width")

    def __init__(self, shown):
        self.floating = shown.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.width = True, False, 1
        flat = shown.reshape(-1)
        if not self.floating:
            self.width = max([len(str(v)) for v in flat.tolist()], default=1)
            return
        nonzero = flat[np.isfinite(flat) & (flat != 0)]
        if not nonzero.size:
            return  # zeros, infinities and NaNs only: integer mode, no padding
        magnitude = np.abs(nonzero).astype(np.float64)
        lo, hi = float(magnitude.min()), float(magnitude.max())  # Python floats: 1e300 / 1e-300 is inf, no warning
        self.int_mode = bool(np.all(nonzero == np.ceil(nonzero)))
        self.sci_mode = bool(hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4)
        values = nonzero.tolist()
        if self.sci_mode:
            self.width = max(len(f"{v:.{PRECISION}e}") for v in values)
        elif self.int_mode:
            self.width = max(len(f"{v:.0f}") + 1 for v in values)  # + 1 for the trailing "."
        else:
            self.width = max(len(f"{v:.{PRECISION}f}") for v in values)

    def __call__(self, value):
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:.{PRECISION}e}"
        elif self.int_mode:
            text = f"{value:.0f}" + ("" if math.isinf(value) or math.isnan(value) else ".")
        else:
            text = f"{value:.{PRECISION}f}"
        return text.rjust(self.width)


def _edges(data):
    """The items a summarised print shows: the first and last EDGEITEMS along every long dimension."""
    for axis, n in enumerate(data.shape):
        if n > 2 * EDGEITEMS:
            data = np.take(data, np.r_[0:EDGEITEMS, n - EDGEITEMS:n], axis=axis)
    return data


def _vector(row, indent, summarize, fmt):
    if summarize and row.shape[0] > 2 * EDGEITEMS:
        items = [fmt(v) for v in row[:EDGEITEMS].tolist()] + [" ..."] + [fmt(v) for v in row[-EDGEITEMS:].tolist()]
    else:
        items = [fmt(v) for v in row.tolist()]
    per_line = max(1, (LINEWIDTH - indent) // (fmt.width + 2))
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(data, indent, summarize, fmt):
    if data.ndim == 0:
        return fmt(data.item())
    if data.ndim == 1:
        return _vector(data, indent, summarize, fmt)
    n = data.shape[0]
    if summarize and n > 2 * EDGEITEMS:
        slices = ([_nested(data[i], indent + 1, summarize, fmt) for i in range(EDGEITEMS)] + ["..."]
                  + [_nested(data[i], indent + 1, summarize, fmt) for i in range(n - EDGEITEMS, n)])
    else:
        slices = [_nested(data[i], indent + 1, summarize, fmt) for i in range(n)]
    return "[" + ("," + "\n" * (data.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def _with_suffixes(text, suffixes, indent):
    """Append ``, suffix`` items, starting a new line where one would pass LINEWIDTH (PyTorch's arithmetic).

    A suffix is measured as PyTorch's text (``dtype=torch.int16``, 3 characters shorter than ours), so that the
    lines break where PyTorch's do; a line ending in ``dtype=autograd...`` can therefore run 3 columns past 80.
    """
    parts = [text]
    last_line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        width = len(suffix.replace(_NAMESPACE, "torch."))
        if last_line + width + 2 > LINEWIDTH:
            parts.append(",\n" + " " * indent + suffix)
            last_line = indent + width
        else:
            parts.append(", " + suffix)
            last_line += width + 2
    return "".join(parts) + ")"


def _dtype_name(dtype):
    return _NAMESPACE + dtype.name


def tensor_repr(t):
    """``tensor(values[, size=...][, device='cuda:0'][, dtype=autograd....][, grad_fn=<NameBackward0> |
    requires_grad=True])``; the values of a tensor on any device or library are read on the host."""
    from .creation import get_default_dtype
    from .transfer import host

    data, prefix = host(t._data), "tensor("
    indent, suffixes = len(prefix), []
    if t.device.type != "cpu":
        suffixes.append(f"device='{t.device}'")
    if data.size == 0:
        body = "[]"
        if data.ndim != 1:
            suffixes.append(f"size={tuple(data.shape)}")
        if data.dtype != get_default_dtype():
            suffixes.append(f"dtype={_dtype_name(data.dtype)}")
    else:
        summarize = data.size > THRESHOLD
        body = _nested(data, indent, summarize, _Formatter(_edges(data) if summarize else data))
        if data.dtype != get_default_dtype() and data.dtype not in _ALWAYS_IMPLIED:
            suffixes.append(f"dtype={_dtype_name(data.dtype)}")
    if t.grad_fn is not None:
        # Our op names (Mul, ReLU, GetItem, ...), in PyTorch's format for built-in nodes.
        suffixes.append(f"grad_fn=<{t.grad_fn.name}Backward0>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _with_suffixes(prefix + body, suffixes, indent)
