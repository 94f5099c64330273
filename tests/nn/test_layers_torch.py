"""The normalization, embedding, convolution, pooling and upsampling layers against PyTorch from the same weights:
outputs, input and parameter gradients, state-dict keys, default initialisation, constructor and input errors."""
import numpy as np
import pytest

import autograd as ag
import nn
from torch_parity import compare, copy_state

torch = pytest.importorskip("torch")


def _rand(*shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _perturb(module, seed=1):
    """Give every parameter non-default values (so a layer that ignored one would be caught)."""
    rng = np.random.default_rng(seed)
    with ag.no_grad():
        for p in module.parameters():
            p.copy_(ag.tensor(rng.standard_normal(p.shape).astype(p.dtype)))


# -- normalization -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("args, kwargs, shape", [
    ((5,), {}, (3, 4, 5)), (([4, 5],), dict(eps=1e-3), (2, 3, 4, 5)), ((5,), dict(bias=False), (2, 5)),
    ((5,), dict(elementwise_affine=False), (3, 5)),
])
def test_layer_norm_matches_torch(args, kwargs, shape):
    ours, theirs = nn.LayerNorm(*args, **kwargs), torch.nn.LayerNorm(*args, **kwargs)
    assert ours.normalized_shape == theirs.normalized_shape and repr(ours) == repr(theirs)
    copy_state(torch, ours, theirs)  # the default init (ones, zeros) first
    compare(torch, ours, theirs, _rand(*shape))
    _perturb(ours)
    copy_state(torch, ours, theirs)
    compare(torch, ours, theirs, _rand(*shape, seed=2))


@pytest.mark.parametrize("args, kwargs, shape", [
    ((3, 6), {}, (2, 6, 4, 5)), ((2, 4), dict(eps=1e-3), (3, 4, 7)), ((1, 3), dict(affine=False), (2, 3, 4)),
    ((3, 6), dict(bias=False), (4, 6)),
])
def test_group_norm_matches_torch(args, kwargs, shape):
    ours, theirs = nn.GroupNorm(*args, **kwargs), torch.nn.GroupNorm(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    copy_state(torch, ours, theirs)
    compare(torch, ours, theirs, _rand(*shape))
    _perturb(ours)
    copy_state(torch, ours, theirs)
    compare(torch, ours, theirs, _rand(*shape, seed=2))


def test_normalization_layer_errors():
    with pytest.raises(ValueError, match=r"num_channels \(6\).*num_groups \(4\)"):
        nn.GroupNorm(4, 6)
    with pytest.raises(RuntimeError, match=r"GroupNorm.*\(N, 6, \*\).*\(2, 4, 5\)"):
        nn.GroupNorm(3, 6)(ag.randn(2, 4, 5))
    with pytest.raises(RuntimeError, match=r"LayerNorm.*\(\*, 4\).*\(2, 3, 5\)"):
        nn.LayerNorm(4)(ag.randn(2, 3, 5))


# -- embedding ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs", [dict(), dict(padding_idx=2), dict(padding_idx=-1, scale_grad_by_freq=True),
                                    dict(max_norm=1.5)])
def test_embedding_matches_torch(kwargs):
    ours, theirs = nn.Embedding(7, 4, **kwargs), torch.nn.Embedding(7, 4, **kwargs)
    assert repr(ours) == repr(theirs) and ours.padding_idx == theirs.padding_idx
    if ours.padding_idx is not None:
        assert not ours.weight.numpy()[ours.padding_idx].any()
    copy_state(torch, ours, theirs)
    idx = np.array([[0, 2, 6], [2, 2, 5]])
    compare(torch, ours, theirs, idx)
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(), rtol=1e-6)


def test_embedding_default_init_is_standard_normal():
    w = nn.Embedding(2000, 50).weight.numpy()
    assert abs(w.mean()) < 0.01 and abs(w.std() - 1) < 0.01 and w.dtype == np.float32


def test_embedding_from_pretrained_freezes_and_keeps_the_padding_row():
    table = ag.tensor(_rand(5, 3))
    emb = nn.Embedding.from_pretrained(table, padding_idx=1)
    ref = torch.nn.Embedding.from_pretrained(torch.from_numpy(table.numpy().copy()), padding_idx=1)
    assert not emb.weight.requires_grad and repr(emb) == repr(ref)
    np.testing.assert_array_equal(emb(ag.tensor([1, 4])).numpy(), ref(torch.tensor([1, 4])).numpy())
    assert not np.shares_memory(emb.weight.numpy(), table.numpy())
    trainable = nn.Embedding.from_pretrained(table, freeze=False)
    trainable(ag.tensor([0, 0])).sum().backward()
    np.testing.assert_array_equal(trainable.weight.grad.numpy()[0], [2, 2, 2])


