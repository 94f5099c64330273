"""The CLI on edited checkpoints, contradicting flags and a full disk: one ``scratchgrad: error:`` line and exit
1 or 2, never a traceback; the history is kept when the disk fills up."""
import copy
import errno
import json

import numpy as np
import pytest

import autograd as ag
from scratchgrad import load_checkpoint
from scratchgrad.__main__ import main

TINY = ["--dataset", "synthetic", "--train-size", "200", "--test-size", "100", "--no-progress", "--no-pictures"]
MLP = [*TINY, "--model", "mlp", "--batch-size", "50"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A finished one-epoch run of the MLP: its directory."""
    out = tmp_path_factory.mktemp("run")
    assert main(["train", *MLP, "--epochs", "1", "--out", str(out), "--overwrite"]) == 0
    return out


@pytest.fixture(scope="module")
def state(run):
    return ag.load(run / "checkpoint.npz")


def _set(path, value):
    def edit(s):
        target = s
        for key in path[:-1]:
            target = target[key]
        if value is _DELETE:
            del target[path[-1]]
        else:
            target[path[-1]] = value(target[path[-1]]) if callable(value) else value
    return edit


_DELETE = object()
_CONFIG = ("meta", "config")
EDITS = {
    "unknown model": _set((*_CONFIG, "model"), "resnet"),
    "train_size 10**11": _set((*_CONFIG, "train_size"), 10 ** 11),
    "negative epoch": _set(("epoch",), -1),
    "epoch beyond the history": _set(("epoch",), 5),
    "missing rng": _set(("rng",), _DELETE),
    "missing config key": _set((*_CONFIG, "lr"), _DELETE),
    "datetime64 weight": _set(("model", "fc1.weight"), lambda w: np.zeros(w.shape, "M8[s]")),
    "ndarray weight": _set(("model", "fc1.weight"), lambda w: w.numpy()),
    "wrong weight shape": _set(("model", "fc1.weight"), ag.zeros(3, 3)),
    "missing weight": _set(("model", "fc1.weight"), _DELETE),
    "lr text": _set((*_CONFIG, "lr"), "fast"),
    "lr negative": _set((*_CONFIG, "lr"), -1.0),
    "lr nan": _set((*_CONFIG, "lr"), float("nan")),
    "batch_size 0": _set((*_CONFIG, "batch_size"), 0),
    "batch_size float": _set((*_CONFIG, "batch_size"), 50.0),
    "dataset auto": _set((*_CONFIG, "dataset"), "auto"),
    "dataset unknown": _set((*_CONFIG, "dataset"), "cifar"),
    "dropout 1.5": _set((*_CONFIG, "dropout"), 1.5),
    "batchnorm text": _set((*_CONFIG, "batchnorm"), "yes"),
    "negative seed": _set((*_CONFIG, "seed"), -3),
    "unknown init": _set((*_CONFIG, "init"), "magic"),
    "dropout on a model without it": lambda s: s["meta"]["config"].update(model="simple_convnet", dropout=0.3),
    "another model's weights": _set((*_CONFIG, "model"), "simple_convnet"),
    "optimizer lr text": lambda s: s["optimizer"]["param_groups"][0].update(lr="x"),
    "optimizer betas short": lambda s: s["optimizer"]["param_groups"][0].update(betas=[0.9]),
    "optimizer params missing": lambda s: s["optimizer"].pop("param_groups"),
    "optimizer buffer text": lambda s: s["optimizer"]["state"][0].update(exp_avg="zeros"),
    "optimizer buffer shape": lambda s: s["optimizer"]["state"][0].update(exp_avg=ag.zeros(2)),
    "optimizer step negative": lambda s: s["optimizer"]["state"][0].update(step=-5),
    "rng of another generator": _set(("rng", "bit_generator"), "MT19937"),
    "rng a number": _set(("rng",), 5),
    "loader epoch negative": _set(("loader", "epoch"), -1),
    "loader seed text": _set(("loader", "seed"), "x"),
    "partial wrong epoch": _set(("partial",), {"epoch": 7, "step": 1}),
    "history text": _set(("history", "train_loss"), ["a"]),
    "history step losses text": _set(("history", "step_loss"), [["x"]]),
    "no run settings": _set(("meta",), None),
    "initial filters text": _set(("meta", "initial_filters"), "filters"),
    "initial filters 1-d": _set(("meta", "initial_filters"), np.zeros(10)),
    "other format": _set(("format",), "something-else"),
    "version 2": _set(("version",), 2),
}


@pytest.mark.parametrize("name", sorted(EDITS))
def test_edited_checkpoint_is_a_one_line_error(name, state, tmp_path, capsys):
    edited = copy.deepcopy(state)
    EDITS[name](edited)
    ckpt = tmp_path / "edited.npz"
    ag.save(edited, ckpt)
    code = main(["train", "--resume", str(ckpt), "--epochs", "3", "--no-progress", "--no-pictures",
                 "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code in (1, 2), err
    assert err.startswith("scratchgrad: error:") and err.count("\n") == 1, err
    assert "edited.npz" in err and "Traceback" not in err
    assert not (tmp_path / "out" / "history.json").exists()


def test_checkpoints_that_are_not_lists_or_dicts(tmp_path, capsys):
    for i, obj in enumerate([[1, 2], "text", None, {"format": "scratchgrad-checkpoint"}]):
        ag.save(obj, tmp_path / f"c{i}.npz")
        assert main(["train", "--resume", str(tmp_path / f"c{i}.npz"), "--no-progress"]) == 1
        assert capsys.readouterr().err.startswith("scratchgrad: error:")


def test_contradicting_flags_on_resume_are_listed(run, tmp_path, capsys):
    code = main(["train", "--resume", str(run / "checkpoint.npz"), "--model", "lenet5", "--lr", "0.5", "--seed", "0",
                 "--no-progress", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2
    assert "--model lenet5 (the checkpoint has mlp)" in err and "--lr 0.5 (the checkpoint has 0.001)" in err
    assert "--seed" not in err.split("contradict them")[1].split(".")[0]  # --seed 0 agrees with the checkpoint
    assert "--epochs" in err  # says which flags may change


def test_agreeing_flags_and_new_epochs_are_honoured(run, tmp_path, capsys):
    out = tmp_path / "cont"
    assert main(["train", "--resume", str(run / "checkpoint.npz"), "--model", "mlp", "--lr", "0.001",
                 "--dataset", "auto", "--epochs", "2", "--no-progress", "--no-pictures", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "--epochs 2 is the new total" in text
    assert json.loads((out / "history.json").read_text())["history"]["epoch"] == [1, 2]


def _full_disk_at(monkeypatch, call):
    """Make the ``call``-th ``autograd.save`` fail as a full disk does."""
    real, calls = ag.save, []

    def save(obj, f):
        calls.append(f)
        if len(calls) >= call:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(obj, f)

    monkeypatch.setattr(ag, "save", save)


def test_full_disk_keeps_the_history_and_exits_1(tmp_path, monkeypatch, capsys):
    _full_disk_at(monkeypatch, call=2)  # the first epoch's checkpoint is written, the second's is not
    out = tmp_path / "full"
    assert main(["train", *MLP, "--epochs", "3", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("scratchgrad: error: could not write the checkpoint") and "No space left" in err
    assert err.count("\n") == 1 and "history.json" in err
    record = json.loads((out / "history.json").read_text())
    assert record["history"]["epoch"] == [1, 2]  # up to the last finished epoch
    monkeypatch.undo()
    assert load_checkpoint(out / "checkpoint.npz")["epoch"] == 1


def test_full_disk_for_history_too_is_still_one_error(tmp_path, monkeypatch, capsys):
    _full_disk_at(monkeypatch, call=1)

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("scratchgrad.commands.write_json", no_space)
    assert main(["train", *MLP, "--epochs", "1", "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("scratchgrad: error:") and err.count("\n") == 1 and "history.json" in err


def test_huge_synthetic_sizes_are_refused_up_front(capsys):
    assert main(["train", "--dataset", "synthetic", "--train-size", str(10 ** 11)]) == 2
    assert "at most 200,000" in capsys.readouterr().err
