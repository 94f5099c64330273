"""Per-sample transforms for image datasets, after ``torchvision.transforms``: Compose, ToTensor, Normalize,
Flatten, Lambda. They work without grad: data preparation, not part of the model's graph."""
import numpy as np

from .. import creation
from ..tensor import Tensor

__all__ = ["Compose", "ToTensor", "Normalize", "Flatten", "Lambda"]


class Compose:
    """Apply several transforms in order: ``Compose([ToTensor(), Normalize((0.5,), (0.5,))])``."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, x):
        for t in self.transforms:
            x = t(x)
        return x

    def __repr__(self):
        inner = "".join(f"\n    {t!r}," for t in self.transforms)
        return f"Compose([{inner}\n])"


class ToTensor:
    """An ndarray image ``(H, W)`` or ``(H, W, C)`` -> a float32 Tensor ``(C, H, W)``.

    uint8 images are scaled to ``[0, 1]`` (divided by 255); other dtypes are converted to float32 as they are.

    Raises:
        TypeError: the input is not an ndarray (a Tensor is already converted).
        ValueError: the array is not 2-d or 3-d.
    """

    def __call__(self, pic):
        if not isinstance(pic, np.ndarray):
            raise TypeError(f"ToTensor: pic should be an ndarray (H, W) or (H, W, C), got {type(pic).__name__}")
        if pic.ndim not in (2, 3):
            raise ValueError(f"ToTensor: pic should be 2 or 3 dimensional, got shape {pic.shape}")
        x = pic / np.float32(255.0) if pic.dtype == np.uint8 else pic.astype(np.float32)
        x = x[None] if x.ndim == 2 else np.moveaxis(x, -1, 0)
        return creation.as_tensor(np.ascontiguousarray(x, dtype=np.float32))

    def __repr__(self):
        return "ToTensor()"


class Normalize:
    """``(x - mean[c]) / std[c]`` per channel of a ``(C, H, W)`` (or ``(N, C, H, W)``) Tensor or array.

    Raises:
        ValueError: a zero in ``std``, or a channel count that matches neither 1 nor ``len(mean)``.
    """

    def __init__(self, mean, std):
        self.mean = np.asarray(mean, dtype=np.float32).reshape(-1)
        self.std = np.asarray(std, dtype=np.float32).reshape(-1)
        if np.any(self.std == 0):
            raise ValueError(f"Normalize: std {self.std.tolist()} contains a zero, leading to division by zero")
        if len(self.mean) != len(self.std):
            raise ValueError(f"Normalize: mean has {len(self.mean)} values but std has {len(self.std)}")

    def __call__(self, x):
        arr = x.numpy() if isinstance(x, Tensor) else np.asarray(x)
        if arr.ndim < 3:
            raise ValueError(f"Normalize: expected a (C, H, W) or (N, C, H, W) image, got shape {arr.shape}")
        c = arr.shape[-3]
        if len(self.mean) not in (1, c):
            raise ValueError(f"Normalize: {len(self.mean)} means/stds for an image with {c} channels "
                             f"(shape {arr.shape})")
        out = ((arr - self.mean[:, None, None]) / self.std[:, None, None]).astype(np.float32, copy=False)
        return creation.as_tensor(out) if isinstance(x, Tensor) else out

    def __repr__(self):
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"


class Flatten:
    """Flatten a sample to 1-d (e.g. ``(1, 28, 28)`` -> ``(784,)``) for MLPs; Tensors stay Tensors."""

    def __call__(self, x):
        if isinstance(x, Tensor):
            return creation.as_tensor(x.numpy().reshape(-1))
        return np.asarray(x).reshape(-1)

    def __repr__(self):
        return "Flatten()"


class Lambda:
    """Wrap a function as a transform."""

    def __init__(self, fn):
        if not callable(fn):
            raise TypeError(f"Lambda: argument should be callable, got {type(fn).__name__}")
        self.fn = fn

    def __call__(self, x):
        return self.fn(x)

    def __repr__(self):
        return f"Lambda({getattr(self.fn, '__name__', self.fn)!r})"
