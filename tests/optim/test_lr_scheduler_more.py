"""The newer schedulers (Multiplicative, Constant, Linear, Polynomial, warm restarts, Cyclic, OneCycle, Sequential,
Chained) step for step against PyTorch: learning rates and momenta, state dicts, closed forms and bad input."""
import copy
import math
import warnings

import numpy as np
import pytest

import autograd as ag
from optim import SGD, Adadelta, Adam, lr_scheduler

torch = pytest.importorskip("torch")

# a ChainedScheduler inside a SequentialLR steps its schedulers at construction: PyTorch warns there too
pytestmark = pytest.mark.filterwarnings("ignore:Detected call of `lr_scheduler.step\\(\\)` before")

EPOCHS = 30
LRS = (0.1, 0.05)


def make_optimizer(lib, kind, lrs=LRS):
    """Two parameter groups with their own lr: SGD with momentum, or Adam (whose beta1 plays the momentum)."""
    if lib == "torch":
        groups = [{"params": [torch.zeros(2, requires_grad=True)], "lr": lr} for lr in lrs]
        return torch.optim.SGD(groups, lr=1.0, momentum=0.9) if kind == "sgd" else torch.optim.Adam(groups, lr=1.0)
    groups = [{"params": [ag.tensor(np.zeros(2), requires_grad=True)], "lr": lr} for lr in lrs]
    return SGD(groups, lr=1.0, momentum=0.9) if kind == "sgd" else Adam(groups, lr=1.0)


def module(lib):
    return torch.optim.lr_scheduler if lib == "torch" else lr_scheduler


def snapshot(opt):
    """Each group's lr and momentum (beta1 for Adam)."""
    out = []
    for group in opt.param_groups:
        out += [group["lr"], group["momentum"] if "momentum" in group else group["betas"][0]]
    return out


def sequence(sched, opt, epochs=EPOCHS):
    """Snapshots at construction and after each of ``epochs`` steps (the optimizer stepped first)."""
    out = [snapshot(opt)]
    for _ in range(epochs):
        opt.step()
        sched.step()
        out.append(snapshot(opt))
        assert list(sched.get_last_lr()) == [g["lr"] for g in opt.param_groups]
    return np.array(out)


def custom_scale(x):
    return 1 / (1 + 0.1 * x)


