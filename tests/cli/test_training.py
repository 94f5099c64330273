"""scratchgrad.fit: history, checkpoints, bit-for-bit resume, NaN stop, Ctrl-C."""
import math
import os
import signal

import numpy as np
import pytest

import autograd as ag
import nn
import optim
from autograd.data import DataLoader, TensorDataset
from scratchgrad import Callback, NonFiniteLossError, TrainingInterrupted, evaluate, fit, load_checkpoint

TIME_KEYS = ("epoch_time", "eval_time", "time")


def _data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 20)).astype(np.float32)
    t = (x[:, 0] + x[:, 1] > 0).astype(np.int64) + (x[:, 2] > 1).astype(np.int64)
    return TensorDataset(x, t)


def _setup(init_seed=0, loader_seed=None, dropout=0.2, scheduler=False, lr=0.01):
    """A dropout MLP whose randomness (init, dropout masks and, with loader_seed None, shuffles) all comes
    from autograd's global generator: the hardest case for an exact resume."""
    ag.manual_seed(init_seed)
    model = nn.models.MLP(20, (16, 16), 3, weight_init="he", dropout=dropout)
    opt = optim.Adam(model.parameters(), lr=lr)
    sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5) if scheduler else None
    train = DataLoader(_data(), batch_size=8, shuffle=True, seed=loader_seed)
    val = DataLoader(_data(32, seed=1), batch_size=16)
    return model, opt, sched, train, val


def _weights(model):
    return {k: v.numpy().copy() for k, v in model.state_dict().items()}


def _same_history(a, b):
    keys = set(a) | set(b)
    for k in keys - set(TIME_KEYS):
        assert a[k] == b[k], k


class StopAt(Callback):
    """Raise KeyboardInterrupt (as Ctrl-C would) after a given step of a given epoch."""

    def __init__(self, epoch, step):
        self.epoch, self.step = epoch, step

    def on_batch_end(self, epoch, step, loss):
        if (epoch, step) == (self.epoch, self.step):
            raise KeyboardInterrupt


def test_history_and_checkpoint_contents(tmp_path):
    model, opt, sched, train, val = _setup(scheduler=True)
    ckpt = tmp_path / "ck.npz"
    history = fit(model, opt, train, val, epochs=2, scheduler=sched, checkpoint=ckpt, progress=False,
                  meta={"note": "hi"})
    assert history["epoch"] == [1, 2]
    for key in ("train_loss", "train_acc", "test_loss", "test_acc", "lr", "epoch_time", "eval_time", "time"):
        assert len(history[key]) == 2, key
    assert all(0.0 <= a <= 1.0 for a in history["train_acc"] + history["test_acc"])
    assert history["lr"] == [0.01, 0.005]  # StepLR halves after each epoch
    assert history["time"][1] >= history["time"][0] > 0
    assert model.training  # evaluation switched back to training mode
    state = load_checkpoint(ckpt)
    assert state["epoch"] == 2 and state["partial"] is None and state["meta"] == {"note": "hi"}
    _same_history(state["history"], history)
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(state["model"][k].numpy(), v.numpy())
    assert state["optimizer"]["param_groups"][0]["lr"] == 0.0025
    assert state["scheduler"]["last_epoch"] == 2
    assert state["loader"] == {"epoch": 2, "seed": None}
    assert state["rng"] == ag.get_rng_state()
    assert not [f for f in os.listdir(tmp_path) if f != "ck.npz"]  # no temporary files left behind


def test_fit_without_validation_and_loss_evaluation():
    model, opt, _, train, val = _setup(dropout=0.0)
    history = fit(model, opt, train, epochs=1, progress=False)
    assert "test_acc" not in history and len(history["train_loss"]) == 1
    model.train()
    result = evaluate(model, val)
    assert model.training and result["count"] == 32 and 0 <= result["acc"] <= 1
    model.eval()
    evaluate(model, val)
    assert not model.training


