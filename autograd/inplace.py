"""In-place updates of a Tensor's values, for optimizers and initialisers (under ``no_grad``).

Each bumps the tensor's version, so a graph that saved the old values raises at backward instead of giving a
silently wrong gradient. In-place ops are not recorded in the graph: on a tensor that requires grad while
grad mode is on they raise.
"""
import numpy as np

from .grad_mode import _Global, _State

__all__ = ["InplaceOps"]


class InplaceOps:
    """The in-place methods of :class:`~autograd.Tensor` (a base class, to keep tensor.py readable)."""

    __slots__ = ()

    def _bump_version(self):
        """Record an in-place change: the version becomes the current value of the global modification clock."""
        _Global.clock += 1
        self._version[0] = _Global.clock

    def _inplace(self, op, value=None):
        if self.requires_grad and _State.grad_enabled:
            if self.grad_fn is None:
                raise RuntimeError(f"{op}: a leaf Variable that requires grad is being used in an in-place operation; wrap it in autograd.no_grad()")
            raise RuntimeError(f"{op}: in-place ops on tensors recorded in a graph are not supported; use the out-of-place form")
        if isinstance(value, InplaceOps):
            if value.requires_grad and _State.grad_enabled:
                raise RuntimeError(f"{op}: an in-place op whose operand requires grad would not be recorded; wrap it in autograd.no_grad()")
            value = value._data
        elif isinstance(value, (list, tuple)):
            value = np.asarray(value)
        shape = getattr(value, "shape", ())
        if shape and shape != self._data.shape and not _broadcasts_to(shape, self._data.shape):
            raise RuntimeError(f"{op}: operand of shape {shape} does not broadcast to the tensor's shape {self.shape}")
        self._bump_version()
        return value

    def add_(self, other, *, alpha=1):
        """``self += alpha * other`` in place."""
        other = self._inplace("add_", other)
        np.add(self._data, other if alpha == 1 else np.multiply(other, alpha), out=self._data, casting="same_kind")
        return self

    def sub_(self, other, *, alpha=1):
        """``self -= alpha * other`` in place."""
        other = self._inplace("sub_", other)
        np.subtract(self._data, other if alpha == 1 else np.multiply(other, alpha), out=self._data, casting="same_kind")
        return self

    def mul_(self, other):
        """``self *= other`` in place."""
        np.multiply(self._data, self._inplace("mul_", other), out=self._data, casting="same_kind")
        return self

    def div_(self, other):
        """``self /= other`` in place."""
        np.divide(self._data, self._inplace("div_", other), out=self._data, casting="same_kind")
        return self

    def addcmul_(self, tensor1, tensor2, *, value=1):
        """``self += value * tensor1 * tensor2`` in place."""
        return self.add_(np.multiply(_raw(tensor1), _raw(tensor2)), alpha=value)

    def addcdiv_(self, tensor1, tensor2, *, value=1):
        """``self += value * tensor1 / tensor2`` in place."""
        return self.add_(np.divide(_raw(tensor1), _raw(tensor2)), alpha=value)

    def clamp_(self, min=None, max=None):
        """Clamp in place."""
        self._inplace("clamp_")
        np.clip(self._data, min, max, out=self._data)
        return self

    def zero_(self):
        """Fill with zeros in place."""
        return self.fill_(0)

    def fill_(self, value):
        """Fill with ``value`` in place."""
        self._data[...] = self._inplace("fill_", value)
        return self

    def copy_(self, src):
        """Copy ``src``'s values into this tensor in place (broadcasting; cast to this tensor's dtype)."""
        self._data[...] = self._inplace("copy_", src)
        return self


def _broadcasts_to(shape, target):
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


def _raw(x):
    return x._data if isinstance(x, InplaceOps) else x  # every Tensor is an InplaceOps
