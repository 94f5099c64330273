"""The benchmark workloads on tiny settings: every library computes the same losses from the shared weights."""
import importlib
import importlib.util

import numpy as np
import pytest

from benchmarks import impl_scratchgrad, networks, workloads
from benchmarks.worker import run

CNN_NETS = sorted(workloads.CNN_STEPS.values())
PEERS = ("torch", "dezero", "mygrad")


def _impl(lib):
    """The impl module of ``lib``, skipping when the library is not installed (dezero and mygrad are optional)."""
    if importlib.util.find_spec(lib) is None:  # not importorskip: impl_dezero must import dezero itself
        pytest.skip(f"{lib} is not installed")
    return importlib.import_module(f"benchmarks.impl_{lib}")


def _has_dropout(net):
    return any(layer[0] == "dropout" for layer in networks.NETWORKS[net]["layers"])


@pytest.mark.parametrize("lib", PEERS)
@pytest.mark.parametrize("net", CNN_NETS)
def test_cnn_step_losses_agree_with_scratchgrad(net, lib):
    peer = _impl(lib)
    ours = workloads.run_cnn_step(impl_scratchgrad, True, net=net, batch=4, repeats=1)
    theirs = workloads.run_cnn_step(peer, True, net=net, batch=4, repeats=1)
    assert ours["value"] > 0 and theirs["value"] > 0
    assert ours["loss_eval"] == pytest.approx(theirs["loss_eval"], rel=1e-4)
    if not _has_dropout(net):  # with dropout the training losses depend on each library's masks
        assert ours["loss_first"] == pytest.approx(theirs["loss_first"], rel=1e-4)
    # The check the report makes is the one the spec names.
    key = workloads.SPECS[f"{net}_step"]["loss"]
    assert key == ("loss_eval" if _has_dropout(net) else "loss_first")


def test_training_steps_train():
    result = workloads.run_cnn_step(impl_scratchgrad, True, net="lenet5", batch=8, repeats=3)
    assert result["loss_last"] < result["loss_first"]
    assert result["stats"]["n"] == 3 and result["peak_rss_mib"] > 0


@pytest.mark.parametrize("lib", PEERS)
def test_inference_throughput_agrees(lib):
    peer = _impl(lib)
    ours = workloads.run_inference_throughput(impl_scratchgrad, True, batch=6, repeats=1)
    theirs = workloads.run_inference_throughput(peer, True, batch=6, repeats=1)
    assert set(ours["parts"]) == set(workloads.INFERENCE_NETS) == set(theirs["parts"])
    for net, part in ours["parts"].items():
        assert part["value"] == pytest.approx(6 / (part["ms_per_batch"] / 1e3))
        assert part["loss_eval"] == pytest.approx(theirs["parts"][net]["loss_eval"], rel=1e-4)


@pytest.mark.parametrize("lib", PEERS)
def test_cnn_infer_returns_the_eval_logits(lib):
    peer = _impl(lib)
    x, _ = networks.network_data("alexnet", 3)
    params = networks.network_params("alexnet")
    ours = impl_scratchgrad.cnn_infer(impl_scratchgrad.cnn_model("alexnet", params), x)()
    theirs = peer.cnn_infer(peer.cnn_model("alexnet", params), x)()
    theirs = getattr(theirs, "data", theirs)
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    np.testing.assert_allclose(ours.numpy(), theirs, rtol=1e-4, atol=1e-5)


def test_search_trial_runs_scratchgrads_trial():
    result = workloads.run_search_trial(impl_scratchgrad, True, epochs=1, repeats=1)
    assert result["value"] > 0
    assert set(result["trial"]) >= {"val_acc", "train_acc"}
    assert 0.0 <= result["trial"]["val_acc"] <= 1.0


def test_search_trial_is_unavailable_for_torch_with_the_reason():
    pytest.importorskip("torch")
    record = run("torch", "search_trial", quick=True)
    assert record["status"] == "unavailable"
    assert "scratchgrad's own experiment code" in record["error"]


def test_a_missing_impl_function_is_unavailable():
    class Bare:
        __name__ = "impl_bare"

    with pytest.raises(workloads.Unavailable, match="impl_bare has no cnn_model"):
        workloads.run_cnn_step(Bare(), True, net="lenet5")


def test_a_zoo_model_that_drifts_from_the_layer_list_fails(monkeypatch):
    monkeypatch.setitem(networks.ZOO, "lenet5", "SimpleConvNet")
    monkeypatch.setattr(impl_scratchgrad, "ZOO", networks.ZOO)
    with pytest.raises(ValueError, match=r"nn.models.SimpleConvNet\(\) does not have the layers of the benchmark's "
                                         "lenet5"):
        impl_scratchgrad.cnn_model("lenet5", networks.network_params("lenet5"))


def test_networks_shapes_and_data():
    for net, spec in networks.NETWORKS.items():
        params = networks.network_params(net)
        assert [(n, a.shape) for n, a in params] == networks.param_shapes(net)
        assert all(a.dtype == np.float32 for _, a in params)
        x, t = networks.network_data(net, 5)
        assert x.shape == (5, *spec["input"]) and x.dtype == np.float32 and t.shape == (5,)
    # Fixed seeds: the same weights in every process.
    np.testing.assert_array_equal(networks.network_params("alexnet")[0][1], networks.network_params("alexnet")[0][1])


@pytest.mark.parametrize(("size", "out"), [(3, 2), (4, 2), (6, 3), (7, 3), (5, 2), (7, 1), (5, 5), (9, 3)])
def test_adaptive_window_is_torchs_adaptive_pooling(size, out):
    torch = pytest.importorskip("torch")
    kernel, stride = networks.adaptive_window(size, out)
    x = torch.randn(2, 3, size, size)
    np.testing.assert_allclose(torch.nn.functional.avg_pool2d(x, kernel, stride).numpy(),
                               torch.nn.functional.adaptive_avg_pool2d(x, out).numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("size", "out"), [(5, 3), (8, 3), (10, 4)])
def test_adaptive_window_rejects_uneven_windows(size, out):
    with pytest.raises(ValueError, match=f"adaptive pooling {size} -> {out} has uneven windows"):
        networks.adaptive_window(size, out)
