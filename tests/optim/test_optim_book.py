"""The book's optimizers (ch. 6) as options of ours, and the chapter's comparison on f(x, y) = x**2/20 + y**2."""
import numpy as np
import pytest

import autograd as ag
import optim
from optim import toy
from optim_reference import RefAdagrad, RefAdam, RefSGD, package_trajectory, problem


# -- the book's update rules, written as in its common/optimizer.py (numpy, dicts of arrays) ------------------

class BookMomentum:
    def __init__(self, lr=0.01, momentum=0.9):
        self.lr, self.momentum, self.v = lr, momentum, None

    def update(self, params, grads):
        if self.v is None:
            self.v = {k: np.zeros_like(v) for k, v in params.items()}
        for k in params:
            self.v[k] = self.momentum * self.v[k] - self.lr * grads[k]
            params[k] += self.v[k]


class PaperNesterov:
    """Bengio et al. 2012's form: the step uses the velocity from *before* this update."""

    def __init__(self, lr=0.01, momentum=0.9):
        self.lr, self.momentum, self.v = lr, momentum, None

    def update(self, params, grads):
        if self.v is None:
            self.v = {k: np.zeros_like(v) for k, v in params.items()}
        a = self.momentum
        for k in params:
            params[k] += a * a * self.v[k] - (1 + a) * self.lr * grads[k]
            self.v[k] = a * self.v[k] - self.lr * grads[k]


class BookNesterov(PaperNesterov):
    """The book's code: the velocity is updated first, then used."""

    def update(self, params, grads):
        if self.v is None:
            self.v = {k: np.zeros_like(v) for k, v in params.items()}
        a = self.momentum
        for k in params:
            self.v[k] = a * self.v[k] - self.lr * grads[k]
            params[k] += a * a * self.v[k] - (1 + a) * self.lr * grads[k]


class BookAdaGrad:
    def __init__(self, lr=0.01):
        self.lr, self.h = lr, None

    def update(self, params, grads):
        if self.h is None:
            self.h = {k: np.zeros_like(v) for k, v in params.items()}
        for k in params:
            self.h[k] += grads[k] * grads[k]
            params[k] -= self.lr * grads[k] / (np.sqrt(self.h[k]) + 1e-7)


class BookRMSprop:
    def __init__(self, lr=0.01, decay_rate=0.99):
        self.lr, self.decay_rate, self.h = lr, decay_rate, None

    def update(self, params, grads):
        if self.h is None:
            self.h = {k: np.zeros_like(v) for k, v in params.items()}
        for k in params:
            self.h[k] = self.decay_rate * self.h[k] + (1 - self.decay_rate) * grads[k] * grads[k]
            params[k] -= self.lr * grads[k] / (np.sqrt(self.h[k]) + 1e-7)


class BookAdam:
    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-7):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.iter, self.m, self.v = 0, None, None

    def update(self, params, grads):
        if self.m is None:
            self.m = {k: np.zeros_like(v) for k, v in params.items()}
            self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.iter += 1
        lr_t = self.lr * np.sqrt(1.0 - self.beta2**self.iter) / (1.0 - self.beta1**self.iter)
        for k in params:
            self.m[k] += (1 - self.beta1) * (grads[k] - self.m[k])
            self.v[k] += (1 - self.beta2) * (grads[k] ** 2 - self.v[k])
            params[k] -= lr_t * self.m[k] / (np.sqrt(self.v[k]) + self.eps)


def book_trajectory(book, steps=10, lrs=None):
    """Weights after each step of a book optimizer on the test problem; ``lrs`` changes ``book.lr`` per step."""
    init, grads = problem()
    params = {k: v.copy() for k, v in init.items()}
    out = []
    for t in range(steps):
        if lrs is not None:
            book.lr = lrs[t]
        book.update(params, grads(params))
        out.append({k: v.copy() for k, v in params.items()})
    return out


def assert_same(ours, theirs, rtol=1e-12, atol=1e-13):
    for step, (a, b) in enumerate(zip(ours, theirs), 1):
        for k in b:
            np.testing.assert_allclose(a[k], b[k], rtol=rtol, atol=atol, err_msg=f"{k} after step {step}")


