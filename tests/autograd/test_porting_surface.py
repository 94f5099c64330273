"""The porting surface: what a PyTorch script finds after ``import autograd as torch`` (modules, devices, ``to``,
the legacy constructor, grad modes, ``next_functions``, ``__format__``), checked against torch where it defines it."""
import numpy as np
import pytest

import autograd as ag

# -- torch.nn, torch.optim, torch.utils.data, torch.autograd -----------------------------------------------------


def test_modules_above_autograd_are_reached_as_attributes():
    import nn
    import nn.functional
    import optim

    assert ag.nn is nn and ag.nn.functional is nn.functional and ag.nn.init is nn.init
    assert ag.optim is optim and ag.optim.lr_scheduler is optim.lr_scheduler
    assert ag.nn.Linear is nn.Linear and ag.optim.SGD is optim.SGD
    assert "nn" in dir(ag) and "optim" in dir(ag)


def test_from_autograd_import_nn_and_optim():
    from autograd import nn, optim  # noqa: F401  (PEP 562: module __getattr__ serves from-imports too)
    from autograd.utils.data import DataLoader, TensorDataset

    import nn as real_nn

    assert nn is real_nn and DataLoader is ag.data.DataLoader and TensorDataset is ag.data.TensorDataset


def test_utils_data_has_torch_utils_data_names():
    names = ["Dataset", "TensorDataset", "Subset", "ConcatDataset", "random_split", "DataLoader", "default_collate"]
    for name in names:
        assert getattr(ag.utils.data, name) is getattr(ag.data, name)
    assert sorted(ag.utils.data.__all__) == sorted(names)


def test_torch_autograd_namespace():
    assert ag.autograd is ag
    for name in ("Function", "grad", "backward", "gradcheck", "gradgradcheck", "no_grad", "detect_anomaly"):
        assert callable(getattr(ag.autograd, name))
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    (g,) = ag.autograd.grad((x * x).sum(), x)
    np.testing.assert_array_equal(g.numpy(), [2.0, 4.0])


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'not_a_thing'"):
        ag.not_a_thing  # noqa: B018


# -- torch.device ------------------------------------------------------------------------------------------------

DEVICE_ARGS = [("cpu",), ("cpu:0",), ("cpu", 0), ("cuda",), ("cuda:1",), ("cuda", 2), ("mps",), ("meta",),
               ("cpu", None)]
BAD_DEVICE_ARGS = [("junk",), ("CPU",), ("cpu:x",), (" cpu",), ("cpu:01",), ("cuda:-1",), ("cpu", -1),
                   ("cuda:0", 1), ("cuda", "x"), (1.5,), (None,), (0,)]


@pytest.mark.parametrize("args", DEVICE_ARGS)
def test_device_parses_as_torch(args):
    torch = pytest.importorskip("torch")
    ours, theirs = ag.device(*args), torch.device(*args)
    assert (ours.type, ours.index, str(ours), repr(ours)) == (theirs.type, theirs.index, str(theirs), repr(theirs))
    assert ag.device(ours) == ours and hash(ag.device(ours)) == hash(ours)


@pytest.mark.parametrize("args", BAD_DEVICE_ARGS)
def test_bad_devices_raise_as_torch(args):
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as theirs:
        torch.device(*args)
    with pytest.raises(theirs.type):
        ag.device(*args)


def test_bad_device_messages():
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda.*device string: junk"):
        ag.device("junk")
    with pytest.raises(RuntimeError, match="Invalid device string: 'cpu:x'"):
        ag.device("cpu:x")
    with pytest.raises(RuntimeError, match="must not be negative"):
        ag.device("cpu", -1)


def test_device_equality_and_hash_as_torch():
    torch = pytest.importorskip("torch")
    pairs = [(("cpu",), ("cpu",)), (("cpu",), ("cpu", 0)), (("cuda:0",), ("cuda",)), (("cuda", 1), ("cuda:1",))]
    for a, b in pairs:
        assert (ag.device(*a) == ag.device(*b)) == (torch.device(*a) == torch.device(*b))
    assert (ag.device("cpu") == "cpu") == (torch.device("cpu") == "cpu")  # False: never equal to a string
    assert len({ag.device("cpu"), ag.device("cpu"), ag.device("cpu", 0)}) == 2
    assert ag.device(type="cuda", index=3) == ag.device("cuda:3")
    with pytest.raises(AttributeError):
        ag.device("cpu").type = "cuda"


