"""The fast backward paths of convolution and pooling against PyTorch: the input gradient of a stride-1 convolution
as a convolution of the output gradient (no col2im), col2im's assignments, the batch slices of the GEMMs, and max
pooling's scatter-add over overlapping windows."""
import itertools

import numpy as np
import pytest

import autograd as ag
import nn.functional as F
from nn.functional import columns

torch = pytest.importorskip("torch")


@pytest.fixture
def small_slices(monkeypatch):
    """Slices of the batch of a few hundred bytes: every GEMM loop runs over several, the last one short."""
    monkeypatch.setattr(columns, "CHUNK_BYTES", 700)


def conv_grads(lib, x, w, b, g, kw):
    """Output and input/weight/bias gradients of ``conv2d`` in ``lib`` (ours or torch) for the upstream ``g``."""
    if lib is torch:
        tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
        tb = None if b is None else torch.tensor(b, requires_grad=True)
        out = torch.nn.functional.conv2d(tx, tw, tb, **kw)
        out.backward(torch.tensor(g))
        return [out.detach().numpy()] + [None if t is None else t.grad.numpy() for t in (tx, tw, tb)]
    ax, aw = ag.tensor(x, requires_grad=True), ag.tensor(w, requires_grad=True)
    ab = None if b is None else ag.tensor(b, requires_grad=True)
    out = F.conv2d(ax, aw, ab, **kw)
    out.backward(ag.tensor(g))
    return [out.numpy()] + [None if t is None else t.grad.numpy() for t in (ax, aw, ab)]


GEOMETRIES = [{"stride": s, "padding": p, "dilation": d, "groups": g}
              for s, p, d, g in itertools.product((1, 2), (0, 1, 2), (1, 2), (1, 2))]


@pytest.mark.parametrize("kw", GEOMETRIES, ids=lambda kw: "s{stride}p{padding}d{dilation}g{groups}".format(**kw))
@pytest.mark.parametrize("with_bias", [True, False])
def test_conv2d_gradients_match_torch(kw, with_bias, small_slices):
    rng = np.random.default_rng(sum(kw.values()) + with_bias)
    g = kw["groups"]
    x = rng.standard_normal((5, 2 * g, 7, 9))  # odd sizes; 5 samples over uneven slices of the batch
    w = rng.standard_normal((3 * g, 2, 3, 2))  # a non-square kernel
    b = rng.standard_normal(3 * g) if with_bias else None
    out_shape = F.conv2d(ag.tensor(x), ag.tensor(w), None, **kw).shape
    up = rng.standard_normal(out_shape)
    for ours, theirs, name in zip(conv_grads(ag, x, w, b, up, kw), conv_grads(torch, x, w, b, up, kw), ("out", "x", "w", "b")):
        if theirs is None:
            assert ours is None
        else:
            np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10, err_msg=name)