def test_embedding_errors():
    with pytest.raises(AssertionError, match="padding_idx=7"):
        nn.Embedding(7, 3, padding_idx=7)
    with pytest.raises(AssertionError, match=r"2-dimensional.*\(5,\)"):
        nn.Embedding.from_pretrained(ag.ones(5))
    with pytest.raises(AssertionError, match=r"\(4, 3\)"):
        nn.Embedding(5, 3, _weight=ag.ones(4, 3))
    with pytest.raises(IndexError, match=r"index 7.*\(7, 3\)"):
        nn.Embedding(7, 3)(ag.tensor([[1, 7]]))
    with pytest.raises(NotImplementedError, match="sparse"):
        nn.Embedding(7, 3, sparse=True)


# -- convolution -------------------------------------------------------------------------------------------


def _same_layer(ours_cls, theirs_cls, *args, **kwargs):
    ours, theirs = ours_cls(*args, **kwargs), theirs_cls(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert [tuple(p.shape) for p in ours.parameters()] == [tuple(p.shape) for p in theirs.parameters()]
    copy_state(torch, ours, theirs)
    return ours, theirs


@pytest.mark.parametrize("kwargs", [
    dict(), dict(stride=2, padding=1), dict(padding="same", dilation=2), dict(groups=2, bias=False, padding=2),
    dict(padding=2, padding_mode="reflect"), dict(padding=1, padding_mode="replicate", stride=2),
    dict(padding=3, padding_mode="circular"), dict(padding="same", padding_mode="reflect", kernel_size=4),
])
@pytest.mark.filterwarnings("ignore:Using padding='same'")
def test_conv1d_matches_torch(kwargs):
    kwargs = {"kernel_size": 3, **kwargs}
    ours, theirs = _same_layer(nn.Conv1d, torch.nn.Conv1d, 4, 6, **kwargs)
    compare(torch, ours, theirs, _rand(2, 4, 9))
    compare(torch, ours, theirs, _rand(4, 9, seed=3))  # unbatched


@pytest.mark.parametrize("kwargs", [
    dict(padding=(1, 2), padding_mode="reflect"), dict(padding=1, padding_mode="replicate", stride=2, groups=2),
    dict(padding=(2, 1), padding_mode="circular", dilation=(1, 2)), dict(padding="same", padding_mode="circular"),
])
def test_conv2d_padding_modes_match_torch(kwargs):
    ours, theirs = _same_layer(nn.Conv2d, torch.nn.Conv2d, 4, 6, 3, **kwargs)
    compare(torch, ours, theirs, _rand(2, 4, 7, 8))


def test_conv_default_init_matches_torch_bounds():
    for ours, fan_in in ((nn.Conv1d(4, 6, 5), 20), (nn.ConvTranspose2d(4, 6, 3, groups=2), 27)):
        bound = 1 / np.sqrt(fan_in)
        w, b = ours.weight.numpy(), ours.bias.numpy()
        assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound and np.abs(b).max() <= bound


@pytest.mark.parametrize("kwargs", [
    dict(), dict(stride=2, padding=1, output_padding=1), dict(stride=(2, 3), padding=(0, 1), groups=2, dilation=(1, 2)),
    dict(stride=2, bias=False, output_padding=(1, 0)),
])
def test_conv_transpose2d_matches_torch(kwargs):
    ours, theirs = _same_layer(nn.ConvTranspose2d, torch.nn.ConvTranspose2d, 4, 6, 3, **kwargs)
    compare(torch, ours, theirs, _rand(2, 4, 5, 6))
    compare(torch, ours, theirs, _rand(4, 5, 6, seed=3))


def test_conv_transpose2d_output_size():
    ours, theirs = _same_layer(nn.ConvTranspose2d, torch.nn.ConvTranspose2d, 4, 2, 3, stride=2)
    x = _rand(1, 4, 5, 5)
    for size in [(11, 11), (12, 11), (1, 2, 12, 12)]:
        out, tout = ours(ag.tensor(x), output_size=size), theirs(torch.tensor(x), output_size=size)
        np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match=r"\(13, 13\).*\(11, 11\) to \(12, 12\)"):
        ours(ag.tensor(x), output_size=(13, 13))


def test_conv_layer_errors():
    with pytest.raises(ValueError, match="padding_mode"):
        nn.Conv1d(2, 3, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match='only "zeros"'):
        nn.ConvTranspose2d(2, 3, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.ConvTranspose2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="strided"):
        nn.Conv1d(2, 3, 3, padding="same", stride=2)
    with pytest.raises(ValueError, match="kernel_size"):
        nn.Conv1d(2, 3, (3, 3))
    with pytest.raises(RuntimeError, match=r"^Conv1d\(2, 3, .*\): expected input with 2 channels, got input of shape \(2, 4, 5\)$"):
        nn.Conv1d(2, 3, 3)(ag.ones(2, 4, 5))
    with pytest.raises(RuntimeError, match=r"Conv1d.*3-D \(N, C, L\) or 2-D \(C, L\).*\(2, 2, 5, 5\)"):
        nn.Conv1d(2, 3, 3)(ag.ones(2, 2, 5, 5))
    with pytest.raises(RuntimeError, match=r"ConvTranspose2d.*4 channels.*\(1, 3, 5, 5\)"):
        nn.ConvTranspose2d(4, 2, 3)(ag.ones(1, 3, 5, 5))