def test_accelerator_queries_as_torch_on_a_cpu_machine():
    assert ag.cuda.is_available() is False and ag.cuda.device_count() == 0
    assert ag.accelerator.is_available() is False and ag.accelerator.current_accelerator() is None
    assert ag.accelerator.device_count() == 0
    assert ag.backends.mps.is_available() is False and ag.backends.cudnn.is_available() is False
    assert ag.cuda.manual_seed_all(0) is None
    with pytest.raises(TypeError):
        ag.cuda.manual_seed(1.5)


def test_the_usual_device_line_gives_the_cpu():
    torch = ag
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    assert device == ag.device("cpu") and ag.zeros(2).device == device
    assert ag.tensor([1.0]).to(device).device == device


CONSTRUCTORS = {
    "tensor": lambda d: ag.tensor([1.0, 2.0], device=d),
    "as_tensor": lambda d: ag.as_tensor(np.ones(2), device=d),
    "zeros": lambda d: ag.zeros(2, 3, device=d),
    "ones": lambda d: ag.ones(2, device=d),
    "empty": lambda d: ag.empty(2, device=d),
    "full": lambda d: ag.full((2,), 1.5, device=d),
    "arange": lambda d: ag.arange(3, device=d),
    "linspace": lambda d: ag.linspace(0, 1, 5, device=d),
    "eye": lambda d: ag.eye(2, device=d),
    "rand": lambda d: ag.rand(2, device=d),
    "randn": lambda d: ag.randn(2, device=d),
    "randint": lambda d: ag.randint(0, 5, (3,), device=d),
    "zeros_like": lambda d: ag.zeros_like(ag.ones(2), device=d),
    "ones_like": lambda d: ag.ones_like(ag.ones(2), device=d),
    "empty_like": lambda d: ag.empty_like(ag.ones(2), device=d),
    "full_like": lambda d: ag.full_like(ag.ones(2), 3.0, device=d),
    "rand_like": lambda d: ag.rand_like(ag.ones(2), device=d),
    "randn_like": lambda d: ag.randn_like(ag.ones(2), device=d),
    "Tensor": lambda d: ag.Tensor(2, 3, device=d),
}


@pytest.mark.parametrize("name", sorted(CONSTRUCTORS))
def test_constructors_accept_the_cpu(name):
    for dev in ("cpu", "cpu:0", ag.device("cpu"), None):
        assert CONSTRUCTORS[name](dev).device == ag.device("cpu")


@pytest.mark.parametrize("name", sorted(CONSTRUCTORS))
def test_constructors_refuse_unavailable_and_bad_devices(name):
    make = CONSTRUCTORS[name]
    for dev in ("cuda", "cuda:0", ag.device("cuda", 1), "mps"):
        with pytest.raises(RuntimeError, match=rf"{name}\(\): device '.*' is not available: no .* device/backend"):
            make(dev)
    with pytest.raises(RuntimeError, match="Expected one of"):
        make("junk")
    with pytest.raises(RuntimeError, match="accelerator"):
        make(0)
    with pytest.raises(TypeError, match="device"):
        make(1.5)


def test_constructor_device_errors_have_torch_types():
    torch = pytest.importorskip("torch")
    for dev, ours in (("junk", RuntimeError), (0, RuntimeError), (1.5, TypeError)):
        with pytest.raises(ours):
            torch.zeros(2, device=dev)
        with pytest.raises(ours):
            ag.zeros(2, device=dev)


# -- Tensor.to and the casts -------------------------------------------------------------------------------------

# Each form builds (args, kwargs) for tensor ``t`` from module ``m`` (torch or autograd).
TO_FORMS = [
    lambda t, m: ((m.float64,), {}), lambda t, m: (("cpu",), {}), lambda t, m: (("cpu", m.float64), {}),
    lambda t, m: ((m.device("cpu"), m.int32), {}), lambda t, m: ((), {"dtype": m.float16}),
    lambda t, m: ((), {"device": "cpu", "dtype": m.int64, "copy": True, "non_blocking": True}),
    lambda t, m: ((m.ones(1, dtype=m.int32),), {}), lambda t, m: ((t,), {}), lambda t, m: ((m.float32,), {}),
    lambda t, m: ((m.float32,), {"copy": True}), lambda t, m: ((m.float64, True), {}),
    lambda t, m: ((m.float64, False, True), {}), lambda t, m: (("cpu",), {"copy": True}),
    lambda t, m: ((t,), {"copy": True}),
]
BAD_TO_FORMS = [
    lambda t, m: (("cpu", "cpu"), {}), lambda t, m: ((m.float64, "cpu"), {}),
    lambda t, m: ((m.float64,), {"dtype": m.float32}), lambda t, m: ((m.float64, m.float32), {}),
    lambda t, m: ((t, m.float64), {}), lambda t, m: (("cpu",), {"device": "cpu"}),
    lambda t, m: (("junk",), {}), lambda t, m: (("cuda",), {}), lambda t, m: ((m.float64,), {"colour": 1}),
    lambda t, m: ((m.float64,), {"copy": "yes"}), lambda t, m: (([1],), {}),
]


