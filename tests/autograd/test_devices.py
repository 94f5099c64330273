"""Devices and array-API namespaces: Tensors holding ``array_api_strict`` arrays compute every op with that
namespace (forward and backward equal to numpy's), foreign arrays keep their namespace, mixing raises, and CUDA
through CuPy (skipped, with the reason, where CuPy or a GPU is missing)."""
import importlib.util

import numpy as np
import pytest

import autograd as ag
from autograd.backend import wrap_namespace
from autograd.testing import check_on_namespace

xps = pytest.importorskip("array_api_strict")

# A non-default device of array_api_strict: numpy cannot read its arrays (np.asarray raises), so a numpy call
# leaking into an op fails loudly instead of silently computing on the host.
DEVICE = xps.Device("device1")
ON_DEVICE1 = wrap_namespace(xps, DEVICE)  # what Tensor.to takes to put arrays there
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
    "logsumexp": ([_any(3, 4)], lambda a: ag.logsumexp(a, dim=1)),
    "maximum": ([_any(3, 4), _any(4)], ag.maximum),
    "clamp": ([_any(3, 4)], lambda a: a.clamp(-0.5, 0.5)),
    "abs_sign": ([_any(3, 4)], lambda a: a.abs() * ag.sign(a)),
    "sqrt": ([_pos(3, 4)], ag.sqrt),
    "flip": ([_any(3, 4)], lambda a: a.flip(1)),
    "norm": ([_any(3, 4)], lambda a: ag.linalg.vector_norm(a, dim=1)),
    "norm_inf": ([_any(3, 4)], lambda a: ag.linalg.vector_norm(a, float("inf"), dim=0)),
    "cumsum": ([_any(3, 4)], lambda a: ag.cumsum(a, dim=1)),
    "prod": ([_pos(3, 4)], lambda a: ag.prod(a, dim=1)),
    "var": ([_any(3, 4)], lambda a: a.var(dim=0)),
    "masked_fill": ([_any(3, 4)], lambda a: a.masked_fill(a > 0.5, 0.0)),
    "clone": ([_any(3)], lambda a: a.clone() * 1.0),
    "unsqueeze_squeeze": ([_any(3, 1)], lambda a: a.squeeze(1).unsqueeze(0)),
    "expand": ([_any(3, 1)], lambda a: a.expand(3, 4)),
    "to_float32": ([_any(3)], lambda a: a.to(ag.float32).to(ag.float64)),
    "sin_cos": ([_any(3, 4)], lambda a: ag.sin(a) * ag.cos(a)),
    "asin": ([RNG.uniform(-0.9, 0.9, (3,))], ag.asin),
    "atan2": ([_any(3), _any(3)], ag.atan2),
    "log1p_expm1": ([_pos(3)], lambda a: ag.log1p(a) + ag.expm1(a)),
    "floor_round": ([_any(3)], lambda a: ag.floor(a) + ag.round(a, decimals=1) + a),
    "remainder": ([_any(3), _pos(3)], ag.remainder),
    "fmod": ([_any(3), _pos(3)], ag.fmod),
    "gather": ([_any(3, 4)], lambda a: ag.gather(a, 1, ag.tensor([[0, 1], [1, 1], [3, 0]]))),
    "index_select": ([_any(3, 4)], lambda a: ag.index_select(a, 0, ag.tensor([2, 0, 2]))),
    "scatter_add": ([_any(3, 4), _any(3, 2)], lambda a, s: ag.scatter_add(a, 1, ag.tensor([[0, 1], [1, 1], [3, 0]]), s)),
    "sort": ([_any(3, 4)], lambda a: ag.sort(a, dim=1, descending=True).values),
    "topk": ([_any(3, 4)], lambda a: ag.topk(a, 2, dim=1).values),
    "roll": ([_any(3, 4)], lambda a: ag.roll(a, 1, 1)),
    "tril_triu": ([_any(3, 4)], lambda a: ag.tril(a) + ag.triu(a, 1)),
    "diagonal": ([_any(3, 4)], lambda a: ag.diagonal(a, 1)),
    "tile_repeat": ([_any(2, 3)], lambda a: ag.tile(a, (2, 1)) + a.repeat(2, 1)),
    "repeat_interleave": ([_any(2, 3)], lambda a: ag.repeat_interleave(a, 2, dim=0)),
    "split_chunk": ([_any(4, 2)], lambda a: ag.split(a, 2)[1] * ag.chunk(a, 2, 0)[0]),
    "cumprod": ([_pos(3, 4)], lambda a: ag.cumprod(a, dim=1)),
    "setitem": ([_any(3, 4), _any(4)], lambda a, b: _assigned(a, b)),
    "masked_select": ([_any(3, 4)], lambda a: ag.masked_select(a, a > 0)),
    "bool_index": ([_any(3, 4)], lambda a: a[a > 0]),
    "two_index_arrays": ([_any(3, 4)], lambda a: a[ag.tensor([0, 2]), ag.tensor([1, 3])]),
    "outer_dot": ([_any(3), _any(3)], lambda a, b: ag.outer(a, b) * ag.dot(a, b)),
    "std": ([_any(3, 4)], lambda a: a.std(dim=1)),
    "log_softmax": ([_any(3, 4)], lambda a: ag.log_softmax(a, dim=-1)),
}


