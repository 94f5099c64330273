"""``scratchgrad export``: a trained checkpoint becomes an ONNX file that onnxruntime runs at any batch size."""
import importlib
import os

import numpy as np
import pytest

import autograd as ag
from scratchgrad import load_checkpoint
from scratchgrad.__main__ import main
from scratchgrad.builders import build_model

TINY = ["--dataset", "synthetic", "--train-size", "200", "--test-size", "100", "--no-progress", "--no-pictures"]


def _need(name):
    """The optional package ``name``: the test skips without it, except in CI (``CI=true``), where it fails."""
    if os.environ.get("CI", "").lower() in ("1", "true"):
        return importlib.import_module(name)
    return pytest.importorskip(name)


def test_export_a_trained_checkpoint(tmp_path, capsys):
    onnx, ort = _need("onnx"), _need("onnxruntime")
    run = tmp_path / "run"
    assert main(["train", *TINY, "--model", "mlp", "--batchnorm", "--epochs", "1", "--out", str(run)]) == 0
    assert main(["export", "--checkpoint", str(run / "checkpoint.npz")]) == 0
    assert "model.onnx" in capsys.readouterr().out
    onnx.checker.check_model(onnx.load(str(run / "model.onnx")), full_check=True)

    model = build_model("mlp", batchnorm=True)
    model.load_state_dict(load_checkpoint(run / "checkpoint.npz")["model"])
    model.eval()
    images = np.random.default_rng(0).random((3, 1, 28, 28), dtype=np.float32)
    with ag.no_grad():
        expected = model(ag.from_numpy(images)).numpy()
    session = ort.InferenceSession(str(run / "model.onnx"), providers=["CPUExecutionProvider"])
    got = session.run(["logits"], {"image": images})[0]
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)

    out = tmp_path / "elsewhere" / "mlp.onnx"
    assert main(["export", "--checkpoint", str(run / "checkpoint.npz"), "--out", str(out), "--opset", "18"]) == 0
    assert onnx.load(str(out)).opset_import[0].version == 18


def test_export_errors(tmp_path, capsys):
    _need("onnx")
    assert main(["export", "--checkpoint", str(tmp_path / "missing.npz")]) == 1
    assert "no checkpoint file" in capsys.readouterr().err
    (tmp_path / "junk.npz").write_bytes(b"not a checkpoint")
    assert main(["export", "--checkpoint", str(tmp_path / "junk.npz")]) == 1
    assert "cannot read" in capsys.readouterr().err
    assert main(["export"]) == 2  # --checkpoint is required