CASES = {
    "Multiplicative": ("sgd", lambda m, o: m.MultiplicativeLR(o, lr_lambda=lambda e: 0.95)),
    "Multiplicative-per-group": ("sgd", lambda m, o: m.MultiplicativeLR(o, [lambda e: 0.9, lambda e: 1 - 0.01 * e])),
    "Constant": ("sgd", lambda m, o: m.ConstantLR(o)),
    "Constant-0.5-4": ("sgd", lambda m, o: m.ConstantLR(o, factor=0.5, total_iters=4)),
    "Linear": ("sgd", lambda m, o: m.LinearLR(o)),
    "Linear-warmup": ("sgd", lambda m, o: m.LinearLR(o, start_factor=0.25, total_iters=8)),
    "Linear-decay": ("adam", lambda m, o: m.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=10)),
    "Polynomial": ("sgd", lambda m, o: m.PolynomialLR(o)),
    "Polynomial-2": ("sgd", lambda m, o: m.PolynomialLR(o, total_iters=10, power=2.0)),
    "Polynomial-0.5": ("sgd", lambda m, o: m.PolynomialLR(o, total_iters=25, power=0.5)),
    "WarmRestarts": ("sgd", lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=5)),
    "WarmRestarts-mult": ("sgd", lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.001)),
    "Cyclic-triangular": ("sgd", lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4)),
    "Cyclic-triangular2": ("sgd", lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=4, step_size_down=3,
                                                          mode="triangular2")),
    "Cyclic-exp_range": ("sgd", lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=5, mode="exp_range", gamma=0.9)),
    "Cyclic-adam-betas": ("adam", lambda m, o: m.CyclicLR(o, 0.001, 0.01, step_size_up=6, base_momentum=0.85,
                                                          max_momentum=0.95)),
    "Cyclic-no-momentum": ("sgd", lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=3, cycle_momentum=False)),
    "Cyclic-per-group": ("sgd", lambda m, o: m.CyclicLR(o, [0.01, 0.02], [0.1, 0.3], step_size_up=4,
                                                        base_momentum=[0.7, 0.8], max_momentum=[0.9, 0.95])),
    "Cyclic-custom-iterations": ("sgd", lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=4, scale_fn=custom_scale,
                                                                scale_mode="iterations")),
    "Cyclic-custom-cycle": ("sgd", lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=4, scale_fn=custom_scale)),
    "OneCycle-cos": ("sgd", lambda m, o: m.OneCycleLR(o, max_lr=0.1, total_steps=EPOCHS)),
    "OneCycle-linear": ("sgd", lambda m, o: m.OneCycleLR(o, max_lr=[0.1, 0.2], total_steps=EPOCHS,
                                                         anneal_strategy="linear")),
    "OneCycle-three-phase": ("sgd", lambda m, o: m.OneCycleLR(o, 0.1, total_steps=EPOCHS, three_phase=True)),
    "OneCycle-adam": ("adam", lambda m, o: m.OneCycleLR(o, 0.01, epochs=5, steps_per_epoch=6, pct_start=0.5,
                                                        div_factor=10.0, final_div_factor=100.0)),
    "OneCycle-no-momentum": ("adam", lambda m, o: m.OneCycleLR(o, 0.01, total_steps=EPOCHS + 5, cycle_momentum=False,
                                                               three_phase=True, anneal_strategy="linear")),
    "Sequential-warmup-cosine": ("sgd", lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.1, total_iters=5), m.CosineAnnealingLR(o, T_max=20)], milestones=[5])),
    "Sequential-three": ("sgd", lambda m, o: m.SequentialLR(
        o, [m.ConstantLR(o, factor=0.5, total_iters=2), m.ExponentialLR(o, gamma=0.9), m.StepLR(o, 4, 0.5)],
        milestones=[3, 10])),
    "Sequential-restarts": ("sgd", lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.5, total_iters=4), m.CosineAnnealingWarmRestarts(o, T_0=6)],
        milestones=[4])),
    "Chained-constant-exponential": ("sgd", lambda m, o: m.ChainedScheduler(
        [m.ConstantLR(o, factor=0.1, total_iters=2), m.ExponentialLR(o, gamma=0.9)])),
    "Chained-linear-multiplicative": ("sgd", lambda m, o: m.ChainedScheduler(
        [m.LinearLR(o, start_factor=0.2, total_iters=6), m.MultiplicativeLR(o, lambda e: 0.97)], optimizer=o)),
    "Chained-in-sequential": ("sgd", lambda m, o: m.SequentialLR(
        o, [m.ChainedScheduler([m.ConstantLR(o, 0.5, 3), m.ExponentialLR(o, 0.95)]), m.PolynomialLR(o, 10)],
        milestones=[6])),
}


def build(lib, name, lrs=LRS):
    kind, make = CASES[name]
    opt = make_optimizer(lib, kind, lrs)
    return make(module(lib), opt), opt


@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch_every_step(name):
    ours, theirs = sequence(*build("ours", name)), sequence(*build("torch", name))
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-15)
    assert len(set(ours[:, 0])) > 1  # the lr really changes over the run


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("how", ["memory", "file"])
def test_state_dict_resume(name, how, tmp_path):
    full = sequence(*build("ours", name))
    sched1, opt1 = build("ours", name)
    sequence(sched1, opt1, epochs=12)
    saved = (opt1.state_dict(), sched1.state_dict())
    if how == "memory":
        saved = copy.deepcopy(saved)
    else:
        ag.save(saved, str(tmp_path / "ckpt"))
        saved = ag.load(str(tmp_path / "ckpt"))
    sched2, opt2 = build("ours", name, lrs=(7.0, 9.0))  # constructed, then both states loaded (PyTorch's order)
    opt2.load_state_dict(saved[0])
    sched2.load_state_dict(saved[1])
    rest = sequence(sched2, opt2, epochs=EPOCHS - 12)
    np.testing.assert_allclose(rest, full[12:], rtol=1e-14, atol=1e-16)


def test_state_dict_keeps_a_callable_scale_fn_object():
    class Decay:
        def __init__(self, rate):
            self.rate = rate

        def __call__(self, x):
            return self.rate**x

    opt = make_optimizer("ours", "sgd")
    sched = lr_scheduler.CyclicLR(opt, 0.01, 0.1, step_size_up=2, scale_fn=Decay(0.5))
    state = sched.state_dict()
    assert state["_scale_fn_custom"] == {"rate": 0.5} and sched._scale_fn_custom.rate == 0.5
    other = lr_scheduler.CyclicLR(make_optimizer("ours", "sgd"), 0.01, 0.1, step_size_up=2, scale_fn=Decay(0.9))
    other.load_state_dict(state)
    assert other._scale_fn_custom.rate == 0.5 and "_scale_fn_custom" in state
    sequence(other, other.optimizer, 3)
    plain = lr_scheduler.CyclicLR(make_optimizer("ours", "sgd"), 0.01, 0.1, step_size_up=2, scale_fn=lambda x: 1.0)
    assert plain.state_dict()["_scale_fn_custom"] is None