def test_book_momentum_is_sgd_with_momentum():
    ours, opt, params = package_trajectory(lambda p: optim.SGD(p, lr=0.1, momentum=0.9), 10)
    book = BookMomentum(lr=0.1, momentum=0.9)
    assert_same(ours, book_trajectory(book, 10))
    # the docstring's algebra: the book's velocity is -lr times torch's buffer
    for k in ("W", "b"):
        np.testing.assert_allclose(book.v[k], -0.1 * opt.state[params[k]]["momentum_buffer"].numpy(), rtol=1e-12)


def test_book_momentum_and_sgd_momentum_part_ways_when_lr_changes():
    lrs = [0.1] * 3 + [0.02] * 7
    book = book_trajectory(BookMomentum(momentum=0.9), 10, lrs)
    init, grads = problem()
    W, b = (ag.tensor(init[k].copy(), requires_grad=True) for k in ("W", "b"))
    opt = optim.SGD([W, b], lr=0.1, momentum=0.9)
    for t in range(10):
        opt.param_groups[0]["lr"] = lrs[t]
        g = grads({"W": W.numpy(), "b": b.numpy()})
        W.grad, b.grad = ag.tensor(g["W"]), ag.tensor(g["b"])
        opt.step()
        if t < 3:
            np.testing.assert_allclose(W.numpy(), book[t]["W"], rtol=1e-12)
    assert not np.allclose(W.numpy(), book[-1]["W"], rtol=1e-6)


def test_paper_nesterov_is_sgd_nesterov():
    ours, _, _ = package_trajectory(lambda p: optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True), 10)
    assert_same(ours, book_trajectory(PaperNesterov(lr=0.05, momentum=0.9), 10))


def test_books_nesterov_code_differs_from_the_first_step():
    ours, _, _ = package_trajectory(lambda p: optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True), 1)
    book = book_trajectory(BookNesterov(lr=0.05, momentum=0.9), 1)
    init, grads = problem()
    g = grads(init)["b"]
    a = 0.9
    np.testing.assert_allclose(ours[0]["b"] - init["b"], -(1 + a) * 0.05 * g, rtol=1e-12)
    np.testing.assert_allclose(book[0]["b"] - init["b"], -(1 + a + a * a) * 0.05 * g, rtol=1e-12)


def test_book_adagrad_is_adagrad_with_eps_1e_7():
    ours, _, _ = package_trajectory(lambda p: optim.Adagrad(p, lr=0.1, eps=1e-7), 10)
    assert_same(ours, book_trajectory(BookAdaGrad(lr=0.1), 10))


def test_book_rmsprop_is_rmsprop_with_alpha_decay_rate_and_eps_1e_7():
    ours, _, _ = package_trajectory(lambda p: optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-7), 10)
    assert_same(ours, book_trajectory(BookRMSprop(lr=0.01, decay_rate=0.9), 10), rtol=1e-11)


def test_book_adam_is_adam_up_to_where_eps_sits():
    ours, _, _ = package_trajectory(lambda p: optim.Adam(p, lr=0.05, eps=0.0), 10)
    assert_same(ours, book_trajectory(BookAdam(lr=0.05, eps=0.0), 10), rtol=1e-11)
    with_eps, _, _ = package_trajectory(lambda p: optim.Adam(p, lr=0.05), 10)
    # with eps the two move apart by about lr * eps / sqrt(v) per step: a few 1e-6 here
    assert_same(with_eps, book_trajectory(BookAdam(lr=0.05), 10), rtol=0, atol=1e-5)


# -- the chapter-6 comparison ---------------------------------------------------------------------------------

# final points after 30 steps from (-7, 2), computed with this package (float64) and checked against the
# plain-numpy references below and against PyTorch
PINNED = {
    "SGD": (-0.3503929957523195, 0.0847823165504322),
    "Momentum": (0.8964138584937322, 0.08808560171506963),
    "AdaGrad": (-0.1201622472472858, 2.4863841159975277e-17),
    "Adam": (0.13601461732623243, 0.3182453888963097),
}
BOOK_REFERENCES = {
    "SGD": RefSGD(lr=0.95),
    "Momentum": RefSGD(lr=0.1, momentum=0.9),
    "AdaGrad": RefAdagrad(lr=1.5),
    "Adam": RefAdam(lr=0.3),
}


@pytest.fixture(scope="module")
def paths():
    return toy.optimizer_paths(steps=30, start=(-7.0, 2.0))


