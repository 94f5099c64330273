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


# -- trunc_normal_, orthogonal_, dirac_, sparse_ ----------------------------------------------------------------

def _truncated_normal_moments(mean, std, a, b):
    """Mean and std of N(mean, std**2) conditioned on [a, b] (the textbook formulas)."""
    alpha, beta = (a - mean) / std, (b - mean) / std
    pdf = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda x: (1 + math.erf(x / math.sqrt(2))) / 2  # noqa: E731
    z = cdf(beta) - cdf(alpha)
    m = mean + std * (pdf(alpha) - pdf(beta)) / z
    var = std**2 * (1 + (alpha * pdf(alpha) - beta * pdf(beta)) / z - ((pdf(alpha) - pdf(beta)) / z) ** 2)
    return m, math.sqrt(var)


@pytest.mark.parametrize("mean, std, a, b", [
    (0.0, 1.0, -2.0, 2.0),     # most of the mass inside: rejection from the normal
    (0.5, 2.0, 0.0, 1.0),      # 20% of the mass: the uniform proposal
    (0.0, 1.0, 2.5, 3.5),      # deep in the tail: the uniform proposal (and a warning)
    (1.0, 0.1, -5.0, 5.0),     # bounds far away: the plain normal
])
def test_trunc_normal_moments_and_bounds(mean, std, a, b):
    ag.manual_seed(0)
    w = ag.empty(300, 200)
    if mean < a - 2 * std:
        with pytest.warns(UserWarning, match="mean is more than 2 std from"):
            init.trunc_normal_(w, mean, std, a, b)
    else:
        init.trunc_normal_(w, mean, std, a, b)
    x = w.numpy()
    assert x.min() >= a and x.max() <= b
    expected_mean, expected_std = _truncated_normal_moments(mean, std, a, b)
    assert abs(x.mean() - expected_mean) < 0.01 * expected_std * 5
    assert _rel(x.std(), expected_std) < 0.02


def test_trunc_normal_matches_torch_statistics():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    theirs = torch.nn.init.trunc_normal_(torch.empty(300, 200), 0.5, 2.0, 0.0, 1.0).numpy()
    ag.manual_seed(0)
    ours = init.trunc_normal_(ag.empty(300, 200), 0.5, 2.0, 0.0, 1.0).numpy()
    assert abs(ours.mean() - theirs.mean()) < 0.01 and abs(ours.std() - theirs.std()) < 0.01


def test_trunc_normal_edges():
    w = ag.empty(1000)
    init.trunc_normal_(w, std=1.0, a=-0.1, b=0.1)  # bounds not representable in float32: still inside
    assert w.numpy().min() >= np.float32(-0.1) and w.numpy().max() <= np.float32(0.1)
    np.testing.assert_array_equal(init.trunc_normal_(w, a=0.25, b=0.25).numpy(), 0.25)
    with pytest.raises(RuntimeError, match="a <= b"):
        init.trunc_normal_(w, a=1.0, b=0.0)
    with pytest.raises(RuntimeError, match="std > 0"):
        init.trunc_normal_(w, std=0.0)


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4), (6, 2, 3), (2, 3, 4), (8, 1, 1, 1)])
@pytest.mark.parametrize("gain", [1.0, 0.5])
def test_orthogonal_rows_or_columns_are_orthonormal(shape, gain):
    ag.manual_seed(0)
    w = init.orthogonal_(ag.empty(*shape), gain=gain)
    m = w.numpy().reshape(shape[0], -1).astype(np.float64)
    gram = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
    np.testing.assert_allclose(gram, gain**2 * np.eye(len(gram)), atol=1e-5)
    w64 = init.orthogonal_(ag.empty(*shape, dtype=ag.float64), gain=gain)
    m = w64.numpy().reshape(shape[0], -1)
    gram = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
    np.testing.assert_allclose(gram, gain**2 * np.eye(len(gram)), atol=1e-12)


def test_orthogonal_is_haar_distributed():
    # with the sign fix, every entry of a random orthogonal 3x3 has mean 0 and variance 1/3
    rng = np.random.default_rng(0)
    samples = np.stack([init.orthogonal_(ag.empty(3, 3, dtype=ag.float64), generator=rng).numpy()
                        for _ in range(3000)])
    assert np.abs(samples.mean(0)).max() < 0.04
    np.testing.assert_allclose((samples**2).mean(0), 1 / 3, atol=0.03)


