"""Empty batches, as PyTorch: ``(0, ...)`` in, ``(0, ...)`` out; reductions over an empty dim as PyTorch defines them."""
import warnings

import numpy as np
import pytest

import autograd as ag

torch = pytest.importorskip("torch")

CASES = {
 "conv2d": (lambda m, x: m.nn.functional.conv2d(x, m.ones(2,3,3,3)), (0,3,8,8)),
 "max_pool2d": (lambda m, x: m.nn.functional.max_pool2d(x, 2), (0,3,8,8)),
 "avg_pool2d": (lambda m, x: m.nn.functional.avg_pool2d(x, 2), (0,3,8,8)),
 "softmax0": (lambda m, x: m.softmax(x, 0), (0,3)),
 "softmax1": (lambda m, x: m.softmax(x, 1), (0,3)),
 "log_softmax": (lambda m, x: m.log_softmax(x, 1), (0,3)),
 "logsumexp0": (lambda m, x: m.logsumexp(x, 0), (0,3)),
 "logsumexp1": (lambda m, x: m.logsumexp(x, 1), (0,3)),
 "amax1": (lambda m, x: m.amax(x, 1), (0,3)),
 "sum": (lambda m, x: x.sum(), (0,3)),
 "mean0": (lambda m, x: x.mean(0), (0,3)),
 "mean1": (lambda m, x: x.mean(1), (0,3)),
 "var1": (lambda m, x: x.var(1), (0,3)),
 "linear": (lambda m, x: m.nn.functional.linear(x, m.ones(2,3)), (0,3)),
 "ce": (lambda m, x: m.nn.functional.cross_entropy(x, m.zeros(0, dtype=m.int64)), (0,3)),
 "ce_sum": (lambda m, x: m.nn.functional.cross_entropy(x, m.zeros(0, dtype=m.int64), reduction="sum"), (0,3)),
 "mse": (lambda m, x: m.nn.functional.mse_loss(x, m.zeros(0,3)), (0,3)),
 "bn_eval": (lambda m, x: m.nn.functional.batch_norm(x, m.zeros(3), m.ones(3), training=False), (0,3)),
 "bn_train": (lambda m, x: m.nn.functional.batch_norm(x, m.zeros(3), m.ones(3), training=True), (0,3)),
 "layer_norm": (lambda m, x: m.nn.functional.layer_norm(x, (3,)), (0,3)),
 "dropout": (lambda m, x: m.nn.functional.dropout(x, 0.5), (0,3)),
 "relu": (lambda m, x: m.relu(x), (0,3)),
 "matmul": (lambda m, x: x @ m.ones(3, 2), (0,3)),
 "max_dim": (lambda m, x: x.max(1)[0], (0,3)),
 "cat": (lambda m, x: m.cat([x, x]), (0,3)),
 "embedding": (lambda m, x: m.nn.functional.embedding(m.zeros(0, dtype=m.int64), m.ones(4, 3)) + x.sum(), (0,3)),
 "adaptive": (lambda m, x: m.nn.functional.adaptive_avg_pool2d(x, 2), (0,3,8,8)),
 "conv1d": (lambda m, x: m.nn.functional.conv1d(x, m.ones(2,3,3)), (0,3,8)),
 "lstm": (lambda m, x: m.nn.LSTM(3, 2)(x)[0], (5,0,3)),
 "gn": (lambda m, x: m.nn.functional.group_norm(x, 1), (0,3,4)),
 "nll": (lambda m, x: m.nn.functional.nll_loss(x, m.zeros(0, dtype=m.int64)), (0,3)),
 "bce": (lambda m, x: m.nn.functional.binary_cross_entropy_with_logits(x, m.zeros(0,3)), (0,3)),
}


def _run(lib, fn, shape):
    x = lib.zeros(*shape, requires_grad=True)
    y = fn(lib, x)
    y.sum().backward()
    return np.asarray(y.detach().numpy(), dtype=np.float64), tuple(x.grad.shape)


@pytest.mark.parametrize("name", sorted(CASES))
def test_empty_batch_as_torch(name):
    fn, shape = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch and numpy warn about empty reductions, each in its own words
        ref, ref_grad = _run(torch, fn, shape)
        out, grad = _run(ag, fn, shape)
    assert out.shape == ref.shape and grad == ref_grad
    np.testing.assert_array_equal(out, ref)  # NaN and -inf where PyTorch gives them


def test_max_over_an_empty_dim_raises_as_torch():
    for lib in (torch, ag):
        with pytest.raises((RuntimeError, IndexError)):
            lib.zeros(0, 3).max(0)
    with pytest.raises(RuntimeError, match="empty dim"):
        ag.zeros(0, 3).amax(0)
