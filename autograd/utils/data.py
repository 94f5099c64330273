"""``torch.utils.data``'s names, from :mod:`autograd.data`: ``from autograd.utils.data import DataLoader``.

``DataLoader(num_workers=n)`` loads in the calling process (see :class:`autograd.data.DataLoader`).
"""
from ..data import ConcatDataset, DataLoader, Dataset, Subset, TensorDataset, default_collate, random_split

__all__ = ["Dataset", "TensorDataset", "Subset", "ConcatDataset", "random_split", "DataLoader", "default_collate"]
