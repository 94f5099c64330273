"""Adadelta, Adamax, NAdam, RAdam, ASGD and LBFGS, step for step against PyTorch (float64), state dicts and errors."""
import copy

import numpy as np
import pytest

import autograd as ag
import optim
from optim_reference import problem

torch = pytest.importorskip("torch")

STEPS = 12

CASES = [
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-4)),
    ("Adadelta", dict(weight_decay=0.1)),
    ("Adadelta", dict(rho=0.95, weight_decay=0.2, maximize=True)),
    ("Adamax", dict(lr=0.05)),
    ("Adamax", dict(lr=0.05, betas=(0.8, 0.99), eps=1e-3)),
    ("Adamax", dict(lr=0.05, weight_decay=0.1)),
    ("Adamax", dict(lr=0.05, weight_decay=0.2, maximize=True)),
    ("NAdam", dict(lr=0.05)),
    ("NAdam", dict(lr=0.05, betas=(0.8, 0.99), momentum_decay=0.1)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("NAdam", dict(lr=0.05, weight_decay=0.3, decoupled_weight_decay=True, maximize=True, eps=1e-3)),
    ("RAdam", dict(lr=0.05)),  # rho_t > 5 from step 6 on: both branches run
    ("RAdam", dict(lr=0.05, betas=(0.8, 0.9))),  # rho_inf = 19: the rectified branch from step 2
    ("RAdam", dict(lr=0.05, weight_decay=0.1)),
    ("RAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.05, weight_decay=0.2, decoupled_weight_decay=True, maximize=True)),
    ("ASGD", dict(lr=0.05)),
    ("ASGD", dict(lr=0.05, lambd=0.1, alpha=0.5, t0=3)),  # averaging starts after step 3
    ("ASGD", dict(lr=0.05, lambd=0.01, t0=0, weight_decay=0.1)),
    ("ASGD", dict(lr=0.02, lambd=0.05, t0=2, weight_decay=0.2, maximize=True)),
]
IDS = [f"{name}-" + "-".join(f"{k}={v}" for k, v in hp.items()) for name, hp in CASES]


@pytest.fixture(autouse=True)
def torch_float64():
    """PyTorch keeps scalar state (NAdam's mu_product, ASGD's eta and mu) in its default dtype: make it float64."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


class Run:
    """One optimizer over the parameters [W, b] of :func:`problem`, stepped with its closed-form gradients."""

    def __init__(self, lib, name, hp, groups=None, seed=0):
        init, self.grads = problem(seed)
        self.lib = lib
        if lib == "torch":
            self.params = [torch.tensor(init[k], requires_grad=True) for k in ("W", "b")]
            cls = getattr(torch.optim, name)
            hp = {"foreach": False, **hp}
        else:
            self.params = [ag.tensor(init[k], requires_grad=True) for k in ("W", "b")]
            cls = getattr(optim, name)
        spec = self.params if groups is None else [{"params": [p], **g} for p, g in zip(self.params, groups)]
        self.opt = cls(spec, **hp)

    def weights(self):
        return [p.detach().numpy().copy() for p in self.params]

    def step(self, n=1):
        make = torch.tensor if self.lib == "torch" else ag.tensor
        out = []
        for _ in range(n):
            W, b = self.weights()
            g = self.grads({"W": W, "b": b})
            self.params[0].grad, self.params[1].grad = make(g["W"]), make(g["b"])
            self.opt.step()
            out.append(self.weights())
        return out


def assert_close(ours, theirs, rtol=1e-10, atol=1e-12):
    for step, (a, b) in enumerate(zip(ours, theirs), 1):
        for x, y in zip(a, b):
            np.testing.assert_allclose(x, y, rtol=rtol, atol=atol, err_msg=f"after step {step}")


def as_number_or_array(value):
    if isinstance(value, (ag.Tensor, torch.Tensor)):
        return np.asarray(value.detach().numpy() if isinstance(value, torch.Tensor) else value.numpy())
    return np.asarray(value)


def assert_state_matches(opt, topt):
    state, tstate = opt.state_dict(), topt.state_dict()
    assert set(state["state"]) == set(tstate["state"])
    for i, entry in tstate["state"].items():
        assert set(state["state"][i]) == set(entry)
        for key, value in entry.items():
            np.testing.assert_allclose(as_number_or_array(state["state"][i][key]), as_number_or_array(value),
                                       rtol=1e-10, atol=1e-12, err_msg=key)
    # the group keys are torch's, less the flags of its compiled and differentiable variants
    for group, tgroup in zip(state["param_groups"], tstate["param_groups"]):
        assert set(group) == set(tgroup) - {"capturable", "differentiable", "fused"}
        assert group["params"] == tgroup["params"]


@pytest.mark.parametrize("name, hp", CASES, ids=IDS)
def test_matches_torch_every_step(name, hp):
    ours, theirs = Run("ours", name, hp), Run("torch", name, hp)
    a, b = ours.step(STEPS), theirs.step(STEPS)
    assert_close(a, b)
    assert not np.allclose(a[-1][0], problem()[0]["W"])  # the weights moved
    assert_state_matches(ours.opt, theirs.opt)


@pytest.mark.parametrize("name, hp", CASES, ids=IDS)
@pytest.mark.parametrize("how", ["memory", "file"])
def test_state_dict_save_and_load_mid_run(name, hp, how, tmp_path):
    full = Run("torch", name, hp).step(STEPS)
    first = Run("ours", name, hp)
    first.step(5)
    saved = first.opt.state_dict()
    if how == "memory":
        saved = copy.deepcopy(saved)
    else:
        ag.save(saved, str(tmp_path / "opt"))
        saved = ag.load(str(tmp_path / "opt"))
    second = Run("ours", name, dict(hp, lr=123.0))  # the saved lr wins
    for p, w in zip(second.params, first.weights()):
        with ag.no_grad():
            p.copy_(w)
    second.opt.load_state_dict(saved)
    loaded = copy.deepcopy(second.opt.state_dict()["state"])
    first.step()  # the loaded state is a copy: stepping the first optimizer leaves the second one alone
    for i, entry in second.opt.state_dict()["state"].items():
        for key, value in entry.items():
            np.testing.assert_array_equal(as_number_or_array(value), as_number_or_array(loaded[i][key]))
    assert_close(second.step(STEPS - 5), full[5:])


@pytest.mark.parametrize("name", ["Adadelta", "Adamax", "NAdam", "RAdam", "ASGD"])
def test_param_groups_with_their_own_hyperparameters(name):
    groups = {"Adadelta": [dict(lr=0.5), dict(rho=0.5, weight_decay=0.1)],
              "Adamax": [dict(lr=0.01), dict(betas=(0.5, 0.9))],
              "NAdam": [dict(momentum_decay=0.01), dict(weight_decay=0.1, decoupled_weight_decay=True)],
              "RAdam": [dict(betas=(0.7, 0.8)), dict(lr=0.1, weight_decay=0.2)],
              "ASGD": [dict(t0=2), dict(lr=0.1, lambd=0.2)]}[name]
    hp = {} if name == "Adadelta" else dict(lr=0.05)
    ours, theirs = Run("ours", name, hp, groups), Run("torch", name, hp, groups)
    assert_close(ours.step(STEPS), theirs.step(STEPS))
    assert_state_matches(ours.opt, theirs.opt)


@pytest.mark.parametrize("name, hp", [c for c in CASES if not c[1]], ids=[i for c, i in zip(CASES, IDS) if not c[1]])
def test_foreach_accepted_and_changes_nothing(name, hp):
    plain = Run("ours", name, hp).step(STEPS)
    assert_close(Run("ours", name, dict(foreach=True)).step(STEPS), plain, rtol=0, atol=0)
    assert_close(Run("torch", name, dict(foreach=True)).step(STEPS), plain)
    with pytest.raises(TypeError, match="foreach must be None or a bool"):
        getattr(optim, name)([ag.zeros(2, requires_grad=True)], foreach="yes")


def test_float32_parameters_keep_their_dtype():
    torch.set_default_dtype(torch.float32)
    for name in ("Adadelta", "Adamax", "NAdam", "RAdam", "ASGD"):
        init, grads = problem()
        p = ag.tensor(init["W"].astype(np.float32), requires_grad=True)
        tp = torch.tensor(init["W"].astype(np.float32), requires_grad=True)
        opt, topt = getattr(optim, name)([p], lr=0.05), getattr(torch.optim, name)([tp], lr=0.05, foreach=False)
        for _ in range(5):
            g = grads({"W": p.numpy().astype(np.float64), "b": init["b"]})["W"].astype(np.float32)
            p.grad, tp.grad = ag.tensor(g), torch.tensor(g)
            opt.step()
            topt.step()
        assert p.dtype == np.float32
        assert all(v.dtype == np.float32 for v in opt.state[p].values() if isinstance(v, ag.Tensor))
        np.testing.assert_allclose(p.numpy(), tp.detach().numpy(), rtol=1e-5, atol=1e-6, err_msg=name)


# -- bad input, as PyTorch --------------------------------------------------------------------------------------

ERROR_CASES = [
    ("Adadelta", dict(lr=-1.0), "Invalid learning rate: -1.0"),
    ("Adadelta", dict(rho=1.5), "Invalid rho value: 1.5"),
    ("Adadelta", dict(rho=-0.1), "Invalid rho value: -0.1"),
    ("Adadelta", dict(eps=-1e-6), "Invalid epsilon value: -1e-06"),
    ("Adadelta", dict(weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
    ("Adamax", dict(lr=-1.0), "Invalid learning rate: -1.0"),
    ("Adamax", dict(eps=-1.0), "Invalid epsilon value: -1.0"),
    ("Adamax", dict(betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
    ("Adamax", dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    ("Adamax", dict(weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
    ("NAdam", dict(lr=-1.0), "Invalid learning rate: -1.0"),
    ("NAdam", dict(betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
    ("NAdam", dict(weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
    ("NAdam", dict(momentum_decay=-0.1), "Invalid momentum_decay value: -0.1"),
    ("RAdam", dict(lr=-1.0), "Invalid learning rate: -1.0"),
    ("RAdam", dict(eps=-1.0), "Invalid epsilon value: -1.0"),
    ("RAdam", dict(betas=(-0.5, 0.9)), "Invalid beta parameter at index 0: -0.5"),
    ("RAdam", dict(weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
    ("ASGD", dict(lr=-1.0), "Invalid learning rate: -1.0"),
    ("ASGD", dict(weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
    ("LBFGS", dict(lr=-1.0), "Invalid learning rate: -1.0"),
]


@pytest.mark.parametrize("name, kwargs, message", ERROR_CASES, ids=[f"{n}-{k}" for n, k, _ in ERROR_CASES])
def test_invalid_hyperparameters_as_torch(name, kwargs, message):
    with pytest.raises(ValueError) as ours:
        getattr(optim, name)([ag.zeros(3, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim, name)([torch.zeros(3, requires_grad=True)], **kwargs)
    assert str(ours.value) == str(theirs.value) == message


@pytest.mark.parametrize("name", ["Adadelta", "Adamax", "NAdam", "RAdam", "LBFGS", "Adam", "AdamW", "Adagrad",
                                  "RMSprop"])
def test_complex_parameters_are_rejected(name):
    with pytest.raises(TypeError, match=f"{name} does not support complex parameters.*complex128.*\\(2,\\)"):
        getattr(optim, name)([ag.tensor(np.zeros(2, dtype=complex), requires_grad=True)])


def test_unimplemented_torch_flags_raise():
    p = ag.zeros(2, requires_grad=True)
    for name in ("Adadelta", "Adamax", "NAdam", "RAdam", "ASGD"):
        for flag in ("capturable", "differentiable", "fused"):
            with pytest.raises(TypeError, match=flag):
                getattr(optim, name)([p], **{flag: True})


def test_asgd_complex_matches_torch():
    # every ASGD operation is linear in w and g, so complex parameters need no special case
    init = np.array([1 + 2j, -0.5 + 0.1j])
    p, tp = ag.tensor(init.copy(), requires_grad=True), torch.tensor(init.copy(), requires_grad=True)
    opt = optim.ASGD([p], lr=0.1, t0=1, weight_decay=0.1)
    topt = torch.optim.ASGD([tp], lr=0.1, t0=1, weight_decay=0.1, foreach=False)
    for _ in range(5):
        g = np.conj(p.numpy()) * 0.3 + 1j
        p.grad, tp.grad = ag.tensor(g), torch.tensor(g)
        opt.step()
        topt.step()
    np.testing.assert_allclose(p.numpy(), tp.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(opt.state[p]["ax"].numpy(), topt.state[tp]["ax"].numpy(), rtol=1e-12)


def test_adadelta_needs_no_learning_rate_to_train():
    # the paper's point: with the default lr=1 the units work out and a quadratic is minimised
    w = ag.tensor(np.array([3.0, -2.0]), requires_grad=True)
    opt = optim.Adadelta([w])
    for _ in range(3000):
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
    assert np.abs(w.numpy()).max() < 1e-2


# -- LBFGS -----------------------------------------------------------------------------------------------------

def rosenbrock(x):
    """The Rosenbrock function of a flat vector and its gradient, in numpy."""
    f = np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    g = np.zeros_like(x)
    g[:-1] = -400.0 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    g[1:] += 200.0 * (x[1:] - x[:-1] ** 2)
    return f, g


class LBFGSRun:
    """LBFGS over two parameters (shapes (2, 2) and (3,)) on the 7-dimensional Rosenbrock function."""

    def __init__(self, lib, hp, start=None):
        x0 = np.array([-1.2, 1.0, -0.5, 0.8, 0.3, -0.7, 1.5]) if start is None else start
        make = (lambda v: torch.tensor(v, requires_grad=True)) if lib == "torch" else \
            (lambda v: ag.tensor(v, requires_grad=True))
        self.make_grad = torch.tensor if lib == "torch" else ag.tensor
        self.params = [make(x0[:4].reshape(2, 2).copy()), make(x0[4:].copy())]
        self.opt = (torch.optim.LBFGS if lib == "torch" else optim.LBFGS)(self.params, **hp)
        self.calls = 0

    def flat(self):
        return np.concatenate([p.detach().numpy().reshape(-1) for p in self.params])

    def closure(self):
        self.calls += 1
        f, g = rosenbrock(self.flat())
        self.params[0].grad = self.make_grad(g[:4].reshape(2, 2).copy())
        self.params[1].grad = self.make_grad(g[4:].copy())
        return f

    def run(self, steps):
        losses, points = [], []
        for _ in range(steps):
            losses.append(float(self.opt.step(self.closure)))
            points.append(self.flat())
        return losses, points


LBFGS_CASES = [
    dict(lr=0.01),
    dict(lr=0.05, history_size=3, max_iter=7),
    dict(lr=0.01, max_iter=10, max_eval=4),
    dict(line_search_fn="strong_wolfe"),
    dict(line_search_fn="strong_wolfe", history_size=2, max_iter=5),
    dict(line_search_fn="strong_wolfe", max_eval=12, tolerance_change=1e-5),
    dict(line_search_fn="strong_wolfe", tolerance_grad=1e-3),
]


@pytest.mark.parametrize("hp", LBFGS_CASES, ids=[str(h) for h in LBFGS_CASES])
def test_lbfgs_matches_torch(hp):
    ours, theirs = LBFGSRun("ours", hp), LBFGSRun("torch", hp)
    (a_loss, a_x), (b_loss, b_x) = ours.run(6), theirs.run(6)
    # L-BFGS on Rosenbrock amplifies rounding (PyTorch's kernels fuse multiply-adds): equal to ~1e-8
    np.testing.assert_allclose(a_loss, b_loss, rtol=1e-6, atol=1e-10)
    np.testing.assert_allclose(a_x, b_x, rtol=1e-6, atol=1e-9)
    assert ours.calls == theirs.calls
    state = ours.opt.state_dict()["state"]
    tstate = theirs.opt.state_dict()["state"]
    assert set(state) == set(tstate) == {0} and set(state[0]) == set(tstate[0])
    for key in ("func_evals", "n_iter"):
        assert state[0][key] == tstate[0][key]
    for key in ("d", "prev_flat_grad"):
        np.testing.assert_allclose(state[0][key].numpy(), tstate[0][key].numpy(), rtol=1e-6, atol=1e-9)
    assert len(state[0]["old_dirs"]) == len(tstate[0]["old_dirs"]) <= ours.opt.param_groups[0]["history_size"]
    assert set(ours.opt.param_groups[0]) == set(theirs.opt.param_groups[0])


def test_lbfgs_strong_wolfe_converges_on_rosenbrock():
    run = LBFGSRun("ours", dict(line_search_fn="strong_wolfe", max_iter=100, tolerance_grad=1e-10,
                                tolerance_change=1e-14))
    losses, points = run.run(5)
    np.testing.assert_allclose(points[-1], np.ones(7), atol=1e-6)
    assert losses[-1] < 1e-10


def test_lbfgs_with_autograd_closure_fits_least_squares():
    import nn
    ag.manual_seed(0)
    X = ag.randn(50, 3, dtype=ag.float64)
    y = X @ ag.tensor([[1.0], [-2.0], [0.5]], dtype=ag.float64) + 0.25
    model = nn.Linear(3, 1).double()
    opt = optim.LBFGS(model.parameters(), line_search_fn="strong_wolfe", tolerance_grad=1e-12, tolerance_change=1e-14)

    def closure():
        opt.zero_grad()
        loss = ((model(X) - y) ** 2).mean()
        loss.backward()
        return loss

    first = opt.step(closure)
    assert isinstance(first, ag.Tensor)
    opt.step(closure)
    np.testing.assert_allclose(model.weight.numpy(), [[1.0, -2.0, 0.5]], atol=1e-6)
    np.testing.assert_allclose(model.bias.numpy(), [0.25], atol=1e-6)


@pytest.mark.parametrize("how", ["memory", "file"])
@pytest.mark.parametrize("hp", [dict(lr=0.05, history_size=3), dict(line_search_fn="strong_wolfe", max_iter=4)],
                         ids=["fixed", "strong_wolfe"])
def test_lbfgs_state_dict_resume(hp, how, tmp_path):
    full = LBFGSRun("torch", hp).run(6)[1]
    first = LBFGSRun("ours", hp)
    first.run(3)
    saved = copy.deepcopy(first.opt.state_dict())
    if how == "file":
        ag.save(saved, str(tmp_path / "lbfgs"))
        saved = ag.load(str(tmp_path / "lbfgs"))
    second = LBFGSRun("ours", hp, start=first.flat())
    second.opt.load_state_dict(saved)
    np.testing.assert_allclose(second.run(3)[1], full[3:], rtol=1e-7, atol=1e-9)


def test_lbfgs_stops_at_once_when_the_gradient_is_small():
    run = LBFGSRun("ours", dict(), start=np.ones(7))
    before = run.flat()
    assert run.opt.step(run.closure) == 0.0
    assert run.calls == 1 and np.array_equal(run.flat(), before)
    assert run.opt.state[run.params[0]] == {"func_evals": 1, "n_iter": 0}


def test_lbfgs_bad_input():
    p = ag.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        optim.LBFGS([{"params": [p]}, {"params": [ag.zeros(1, requires_grad=True)]}])
    opt = optim.LBFGS([p])
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        opt.add_param_group({"params": [ag.zeros(1, requires_grad=True)]})
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        optim.LBFGS([p], line_search_fn="armijo")
    for name in ("max_iter", "max_eval", "history_size"):
        with pytest.raises(ValueError, match=f"{name} must be a positive integer"):
            optim.LBFGS([p], **{name: 0})
    with pytest.raises(TypeError, match="closure"):
        opt.step()
