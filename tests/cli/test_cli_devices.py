"""``scratchgrad train --device``: the device is checked before anything is loaded."""
import importlib.util

import pytest

from scratchgrad.cli import main


def _has_cupy():
    return importlib.util.find_spec("cupy") is not None


@pytest.mark.skipif(_has_cupy(), reason="CuPy is installed: the message for a missing CuPy cannot be seen")
def test_train_on_cuda_without_cupy_says_what_to_install(tmp_path, capsys):
    code = main(["train", "--device", "cuda", "--out", str(tmp_path / "run"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "CuPy, which is not installed" in err and "scratchgrad[cuda]" in err
    assert not (tmp_path / "run").exists()


def test_train_on_no_device_is_a_usage_error(tmp_path, capsys):
    assert main(["train", "--device", "junk", "--out", str(tmp_path / "run")]) == 2
    assert "device type at start of device string: junk" in capsys.readouterr().err
