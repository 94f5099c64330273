"""The workloads in MyGrad 2.x ("drop-in automatic differentiation to NumPy").

MyGrad has no module or optimizer classes: parameters are plain ``mg.Tensor`` objects, the layers are
``mygrad.nnet`` functions (``conv_nd``, ``max_pool``, ``softmax_crossentropy``) and the SGD/Adam updates
are written here in numpy on ``tensor.data``; so are dropout (a numpy mask), BatchNorm's running statistics
and eval mode (``batchnorm`` normalises by the batch only), and average pooling (MyGrad has none: a mean of
shifted slices).  MyGrad clears a tensor's ``.grad`` by itself when the
tensor enters a new operation, so no zero-grad step is needed.  Its default memory guarding (arrays
made read-only while a graph holds them) stays on, as a user gets it.
"""
import mygrad as mg
import numpy as np
from mygrad.nnet import batchnorm, conv_nd, max_pool, relu, softmax_crossentropy

from . import graphs
from .networks import BN_EPS, NETWORKS, adaptive_window
from .timing import blas_threads


def info():
    """Version and thread setting of this library."""
    return {"version": mg.__version__, "threads": blas_threads()}


def item(loss):
    """The loss as a Python float."""
    return float(loss.item())


def op_chain(depth):
    """Forward+backward of ``depth`` x ``tanh(x * 1.01)`` on a 10x10 float32 leaf."""
    x = mg.tensor(np.ones((10, 10), np.float32))

    def run():
        y = x
        for _ in range(depth):
            y = mg.tanh(y * 1.01)
        mg.sum(y).backward()

    return run


def scaling_graph(shape, n):
    """Build a ``chain`` or ``fanin`` graph of about ``n`` ops; return a callable running its backward."""
    return graphs.scaling_graph(mg.tensor(np.float32(1.0)), shape, n)


def convnet_step(params, x, t, lr):
    """One SimpleConvNet SGD step as a callable returning the loss."""
    p = {k: mg.tensor(v.copy()) for k, v in params.items()}
    conv_b = p["conv_b"]
    fc1_wt, fc2_wt = mg.tensor(params["fc1_w"].T.copy()), mg.tensor(params["fc2_w"].T.copy())
    weights = [p["conv_w"], conv_b, fc1_wt, p["fc1_b"], fc2_wt, p["fc2_b"]]

    def step():
        y = conv_nd(x, p["conv_w"], stride=1) + conv_b.reshape(1, -1, 1, 1)
        y = max_pool(relu(y), (2, 2), 2)
        y = relu(mg.matmul(y.reshape(y.shape[0], -1), fc1_wt) + p["fc1_b"])
        loss = softmax_crossentropy(mg.matmul(y, fc2_wt) + p["fc2_b"], t)
        loss.backward()
        for w in weights:
            w.data -= lr * w.grad
        return loss

    return step


def _adam(weights, lr, betas=(0.9, 0.999), eps=1e-8):
    """An Adam update (numpy on ``tensor.data``) of ``weights`` from their ``.grad``, as a callable."""
    ms = [np.zeros_like(w.data) for w in weights]
    vs = [np.zeros_like(w.data) for w in weights]
    b1, b2 = betas
    count = [0]

    def update():
        count[0] += 1
        c1, c2 = 1 - b1 ** count[0], 1 - b2 ** count[0]
        for w, m, v in zip(weights, ms, vs):
            g = w.grad
            m += (1 - b1) * (g - m)
            v += (1 - b2) * (g * g - v)
            w.data -= (lr / c1) * m / (np.sqrt(v / c2) + eps)

    return update


def mlp_adam_step(params, x, t, lr):
    """One MLP Adam step (numpy Adam on ``tensor.data``) as a callable returning the loss."""
    weights = []
    for w, b in params:
        weights += [mg.tensor(w.T.copy()), mg.tensor(b.copy())]
    update = _adam(weights, lr)

    def step():
        y = x
        for i in range(0, len(weights), 2):
            y = mg.matmul(y, weights[i]) + weights[i + 1]
            if i + 2 < len(weights):
                y = relu(y)
        loss = softmax_crossentropy(y, t)
        loss.backward()
        update()
        return loss

    return step