@pytest.mark.parametrize("form", range(len(TO_FORMS)))
def test_to_forms_as_torch(form):
    torch = pytest.importorskip("torch")
    theirs_in, ours_in = torch.ones(2), ag.ones(2)
    args, kwargs = TO_FORMS[form](theirs_in, torch)
    theirs = theirs_in.to(*args, **kwargs)
    args, kwargs = TO_FORMS[form](ours_in, ag)
    ours = ours_in.to(*args, **kwargs)
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    assert (ours is ours_in) == (theirs is theirs_in)
    assert str(ours.device) == str(theirs.device)


@pytest.mark.parametrize("form", range(len(BAD_TO_FORMS)))
def test_bad_to_forms_raise_as_torch(form):
    torch = pytest.importorskip("torch")
    theirs_in, ours_in = torch.ones(2), ag.ones(2)
    args, kwargs = BAD_TO_FORMS[form](theirs_in, torch)
    with pytest.raises(Exception) as theirs:
        theirs_in.to(*args, **kwargs)
    expected = RuntimeError if theirs.type is AssertionError else theirs.type  # a CPU torch asserts on 'cuda'
    args, kwargs = BAD_TO_FORMS[form](ours_in, ag)
    with pytest.raises(expected):
        ours_in.to(*args, **kwargs)


def test_to_is_differentiable_and_copy_records_the_copy():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x.to("cpu", ag.float64, copy=False)
    assert y.dtype == np.float64 and y.grad_fn is not None
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])
    z = x.to(ag.float32, copy=True)
    assert z is not x and z.grad_fn is not None and not np.shares_memory(z.numpy(), x.numpy())
    assert ag.tensor([1, 2]).to(ag.int64) is not None and ag.tensor([1, 2]).long().dtype == np.int64
    i = ag.tensor([1, 2])
    assert i.to(ag.int64) is i  # same dtype: self, for every dtype (as torch)


def test_cuda_and_cpu_methods():
    x = ag.ones(2)
    assert x.cpu() is x and x.is_cpu and not x.is_cuda and x.get_device() == -1
    for call in (lambda: x.cuda(), lambda: x.cuda(0), lambda: x.cuda("cuda:1"), lambda: x.to("cuda:0")):
        with pytest.raises(RuntimeError, match="no CUDA device/backend is available"):
            call()


@pytest.mark.parametrize("method", ["float", "double", "half", "long", "int", "short", "char", "byte", "bool"])
def test_cast_methods_as_torch(method):
    torch = pytest.importorskip("torch")
    data = [[0.0, 1.5], [-2.0, 3.0]]
    ours, theirs = getattr(ag.tensor(data), method)(), getattr(torch.tensor(data), method)()
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_type_and_type_as_as_torch():
    torch = pytest.importorskip("torch")
    for dtype in ("float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"):
        theirs = torch.ones(2, dtype=getattr(torch, dtype)).type()
        assert ag.ones(2, dtype=getattr(ag, dtype)).type() == theirs.replace("torch.", "autograd.")
        assert ag.ones(2).type(theirs).dtype == np.dtype(dtype)  # PyTorch's names are accepted too
    x = ag.ones(2)
    assert x.type(ag.float32) is x and x.type(ag.int32).dtype == np.int32
    assert x.type_as(ag.ones(1, dtype=ag.float64)).dtype == np.float64 and x.type_as(x) is x
    with pytest.raises(ValueError, match="invalid type: 'junk'"):
        x.type("junk")
    with pytest.raises(TypeError):
        x.type(5)
    with pytest.raises(TypeError, match="must be Tensor"):
        x.type_as([1.0])


# -- top-level functions, dtype aliases, the legacy constructor ----------------------------------------------------


