"""Learning-rate schedulers: closed forms, PyTorch's sequences, state_dict, warnings and bad input."""
import copy
import math
import warnings
from bisect import bisect_right

import numpy as np
import pytest

import autograd as ag
from optim import SGD, Adam, lr_scheduler

EPOCHS = 25


def two_group_sgd(lrs=(0.1, 0.05), cls=SGD):
    groups = [{"params": [ag.tensor(np.zeros(2), requires_grad=True)], "lr": lr} for lr in lrs]
    return cls(groups, lr=1.0)


def lr_sequence(sched, opt, epochs=EPOCHS, metrics=None):
    """lrs of every group at construction and after each of ``epochs`` steps (optimizer stepped first)."""
    out = [[g["lr"] for g in opt.param_groups]]
    for e in range(epochs):
        opt.step()
        sched.step() if metrics is None else sched.step(metrics[e])
        out.append([g["lr"] for g in opt.param_groups])
        assert sched.get_last_lr() == out[-1]
    return np.array(out)


SCHEDULERS = {
    "StepLR": (lambda o: lr_scheduler.StepLR(o, step_size=4, gamma=0.5),
               lambda b, e: b * 0.5 ** (e // 4)),
    "MultiStepLR": (lambda o: lr_scheduler.MultiStepLR(o, milestones=[3, 7, 7, 15], gamma=0.3),
                    lambda b, e: b * 0.3 ** bisect_right([3, 7, 7, 15], e)),
    "ExponentialLR": (lambda o: lr_scheduler.ExponentialLR(o, gamma=0.9),
                      lambda b, e: b * 0.9**e),
    "CosineAnnealingLR": (lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
                          lambda b, e: 0.001 + (b - 0.001) * (1 + math.cos(math.pi * e / 10)) / 2),
    "LambdaLR": (lambda o: lr_scheduler.LambdaLR(o, lr_lambda=lambda e: 1 / (1 + e)),
                 lambda b, e: b / (1 + e)),
}


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_matches_the_closed_form(name):
    make, closed = SCHEDULERS[name]
    opt = two_group_sgd()
    seq = lr_sequence(make(opt), opt)
    expected = np.array([[closed(b, e) for b in (0.1, 0.05)] for e in range(EPOCHS + 1)])
    # the recursive forms (Exponential, Cosine) accumulate rounding: a few ulps per step
    np.testing.assert_allclose(seq, expected, rtol=1e-12)


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_matches_torch(name):
    torch = pytest.importorskip("torch")
    make, _ = SCHEDULERS[name]
    opt = two_group_sgd()
    topt = torch.optim.SGD([{"params": [torch.zeros(2, requires_grad=True)], "lr": lr} for lr in (0.1, 0.05)], lr=1.0)
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, **make_kwargs(make(two_group_sgd())))
    ours = lr_sequence(make(opt), opt)
    theirs = lr_sequence(tsched, topt)
    np.testing.assert_allclose(ours, theirs, rtol=1e-15, atol=0)


def make_kwargs(sched):
    """The constructor arguments of one of our schedulers, to build torch's twin."""
    if isinstance(sched, lr_scheduler.StepLR):
        return dict(step_size=sched.step_size, gamma=sched.gamma)
    if isinstance(sched, lr_scheduler.MultiStepLR):
        return dict(milestones=sorted(sched.milestones.elements()), gamma=sched.gamma)
    if isinstance(sched, lr_scheduler.ExponentialLR):
        return dict(gamma=sched.gamma)
    if isinstance(sched, lr_scheduler.CosineAnnealingLR):
        return dict(T_max=sched.T_max, eta_min=sched.eta_min)
    return dict(lr_lambda=sched.lr_lambdas[0])


def test_cosine_beyond_t_max_rises_again_like_torch():
    torch = pytest.importorskip("torch")
    opt = two_group_sgd()
    topt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    ours = lr_sequence(lr_scheduler.CosineAnnealingLR(opt, T_max=4), opt, epochs=13)[:, 0]
    theirs = lr_sequence(torch.optim.lr_scheduler.CosineAnnealingLR(topt, T_max=4), topt, epochs=13)[:, 0]
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
    assert ours[4] == pytest.approx(0, abs=1e-15) and ours[8] == pytest.approx(0.1)


def test_lambda_lr_per_group_and_length_check():
    opt = two_group_sgd()
    sched = lr_scheduler.LambdaLR(opt, [lambda e: 0.5**e, lambda e: e + 1])
    opt.step()
    sched.step()
    opt.step()
    sched.step()
    assert sched.get_last_lr() == [0.1 * 0.25, 0.05 * 3]
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        lr_scheduler.LambdaLR(opt, [lambda e: 1.0])


def test_scheduler_sets_initial_lr_and_last_epoch():
    opt = two_group_sgd()
    sched = lr_scheduler.StepLR(opt, step_size=2)
    assert sched.last_epoch == 0 and sched.base_lrs == [0.1, 0.05]
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.05]
    assert sched.get_last_lr() == [0.1, 0.05]


