"""The PyTorch comparison script: same initial weights, same batches, accuracies that agree."""
import numpy as np
import pytest

import autograd as ag
import nn


def test_copied_network_computes_the_same_logits():
    torch = pytest.importorskip("torch")
    from scratchgrad.experiments.compare_torch import torch_simple_convnet

    ag.manual_seed(0)
    model = nn.models.SimpleConvNet(weight_init_std=0.1)
    net = torch_simple_convnet(model)
    x = np.random.default_rng(0).random((4, 1, 28, 28), dtype=np.float32)
    with ag.no_grad():
        ours = model(ag.tensor(x)).numpy()
    with torch.no_grad():
        theirs = net(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)


def test_short_comparison_agrees(tmp_path):
    pytest.importorskip("torch")
    from scratchgrad.experiments.compare_torch import main, run_comparison

    result = run_comparison("synthetic", epochs=1, train_size=300, test_size=200, progress=False, log=lambda s: None)
    assert result["within_half_a_point"], result["final_accuracy_difference"]
    assert len(result["scratchgrad"]["test_acc"]) == len(result["torch"]["test_acc"]) == 1
    with pytest.raises(SystemExit) as info:
        main(["--epochs", "0", "--out", str(tmp_path)])
    assert info.value.code == 2


@pytest.mark.parametrize("flag", ["--train-size", "--test-size", "--epochs"])
def test_comparison_rejects_sizes_below_one_as_a_usage_error(flag, capsys):
    from scratchgrad.experiments.compare_torch import main

    with pytest.raises(SystemExit) as exc:
        main([flag, "-5"])
    assert exc.value.code == 2 and flag in capsys.readouterr().err
