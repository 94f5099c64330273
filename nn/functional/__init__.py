"""nn.functional: stateless differentiable ops for networks, as ``torch.nn.functional`` (``import nn.functional as F``).

Shapes follow PyTorch: images are ``(N, C, H, W)``, linear inputs ``(*, in_features)``, logits ``(N, C, ...)``.
Where the book (*Deep Learning from Scratch*) names a layer differently, the docstring says so: ``linear`` is
``Affine``, ``cross_entropy`` is ``SoftmaxWithLoss``, ``unfold``/``fold`` are ``im2col``/``col2im``.

Every op is differentiable to any order (``create_graph=True`` works through all of them), and each backward
rule is written once for both the fast array path and the recorded graph path.
"""
from .activation import (erf, gelu, leaky_relu, log_softmax, logsigmoid, mish, relu, sigmoid, silu, softmax, softplus,
                         tanh)
from .adaptive import adaptive_avg_pool2d, adaptive_max_pool2d
from .columns import col2im, fold, im2col, unfold
from .conv import conv1d, conv2d
from .conv_transpose import conv_transpose2d
from .distance import cosine_similarity, pairwise_distance
from .dropout import dropout
from .embedding import embedding
from .interpolate import interpolate
from .linear import linear
from .loss import binary_cross_entropy_with_logits, cross_entropy, mse_loss, nll_loss
from .loss_margin import margin_ranking_loss, soft_margin_loss, triplet_margin_loss
from .loss_probability import binary_cross_entropy, kl_div
from .loss_regression import huber_loss, l1_loss, smooth_l1_loss
from .misc import one_hot, pad
from .normalization import batch_norm, group_norm, layer_norm
from .pooling import avg_pool2d, max_pool2d
from .pooling1d import avg_pool1d, max_pool1d
from .rectifiers import elu, hardtanh, prelu, selu
from .unpool import max_unpool2d

__all__ = [
    "linear", "conv1d", "conv2d", "conv_transpose2d", "unfold", "fold", "im2col", "col2im",
    "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d",
    "max_unpool2d", "batch_norm", "layer_norm", "group_norm", "dropout", "embedding", "interpolate",
    "relu", "leaky_relu", "prelu", "elu", "selu", "sigmoid", "logsigmoid", "tanh", "hardtanh", "gelu", "silu", "mish",
    "softplus", "softmax", "log_softmax", "erf",
    "cross_entropy", "nll_loss", "mse_loss", "binary_cross_entropy_with_logits", "binary_cross_entropy", "kl_div",
    "l1_loss", "smooth_l1_loss", "huber_loss", "margin_ranking_loss", "soft_margin_loss", "triplet_margin_loss",
    "cosine_similarity", "pairwise_distance", "pad", "one_hot",
]