def _assigned(a, b):
    c = a.clone()
    c[1] = b
    return c


@pytest.mark.parametrize("name", sorted(CASES))
def test_op_on_array_api_strict_matches_numpy(name):
    arrays, fn = CASES[name]
    check_on_namespace(fn, arrays, ON_DEVICE1)


def test_second_order_gradients_on_array_api_strict():
    def second(make):
        x = ag.asarray(make(np.linspace(-1.0, 1.0, 5))).requires_grad_()
        (g,) = ag.grad((ag.tanh(x) * x).sum(), x, create_graph=True)
        (gg,) = ag.grad((g * g).sum(), x)
        return host(g), host(gg)

    for got, expected in zip(second(strict), second(lambda a: a)):
        np.testing.assert_allclose(got, expected, rtol=1e-12)


# -- namespaces, conversion, devices ------------------------------------------------------------------------

def test_namespace_dispatch():
    from autograd.array_api import ArrayApiNamespace
    from autograd.backend import namespace, numpy_ns
    from autograd.registry import graph_namespace

    assert namespace(np.ones(2)) is numpy_ns and namespace(1.5) is numpy_ns
    assert namespace(ag.ones(2)) is graph_namespace
    ns = namespace(strict(np.ones(2)))
    assert isinstance(ns, ArrayApiNamespace) and ns.xp is xps and ns.device == DEVICE
    assert ns is namespace(strict(np.zeros(3)))  # one wrapper per library and device
    assert ns.zeros((2,)).device == DEVICE  # creation functions make their arrays on the namespace's device


def test_tensor_and_asarray_keep_a_foreign_array():
    a = xps.asarray([[1.0, 2.0], [3.0, 4.0]], dtype=xps.float32)
    shared, copied = ag.asarray(a), ag.tensor(a)
    assert shared._data is a
    assert type(copied._data) is type(a) and copied._data is not a
    assert shared.dtype == ag.float32 and shared.device == ag.device("cpu") and shared.shape == (2, 2)
    assert shared.numpy().tolist() == [[1.0, 2.0], [3.0, 4.0]] and shared.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert shared[1, 0].item() == 3.0 and shared.sum().item() == 10.0
    assert ag.tensor(a, dtype=ag.float64).dtype == ag.float64
    assert type(ag.zeros_like(shared)._data) is type(a)  # *_like follows its input's namespace


def test_to_namespace_and_back_is_differentiable():
    x = ag.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = x.to(xps)
    assert type(y._data) is type(xps.asarray(0.0)) and y.grad_fn is not None
    (y.exp() * 2.0).to(np).sum().backward()
    assert type(x.grad._data) is np.ndarray
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp(x.numpy()), rtol=1e-6)
    assert y.to(xps) is y and y.cpu() is y  # already there: array_api_strict lives on the CPU
    assert y.to(xps, ag.float64).dtype == ag.float64


def test_logical_reductions_and_nonzero_on_array_api_strict():
    t = ag.asarray(strict(np.array([[0.0, 1.0], [2.0, 0.0]])))
    assert host(ag.any(t, dim=1)).tolist() == [True, True] and not ag.all(t).item()
    assert host(ag.nonzero(t)).tolist() == [[0, 1], [1, 0]] and 2.0 in t
    assert host(t.argmax()).item() == 2 and host(t.argmax(dim=0)).tolist() == [1, 0]


def test_a_numpy_function_the_namespace_lacks_is_not_implemented():
    with pytest.raises(NotImplementedError, match="polyval: array_api_strict has no such function"):
        _ = ON_DEVICE1.polyval
    assert not hasattr(ON_DEVICE1, "polyval")  # (an AttributeError too)


def test_mixing_namespaces_or_devices_raises():
    a, b = ag.ones(3), ag.asarray(strict(np.ones(3, dtype=np.float32)))
    with pytest.raises(RuntimeError, match="numpy on cpu and array_api_strict on .*device1"):
        a + b
    c = ag.asarray(xps.ones(3, dtype=xps.float32))  # array_api_strict's default device
    with pytest.raises(RuntimeError, match="array_api_strict on .*device1.* and array_api_strict on .*CPU_DEVICE"):
        ag.cat([b, c])
    assert (b + 1).shape == (3,)  # numbers mix freely
    cpu_strict = ag.asarray(xps.ones((3, 3), dtype=xps.float32))
    with pytest.raises(RuntimeError, match="matmul: .*numpy on cpu and array_api_strict"):
        ag.ones(2, 3) @ cpu_strict  # numpy would read it silently