def _avg_pool(x, kernel, stride):
    """Average pooling (N, C, H, W) as the mean of the kernel's shifted, strided slices."""
    (kh, kw), (sh, sw) = kernel, stride
    oh, ow = (x.shape[2] - kh) // sh + 1, (x.shape[3] - kw) // sw + 1
    windows = [x[:, :, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw] for i in range(kh) for j in range(kw)]
    total = windows[0]
    for window in windows[1:]:
        total = total + window
    return total * np.float32(1 / (kh * kw))  # a numpy float32: a Python number would promote MyGrad's to float64


def _max_pool(x, kernel, stride):
    """Max pooling as torch's (floor mode): MyGrad's needs windows that tile the input, so the unused edge is cut."""
    h, w = ((x.shape[2] - kernel) // stride) * stride + kernel, ((x.shape[3] - kernel) // stride) * stride + kernel
    if (h, w) != x.shape[2:]:
        x = x[:, :, :h, :w]
    return max_pool(x, (kernel, kernel), stride)


class _Net:
    """``networks.NETWORKS[net]`` as MyGrad functions over plain tensors (linear weights stored (in, out))."""

    def __init__(self, net, params):
        self.layers, self.training = NETWORKS[net]["layers"], True
        values, self.weights, self.running = iter(value for _, value in params), [], {}
        for i, (kind, *args) in enumerate(self.layers):
            if kind in ("conv", "linear", "bn2d", "bn1d"):
                w, b = next(values), next(values)
                self.weights += [mg.tensor(w.T.copy() if kind == "linear" else w.copy()), mg.tensor(b.copy())]
            if kind in ("bn2d", "bn1d"):
                self.running[i] = (np.zeros(args[0], np.float32), np.ones(args[0], np.float32))

    def __call__(self, x):
        weights = iter(self.weights)
        for i, (kind, *args) in enumerate(self.layers):
            if kind == "conv":
                w, b = next(weights), next(weights)
                x = conv_nd(x, w, stride=args[3], padding=args[4]) + b.reshape(1, -1, 1, 1)
            elif kind == "linear":
                w, b = next(weights), next(weights)
                x = mg.matmul(x, w) + b
            elif kind in ("bn2d", "bn1d"):
                x = self._batchnorm(i, x, next(weights), next(weights))
            elif kind == "relu":
                x = relu(x)
            elif kind == "maxpool":
                x = _max_pool(x, *args)
            elif kind == "adaptive_avgpool":
                (kh, sh), (kw, sw) = adaptive_window(x.shape[2], args[0]), adaptive_window(x.shape[3], args[0])
                x = _avg_pool(x, (kh, kw), (sh, sw))
            elif kind == "flatten":
                x = x.reshape(x.shape[0], -1)
            elif kind == "dropout":
                if self.training:
                    keep = np.random.random_sample(x.shape) >= args[0]
                    x = x * (keep.astype(np.float32) / np.float32(1 - args[0]))
            else:
                raise ValueError(f"impl_mygrad: unknown layer kind {kind!r}")
        return x

    def _batchnorm(self, i, x, gamma, beta):
        mean, var = self.running[i]
        shape = (1, -1) + (1,) * (x.ndim - 2)
        if not self.training:
            return (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + BN_EPS) * gamma.reshape(shape) \
                + beta.reshape(shape)
        axes = (0,) + tuple(range(2, x.ndim))
        # torch's running statistics: momentum 0.1, the unbiased batch variance.
        mean += 0.1 * (x.data.mean(axis=axes) - mean)
        var += 0.1 * (x.data.var(axis=axes, ddof=1) - var)
        return batchnorm(x, gamma=gamma, beta=beta, eps=BN_EPS)


def cnn_model(net, params):
    """``networks.NETWORKS[net]`` as MyGrad tensors and functions holding ``params``."""
    return _Net(net, params)


def cnn_train_step(model, x, t, lr):
    """One Adam step in training mode as a callable returning the loss."""
    update = _adam(model.weights, lr)

    def step():
        model.training = True
        loss = softmax_crossentropy(model(x), t)
        loss.backward()
        update()
        return loss

    return step


def cnn_eval_loss(model, x, t):
    """The loss of one eval-mode forward (dropout off, running statistics) without a graph."""
    model.training = False
    with mg.no_autodiff:
        loss = item(softmax_crossentropy(model(x), t))
    model.training = True
    return loss


def cnn_infer(model, x):
    """An eval-mode forward without a graph as a callable returning the logits (leaves the model in eval mode)."""
    model.training = False

    def infer():
        with mg.no_autodiff:
            return model(x)

    return infer