def test_composite_state_dict_holds_the_inner_states():
    opt = make_optimizer("ours", "sgd")
    sched = lr_scheduler.SequentialLR(opt, [lr_scheduler.ConstantLR(opt), lr_scheduler.ExponentialLR(opt, 0.9)],
                                      milestones=[2])
    state = sched.state_dict()
    assert "optimizer" not in state and len(state["_schedulers"]) == 2
    assert state["_schedulers"][1]["gamma"] == 0.9 and "optimizer" not in state["_schedulers"][0]


# -- fractional epochs and the closed forms --------------------------------------------------------------------

@pytest.mark.parametrize("T_0, T_mult", [(3, 1), (3, 2), (2, 3)])
def test_warm_restarts_fractional_epochs_match_torch(T_0, T_mult):
    epochs = [0.5, 1.2, 2.7, 3.0, 5.5, 9.9, 10.0, 21.3, 4.0, 0.0, 17.25]
    out = []
    for lib in ("ours", "torch"):
        opt = make_optimizer(lib, "sgd")
        sched = module(lib).CosineAnnealingWarmRestarts(opt, T_0=T_0, T_mult=T_mult, eta_min=0.01)
        seq = []
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no deprecation warning for warm restarts, as PyTorch
            for epoch in epochs:
                opt.step()
                sched.step(epoch)
                seq.append([*sched.get_last_lr(), sched.T_cur, sched.T_i, sched.last_epoch])
        out.append(np.array(seq, dtype=float))
    np.testing.assert_allclose(out[0], out[1], rtol=1e-13, atol=1e-15)


def test_warm_restarts_per_batch_and_closed_form():
    opt = make_optimizer("ours", "sgd", lrs=(1.0, 0.5))
    sched = lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2)
    iters = 4
    for epoch in range(6):
        for i in range(iters):
            opt.step()
            sched.step(epoch + i / iters)
            t = epoch + i / iters
            t_cur, t_i = (t, 2) if t < 2 else ((t - 2, 4) if t < 6 else (t - 6, 8))
            assert sched.get_last_lr()[0] == pytest.approx((1 + math.cos(math.pi * t_cur / t_i)) / 2, abs=1e-12)
    with pytest.raises(ValueError, match="Expected non-negative epoch, but got -1"):
        sched.step(-1)


@pytest.mark.parametrize("make", [
    lambda m, o: m.ConstantLR(o, factor=0.25, total_iters=6),
    lambda m, o: m.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=8),
    lambda m, o: m.PolynomialLR(o, total_iters=12, power=1.5),
], ids=["Constant", "Linear", "Polynomial"])
def test_step_with_epoch_uses_the_closed_form_as_torch(make):
    out = []
    for lib in ("ours", "torch"):
        opt = make_optimizer(lib, "sgd")
        sched = make(module(lib), opt)
        seq = []
        for epoch in (3, 7, 20, 1, 6):
            opt.step()
            with pytest.warns(UserWarning, match="deprecated"):
                sched.step(epoch)
            seq.append(sched.get_last_lr())
        out.append(seq)
    np.testing.assert_allclose(out[0], out[1], rtol=1e-14)


def test_closed_forms_by_hand():
    opt = make_optimizer("ours", "sgd", lrs=(1.0, 2.0))
    lrs = sequence(lr_scheduler.LinearLR(opt, start_factor=0.5, end_factor=1.0, total_iters=4), opt, 6)[:, 0]
    np.testing.assert_allclose(lrs, [0.5, 0.625, 0.75, 0.875, 1.0, 1.0, 1.0], rtol=1e-14)
    opt = make_optimizer("ours", "sgd", lrs=(1.0, 2.0))
    lrs = sequence(lr_scheduler.PolynomialLR(opt, total_iters=4, power=2.0), opt, 5)[:, 0]
    np.testing.assert_allclose(lrs, [1.0, 0.5625, 0.25, 0.0625, 0.0, 0.0], atol=1e-15)
    opt = make_optimizer("ours", "sgd", lrs=(1.0, 2.0))
    lrs = sequence(lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=2), opt, 3)[:, 2]
    np.testing.assert_allclose(lrs, [1.0, 1.0, 2.0, 2.0])  # the second group's lr
    opt = make_optimizer("ours", "sgd", lrs=(1.0, 2.0))
    seq = sequence(lr_scheduler.CyclicLR(opt, 0.0, 1.0, step_size_up=2, base_momentum=0.8, max_momentum=0.9), opt, 5)
    np.testing.assert_allclose(seq[:, 0], [0.0, 0.5, 1.0, 0.5, 0.0, 0.5])
    np.testing.assert_allclose(seq[:, 1], [0.9, 0.85, 0.8, 0.85, 0.9, 0.85])


