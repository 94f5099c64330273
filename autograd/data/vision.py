"""``ImageArrayDataset``: the shared base of MNIST, FashionMNIST and SyntheticDigits (uint8 images in memory)."""
import numpy as np

from .. import creation
from .dataset import Dataset

__all__ = ["ImageArrayDataset"]

_255 = np.float32(255.0)


class ImageArrayDataset(Dataset):
    """Grey-scale images held as one uint8 array, with integer class labels.

    Attributes:
        data: uint8 array ``(N, H, W)``.
        targets: int64 array ``(N,)``.
        classes: the class names, ``classes[label]``.
        transform: applied to the uint8 ``(H, W)`` image in ``__getitem__`` (None: scale to a float32
            Tensor ``(1, H, W)`` in ``[0, 1]``).
        target_transform: applied to the int label.

    ``dataset[i]`` is ``(image, label)``. Without transforms, :meth:`get_batch` lets the DataLoader slice
    whole batches at once, and :meth:`arrays` gives the whole set for full-array training.
    """

    classes = [str(i) for i in range(10)]

    def __init__(self, data, targets, transform=None, target_transform=None):
        self.data = data
        self.targets = np.asarray(targets, dtype=np.int64)
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        img = self.data[index]
        if self.transform is not None:
            img = self.transform(img)
        else:
            img = creation.as_tensor((img / _255)[None])
        target = int(self.targets[index])
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def get_batch(self, indices):
        """``(x float32 (B, 1, H, W) in [0, 1], t int64 (B,))`` for ``indices``; None when a transform is set
        (then the loader applies it sample by sample)."""
        if self.transform is not None or self.target_transform is not None:
            return None
        return (self.data[indices] / _255)[:, None], self.targets[indices]

    def arrays(self, normalize=True, flatten=False):
        """The whole set as numpy arrays ``(x, t)``, for ``TensorDataset`` or full-batch training.

        Args:
            normalize: scale pixels to ``[0, 1]`` (else float32 values 0..255), as the book's ``load_mnist``.
            flatten: ``x`` as ``(N, H*W)`` (for MLPs) instead of ``(N, 1, H, W)``.

        Returns:
            ``x`` float32 ``(N, 1, H, W)`` or ``(N, H*W)``, ``t`` int64 ``(N,)``. Transforms are not applied.
        """
        x = self.data / _255 if normalize else self.data.astype(np.float32)
        n = len(x)
        x = x.reshape(n, -1) if flatten else x.reshape(n, 1, *self.data.shape[1:])
        return x, self.targets.copy()

    def __repr__(self):
        extra = f", transform={self.transform!r}" if self.transform is not None else ""
        return f"{type(self).__name__}(len={len(self)}, image_size={tuple(self.data.shape[1:])}{extra})"
