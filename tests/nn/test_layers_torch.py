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
