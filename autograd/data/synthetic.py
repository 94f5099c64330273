"""Datasets made in code, so training runs with no files and no network: ``Spiral`` and ``SyntheticDigits``."""
import numpy as np

from .. import creation
from .dataset import Dataset
from .glyphs import render_digits
from .vision import ImageArrayDataset

__all__ = ["Spiral", "SyntheticDigits"]


class Spiral(Dataset):
    """The book's toy set: 2-d points on ``num_classes`` interleaved spiral arms (not linearly separable).

    Point ``i`` of class ``j`` lies at radius ``r = i / num_per_class`` and angle ``4 j + 4 r`` plus Gaussian
    noise (std 0.2 rad).

    Attributes:
        data: float32 ``(N, 2)`` with ``N = num_per_class * num_classes``; ``targets``: int64 ``(N,)``.
    """

    def __init__(self, num_per_class=100, num_classes=3, seed=0):
        if num_per_class < 1 or num_classes < 1:
            raise ValueError(f"Spiral: num_per_class and num_classes must be >= 1, got {num_per_class}, {num_classes}")
        rng = np.random.default_rng(seed)
        r = np.tile(np.arange(num_per_class) / num_per_class, num_classes)
        labels = np.repeat(np.arange(num_classes), num_per_class)
        theta = 4.0 * labels + 4.0 * r + rng.normal(0.0, 0.2, size=r.shape)
        self.data = np.stack([r * np.sin(theta), r * np.cos(theta)], axis=1).astype(np.float32)
        self.targets = labels.astype(np.int64)
        self.num_classes = num_classes

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        return creation.as_tensor(self.data[index]), int(self.targets[index])

    def get_batch(self, indices):
        """``(x float32 (B, 2), t int64 (B,))`` for ``indices``."""
        return self.data[indices], self.targets[indices]

    def arrays(self):
        """``(x float32 (N, 2), t int64 (N,))`` (copies)."""
        return self.data.copy(), self.targets.copy()


class SyntheticDigits(ImageArrayDataset):
    """``n`` 28x28 images of the digits 0-9 drawn procedurally: an MNIST stand-in needing no files.

    Each digit is a few strokes (lines and arcs, in several styles per digit) rendered with anti-aliased lines
    of random width under a random affine map (scale, aspect, slant, rotation, shift) and a smooth warp, with
    random ink level and pixel noise. Labels are balanced (``n // 10`` or one more per class) and the images
    are a pure function of ``(n, seed, train)``; the train and test splits of a seed never share an image.

    Args:
        n: number of images.
        seed: the random seed.
        train: which split (a different stream of the same seed).
        transform, target_transform: as for :class:`~autograd.data.MNIST`.

    Attributes:
        data: uint8 ``(n, 28, 28)``; ``targets``: int64 ``(n,)``.
    """

    def __init__(self, n=10000, seed=0, train=True, transform=None, target_transform=None):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"SyntheticDigits: n must be a non-negative int, got {n!r}")
        rng = np.random.default_rng([int(seed), 0 if train else 1])
        labels = rng.permutation(np.arange(n) % 10)
        images = render_digits(labels, rng)
        super().__init__(images, labels, transform, target_transform)
        self.seed, self.train = seed, bool(train)