def test_numpy_of_a_cpu_library_goes_through_dlpack():
    t = ag.asarray(strict(np.arange(3.0)))
    assert type(t.numpy()) is np.ndarray and t.numpy().tolist() == [0.0, 1.0, 2.0]
    assert np.asarray(t).tolist() == [0.0, 1.0, 2.0] and t.to(np).device == ag.device("cpu")


def test_save_writes_host_arrays(tmp_path):
    t = ag.asarray(strict(np.arange(4.0).reshape(2, 2)))
    ag.save({"w": t}, tmp_path / "ckpt.pt")
    back = ag.load(tmp_path / "ckpt.pt", map_location="cpu")["w"]
    assert type(back.numpy()) is np.ndarray and back.numpy().tolist() == [[0.0, 1.0], [2.0, 3.0]]


# -- CUDA through CuPy ------------------------------------------------------------------------------------------

def _has_cupy():
    return importlib.util.find_spec("cupy") is not None


@pytest.mark.skipif(_has_cupy(), reason="CuPy is installed: the message for a missing CuPy cannot be seen")
def test_cuda_without_cupy_says_what_to_install():
    assert ag.cuda.is_available() is False and ag.cuda.device_count() == 0
    assert ag.cuda.manual_seed(0) is None
    for make in (lambda: ag.zeros(2, device="cuda"), lambda: ag.ones(2).cuda(), lambda: ag.ones(2).to("cuda:0")):
        with pytest.raises(RuntimeError, match=r"CuPy, which is not installed.*scratchgrad\[cuda\].*cupy-cuda12x"):
            make()


def test_cuda_with_cupy_but_no_gpu_says_so(monkeypatch):
    from autograd import devices

    class Runtime:
        @staticmethod
        def getDeviceCount():  # noqa: N802  (CuPy's name)
            raise RuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected")

    class FakeCupy:
        class cuda:  # noqa: N801
            runtime = Runtime

    monkeypatch.setattr(devices, "_cupy", lambda: FakeCupy)
    assert ag.cuda.is_available() is False and ag.cuda.device_count() == 0
    with pytest.raises(RuntimeError, match="CuPy is installed but sees no CUDA GPU"):
        ag.ones(2).to("cuda")


def _gpu_reason():
    if not _has_cupy():
        return "CuPy is not installed (pip install 'scratchgrad[cuda]')"
    if not ag.cuda.is_available():
        return "CuPy is installed but no CUDA GPU is visible"
    return None


needs_gpu = pytest.mark.skipif(_gpu_reason() is not None, reason=str(_gpu_reason()))


@needs_gpu
def test_cuda_tensor_round_trip():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.cuda()
    assert y.device == ag.device("cuda", 0) and y.is_cuda and y.get_device() == 0
    with pytest.raises(TypeError, match=r"cuda:0 device type tensor to numpy. Use Tensor.cpu\(\)"):
        y.numpy()
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0, 6.0])
    assert y.cpu().device == ag.device("cpu") and type(y.cpu()._data) is np.ndarray
    assert ag.zeros(2, 3, device="cuda").device.type == "cuda"


@needs_gpu
def test_checkpoints_load_onto_either_device(tmp_path):
    ag.save({"w": ag.ones(2).cuda()}, tmp_path / "ckpt.pt")
    assert ag.load(tmp_path / "ckpt.pt")["w"].device == ag.device("cpu")
    assert ag.load(tmp_path / "ckpt.pt", map_location="cuda")["w"].device.type == "cuda"


@needs_gpu
def test_module_to_cuda_keeps_the_optimizer_working():
    import nn
    import nn.functional as F
    import optim

    model = nn.Linear(3, 2)
    opt = optim.Adam(model.parameters(), lr=0.1)
    model.to("cuda")
    x, t = ag.randn(4, 3).cuda(), ag.tensor([0, 1, 1, 0]).cuda()
    loss = F.cross_entropy(model(x), t)
    opt.zero_grad()
    loss.backward()
    opt.step()
    assert all(p.device.type == "cuda" for p in model.parameters())


@needs_gpu
@pytest.mark.parametrize("name", sorted(CASES))
def test_op_on_cupy_matches_numpy(name):
    arrays, fn = CASES[name]
    check_on_namespace(fn, arrays, "cuda", rtol=1e-10)


@needs_gpu
def test_cuda_manual_seed_seeds_cupys_generator():
    ag.cuda.manual_seed(3)
    a = ag.rand(4, device="cuda")
    ag.cuda.manual_seed(3)
    b = ag.rand(4, device="cuda")
    assert a.device.type == "cuda" and (a.cpu().numpy() == b.cpu().numpy()).all()
