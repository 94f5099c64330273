"""Devices and array-API namespaces: Tensors holding ``array_api_strict`` arrays compute every op with that
namespace (forward and backward equal to numpy's), foreign arrays keep their namespace, mixing raises, and CUDA
through CuPy (skipped, with the reason, where CuPy or a GPU is missing)."""
import numpy as np
import pytest

import autograd as ag

xps = pytest.importorskip("array_api_strict")

# A non-default device of array_api_strict: numpy cannot read its arrays (np.asarray raises), so a numpy call
# leaking into an op fails loudly instead of silently computing on the host.
DEVICE = xps.Device("device1")
RNG = np.random.default_rng(0)


def strict(array):
    """A numpy array as an array_api_strict array on DEVICE."""
    return xps.asarray(array, device=DEVICE)


def host(t):
    """A Tensor's values as a numpy array, from any namespace."""
    return t.detach().to(np).numpy()


def _pos(*shape):
    return RNG.uniform(0.5, 2.0, shape)


def _any(*shape):
    return RNG.uniform(-2.0, 2.0, shape)


# name -> (inputs, function of Tensors)
CASES = {
    "add": ([_any(2, 3), _any(3)], lambda a, b: a + b),
    "sub": ([_any(2, 3), _any(2, 1)], lambda a, b: a - b),
    "mul": ([_any(2, 3), _any(2, 3)], lambda a, b: a * b * 2.0),
    "div": ([_any(2, 3), _pos(3)], lambda a, b: a / b),
    "pow": ([_pos(2, 3)], lambda a: a ** 3 + a ** 0.5),
    "neg": ([_any(4)], lambda a: -a),
    "exp": ([_any(2, 3)], ag.exp),
    "log": ([_pos(2, 3)], ag.log),
    "tanh": ([_any(2, 3)], ag.tanh),
    "sigmoid": ([_any(5)], ag.sigmoid),
    "relu": ([_any(2, 5)], ag.relu),
    "matmul": ([_any(2, 3), _any(3, 4)], ag.matmul),
    "matmul_batched": ([_any(2, 2, 3), _any(3, 4)], lambda a, b: a @ b),
    "matvec": ([_any(2, 3), _any(3)], lambda a, b: a @ b),
    "sum": ([_any(2, 3, 4)], lambda a: a.sum(dim=1)),
    "sum_all": ([_any(2, 3)], lambda a: a.sum()),
    "mean": ([_any(2, 3, 4)], lambda a: a.mean(dim=(0, 2), keepdim=True)),
    "max_dim": ([_any(3, 4)], lambda a: a.max(dim=1).values),
    "max_all": ([_any(3, 4)], lambda a: a.max()),
    "amin": ([_any(3, 4)], lambda a: ag.amin(a, dim=0)),
    "reshape": ([_any(2, 6)], lambda a: a.reshape(3, 4) * 1.0),
    "permute": ([_any(2, 3, 4)], lambda a: a.permute(2, 0, 1)),
    "transpose": ([_any(2, 3)], lambda a: a.T),
    "getitem_slice": ([_any(4, 5)], lambda a: a[1:3, ::2]),
    "getitem_int": ([_any(4, 5)], lambda a: a[2]),
    "getitem_array": ([_any(4, 5)], lambda a: a[ag.tensor([0, 2, 2])]),
    "cat": ([_any(2, 3), _any(1, 3)], lambda a, b: ag.cat([a, b], dim=0)),
    "stack": ([_any(2, 3), _any(2, 3)], lambda a, b: ag.stack([a, b], dim=1)),
    "where": ([_any(3, 4), _any(3, 4)], lambda a, b: ag.where(a > b, a, b * 2.0)),
    "softmax": ([_any(3, 4)], lambda a: ag.softmax(a, dim=1)),
    "log_softmax": ([_any(3, 4)], lambda a: ag.log_softmax(a, dim=-1)),
}


def _run(arrays, fn, make):
    xs = [ag.asarray(make(a.astype(np.float64))).requires_grad_() for a in arrays]
    out = fn(*xs)
    weight = ag.asarray(make(np.linspace(-1.0, 1.0, max(out.numel(), 1)).reshape(out.shape)))
    (out * weight).sum().backward()
    return host(out), [host(x.grad) for x in xs], out


@pytest.mark.parametrize("name", sorted(CASES))
def test_op_on_array_api_strict_matches_numpy(name):
    arrays, fn = CASES[name]
    expected, expected_grads, _ = _run(arrays, fn, lambda a: a)
    got, grads, out = _run(arrays, fn, strict)
    assert isinstance(out._data, type(xps.asarray(0.0))), f"{name}: the result left array_api_strict"
    assert out._data.device == DEVICE
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    for g, e in zip(grads, expected_grads):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)
