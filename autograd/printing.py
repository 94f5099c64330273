"""``repr`` of tensors in PyTorch's style: ``tensor([1.0000, 2.0000], requires_grad=True)``."""
import numpy as np

_DEFAULT_SHOWN = {np.dtype("float32"), np.dtype("int64"), np.dtype("bool")}


def _format_values(data):
    if data.dtype.kind == "f" and data.size:
        finite = data[np.isfinite(data)]
        if finite.size and np.all(finite == np.round(finite)) and np.abs(finite).max() < 1e8:
            fmt = lambda v: f"{v:.0f}." if np.isfinite(v) else str(v)  # noqa: E731
        elif finite.size and (np.abs(finite).max() >= 1e8 or np.abs(finite[finite != 0]).min(initial=1) < 1e-4):
            fmt = lambda v: f"{v:.4e}"  # noqa: E731
        else:
            fmt = lambda v: f"{v:.4f}" if np.isfinite(v) else str(v)  # noqa: E731
        return np.array2string(data, separator=", ", prefix="tensor(", formatter={"float_kind": fmt}, threshold=1000, edgeitems=3)
    return np.array2string(data, separator=", ", prefix="tensor(", threshold=1000, edgeitems=3)


def tensor_repr(t):
    """``tensor(values[, dtype=...][, grad_fn=<...>| requires_grad=True])``."""
    parts = [_format_values(t._data)]
    if t._data.size == 0:
        parts.append(f"size={t.shape}")
    if t.dtype not in _DEFAULT_SHOWN:
        parts.append(f"dtype={t.dtype}")
    if t.grad_fn is not None:
        parts.append(f"grad_fn=<{t.grad_fn.name}Backward>")
    elif t.requires_grad:
        parts.append("requires_grad=True")
    return "tensor(" + ", ".join(parts) + ")"