def test_one_cycle_peaks_at_pct_start_and_ends_at_min_lr():
    opt = make_optimizer("ours", "adam")
    seq = sequence(lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=20, pct_start=0.5), opt, 19)
    lrs, betas = seq[:, 0], seq[:, 1]
    assert lrs[0] == pytest.approx(1 / 25) and betas[0] == pytest.approx(0.95)
    peak = int(np.argmax(lrs))
    assert peak == 9 and lrs[peak] == pytest.approx(1.0) and betas[peak] == pytest.approx(0.85)
    assert lrs[-1] == pytest.approx(1 / 25 / 1e4) and betas[-1] == pytest.approx(0.95)
    assert opt.param_groups[0]["betas"][1] == 0.999  # only beta1 is cycled
    assert {"initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum"} <= set(opt.param_groups[0])


# -- bad input, as PyTorch --------------------------------------------------------------------------------------

def _other_opt(m):
    return make_optimizer("torch" if m is torch.optim.lr_scheduler else "ours", "sgd")


ERROR_CASES = [
    (lambda m, o: m.ConstantLR(o, factor=1.5), ValueError, "Constant multiplicative factor expected to be between"),
    (lambda m, o: m.LinearLR(o, start_factor=0), ValueError, "Starting multiplicative factor expected"),
    (lambda m, o: m.LinearLR(o, end_factor=1.5), ValueError, "Ending multiplicative factor expected"),
    (lambda m, o: m.MultiplicativeLR(o, [lambda e: 1.0]), ValueError, "Expected 2 lr_lambdas, but got 1"),
    (lambda m, o: m.MultiplicativeLR(o, 0.5), TypeError, "lr_lambda should be a function, but got float"),
    (lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=0), ValueError, "Expected positive integer T_0, but got 0"),
    (lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=2.5), ValueError, "Expected positive integer T_0"),
    (lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0), ValueError, "Expected integer T_mult >= 1"),
    (lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=2, eta_min="0"), ValueError, "Expected float or int eta_min"),
    (lambda m, o: m.CyclicLR(o, 0.01, 0.1, mode="sawtooth"), ValueError, "mode is invalid and scale_fn is None"),
    (lambda m, o: m.CyclicLR(o, [0.01], 0.1), ValueError, "base_lr must have the same length as optimizer"),
    (lambda m, o: m.CyclicLR(o, 0.01, [0.1, 0.2, 0.3]), ValueError, "max_lr has 3 values, param_groups has 2"),
    (lambda m, o: m.OneCycleLR(o, 0.1), ValueError, "You must define either total_steps OR"),
    (lambda m, o: m.OneCycleLR(o, 0.1, total_steps=0), ValueError, "Expected positive integer total_steps"),
    (lambda m, o: m.OneCycleLR(o, 0.1, epochs=0, steps_per_epoch=3), ValueError, "Expected positive integer epochs"),
    (lambda m, o: m.OneCycleLR(o, 0.1, epochs=2, steps_per_epoch=-1), ValueError, "positive integer steps_per_epoch"),
    (lambda m, o: m.OneCycleLR(o, 0.1, total_steps=10, pct_start=1), ValueError, "Expected float between 0 and 1"),
    (lambda m, o: m.OneCycleLR(o, 0.1, total_steps=10, pct_start=1.5), ValueError, "Expected float between 0 and 1"),
    (lambda m, o: m.OneCycleLR(o, 0.1, total_steps=10, anneal_strategy="exp"), ValueError,
     "anneal_strategy must be one of 'cos' or 'linear'"),
    (lambda m, o: m.SequentialLR(o, [], milestones=[]), ValueError, "expects at least one scheduler"),
    (lambda m, o: m.SequentialLR(o, [m.ConstantLR(o), m.ConstantLR(o)], milestones=[]), ValueError,
     "number of schedulers 2 and the number of milestones to be equal to 0"),
    (lambda m, o: m.SequentialLR(o, [m.ReduceLROnPlateau(o)], milestones=[]), ValueError,
     "does not support `ReduceLROnPlateau`"),
    (lambda m, o: m.SequentialLR(o, [m.ConstantLR(_other_opt(m))], milestones=[]), ValueError,
     "expects all schedulers to belong to the same optimizer"),
    (lambda m, o: m.SequentialLR(o, [object()], milestones=[]), TypeError, "should have `optimizer` as its attribute"),
    (lambda m, o: m.ChainedScheduler([]), ValueError, "expects at least one scheduler to be chained"),
    (lambda m, o: m.ChainedScheduler([m.ConstantLR(o), m.ConstantLR(_other_opt(m))]), ValueError,
     "expects all schedulers to belong to the same optimizer"),
    (lambda m, o: m.ChainedScheduler([m.ConstantLR(o), m.ReduceLROnPlateau(o)]), ValueError,
     "does not support `ReduceLROnPlateau`"),
    (lambda m, o: m.CyclicLR([], 0.01, 0.1), TypeError, "list is not an Optimizer"),
    (lambda m, o: m.OneCycleLR([], 0.1, total_steps=3), TypeError, "list is not an Optimizer"),
]