def test_resuming_with_last_epoch_needs_initial_lr():
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(two_group_sgd(), step_size=2, last_epoch=3)


def checkpoint_round_trip(obj, how, tmp_path):
    """A deep copy in memory, or a save and load through ``autograd.save`` when it exists."""
    if how == "memory":
        return copy.deepcopy(obj)
    if not hasattr(ag, "save"):
        pytest.skip("autograd.save/load not available yet")
    ag.save(obj, str(tmp_path / "ckpt"))
    return ag.load(str(tmp_path / "ckpt"))


@pytest.mark.parametrize("how", ["memory", "file"])
@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_state_dict_resume(name, how, tmp_path):
    make, _ = SCHEDULERS[name]
    opt = two_group_sgd()
    full = lr_sequence(make(opt), opt, epochs=12)

    opt1 = two_group_sgd()
    sched1 = make(opt1)
    lr_sequence(sched1, opt1, epochs=5)
    saved_opt, saved_sched = checkpoint_round_trip((opt1.state_dict(), sched1.state_dict()), how, tmp_path)

    opt2 = two_group_sgd(lrs=(9.0, 9.0))
    sched2 = make(opt2)  # constructed first, then both states loaded (PyTorch's order)
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved_sched)
    assert sched2.last_epoch == 5
    rest = lr_sequence(sched2, opt2, epochs=7)
    np.testing.assert_array_equal(rest, full[5:])
    opt2.step()
    with pytest.warns(UserWarning, match="deprecated"):
        sched2.step(20)  # the closed form works on the restored state too
    expected_closed_form = [SCHEDULERS[name][1](b, 20) for b in (0.1, 0.05)]
    np.testing.assert_allclose(sched2.get_last_lr(), expected_closed_form, rtol=1e-12)


def test_lambda_state_dict_keeps_callable_objects_state():
    class Warmup:
        def __init__(self, n):
            self.n = n

        def __call__(self, epoch):
            return min(1.0, (epoch + 1) / self.n)

    opt = two_group_sgd()
    sched = lr_scheduler.LambdaLR(opt, [Warmup(4), lambda e: 1.0])
    state = sched.state_dict()
    assert state["lr_lambdas"] == [{"n": 4}, None]
    other = lr_scheduler.LambdaLR(two_group_sgd(), [Warmup(10), lambda e: 1.0])
    other.load_state_dict(state)
    assert other.lr_lambdas[0].n == 4 and "lr_lambdas" in state


def test_warns_when_scheduler_steps_before_optimizer():
    opt = two_group_sgd()
    sched = lr_scheduler.StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()
    opt = two_group_sgd()
    sched = lr_scheduler.StepLR(opt, step_size=2)
    opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched.step()


def test_overridden_step_still_counts_for_the_warning():
    class MySGD(SGD):
        def step(self, closure=None):
            return super().step(closure)

    opt = MySGD([ag.tensor(np.zeros(1), requires_grad=True)], lr=0.1)
    sched = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched.step()
    assert sched.get_last_lr() == [0.05]


def test_step_with_epoch_uses_the_closed_form_and_warns():
    opt = two_group_sgd()
    sched = lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    opt.step()
    with pytest.warns(UserWarning, match="deprecated"):
        sched.step(7)
    assert sched.last_epoch == 7 and sched.get_last_lr() == [0.1 * 0.25, 0.05 * 0.25]


def test_scheduler_needs_an_optimizer():
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        lr_scheduler.StepLR([], step_size=1)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        lr_scheduler.ReduceLROnPlateau(object())


# -- ReduceLROnPlateau -----------------------------------------------------------------------------------------