@pytest.mark.parametrize("needs", ["w", "x", "xb", "wb", "b"])
@pytest.mark.parametrize("kw", [{"padding": 1}, {"padding": 0}, {"stride": 2, "padding": 1}, {"padding": 1, "groups": 2}])
def test_conv2d_gradients_of_some_inputs_match_torch(needs, kw, small_slices):
    # Which inputs need a gradient picks the path: the forward's kept columns (weight, no input), the
    # gradient's columns (input and weight at stride 1), col2im (strided, or cheaper), the bias alone.
    rng = np.random.default_rng(12)
    x, w, b = rng.standard_normal((5, 4, 7, 6)), rng.standard_normal((6, 4 // kw.get("groups", 1), 3, 3)), rng.standard_normal(6)
    ours = [ag.tensor(a, requires_grad=name in needs) for a, name in zip((x, w, b), "xwb")]
    theirs = [torch.tensor(a, requires_grad=name in needs) for a, name in zip((x, w, b), "xwb")]
    out, tout = F.conv2d(*ours, **kw), torch.nn.functional.conv2d(*theirs, **kw)
    up = rng.standard_normal(out.shape)
    out.backward(ag.tensor(up))
    tout.backward(torch.tensor(up))
    for a, t, name in zip(ours, theirs, "xwb"):
        if name in needs:
            np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-10, err_msg=name)
        else:
            assert a.grad is None


def test_conv2d_keeps_its_columns_only_when_they_serve_the_weight_gradient():
    x, w = ag.randn(2, 3, 6, 6), ag.randn(4, 3, 3, 3, requires_grad=True)
    y = F.conv2d(x, w, padding=1)
    node = y.grad_fn
    assert node.cols is not None  # the weight gradient reads the forward's columns...
    y.sum().backward()
    assert node.cols is None  # ...and backward frees them
    x.requires_grad_()
    assert F.conv2d(x, w, padding=1).grad_fn.cols is None  # both gradients come from the gradient's columns
    assert F.conv2d(x, w, stride=2).grad_fn.cols is not None  # strided: col2im for the input, columns for the weight
    w.requires_grad_(False)
    assert F.conv2d(x, w, stride=2).grad_fn.cols is None  # no weight gradient


@pytest.mark.parametrize("kernel, padding", [((1, 1), 2), ((1, 3), (2, 0)), ((3, 3), 2), ((2, 2), 1)])
def test_stride1_input_gradient_crops_when_padding_exceeds_the_kernel(kernel, padding, small_slices):
    # padding > dilation * (kernel - 1): the output gradient is cropped rather than padded before the convolution.
    rng = np.random.default_rng(7)
    x, w = rng.standard_normal((3, 2, 5, 4)), rng.standard_normal((4, 2, *kernel))
    kw = {"padding": padding}
    up = rng.standard_normal(F.conv2d(ag.tensor(x), ag.tensor(w), **kw).shape)
    for ours, theirs in zip(conv_grads(ag, x, w, None, up, kw)[:3], conv_grads(torch, x, w, None, up, kw)[:3]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10)


def test_deep_convnet_shapes_in_float32_match_torch():
    # DeepConvNet's convolutions (3x3, padding 1 and 2), batch 100: float32 all through, as torch.
    rng = np.random.default_rng(8)
    for c, o, size, pad in [(1, 16, 28, 1), (16, 16, 28, 1), (32, 32, 14, 2), (64, 64, 8, 1)]:
        x = rng.standard_normal((100, c, size, size), dtype=np.float32)
        w = (rng.standard_normal((o, c, 3, 3)) * 0.1).astype(np.float32)
        b = rng.standard_normal(o).astype(np.float32)
        up = rng.standard_normal((100, o, size + 2 * pad - 2, size + 2 * pad - 2)).astype(np.float32)
        ours, theirs = conv_grads(ag, x, w, b, up, {"padding": pad}), conv_grads(torch, x, w, b, up, {"padding": pad})
        for a, t, name in zip(ours, theirs, ("out", "x", "w", "b")):
            assert a.dtype == np.float32, name
            np.testing.assert_allclose(a, t, rtol=1e-4, atol=1e-4 * np.abs(t).max(), err_msg=f"{name} at C={c}")


def test_batch_slices_do_not_change_the_result(monkeypatch):
    rng = np.random.default_rng(9)
    x, w = rng.standard_normal((6, 3, 8, 8)), rng.standard_normal((4, 3, 3, 3))
    results = []
    for chunk in (columns.CHUNK_BYTES, 1):  # one slice for the whole batch; one sample per slice
        monkeypatch.setattr(columns, "CHUNK_BYTES", chunk)
        results.append(conv_grads(ag, x, w, None, np.ones((6, 4, 8, 8)), {"padding": 1})[:3])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_batch_slices_cover_the_batch():
    assert columns.batch_slices(0, 10) == []
    slices = columns.batch_slices(10, columns.CHUNK_BYTES // 3)
    assert [(s.start, s.stop) for s in slices] == [(0, 3), (3, 6), (6, 9), (9, 10)]
    assert len(columns.batch_slices(4, 10 * columns.CHUNK_BYTES)) == 4  # a huge sample still gets its own slice


@pytest.mark.parametrize("kw", [
    {"kernel_size": 2, "stride": 2}, {"kernel_size": 3, "stride": 3, "padding": 1}, {"kernel_size": 3, "stride": 2},
    {"kernel_size": (3, 2), "stride": (2, 3), "dilation": (1, 2), "padding": (1, 0)}, {"kernel_size": 2, "dilation": 2, "stride": 3},
    {"kernel_size": 3, "padding": 1},
])
def test_fold_assignments_match_torch(kw):
    # col2im assigns the offsets that open a phase of the image and adds the rest.
    rng = np.random.default_rng(10)
    size = (9, 8)
    cols = rng.standard_normal(torch.nn.functional.unfold(torch.zeros(2, 3, *size), **kw).shape)
    np.testing.assert_allclose(F.fold(ag.tensor(cols), size, **kw).numpy(),
                               torch.nn.functional.fold(torch.tensor(cols), size, **kw).numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kw", [
    {"kernel_size": 3, "stride": 2}, {"kernel_size": 3, "stride": 1, "padding": 1}, {"kernel_size": 3, "stride": 2, "ceil_mode": True},
    {"kernel_size": (3, 2), "stride": (1, 2), "dilation": (2, 1)}, {"kernel_size": 2, "stride": 2, "padding": 1},
])
@pytest.mark.parametrize("ties", [False, True])
def test_max_pool_backward_with_overlapping_windows_matches_torch(kw, ties):
    # Overlapping windows share winners: their gradients add up on the same input.
    rng = np.random.default_rng(11)
    x = rng.standard_normal((4, 3, 13, 12)).astype(np.float32)
    if ties:
        x = np.maximum(np.round(x), 0)  # ReLU-like: many equal maxima, all-zero windows
    ours, theirs = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, tout = F.max_pool2d(ours, **kw), torch.nn.functional.max_pool2d(theirs, **kw)
    up = rng.standard_normal(out.shape).astype(np.float32)
    out.backward(ag.tensor(up))
    tout.backward(torch.tensor(up))
    np.testing.assert_array_equal(out.numpy(), tout.detach().numpy())
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-6, atol=1e-6)
