"""The ``scratchgrad`` command: exit codes, output files, resume, NaN and Ctrl-C handling."""
import json
import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import autograd as ag
import scratchgrad.commands
from scratchgrad import Callback, load_checkpoint
from scratchgrad.__main__ import main

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TINY = ["--dataset", "synthetic", "--train-size", "200", "--test-size", "100", "--no-progress"]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _png_ok(path):
    with open(path, "rb") as fh:
        head = fh.read(8)
    return head == PNG_MAGIC and os.path.getsize(path) > 2000


def test_train_writes_everything_and_exits_0(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", *TINY, "--epochs", "1", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "SyntheticDigits" in text and "test accuracy:" in text and str(out) in text
    for name in ("history.json", "checkpoint.npz", "curves.png", "filters.png", "graph.svg"):
        assert (out / name).is_file(), name
    assert _png_ok(out / "curves.png") and _png_ok(out / "filters.png")
    assert (out / "graph.svg").read_text().lstrip().startswith("<?xml")
    assert "conv1" in (out / "graph.svg").read_text()  # grouped by module
    record = json.loads((out / "history.json").read_text())
    assert record["history"]["epoch"] == [1] and 0 <= record["test_acc"] <= 1
    assert record["dataset"] == {"name": "synthetic", "title": "SyntheticDigits", "train_size": 200,
                                 "test_size": 100, "reason": record["dataset"]["reason"]}
    assert load_checkpoint(out / "checkpoint.npz")["meta"]["config"]["model"] == "simple_convnet"


def test_default_output_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["train", *TINY, "--model", "mlp", "--batchnorm", "--dropout", "0.1"]) == 0
    assert (tmp_path / "runs" / "mlp-synthetic" / "history.json").is_file()
    assert _png_ok(tmp_path / "runs" / "mlp-synthetic" / "filters.png")  # first Linear's weights as 28x28 images


@pytest.mark.parametrize("argv", [
    ["train", "--lr", "-0.1"],
    ["train", "--lr", "nan"],
    ["train", "--model", "resnet"],
    ["train", "--epochs", "0"],
    ["train", "--epochs", "two"],
    ["train", "--batch-size", "0"],
    ["train", "--dropout", "1.5"],
    ["train", "--weight-decay", "-1"],
    ["train", "--train-size", "-5"],
    ["train", "--optimizer", "lbfgs"],
    ["train", "--dataset", "cifar"],
    ["train", "--batchnorm"],                  # simple_convnet has no batch norm
    ["train", "--dropout", "0.3"],             # nor dropout
    ["train", "--resume", "/nonexistent.npz"],
    ["experiment", "nothing"],
    ["experiment", "overfit", "--workers", "0"],
    ["graph", "--model", "mlp", "--out", "graph.txt"],
    ["frobnicate"],
    [],
])
def test_bad_flags_exit_2(argv, capsys):
    assert main(argv) == 2
    assert "error:" in capsys.readouterr().err


def test_help_exits_0(capsys):
    assert main(["train", "--help"]) == 0
    assert "--train-size" in capsys.readouterr().out


