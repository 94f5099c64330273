"""viz.features: receptive fields, top-activating patches, feature maps, saliency, activation maximisation."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd as ag
import nn
from autograd.data import TensorDataset
from viz import features as vf

pytest.importorskip("matplotlib")


def _net():
    ag.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(3, 4, 5, stride=2), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 3 * 3, 5))


def _images(n, seed=0, size=18):
    return np.random.default_rng(seed).random((n, 1, size, size)).astype(np.float32)


# -- receptive fields: hand-computed cases, then the gradient's support ----------------------------------------

def test_receptive_field_hand_computed():
    net, x = _net(), _images(1)
    # conv 3x3 pad 1: rows i-1..i+1; pool 2: rows 2i-1..2i+2; conv 5x5 stride 2 on that: 4 + 4 * 2 = 12 rows.
    assert vf.receptive_field(net, "0", x) == ((3, 3), (1, 1), (-1, -1))
    assert vf.receptive_field(net, net[2], x) == ((4, 4), (2, 2), (-1, -1))
    assert vf.receptive_field(net, "3", x) == ((12, 12), (4, 4), (-1, -1))
    assert vf.receptive_field(net, "4", x) == ((12, 12), (4, 4), (-1, -1))  # a ReLU keeps it


def test_receptive_field_dilation_stride_padding():
    ag.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 1, 3, dilation=2), nn.Conv2d(1, 1, (3, 1), stride=(2, 1), padding=(1, 0)))
    x = _images(1, size=20)
    assert vf.receptive_field(net, "0", x) == ((5, 5), (1, 1), (0, 0))
    assert vf.receptive_field(net, "1", x) == ((7, 5), (2, 1), (-1, 0))


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2), st.integers(0, 2))
def test_receptive_field_is_where_the_gradient_of_a_unit_lives(i, j):
    """The input gradient of one output unit is zero outside the computed receptive field."""
    net = _net()
    x = ag.tensor(_images(1), requires_grad=True)
    size, jump, start = vf.receptive_field(net, "3", x.numpy())
    out = net[3](net[2](net[1](net[0](x))))
    (g,) = ag.grad(out[0, :, i, j].sum(), [x])
    rows, cols = np.nonzero(np.abs(g.numpy()[0, 0]) > 0)
    assert rows.min() >= start[0] + i * jump[0] and rows.max() <= start[0] + i * jump[0] + size[0] - 1
    assert cols.min() >= start[1] + j * jump[1] and cols.max() <= start[1] + j * jump[1] + size[1] - 1


def test_receptive_field_of_a_linear_layer_says_it_cannot_be_computed():
    with pytest.raises(ValueError, match="cannot be computed.*Flatten"):
        vf.receptive_field(_net(), "6", _images(1))


def test_layers_not_in_the_model_are_named():
    net = _net()
    with pytest.raises(ValueError, match="'conv9' is not a module"):
        vf.receptive_field(net, "conv9", _images(1))
    with pytest.raises(ValueError, match="not part of the model"):
        vf.top_activating_patches(net, nn.Conv2d(1, 1, 3), _images(4))


# -- top-activating patches -----------------------------------------------------------------------------------

def test_top_patches_are_the_maxima_and_their_receptive_fields():
    net, data = _net(), _images(40)
    found = vf.top_activating_patches(net, "3", data, k=3, batch_size=7)
    with ag.no_grad():
        act = net[3](net[2](net[1](net[0](ag.tensor(data))))).numpy()
    size, jump, start = vf.receptive_field(net, "3", data[:1])
    assert sorted(found) == [0, 1, 2, 3]
    for ch, entries in found.items():
        per_image = act[:, ch].reshape(len(data), -1).max(axis=1)
        assert [e[1] for e in entries] == list(np.argsort(per_image)[::-1][:3])  # the 3 best images, best first
        for value, n, (i, j), patch in entries:
            assert value == pytest.approx(act[n, ch, i, j]) and value == pytest.approx(per_image[n])
            assert patch.shape == (1,) + size
            top, left = start[0] + i * jump[0], start[1] + j * jump[1]
            r0, c0 = max(top, 0), max(left, 0)
            r1, c1 = min(top + size[0], 18), min(left + size[1], 18)
            np.testing.assert_array_equal(patch[0, r0 - top:r1 - top, c0 - left:c1 - left], data[n, 0, r0:r1, c0:c1])


def test_top_patches_do_not_depend_on_the_batch_size_and_take_datasets():
    net, data = _net(), _images(30, seed=3)
    a = vf.top_activating_patches(net, "0", data, k=2, batch_size=4)
    b = vf.top_activating_patches(net, "0", TensorDataset(ag.tensor(data), ag.zeros(30)), k=2, batch_size=1000)
    assert [(e[1], e[2]) for c in a for e in a[c]] == [(e[1], e[2]) for c in b for e in b[c]]
    np.testing.assert_allclose([e[0] for c in a for e in a[c]], [e[0] for c in b for e in b[c]], rtol=1e-6)


def test_top_patches_bad_input():
    net = _net()
    with pytest.raises(TypeError, match="dataset must be"):
        vf.top_activating_patches(net, "0", 42)
    with pytest.raises(ValueError, match="channel 9 out of range"):
        vf.top_activating_patches(net, "0", _images(3), channels=[9])
    with pytest.raises(ValueError, match="k must be positive"):
        vf.top_activating_patches(net, "0", _images(3), k=0)


# -- saliency ---------------------------------------------------------------------------------------------------

def test_saliency_is_the_gradient_of_the_logit():
    net, x = _net(), _images(1)
    xt = ag.tensor(x, requires_grad=True)
    (expected,) = ag.grad(net(xt)[0, 2], [xt])
    np.testing.assert_allclose(vf.saliency(net, x[0], 2), expected.numpy()[0], rtol=1e-6)


def test_smoothgrad_is_the_mean_gradient_over_noisy_copies():
    net, x = _net(), _images(1)
    got = vf.saliency(net, x, 1, n=5, sigma=0.1, seed=7)
    noise = np.random.default_rng(7).standard_normal((5, 1, 18, 18)).astype(np.float32) * (0.1 * float(x.max() - x.min()))
    grads = []
    for k in range(5):
        xt = ag.tensor(x + noise[k], requires_grad=True)
        grads.append(ag.grad(net(xt)[0, 1], [xt])[0].numpy()[0])
    np.testing.assert_allclose(got, np.mean(grads, axis=0), rtol=1e-5, atol=1e-7)
    assert not np.allclose(got, vf.saliency(net, x, 1))


def test_saliency_bad_input():
    net = _net()
    with pytest.raises(ValueError, match="one image"):
        vf.saliency(net, _images(2), 0)
    with pytest.raises(ValueError, match="target 7 out of range"):
        vf.saliency(net, _images(1), 7)


def test_saliency_keeps_the_models_mode():
    net = _net().train()
    vf.saliency(net, _images(1), 0)
    assert all(m.training for m in net.modules())


# -- activation maximisation ------------------------------------------------------------------------------------

def test_maximize_activation_increases_the_channel_by_a_factor():
    net = _net()
    img, trace = vf.maximize_activation(net, "3", 1, input_shape=(1, 18, 18), steps=60, lr=0.05, seed=0)
    assert img.shape == (1, 18, 18) and len(trace) == 60
    assert trace[-1] > 5 * max(trace[0], 1e-3), trace[::10]


def test_maximize_activation_bad_channel():
    with pytest.raises(ValueError, match="channel 4 out of range"):
        vf.maximize_activation(_net(), "0", 4, input_shape=(1, 18, 18), steps=1)


# -- pictures ---------------------------------------------------------------------------------------------------

def test_pictures_return_figures_and_save(tmp_path):
    net, data = _net(), _images(12)
    figs = {
        "maps.png": vf.plot_feature_maps(net, data[0], path=tmp_path / "maps.png"),
        "patches.png": vf.plot_top_patches(net, "3", data, k=3, path=tmp_path / "patches.png"),
        "saliency.png": vf.plot_saliency(net, data[0], 1, n=3, path=tmp_path / "saliency.png"),
        "max.png": vf.plot_maximized(net, ["0", "3"], [0, 1], input_shape=(1, 18, 18), steps=5, path=tmp_path / "max.png"),
    }
    for name, fig in figs.items():
        assert type(fig).__name__ == "Figure"
        assert (tmp_path / name).stat().st_size > 1000


def test_feature_maps_default_layers_and_errors():
    net = _net()
    fig = vf.plot_feature_maps(net, _images(1))
    titles = [sf.get_suptitle() for sf in fig.subfigs]
    assert titles[0] == "input" and titles[1].startswith("0 (Conv2d)") and titles[2].startswith("2 (MaxPool2d)")
    with pytest.raises(ValueError, match="one image"):
        vf.plot_feature_maps(net, _images(2))
    with pytest.raises(ValueError, match="not maps"):
        vf.plot_feature_maps(net, _images(1), layers=["6"])
