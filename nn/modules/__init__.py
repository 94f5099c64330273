"""The layers, grouped by concept; all re-exported from ``nn``."""
from .activation import (ELU, GELU, SELU, Hardtanh, LeakyReLU, LogSigmoid, LogSoftmax, Mish, PReLU, ReLU, Sigmoid, SiLU,
                         Softmax, Softplus, Tanh)
from .conv import Conv1d, Conv2d, ConvTranspose2d
from .distance import CosineSimilarity, PairwiseDistance
from .dropout import Dropout
from .embedding import Embedding
from .flatten import Flatten, Identity, Unflatten
from .linear import Linear
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, KLDivLoss, L1Loss, MarginRankingLoss, MSELoss,
                   NLLLoss, SmoothL1Loss, SoftMarginLoss, TripletMarginLoss)
from .normalization import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm
from .pooling import AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d, MaxUnpool2d
from .rnn import GRU, LSTM, RNN, RNNBase
from .rnn_cell import GRUCell, LSTMCell, RNNCell
from .upsampling import Upsample

__all__ = [
    "Linear", "Conv1d", "Conv2d", "ConvTranspose2d",
    "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "MaxUnpool2d",
    "BatchNorm1d", "BatchNorm2d", "LayerNorm", "GroupNorm", "Dropout", "Embedding", "Upsample",
    "ReLU", "LeakyReLU", "PReLU", "ELU", "SELU", "Sigmoid", "LogSigmoid", "Tanh", "Hardtanh", "GELU", "SiLU", "Mish",
    "Softplus", "Softmax", "LogSoftmax",
    "CrossEntropyLoss", "NLLLoss", "MSELoss", "BCEWithLogitsLoss", "BCELoss", "KLDivLoss", "L1Loss", "SmoothL1Loss",
    "HuberLoss", "MarginRankingLoss", "SoftMarginLoss", "TripletMarginLoss", "CosineSimilarity", "PairwiseDistance",
    "Identity", "Flatten", "Unflatten", "RNNBase", "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell",
]