def test_dtype_aliases_as_torch():
    torch = pytest.importorskip("torch")
    for name in ("float", "double", "half", "long", "int", "short", "bool", "uint8", "int8", "float16", "float32",
                 "float64", "int16", "int32", "int64", "cfloat", "cdouble", "complex64", "complex128"):
        assert str(getattr(ag, name)) == str(getattr(torch, name)).removeprefix("torch."), name


def test_is_tensor_numel_flatten_manual_seed():
    import nn

    assert ag.is_tensor(ag.ones(1)) and ag.is_tensor(nn.Parameter(ag.ones(1))) and not ag.is_tensor([1.0])
    assert ag.numel(ag.ones(2, 3)) == 6
    with pytest.raises(TypeError, match="numel"):
        ag.numel([1, 2])
    assert ag.flatten(ag.ones(2, 3, 4), 1).shape == (2, 12)
    ag.manual_seed(3)
    a = ag.randn(3)
    ag.manual_seed(3)
    np.testing.assert_array_equal(a.numpy(), ag.randn(3).numpy())


def test_default_dtype_round_trip():
    assert ag.get_default_dtype() == ag.float32
    ag.set_default_dtype(ag.float64)
    try:
        assert ag.Tensor(2).dtype == np.float64 and ag.tensor([1.0]).dtype == np.float64
    finally:
        ag.set_default_dtype(ag.float32)


LEGACY = [(2, 3), (3,), (), ([1, 2],), ((2, 3),), ([[1.5, 2.0]],), ([True, False],), (np.int64(2), 3)]
BAD_LEGACY = [(2, 3.0), ([1, 2], 3), ("a",), (True,), (2.0,), (-1,)]


@pytest.mark.parametrize("args", LEGACY)
def test_legacy_constructor_as_torch(args):
    torch = pytest.importorskip("torch")
    ours, theirs = ag.Tensor(*args), torch.Tensor(*args)
    assert isinstance(ours, ag.Tensor) and ours.shape == tuple(theirs.shape) and ours.dtype == np.float32
    assert not ours.requires_grad and ours.is_leaf
    if args and not isinstance(args[0], (int, np.integer)):  # data, not sizes: the values too
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("args", BAD_LEGACY)
def test_bad_legacy_constructor_raises_as_torch(args):
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as theirs:
        torch.Tensor(*args)
    with pytest.raises(theirs.type):
        ag.Tensor(*args)


def test_legacy_constructor_of_a_tensor_shares_its_data():
    x = ag.tensor([1.0, 2.0], dtype=ag.float64)
    y = ag.Tensor(x)
    assert y is not x and y.dtype == np.float64 and np.shares_memory(x.numpy(), y.numpy())
    with pytest.raises(TypeError):
        ag.Tensor(2, requires_grad=True)  # as torch: the legacy constructor takes sizes or data only


# -- grad modes --------------------------------------------------------------------------------------------------


def test_inference_mode_as_context_and_decorator():
    x = ag.ones(2, requires_grad=True)
    with ag.inference_mode():
        assert not ag.is_grad_enabled() and ag.is_inference_mode_enabled()
        assert not (x * 2).requires_grad
        with ag.inference_mode(False):
            assert ag.is_grad_enabled() and not ag.is_inference_mode_enabled()
        assert not ag.is_grad_enabled()
    assert ag.is_grad_enabled() and not ag.is_inference_mode_enabled()

    @ag.inference_mode()
    def called():
        return ag.is_grad_enabled(), ag.is_inference_mode_enabled()

    @ag.inference_mode
    def bare():
        return ag.is_grad_enabled(), ag.is_inference_mode_enabled()

    assert called() == (False, True) and bare() == (False, True)
    with ag.no_grad(), ag.inference_mode(mode=False):
        assert ag.is_grad_enabled()  # as torch: inference_mode(False) turns recording on
    with pytest.raises(TypeError):
        ag.inference_mode(3)


def test_inference_mode_matches_torch():
    torch = pytest.importorskip("torch")
    for m in (torch, ag):
        with m.no_grad():
            with m.inference_mode(False):
                inner_false = m.is_grad_enabled()
        with m.inference_mode():
            inner = (m.is_grad_enabled(), m.is_inference_mode_enabled())
        assert (inner_false, inner) == (True, (False, True)), m.__name__


def test_no_grad_and_enable_grad_decorate_without_parentheses():
    @ag.no_grad
    def off():
        return ag.is_grad_enabled()

    @ag.enable_grad
    def on():
        return ag.is_grad_enabled()

    assert off() is False and ag.is_grad_enabled()
    with ag.no_grad():
        assert on() is True
    assert off.__name__ == "off"