PLATEAU_CASES = [
    dict(),
    dict(patience=2),
    dict(patience=0, factor=0.5),
    dict(patience=1, cooldown=2, factor=0.5),
    dict(patience=1, min_lr=0.02),
    dict(patience=1, min_lr=[0.03, 0.001], factor=0.5),
    dict(mode="max", patience=1),
    dict(mode="min", threshold_mode="abs", threshold=0.05, patience=1),
    dict(mode="max", threshold_mode="abs", threshold=0.05, patience=0, cooldown=1),
    dict(patience=0, factor=0.999999999, eps=1e-8),
]
METRICS = [1.0, 0.9, 0.95, 0.96, 0.97, 0.85, 0.86, 0.86, 0.849, 0.9, 0.9, 0.9, 0.5, 0.6, 0.7, 0.8, 0.8, 0.8,
           0.82, 0.9, 1.0, 1.1, 0.4, 0.41, 0.42]


@pytest.mark.parametrize("kwargs", PLATEAU_CASES, ids=[str(k) for k in PLATEAU_CASES])
def test_reduce_on_plateau_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    opt = two_group_sgd()
    topt = torch.optim.SGD([{"params": [torch.zeros(2, requires_grad=True)], "lr": lr} for lr in (0.1, 0.05)], lr=1.0)
    ours = lr_sequence(lr_scheduler.ReduceLROnPlateau(opt, **kwargs), opt, len(METRICS), METRICS)
    theirs = lr_sequence(torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kwargs), topt, len(METRICS), METRICS)
    np.testing.assert_array_equal(ours, theirs)


def test_reduce_on_plateau_by_hand():
    opt = two_group_sgd(lrs=(1.0, 0.1))
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=2, factor=0.5, cooldown=1, min_lr=[0.3, 0.0])
    lrs = []
    for metric in [5, 4, 4, 4, 4, 4, 4, 4, 3]:
        sched.step(ag.tensor(metric * 1.0))  # a one-element tensor works as a metric
        lrs.append(sched.get_last_lr()[0])
    # best 4 at epoch 2; bad epochs 3, 4, 5 -> reduce after the 3rd; cooldown eats epoch 6; 7, 8 bad; 9 improves
    assert lrs == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.5]
    for _ in range(10):
        sched.step(10.0)
    assert sched.get_last_lr()[0] == 0.3 and sched.get_last_lr()[1] < 0.1 / 4  # min_lr bounds group 0 only
    assert sched.last_epoch == 19 and sched.best == 3.0


@pytest.mark.parametrize("how", ["memory", "file"])
def test_reduce_on_plateau_state_dict_resume(how, tmp_path):
    opt_a = two_group_sgd()
    full = lr_sequence(lr_scheduler.ReduceLROnPlateau(opt_a, patience=1, factor=0.5), opt_a, len(METRICS), METRICS)
    opt1 = two_group_sgd()
    sched1 = lr_scheduler.ReduceLROnPlateau(opt1, patience=1, factor=0.5)
    lr_sequence(sched1, opt1, 10, METRICS)
    saved = checkpoint_round_trip((opt1.state_dict(), sched1.state_dict()), how, tmp_path)
    opt2 = two_group_sgd()
    sched2 = lr_scheduler.ReduceLROnPlateau(opt2, patience=1, factor=0.5)
    opt2.load_state_dict(saved[0])
    sched2.load_state_dict(saved[1])
    rest = lr_sequence(sched2, opt2, len(METRICS) - 10, METRICS[10:])
    np.testing.assert_array_equal(rest, full[10:])


def test_reduce_on_plateau_bad_input():
    opt = two_group_sgd()
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        lr_scheduler.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode 'median' is unknown"):
        lr_scheduler.ReduceLROnPlateau(opt, mode="median")
    with pytest.raises(ValueError, match="threshold mode 'relative' is unknown"):
        lr_scheduler.ReduceLROnPlateau(opt, threshold_mode="relative")
    with pytest.raises(ValueError, match="expected 2 min_lrs, got 3"):
        lr_scheduler.ReduceLROnPlateau(opt, min_lr=[0, 0, 0])


def test_schedulers_drive_adam_too():
    opt = two_group_sgd(cls=Adam)
    sched = lr_scheduler.MultiStepLR(opt, milestones=[2])
    lr_sequence(sched, opt, epochs=3)
    assert sched.get_last_lr() == pytest.approx([0.01, 0.005])