# -- pooling -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ours_cls, theirs_cls, args, kwargs, shape", [
    (nn.MaxPool1d, torch.nn.MaxPool1d, (3,), dict(stride=2, padding=1, ceil_mode=True), (2, 3, 10)),
    (nn.MaxPool1d, torch.nn.MaxPool1d, (2,), dict(dilation=2), (3, 10)),
    (nn.AvgPool1d, torch.nn.AvgPool1d, (3,), dict(stride=2, padding=1, count_include_pad=False, ceil_mode=True), (2, 3, 10)),
    (nn.MaxPool2d, torch.nn.MaxPool2d, (3,), dict(stride=2, ceil_mode=True), (2, 3, 8, 9)),
    (nn.AvgPool2d, torch.nn.AvgPool2d, (3,), dict(stride=2, padding=1, ceil_mode=True, count_include_pad=False), (2, 3, 8, 9)),
    (nn.AvgPool2d, torch.nn.AvgPool2d, (2,), dict(ceil_mode=True, divisor_override=3), (3, 7, 7)),
    (nn.AdaptiveMaxPool2d, torch.nn.AdaptiveMaxPool2d, ((3, None),), {}, (2, 3, 8, 9)),
    (nn.AdaptiveMaxPool2d, torch.nn.AdaptiveMaxPool2d, (4,), dict(return_indices=True), (3, 7, 9)),
])
def test_pooling_layers_match_torch(ours_cls, theirs_cls, args, kwargs, shape):
    ours, theirs = _same_layer(ours_cls, theirs_cls, *args, **kwargs)
    assert not list(ours.state_dict())
    compare(torch, ours, theirs, _rand(*shape))


def test_max_pool_with_indices_and_unpool_layers_match_torch():
    pool, tpool = _same_layer(nn.MaxPool2d, torch.nn.MaxPool2d, 2, return_indices=True)
    unpool, tunpool = _same_layer(nn.MaxUnpool2d, torch.nn.MaxUnpool2d, 2)
    x = _rand(2, 3, 7, 7)
    ours, theirs = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, tout = unpool(*pool(ours), output_size=ours.shape), tunpool(*tpool(theirs), output_size=theirs.shape)
    np.testing.assert_array_equal(out.numpy(), tout.detach().numpy())
    g = _rand(*out.shape, seed=4)
    out.backward(ag.tensor(g)), tout.backward(torch.tensor(g))
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


def test_pooling_layer_errors():
    with pytest.raises(RuntimeError, match=r"MaxPool1d.*3-D \(N, C, L\) or 2-D \(C, L\).*\(2, 3, 4, 5\)"):
        nn.MaxPool1d(2)(ag.ones(2, 3, 4, 5))
    with pytest.raises(RuntimeError, match=r"AdaptiveMaxPool2d.*\(5,\)"):
        nn.AdaptiveMaxPool2d(2)(ag.ones(5))
    with pytest.raises(RuntimeError, match=r"MaxUnpool2d.*\(4, 4\)"):
        nn.MaxUnpool2d(2)(ag.ones(4, 4), ag.zeros(4, 4, dtype=ag.int64))


# -- upsampling ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, shape", [
    (dict(scale_factor=2), (2, 3, 4, 5)), (dict(size=(7, 3), mode="bilinear"), (2, 3, 4, 5)),
    (dict(scale_factor=(1.5, 2.5), mode="bilinear", align_corners=True), (2, 3, 4, 5)),
    (dict(size=9, mode="linear"), (2, 3, 4)), (dict(scale_factor=1.7, recompute_scale_factor=True), (2, 3, 5)),
])
def test_upsample_matches_torch(kwargs, shape):
    ours, theirs = _same_layer(nn.Upsample, torch.nn.Upsample, **kwargs)
    assert ours.scale_factor == theirs.scale_factor and ours.size == theirs.size
    compare(torch, ours, theirs, _rand(*shape))


def test_upsample_errors():
    with pytest.raises(ValueError, match="either size or scale_factor"):
        nn.Upsample()(ag.ones(1, 1, 2, 2))
    with pytest.raises(NotImplementedError, match=r"'bilinear' needs a 4-D input.*\(1, 1, 2\)"):
        nn.Upsample(scale_factor=2, mode="bilinear")(ag.ones(1, 1, 2))