@pytest.mark.parametrize("loader_seed", [None, 7])
def test_resume_after_an_epoch_equals_uninterrupted(tmp_path, loader_seed):
    model, opt, sched, train, val = _setup(loader_seed=loader_seed, scheduler=True)
    full = fit(model, opt, train, val, epochs=2, scheduler=sched, progress=False)
    expected = _weights(model)

    model, opt, sched, train, val = _setup(loader_seed=loader_seed, scheduler=True)
    fit(model, opt, train, val, epochs=1, scheduler=sched, checkpoint=tmp_path / "ck.npz", progress=False)
    # a fresh process: other initial weights and generator state, then resume
    model, opt, sched, train, val = _setup(init_seed=99, loader_seed=loader_seed, scheduler=True)
    resumed = fit(model, opt, train, val, epochs=2, scheduler=sched, resume=tmp_path / "ck.npz", progress=False)
    _same_history(full, resumed)
    for k, v in _weights(model).items():
        np.testing.assert_array_equal(v, expected[k], err_msg=k)


@pytest.mark.parametrize("stop", [(2, 3), (1, 8), (3, 1)])
def test_interrupt_mid_epoch_then_resume_is_bit_for_bit(tmp_path, stop):
    model, opt, _, train, val = _setup()
    full = fit(model, opt, train, val, epochs=3, progress=False)
    expected = _weights(model)

    model, opt, _, train, val = _setup()
    ckpt = tmp_path / "ck.npz"
    with pytest.raises(TrainingInterrupted) as info:
        fit(model, opt, train, val, epochs=3, checkpoint=ckpt, callbacks=[StopAt(*stop)], progress=False)
    exc = info.value
    assert isinstance(exc, KeyboardInterrupt)
    assert (exc.epoch, exc.step, exc.checkpoint) == (stop[0], stop[1], ckpt)
    assert str(ckpt) in str(exc) and f"epoch {stop[0]}, step {stop[1]}" in str(exc)
    state = load_checkpoint(ckpt)
    assert state["epoch"] == stop[0] - 1 and state["partial"]["step"] == stop[1]
    assert len(state["history"]["epoch"]) == stop[0] - 1

    model, opt, _, train, val = _setup(init_seed=5)
    ag.manual_seed(1234)
    resumed = fit(model, opt, train, val, epochs=3, resume=ckpt, progress=False)
    _same_history(full, resumed)
    for k, v in _weights(model).items():
        np.testing.assert_array_equal(v, expected[k], err_msg=k)


def test_real_sigint_finishes_the_step_and_saves(tmp_path):
    class SendSigint(Callback):
        def on_batch_end(self, epoch, step, loss):
            if (epoch, step) == (1, 2):
                os.kill(os.getpid(), signal.SIGINT)

    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        pytest.skip("SIGINT is handled by something else here")
    model, opt, _, train, val = _setup()
    with pytest.raises(TrainingInterrupted) as info:
        fit(model, opt, train, val, epochs=2, checkpoint=tmp_path / "ck.npz", callbacks=[SendSigint()],
            progress=False)
    assert (info.value.epoch, info.value.step) == (1, 2)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handler restored
    assert load_checkpoint(tmp_path / "ck.npz")["partial"]["step"] == 2


def test_interrupt_without_checkpoint_path_says_nothing_was_saved():
    model, opt, _, train, val = _setup()
    with pytest.raises(TrainingInterrupted, match="nothing was saved") as info:
        fit(model, opt, train, val, epochs=1, callbacks=[StopAt(1, 2)], progress=False)
    assert info.value.checkpoint is None