def test_nan_loss_exits_1_with_the_message(tmp_path, capsys):
    code = main(["train", *TINY, "--model", "mlp", "--optimizer", "sgd", "--lr", "1e30", "--epochs", "2",
                 "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1
    assert "epoch 1, step" in err and "lower" in err and "lr=1e+30" in err
    assert (tmp_path / "history.json").is_file()


def test_missing_dataset_exits_1_with_advice(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SCRATCHGRAD_DATA", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    code = main(["train", "--dataset", "mnist", "--no-progress", "--out", str(tmp_path / "o")])
    assert code == 1
    assert "--download" in capsys.readouterr().err


def _interrupt_at(monkeypatch, epoch, step):
    """Make the CLI's fit raise KeyboardInterrupt (as Ctrl-C does) after the given step."""
    real_fit = scratchgrad.commands.fit

    class Stop(Callback):
        def on_batch_end(self, e, s, loss):
            if (e, s) == (epoch, step):
                raise KeyboardInterrupt

    def fit(*args, callbacks=(), **kwargs):
        return real_fit(*args, callbacks=[*callbacks, Stop()], **kwargs)

    monkeypatch.setattr(scratchgrad.commands, "fit", fit)


def test_ctrl_c_exits_130_and_resume_matches_an_uninterrupted_run(tmp_path, monkeypatch, capsys):
    flags = [*TINY, "--model", "mlp", "--dropout", "0.2", "--epochs", "2", "--batch-size", "50", "--no-pictures"]
    assert main(["train", *flags, "--out", str(tmp_path / "full")]) == 0
    with monkeypatch.context() as m:
        _interrupt_at(m, 2, 1)
        code = main(["train", *flags, "--out", str(tmp_path / "cut")])
    err = capsys.readouterr().err
    assert code == 130
    assert "interrupted at epoch 2, step 1" in err and str(tmp_path / "cut" / "checkpoint.npz") in err
    ag.manual_seed(77)  # resuming must not depend on the state the process happens to be in
    assert main(["train", "--resume", str(tmp_path / "cut" / "checkpoint.npz"), "--epochs", "2",
                 "--no-progress", "--no-pictures"]) == 0
    assert not (tmp_path / "cut" / "curves.png").exists()
    full = json.loads((tmp_path / "full" / "history.json").read_text())["history"]
    resumed = json.loads((tmp_path / "cut" / "history.json").read_text())["history"]
    for key in ("train_loss", "train_acc", "test_loss", "test_acc"):
        assert full[key] == resumed[key], key
    a = load_checkpoint(tmp_path / "full" / "checkpoint.npz")["model"]
    b = load_checkpoint(tmp_path / "cut" / "checkpoint.npz")["model"]
    for k in a:
        np.testing.assert_array_equal(a[k].numpy(), b[k].numpy())


def test_graph_command(tmp_path, capsys):
    out = tmp_path / "g.svg"
    assert main(["graph", "--model", "lenet5", "--out", str(out)]) == 0
    text = out.read_text()
    assert "<svg" in text and "features" in text
    assert main(["graph", "--model", "mlp", "--batchnorm", "--collapse", "--out", str(tmp_path / "g.dot")]) == 0
    assert "digraph" in (tmp_path / "g.dot").read_text()


def test_python_dash_m_runs(tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, "-m", "scratchgrad", "train", "--epochs", "0"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "--epochs" in done.stderr


# A process started with SIGINT ignored (nohup, a non-interactive shell's `cmd &`) passes that on to its children,
# where Python then installs no Ctrl-C handler: the signal would be ignored and the run would go on.
@pytest.mark.skipif(not hasattr(signal, "SIGINT") or signal.getsignal(signal.SIGINT) is signal.SIG_IGN,
                    reason="SIGINT is ignored in this process (and so in its children): Ctrl-C cannot be sent")
def test_real_ctrl_c_in_a_subprocess_exits_130_with_a_checkpoint(tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-m", "scratchgrad", "train", "--dataset", "synthetic", "--train-size",
                             "3000", "--test-size", "100", "--epochs", "1000", "--no-progress", "--no-pictures",
                             "--out", str(tmp_path)], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        for line in proc.stdout:  # wait until training has started and Ctrl-C is handled
            if line.startswith("training (Ctrl-C"):
                break
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    # Ctrl-C may land mid-epoch ("at epoch E, step S") or while evaluating ("at the end of epoch E"): both save
    assert re.search(r"training interrupted at (epoch \d+, step \d+|the end of epoch \d+)", err), err
    assert "scratchgrad train --resume" in err
    state = load_checkpoint(tmp_path / "checkpoint.npz")
    assert state["epoch"] < 1000 and (tmp_path / "history.json").is_file()


def test_corrupt_resume_checkpoint_exits_1_without_a_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a checkpoint")
    assert main(["train", "--resume", str(bad), "--no-progress", "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "scratchgrad: error:" in err and "bad.npz" in err


def test_resume_directory_hints_at_the_checkpoint_inside(tmp_path, capsys):
    (tmp_path / "checkpoint.npz").write_bytes(b"")
    assert main(["train", "--resume", str(tmp_path)]) == 2
    assert str(tmp_path / "checkpoint.npz") in capsys.readouterr().err


def test_resume_with_fewer_epochs_than_done_says_so(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", *TINY, "--model", "mlp", "--epochs", "2", "--no-pictures", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["train", "--resume", str(out / "checkpoint.npz"), "--epochs", "1", "--no-progress",
                 "--no-pictures"]) == 0
    text = capsys.readouterr().out
    assert "already" in text and "--epochs 3" in text


@pytest.mark.parametrize("argv", [
    ["train", *TINY, "--epochs", "1", "--no-pictures"],
    ["experiment", "overfit", "--quick", "--no-progress"],
])
def test_unusable_out_directory_exits_1_with_advice(tmp_path, capsys, argv):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert main([*argv, "--out", str(blocker / "sub")]) == 1
    err = capsys.readouterr().err
    assert "scratchgrad: error:" in err and "--out" in err


def test_graph_creates_the_output_directory_or_says_why_not(tmp_path, capsys):
    assert main(["graph", "--model", "mlp", "--out", str(tmp_path / "new" / "g.dot")]) == 0
    assert (tmp_path / "new" / "g.dot").is_file()
    (tmp_path / "a-file").write_text("")
    assert main(["graph", "--model", "mlp", "--out", str(tmp_path / "a-file" / "g.dot")]) == 1
    assert "--out" in capsys.readouterr().err


def test_mlp_graph_draws_the_input_not_a_constant(tmp_path):
    assert main(["graph", "--model", "mlp", "--out", str(tmp_path / "g.dot")]) == 0
    text = (tmp_path / "g.dot").read_text()
    assert 'label="input' in text and "const" not in text
