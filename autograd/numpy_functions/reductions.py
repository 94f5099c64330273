"""numpy's reductions on Tensors: np.sum, np.mean, np.var/std (``ddof``), np.max/min, np.all/any, np.argmax/min,
np.cumsum/cumprod, np.sort/argsort."""
import numpy as np

from .base import autograd_function, implements, no_where, tensor_of, unsupported_argument


def _reduce(name, label, a, axis=None, keepdims=False, dtype=None, **extra):
    """autograd.<name> over numpy's ``axis`` / ``keepdims`` / ``dtype``; ``label`` names numpy's function."""
    a = tensor_of(a)
    if dtype is not None:
        a = a.to(np.dtype(dtype))
    if axis is not None:
        extra["dim"] = tuple(axis) if isinstance(axis, list) else axis
    if keepdims:
        extra["keepdim"] = True
    return autograd_function(name, label)(a, **extra)


@implements(np.sum)
def _sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=True):
    unsupported_argument("numpy.sum", out=out, initial=initial, where=no_where(where))
    return _reduce("sum", "numpy.sum", a, axis, keepdims, dtype)


@implements(np.prod)
def _prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=True):
    unsupported_argument("numpy.prod", out=out, initial=initial, where=no_where(where))
    return _reduce("prod", "numpy.prod", a, axis, keepdims, dtype)


@implements(np.mean)
def _mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=True):
    unsupported_argument("numpy.mean", out=out, where=no_where(where))
    return _reduce("mean", "numpy.mean", a, axis, keepdims, dtype)


def _spread(name):
    """np.var / np.std: numpy's ``ddof`` (default 0, the population statistic) is PyTorch's ``correction``."""
    label = f"numpy.{name}"

    def impl(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True, mean=None, correction=None):
        unsupported_argument(label, out=out, where=no_where(where), mean=mean)
        if correction is not None and ddof != 0:
            raise ValueError("ddof and correction can't be provided simultaneously.")
        return _reduce(name, label, a, axis, keepdims, dtype, correction=ddof if correction is None else correction)

    impl.__name__ = impl.__qualname__ = name
    impl.__doc__ = f"{label} on Tensors: autograd.{name} with correction=ddof."
    return impl


implements(np.var)(_spread("var"))
implements(np.std)(_spread("std"))


def _extreme(name, numpy_name):
    label = f"numpy.{numpy_name}"

    def impl(a, axis=None, out=None, keepdims=False, initial=None, where=True):
        unsupported_argument(label, out=out, initial=initial, where=no_where(where))
        return _reduce(name, label, a, axis, keepdims)

    impl.__name__ = impl.__qualname__ = numpy_name
    impl.__doc__ = f"{label} on Tensors: autograd.{name}."
    return impl


implements(np.max, np.amax)(_extreme("amax", "max"))
implements(np.min, np.amin)(_extreme("amin", "min"))


def _logical(name):
    def impl(a, axis=None, out=None, keepdims=False, *, where=True):
        unsupported_argument(f"numpy.{name}", out=out, where=no_where(where))
        return _reduce(name, f"numpy.{name}", a, axis, keepdims)

    impl.__name__ = impl.__qualname__ = name
    impl.__doc__ = f"numpy.{name} on Tensors: autograd.{name}."
    return impl


implements(np.all)(_logical("all"))
implements(np.any)(_logical("any"))


def _arg(name):
    def impl(a, axis=None, out=None, *, keepdims=False):
        unsupported_argument(f"numpy.{name}", out=out)
        return _reduce(name, f"numpy.{name}", a, axis, keepdims)

    impl.__name__ = impl.__qualname__ = name
    impl.__doc__ = f"numpy.{name} on Tensors: autograd.{name} (flat index for axis=None)."
    return impl


implements(np.argmax)(_arg("argmax"))
implements(np.argmin)(_arg("argmin"))


def _scan(name):
    def impl(a, axis=None, dtype=None, out=None):
        unsupported_argument(f"numpy.{name}", out=out)
        a = tensor_of(a)
        if dtype is not None:
            a = a.to(np.dtype(dtype))
        if axis is None:  # numpy scans the flattened array
            a, axis = a.reshape(-1), 0
        return autograd_function(name, f"numpy.{name}")(a, dim=axis)

    impl.__name__ = impl.__qualname__ = name
    impl.__doc__ = f"numpy.{name} on Tensors: autograd.{name} (over the flattened tensor for axis=None)."
    return impl


implements(np.cumsum)(_scan("cumsum"))
implements(np.cumprod)(_scan("cumprod"))


def _sorting(name):
    def impl(a, axis=-1, kind=None, order=None, *, stable=None):
        unsupported_argument(f"numpy.{name}", kind=kind, order=order, stable=stable)
        a = tensor_of(a)
        if axis is None:
            a, axis = a.reshape(-1), 0
        out = autograd_function(name, f"numpy.{name}")(a, dim=axis)
        return out[0] if name == "sort" else out  # torch.sort returns (values, indices)

    impl.__name__ = impl.__qualname__ = name
    impl.__doc__ = f"numpy.{name} on Tensors: autograd.{name} (over the flattened tensor for axis=None)."
    return impl


implements(np.sort)(_sorting("sort"))
implements(np.argsort)(_sorting("argsort"))