# -- grad_fn.next_functions ----------------------------------------------------------------------------------------


def _structure(fn, leaves, seen=None):
    """A comparable picture of a node's inputs: ('leaf', i), None or ('op', [inputs of that op])."""
    out = []
    for node, index in fn.next_functions:
        if node is None:
            out.append((None, index))
        elif type(node).__name__ == "AccumulateGrad":
            out.append((("leaf", next(i for i, t in enumerate(leaves) if t is node.variable)), index))
        else:
            out.append((("op", _structure(node, leaves)), index))
    return out


EXPRESSIONS = [
    lambda x, w, c: x * 2,
    lambda x, w, c: (x * c).sum(),
    lambda x, w, c: c * x,
    lambda x, w, c: (x * w).exp() + x,
    lambda x, w, c: ((x + 1) * (w - c)).mean(),
    lambda x, w, c: (x / w).neg().relu() * x.sum(),
]


@pytest.mark.parametrize("expr", range(len(EXPRESSIONS)))
def test_next_functions_structure_as_torch(expr):
    torch = pytest.importorskip("torch")
    results = []
    for m in (torch, ag):
        x, w = m.ones(3, requires_grad=True), m.ones(3, requires_grad=True)
        c = m.ones(3)
        out = EXPRESSIONS[expr](x, w, c)
        results.append(_structure(out.grad_fn, [x, w]))
    assert results[0] == results[1]


def test_accumulate_grad_nodes():
    x = ag.ones(2, requires_grad=True)
    y = x * 3
    (node, index), (const, _) = y.grad_fn.next_functions
    assert type(node) is ag.op.AccumulateGrad and node.variable is x and index == 0 and const is None
    assert node == (x + 1).grad_fn.next_functions[0][0] and node.next_functions == ()
    assert repr(node).startswith("<AccumulateGrad object at 0x")


def test_next_functions_of_a_multi_output_function_name_the_output():
    class Halves(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x[:2] * 1.0, x[2:] * 1.0

        @staticmethod
        def backward(ctx, a, b):
            return ag.cat([a, b])

    x = ag.ones(4, requires_grad=True)
    a, b = Halves.apply(x)
    (na, ia), (nb, ib) = (a + b).grad_fn.next_functions
    assert na is nb and (ia, ib) == (0, 1) and na.name == "Halves"
    assert na.next_functions[0][0].variable is x


# -- Tensor.__format__ ------------------------------------------------------------------------------------------

FORMATS = [(2.5, ".2f"), (2.5, ""), (2.5, ">10"), (2.5, ".3e"), (3, "d"), (3, ".2f"), (True, ""), (-1.25, "+.1f")]


@pytest.mark.parametrize("value, spec", FORMATS)
def test_format_of_0d_tensors_as_torch(value, spec):
    torch = pytest.importorskip("torch")
    assert format(ag.tensor(value), spec) == format(torch.tensor(value), spec)
    assert "{:.4f}".format(ag.tensor(0.125)) == "0.1250"


def test_format_of_other_tensors_as_torch():
    torch = pytest.importorskip("torch")
    for data in ([1.0, 2.0], [1.0]):
        with pytest.raises(TypeError, match="unsupported format string passed to Tensor.__format__"):
            format(ag.tensor(data), ".2f")
        with pytest.raises(TypeError):
            format(torch.tensor(data), ".2f")
    assert "{}".format(ag.tensor([1.0, 2.0])) == repr(ag.tensor([1.0, 2.0]))
    with pytest.raises(ValueError):
        format(ag.tensor(2.5), "d")  # as item()'s format, and torch


# -- save / load as scripts call them ------------------------------------------------------------------------------


def test_load_takes_map_location_and_weights_only(tmp_path):
    import nn

    model = nn.Linear(2, 3)
    path = tmp_path / "model.pt"
    ag.save(model.state_dict(), path)
    for kwargs in ({}, {"map_location": "cpu"}, {"map_location": ag.device("cpu"), "weights_only": True},
                   {"weights_only": False}):
        state = ag.load(path, **kwargs)
        np.testing.assert_array_equal(state["weight"].numpy(), model.weight.numpy())
    with pytest.raises(RuntimeError, match="no CUDA device/backend"):
        ag.load(path, map_location="cuda:0")
    with pytest.raises(TypeError, match="not supported"):
        ag.load(path, map_location={"cuda:0": "cpu"})
    with pytest.raises(TypeError, match="weights_only"):
        ag.load(path, weights_only="yes")