def test_paths_shape_and_start(paths):
    assert list(paths) == ["SGD", "Momentum", "AdaGrad", "Adam"]
    for name, path in paths.items():
        assert path.shape == (31, 2) and path.dtype == np.float64, name
        assert tuple(path[0]) == (-7.0, 2.0)


def test_final_points_are_pinned(paths):
    for name, point in PINNED.items():
        np.testing.assert_allclose(paths[name][-1], point, rtol=1e-9, atol=1e-12, err_msg=name)


def test_paths_match_the_numpy_references(paths):
    for name, ref in BOOK_REFERENCES.items():
        xy = np.array([-7.0, 2.0])
        expected = [xy]
        for _ in range(30):
            gx, gy = toy.grad_f(xy[0], xy[1])
            xy = np.array([ref.update("x", xy[0], gx), ref.update("y", xy[1], gy)])
            expected.append(xy)
        np.testing.assert_allclose(paths[name], np.array(expected), rtol=1e-12, atol=1e-14, err_msg=name)


def test_paths_match_torch(paths):
    torch = pytest.importorskip("torch")
    makers = {
        "SGD": lambda p: torch.optim.SGD(p, lr=0.95),
        "Momentum": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
        "AdaGrad": lambda p: torch.optim.Adagrad(p, lr=1.5),
        "Adam": lambda p: torch.optim.Adam(p, lr=0.3),
    }
    for name, make in makers.items():
        x = torch.tensor(-7.0, dtype=torch.float64, requires_grad=True)
        y = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
        opt = make([x, y])
        for i in range(1, 31):
            opt.zero_grad()
            toy.f(x, y).backward()
            opt.step()
            np.testing.assert_allclose(paths[name][i], [x.item(), y.item()], rtol=1e-12, atol=1e-14, err_msg=name)


def test_the_books_picture_qualitatively(paths):
    start = toy.f(-7.0, 2.0)
    for name, path in paths.items():
        assert np.hypot(*path[-1]) < 1.0, f"{name} did not reach the neighbourhood of the minimum"
        assert toy.f(*path[-1]) < 0.02 * start, name
    sgd, adagrad, adam = paths["SGD"], paths["AdaGrad"], paths["Adam"]
    # SGD zig-zags across the valley: y changes sign at every step (y <- (1 - 2 * 0.95) y = -0.9 y) ...
    assert np.all(np.sign(sgd[1:, 1]) == -np.sign(sgd[:-1, 1]))
    np.testing.assert_allclose(sgd[1:, 1] / sgd[:-1, 1], -0.9, rtol=1e-12)
    # ... while creeping along it: after 30 steps it is further from x = 0 than AdaGrad and Adam
    assert abs(sgd[-1, 0]) > 2 * max(abs(adagrad[-1, 0]), abs(adam[-1, 0]))
    # AdaGrad damps the steep y direction at once: y falls monotonically to 0 without crossing it
    assert np.all(np.diff(adagrad[:, 1]) <= 0) and np.all(adagrad[:, 1] >= 0) and abs(adagrad[-1, 1]) < 1e-12
    # Momentum rolls past the minimum in x (the ball overshoots), unlike SGD which never crosses x = 0
    assert paths["Momentum"][:, 0].max() > 0 and np.all(sgd[:, 0] < 0)


def test_optimizer_paths_takes_other_optimizers_and_lengths():
    out = toy.optimizer_paths(steps=5, start=(1.0, -1.0), optimizers={"RMSprop": lambda p: optim.RMSprop(p, lr=0.1)})
    assert list(out) == ["RMSprop"] and out["RMSprop"].shape == (6, 2)
    assert tuple(out["RMSprop"][0]) == (1.0, -1.0)
    assert toy.f(*out["RMSprop"][-1]) < toy.f(1.0, -1.0)


def test_f_works_on_meshgrids_and_tensors():
    X, Y = np.meshgrid(np.linspace(-10, 10, 5), np.linspace(-5, 5, 3))
    np.testing.assert_allclose(toy.f(X, Y), X**2 / 20 + Y**2)
    x = ag.tensor(np.float64(3.0), requires_grad=True)
    y = ag.tensor(np.float64(-1.0), requires_grad=True)
    toy.f(x, y).backward()
    assert (x.grad.item(), y.grad.item()) == pytest.approx(toy.grad_f(3.0, -1.0))