def test_interrupt_at_epoch_end_saves_a_complete_epoch(tmp_path):
    class StopAfterEpoch(Callback):
        def on_epoch_end(self, epoch, logs):
            assert set(logs) >= {"train_loss", "test_acc", "epoch"}
            raise KeyboardInterrupt

    model, opt, _, train, val = _setup()
    with pytest.raises(TrainingInterrupted, match="end of epoch 1"):
        fit(model, opt, train, val, epochs=3, checkpoint=tmp_path / "ck.npz", callbacks=[StopAfterEpoch()],
            progress=False)
    state = load_checkpoint(tmp_path / "ck.npz")
    assert state["epoch"] == 1 and state["partial"] is None


def test_nan_loss_stops_with_epoch_step_and_advice():
    model, opt, _, train, val = _setup(dropout=0.0)
    with ag.no_grad():
        model.fc1.weight.fill_(math.nan)
    with pytest.raises(NonFiniteLossError, match=r"epoch 1, step 1.*lower") as info:
        fit(model, opt, train, val, epochs=2, progress=False)
    assert (info.value.epoch, info.value.step) == (1, 1) and math.isnan(info.value.loss)
    assert isinstance(info.value, FloatingPointError)


def test_diverging_learning_rate_reports_where():
    ag.manual_seed(0)
    model = nn.models.MLP(20, (64, 64), 3, weight_init="he")
    opt = optim.SGD(model.parameters(), lr=1e12)
    train = DataLoader(_data(), batch_size=8, shuffle=True, seed=0)
    with np.errstate(all="ignore"), pytest.raises(NonFiniteLossError) as info:
        fit(model, opt, train, epochs=5, progress=False)
    assert "lr=1e+12" in str(info.value) and info.value.step >= 2


def test_progress_bar_and_callbacks_order(capsys):
    events = []

    class Recorder(Callback):
        def on_train_begin(self, history):
            events.append("begin")

        def on_epoch_begin(self, epoch):
            events.append(f"e{epoch}")

        def on_epoch_end(self, epoch, logs):
            events.append(f"end{epoch}")

        def on_train_end(self, history):
            events.append("done")

    model, opt, _, train, val = _setup()
    fit(model, opt, train, val, epochs=2, callbacks=[Recorder()], progress=True)
    assert events == ["begin", "e1", "end1", "e2", "end2", "done"]
    assert "epoch 2/2" in capsys.readouterr().err


def test_bad_arguments():
    model, opt, _, train, val = _setup()
    with pytest.raises(ValueError, match="epochs"):
        fit(model, opt, train, epochs=-1)
    with pytest.raises(TypeError, match="callback"):
        fit(model, opt, train, epochs=1, callbacks=[object()])
    with pytest.raises(FileNotFoundError):
        fit(model, opt, train, epochs=1, resume="/nonexistent/ck.npz")


def test_resume_rejects_a_file_that_is_not_a_checkpoint(tmp_path):
    ag.save({"model": {}}, tmp_path / "other.npz")
    with pytest.raises(ValueError, match="not a training checkpoint"):
        load_checkpoint(tmp_path / "other.npz")


@pytest.mark.parametrize("content", [b"garbage", b"PK\x03\x04truncated", b""])
def test_load_checkpoint_turns_a_corrupt_file_into_a_value_error(tmp_path, content):
    path = tmp_path / "bad.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="bad.npz"):
        load_checkpoint(path)


def test_resume_from_another_models_checkpoint_is_a_value_error(tmp_path):
    model, opt, _, train, val = _setup()
    fit(model, opt, train, epochs=1, checkpoint=tmp_path / "ck.npz", progress=False)
    other = nn.models.MLP(20, (7,), 3)
    with pytest.raises(ValueError, match="does not fit"):
        fit(other, optim.Adam(other.parameters()), train, epochs=2, resume=tmp_path / "ck.npz", progress=False)


def test_a_loader_without_batches_says_why():
    model, opt, _, _, _ = _setup()
    tiny = DataLoader(_data(5), batch_size=8, drop_last=True)
    with pytest.raises(ValueError, match="drop_last"):
        fit(model, opt, tiny, epochs=1, progress=False)
