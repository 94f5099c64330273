"""Data loading, after ``torch.utils.data`` and ``torchvision.datasets``: datasets, the DataLoader, transforms.

    from autograd.data import DataLoader, TensorDataset, FashionMNIST, SyntheticDigits
    train = FashionMNIST(train=True)                       # files found locally, or download=True
    loader = DataLoader(train, batch_size=100, shuffle=True, seed=0)
    for x, t in loader:                                    # x float32 (100, 1, 28, 28), t int64 (100,)
        ...

Every epoch visits every sample exactly once; shuffles are reproducible from ``seed``.
"""
from . import transforms
from .dataloader import DataLoader, default_collate
from .dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from .download import ChecksumError, DownloadError, download_url
from .idx import IDXError, parse_idx, read_idx, read_idx_images, read_idx_labels
from .mnist import MNIST, DatasetNotFoundError, FashionMNIST, default_root
from .synthetic import Spiral, SyntheticDigits
from .vision import ImageArrayDataset

__all__ = [
    "Dataset", "TensorDataset", "Subset", "ConcatDataset", "random_split", "DataLoader", "default_collate",
    "MNIST", "FashionMNIST", "SyntheticDigits", "Spiral", "ImageArrayDataset", "DatasetNotFoundError",
    "default_root", "IDXError", "parse_idx", "read_idx", "read_idx_images", "read_idx_labels",
    "DownloadError", "ChecksumError", "download_url", "transforms",
]
