"""``autograd.utils``: PyTorch's ``torch.utils`` as far as training scripts use it (``utils.data``)."""
from . import data

__all__ = ["data"]