def test_orthogonal_errors_empty_and_generator():
    with pytest.raises(ValueError, match="2 or more dimensions"):
        init.orthogonal_(ag.empty(4))
    empty = ag.empty(0, 3)
    assert init.orthogonal_(empty) is empty
    a = init.orthogonal_(ag.empty(4, 6), generator=np.random.default_rng(3))
    b = init.orthogonal_(ag.empty(4, 6), generator=np.random.default_rng(3))
    np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("shape, groups", [((4, 4, 3, 3), 1), ((6, 2, 3, 3), 3), ((3, 5, 5, 3), 1),
                                           ((5, 3, 1, 1), 1), ((4, 2, 3, 5), 2)])
def test_dirac_conv_is_the_identity(shape, groups):
    import nn.functional as F
    w = init.dirac_(ag.randn(*shape, dtype=ag.float64), groups=groups)
    x = ag.randn(2, shape[1] * groups, 6, 7, dtype=ag.float64)
    y = F.conv2d(x, w, padding=(shape[2] // 2, shape[3] // 2), groups=groups).numpy()
    per_group = shape[0] // groups
    kept = min(per_group, shape[1])
    for g in range(groups):
        for d in range(per_group):
            out = y[:, g * per_group + d]
            if d < kept:
                np.testing.assert_array_equal(out, x.numpy()[:, g * shape[1] + d])
            else:
                np.testing.assert_array_equal(out, 0)  # more outputs than inputs: the extra ones are 0


@pytest.mark.parametrize("shape, groups", [((4, 4, 3), 1), ((6, 2, 5), 2), ((4, 3, 3, 3), 2), ((2, 4, 3, 3, 3), 1),
                                           ((6, 1, 2, 2, 4), 3)])
def test_dirac_matches_torch(shape, groups):
    torch = pytest.importorskip("torch")
    ours = init.dirac_(ag.randn(*shape), groups=groups).numpy()
    theirs = torch.nn.init.dirac_(torch.randn(*shape), groups=groups).numpy()
    np.testing.assert_array_equal(ours, theirs)


def test_dirac_errors():
    with pytest.raises(ValueError, match="3, 4, or 5 dimensions"):
        init.dirac_(ag.empty(3, 3))
    with pytest.raises(ValueError, match="divisible by groups"):
        init.dirac_(ag.empty(5, 2, 3, 3), groups=2)
    with pytest.raises(ValueError, match="positive integer"):
        init.dirac_(ag.empty(4, 2, 3, 3), groups=0)


@pytest.mark.parametrize("rows, sparsity", [(100, 0.1), (100, 0.55), (7, 0.3), (10, 0.0), (10, 1.0)])
def test_sparse_zeroes_the_fraction_of_each_column(rows, sparsity):
    ag.manual_seed(0)
    w = init.sparse_(ag.empty(rows, 400), sparsity, std=0.5).numpy()
    zeros_per_column = (w == 0).sum(0)
    np.testing.assert_array_equal(zeros_per_column, math.ceil(sparsity * rows))
    if sparsity < 1:
        assert _rel(w[w != 0].std(), 0.5) < 0.05
    if 0 < sparsity < 1:  # each column picks its own rows, uniformly: every row is zeroed in k / rows of them
        k = math.ceil(sparsity * rows)
        np.testing.assert_allclose((w == 0).mean(1), k / rows, atol=0.1)
        assert len({tuple(np.flatnonzero(c == 0)) for c in w.T}) >= min(100, math.comb(rows, k))


def test_sparse_matches_torch_zero_count_and_errors():
    torch = pytest.importorskip("torch")
    theirs = torch.nn.init.sparse_(torch.empty(30, 20), 0.25).numpy()
    ours = init.sparse_(ag.empty(30, 20), 0.25).numpy()
    np.testing.assert_array_equal((ours == 0).sum(0), (theirs == 0).sum(0))
    with pytest.raises(ValueError, match="2 dimensions"):
        init.sparse_(ag.empty(3, 3, 3), 0.1)
    with pytest.raises(ValueError, match="sparsity must be a fraction"):
        init.sparse_(ag.empty(3, 3), 1.5)


@pytest.mark.parametrize("name, shape, args, message", [
    ("orthogonal_", (3,), (), "2 or more dimensions"), ("eye_", (2, 2, 2), (), "2 dimensions"),
    ("dirac_", (2, 2), (), "3, 4, or 5 dimensions"), ("dirac_", (2, 2, 2, 2, 2, 2), (), "3, 4, or 5 dimensions"),
    ("sparse_", (4,), (0.1,), "2 dimensions"),
])
def test_wrong_ndim_is_a_value_error_as_torch(name, shape, args, message):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match=message):
        getattr(init, name)(ag.empty(*shape), *args)
    with pytest.raises(ValueError, match=message):
        getattr(torch.nn.init, name)(torch.empty(*shape), *args)