@pytest.mark.parametrize("make, exc, message", ERROR_CASES, ids=[str(i) for i in range(len(ERROR_CASES))])
def test_bad_input_as_torch(make, exc, message):
    for lib in ("ours", "torch"):
        with pytest.raises(exc, match=message.replace("(", "\\(").replace(")", "\\)").replace("[", "\\[")):
            make(module(lib), make_optimizer(lib, "sgd"))


def test_cycle_momentum_needs_a_momentum_as_torch():
    message = "optimizer must support momentum or beta1 with `cycle_momentum` option enabled"
    for lib, opt in (("ours", Adadelta([ag.zeros(2, requires_grad=True)])),
                     ("torch", torch.optim.Adadelta([torch.zeros(2, requires_grad=True)]))):
        with pytest.raises(ValueError, match=message):
            module(lib).CyclicLR(opt, 0.01, 0.1)
        with pytest.raises(ValueError, match=message):
            module(lib).OneCycleLR(opt, 0.1, total_steps=10)
        module(lib).OneCycleLR(opt, 0.1, total_steps=10, cycle_momentum=False)  # fine without


def test_one_cycle_refuses_to_step_past_total_steps_as_torch():
    for lib in ("ours", "torch"):
        opt = make_optimizer(lib, "sgd")
        sched = module(lib).OneCycleLR(opt, 0.1, total_steps=3)
        for _ in range(3):
            opt.step()
            sched.step()
        with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of total steps is 3"):
            sched.step()


def test_where_we_are_stricter_than_torch():
    opt = make_optimizer("ours", "sgd")
    with pytest.raises(ValueError, match="cannot be undone"):  # torch accepts 0, then divides by it
        lr_scheduler.ConstantLR(opt, factor=0)
    with pytest.raises(ValueError, match="scale_mode must be 'cycle' or 'iterations'"):  # torch ignores it
        lr_scheduler.CyclicLR(opt, 0.01, 0.1, scale_fn=custom_scale, scale_mode="epochs")
    with pytest.raises(ValueError, match="milestones must be increasing"):  # torch bisects them anyway
        lr_scheduler.SequentialLR(opt, [lr_scheduler.ConstantLR(opt)] * 3, milestones=[5, 2])


def test_package_keeps_the_import_paths():
    import optim
    from optim.lr_scheduler import LRScheduler, OneCycleLR, ReduceLROnPlateau, StepLR  # noqa: F401
    assert optim.lr_scheduler.CosineAnnealingWarmRestarts.__module__ == "optim.lr_scheduler.cosine"
    assert set(lr_scheduler.__all__) <= set(dir(lr_scheduler))
    public = {n for n in dir(torch.optim.lr_scheduler) if n[0].isupper() and n not in ("Optimizer", "Tensor")}
    assert public - set(lr_scheduler.__all__) <= {"SWALR", "Any", "Callable", "Counter", "Iterable", "Literal",
                                                  "Self", "Sequence", "SupportsFloat", "TypedDict", "cast",
                                                  "override", "partial", "ref", "wraps", "_LRScheduler",
                                                  "EPOCH_DEPRECATION_WARNING", "TYPE_CHECKING"}
