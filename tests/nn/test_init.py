"""nn.init: gains, fans, and the statistics of every initialiser."""
import math

import numpy as np
import pytest

import autograd as ag
import nn
from nn import init


def _rel(actual, expected):
    return abs(actual - expected) / expected


@pytest.mark.parametrize("name, param, expected", [
    ("linear", None, 1), ("conv2d", None, 1), ("sigmoid", None, 1), ("tanh", None, 5 / 3),
    ("relu", None, math.sqrt(2)), ("leaky_relu", None, math.sqrt(2 / (1 + 0.01**2))),
    ("leaky_relu", 0.2, math.sqrt(2 / 1.04)), ("leaky_relu", math.sqrt(5), math.sqrt(1 / 3)), ("selu", None, 0.75),
])
def test_calculate_gain(name, param, expected):
    assert init.calculate_gain(name, param) == pytest.approx(expected)


def test_calculate_gain_matches_torch():
    torch = pytest.importorskip("torch")
    for name in ("linear", "conv1d", "conv2d", "conv_transpose2d", "sigmoid", "tanh", "relu", "leaky_relu", "selu"):
        assert init.calculate_gain(name) == pytest.approx(torch.nn.init.calculate_gain(name))
    for slope in (0, 0.1, 1, math.sqrt(5)):
        assert init.calculate_gain("leaky_relu", slope) == pytest.approx(torch.nn.init.calculate_gain("leaky_relu", slope))


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="Unsupported nonlinearity softsign"):
        init.calculate_gain("softsign")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", "big")


def test_fan_in_and_fan_out():
    assert init._calculate_fan_in_and_fan_out(ag.empty(20, 30)) == (30, 20)
    assert init._calculate_fan_in_and_fan_out(ag.empty(16, 3, 5, 5)) == (75, 400)
    assert init._calculate_fan_in_and_fan_out(ag.empty(4, 2, 7)) == (14, 28)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(ag.empty(5))


def test_fans_match_torch():
    torch = pytest.importorskip("torch")
    for shape in [(20, 30), (16, 3, 5, 5), (4, 2, 7), (3, 1, 1, 1, 2)]:
        assert init._calculate_fan_in_and_fan_out(ag.empty(*shape)) == \
            torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))


SHAPE = (400, 50, 3)  # fan_in 150, fan_out 1200, 60000 samples: sample std within ~1% of the target


@pytest.mark.parametrize("fill, expected_std", [
    (lambda w: init.xavier_uniform_(w), math.sqrt(2 / (150 + 1200))),
    (lambda w: init.xavier_uniform_(w, gain=2.0), 2 * math.sqrt(2 / (150 + 1200))),
    (lambda w: init.xavier_normal_(w), math.sqrt(2 / (150 + 1200))),
    (lambda w: init.xavier_normal_(w, gain=init.calculate_gain("tanh")), 5 / 3 * math.sqrt(2 / 1350)),
    (lambda w: init.kaiming_uniform_(w, nonlinearity="relu"), math.sqrt(2 / 150)),
    (lambda w: init.kaiming_uniform_(w, a=math.sqrt(5)), 1 / math.sqrt(150) / math.sqrt(3)),
    (lambda w: init.kaiming_normal_(w, nonlinearity="relu"), math.sqrt(2 / 150)),
    (lambda w: init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu"), math.sqrt(2 / 1200)),
    (lambda w: init.kaiming_normal_(w, a=0.3), math.sqrt(2 / 1.09) / math.sqrt(150)),
    (lambda w: init.kaiming_normal_(w, nonlinearity="linear"), math.sqrt(1 / 150)),  # the book's "Xavier"
    (lambda w: init.normal_(w, 0.0, 0.01), 0.01),  # the book's weight_init_std
    (lambda w: init.trunc_normal_(w, std=1.0, a=-100, b=100), 1.0),
])
def test_initialiser_statistics(fill, expected_std):
    ag.manual_seed(0)
    w = ag.empty(*SHAPE)
    assert fill(w) is w
    assert _rel(w.numpy().std(), expected_std) < 0.02
    assert abs(w.numpy().mean()) < 0.02 * expected_std * 5
    assert w.dtype == np.float32


def test_uniform_bounds():
    ag.manual_seed(0)
    w = ag.empty(1000, 10)
    init.uniform_(w, -0.5, 2.0)
    assert w.numpy().min() >= -0.5 and w.numpy().max() < 2.0 and w.numpy().min() < -0.49 and w.numpy().max() > 1.99
    bound = math.sqrt(6 / 1010)
    init.xavier_uniform_(w)
    assert np.abs(w.numpy()).max() <= bound * (1 + 1e-6)
    init.kaiming_uniform_(w, mode="fan_out", nonlinearity="relu")
    assert np.abs(w.numpy()).max() <= math.sqrt(6 / 1000) * (1 + 1e-6)
    init.trunc_normal_(w, mean=0.0, std=1.0, a=-0.5, b=0.5)
    assert w.numpy().min() >= -0.5 and w.numpy().max() <= 0.5


def test_constants_and_eye():
    w = ag.randn(3, 4)
    np.testing.assert_array_equal(init.zeros_(w).numpy(), 0)
    np.testing.assert_array_equal(init.ones_(w).numpy(), 1)
    np.testing.assert_array_equal(init.constant_(w, 0.25).numpy(), 0.25)
    np.testing.assert_array_equal(init.eye_(w).numpy(), np.eye(3, 4))
    with pytest.raises(ValueError, match="2 dimensions"):
        init.eye_(ag.empty(2, 2, 2))


def test_in_place_on_parameters_without_recording():
    p = nn.Parameter(ag.zeros(5, 5))
    data = p.numpy()
    assert ag.is_grad_enabled()
    init.kaiming_normal_(p)
    assert p.numpy() is data and p.is_leaf and p.requires_grad and p.grad_fn is None
    assert ag.is_grad_enabled()  # restored
    assert np.any(p.numpy() != 0)


def test_reproducible_with_seed_and_private_generator():
    a, b = ag.empty(10, 10), ag.empty(10, 10)
    ag.manual_seed(7)
    init.xavier_normal_(a)
    ag.manual_seed(7)
    init.xavier_normal_(b)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    init.uniform_(a, generator=np.random.default_rng(1))
    init.uniform_(b, generator=np.random.default_rng(1))
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_kaiming_errors_and_empty_tensor():
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(ag.empty(3, 3), mode="fan_avg")
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(ag.empty(3))
    with pytest.warns(UserWarning, match="zero-element"):
        init.kaiming_uniform_(ag.empty(0, 3))


def test_docstrings_name_the_books_initialisers():
    assert "Glorot" in init.xavier_uniform_.__doc__ and "Xavier" in init.xavier_normal_.__doc__
    assert "He" in init.kaiming_normal_.__doc__ and "book" in init.kaiming_normal_.__doc__
