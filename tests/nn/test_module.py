"""nn.Module and nn.Parameter: registration, traversal, modes, hooks, repr, state dicts."""
import copy
from collections import OrderedDict

import numpy as np
import pytest

import autograd as ag
import nn


class Block(nn.Module):
    """conv -> bn -> relu, with a plain attribute and a non-persistent buffer."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 3, padding=1)
        self.bn = nn.BatchNorm2d(3)
        self.act = nn.ReLU()
        self.scale = 2.0  # a plain attribute, not registered
        self.register_buffer("cache", ag.zeros(1), persistent=False)

    def forward(self, x):
        return self.act(self.bn(self.conv(x))) * self.scale


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(3 * 4 * 4, 5))
        self.temperature = nn.Parameter(ag.ones(1))

    def forward(self, x):
        return self.head(self.block(x)) / self.temperature


def test_parameter_is_a_leaf_tensor_that_shares_memory():
    data = ag.zeros(2, 3)
    p = nn.Parameter(data)
    assert isinstance(p, ag.Tensor) and p.requires_grad and p.is_leaf
    assert np.shares_memory(p.numpy(), data.numpy())
    assert type(p * 2) is ag.Tensor  # ops return plain tensors
    assert not nn.Parameter(ag.ones(2), requires_grad=False).requires_grad
    assert nn.Parameter().shape == (0,)
    assert repr(nn.Parameter(ag.tensor([1.0, 2.0]))) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(ag.tensor([1, 2]))


def test_parameter_deepcopy_keeps_type_and_copies_values():
    p = nn.Parameter(ag.ones(3))
    p.grad = ag.full((3,), 2.0)
    q = copy.deepcopy(p)
    assert isinstance(q, nn.Parameter) and q.requires_grad
    assert not np.shares_memory(q.numpy(), p.numpy())
    np.testing.assert_array_equal(q.grad.numpy(), p.grad.numpy())


def test_registration_and_names():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["temperature", "block.conv.weight", "block.conv.bias", "block.bn.weight", "block.bn.bias",
                     "head.1.weight", "head.1.bias"]
    assert [n for n, _ in net.named_buffers()] == [  # a module's own entries before its children's, as torch
        "block.cache", "block.bn.running_mean", "block.bn.running_var", "block.bn.num_batches_tracked"]
    assert [n for n, _ in net.named_children()] == ["block", "head"]
    assert [n for n, _ in net.named_modules()] == [
        "", "block", "block.conv", "block.bn", "block.act", "head", "head.0", "head.1"]
    assert len(list(net.modules())) == 8 and len(list(net.children())) == 2
    assert [n for n, _ in net.named_parameters(recurse=False)] == ["temperature"]
    assert [n for n, _ in net.named_parameters(prefix="model")][0] == "model.temperature"
    assert net.get_submodule("head.1") is net.head[1]
    assert net.get_parameter("block.conv.weight") is net.block.conv.weight
    assert net.get_buffer("block.bn.running_var") is net.block.bn.running_var
    assert "scale" not in dict(net.block.named_parameters())
    with pytest.raises(AttributeError, match="no submodule"):
        net.get_submodule("block.nope")


def test_shared_parameters_and_modules_are_listed_once():
    shared = nn.Linear(3, 3)
    seq = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(seq.parameters())) == 2
    assert len(list(seq.modules())) == 3
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]  # as PyTorch: both names


def test_setattr_reassignment_and_deletion():
    m = nn.Module()
    m.w = nn.Parameter(ag.ones(2))
    assert "w" in m._parameters
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'w'"):
        m.w = ag.ones(2)
    m.w = None
    assert m.w is None and list(m.parameters()) == []
    m.sub = nn.ReLU()
    with pytest.raises(TypeError, match="child module 'sub'"):
        m.sub = 3
    m.register_buffer("buf", ag.zeros(2))
    with pytest.raises(TypeError, match="buffer 'buf'"):
        m.buf = np.zeros(2)
    m.buf = ag.ones(2)
    assert m._buffers["buf"] is m.buf
    m.sub = nn.Parameter(ag.zeros(1))  # a new kind under an old name replaces the old registration
    assert "sub" not in m._modules and "sub" in m._parameters
    del m.sub
    assert not hasattr(m, "sub")
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'nope'"):
        m.nope
    with pytest.raises(KeyError, match="contain"):
        m.register_buffer("a.b", ag.zeros(1))
    with pytest.raises(KeyError, match="already exists"):
        m.register_parameter("training", None)
    with pytest.raises(TypeError, match="nn.Parameter or None required"):
        m.register_parameter("x", ag.zeros(1))
    with pytest.raises(ValueError, match="non-leaf"):
        m.register_parameter("x", _non_leaf_parameter())


def _non_leaf_parameter():
    p = nn.Parameter(ag.ones(1))
    p.grad_fn = (p * 2).grad_fn  # simulate a parameter produced by an op
    return p


def test_assigning_before_init_fails_clearly():
    class Bad(nn.Module):
        def __init__(self):
            self.lin = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Bad()


def test_train_eval_propagate():
    net = Net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net.block.train(False)
    assert net.training and not net.block.bn.training
    with pytest.raises(ValueError, match="boolean"):
        net.train("yes")


def test_eval_changes_dropout_and_batchnorm_behaviour():
    ag.manual_seed(0)
    model = nn.Sequential(nn.BatchNorm1d(4), nn.Dropout(0.5))
    x = ag.randn(8, 4)
    model.eval()
    np.testing.assert_allclose(model(x).numpy(), x.numpy() / np.sqrt(1 + 1e-5), rtol=1e-6)
    model.train()
    assert (model(x).numpy() == 0).any()


def test_forward_without_definition_raises():
    with pytest.raises(NotImplementedError, match=r'Module \[Module\] is missing the required "forward"'):
        nn.Module()(1)


def test_forward_hooks_and_removal():
    lin = nn.Linear(2, 2)
    calls = []
    pre = lin.register_forward_pre_hook(lambda m, args: calls.append(("pre", m, len(args))))
    post = lin.register_forward_hook(lambda m, args, out: calls.append(("post", m, out.shape)))
    x = ag.ones(3, 2)
    lin(x)
    assert calls == [("pre", lin, 1), ("post", lin, (3, 2))]
    pre.remove()
    post.remove()
    post.remove()  # second remove is a no-op
    lin(x)
    assert len(calls) == 2


def test_hooks_can_replace_inputs_and_outputs():
    act = nn.ReLU()
    act.register_forward_pre_hook(lambda m, args: (args[0] - 1.0,))
    h = act.register_forward_hook(lambda m, args, out: out * 10)
    np.testing.assert_array_equal(act(ag.tensor([0.5, 3.0])).numpy(), [0.0, 20.0])
    h.remove()
    act.register_forward_pre_hook(lambda m, args: args[0] * 0, prepend=True)  # a non-tuple return is wrapped
    np.testing.assert_array_equal(act(ag.tensor([5.0])).numpy(), [0.0])


def test_hooks_with_kwargs_and_as_context_manager():
    class Scale(nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    m = Scale()
    m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"factor": 3.0}), with_kwargs=True)
    seen = []
    with m.register_forward_hook(lambda mod, args, kwargs, out: seen.append(kwargs["factor"]), with_kwargs=True):
        assert m(ag.tensor([2.0])).item() == 6.0
    m(ag.tensor([2.0]))
    assert seen == [3.0]


def test_hooks_see_every_submodule_in_call_order():
    net = Net()
    order = []
    handles = [m.register_forward_hook(lambda mod, a, o, name=name: order.append(name))
               for name, m in net.named_modules() if name]
    net(ag.randn(2, 2, 4, 4))
    assert order == ["block.conv", "block.bn", "block.act", "block", "head.0", "head.1", "head"]
    for h in handles:
        h.remove()


def test_global_forward_hook():
    from nn.module import register_module_forward_hook

    seen = []
    handle = register_module_forward_hook(lambda m, args, out: seen.append(type(m).__name__))
    try:
        nn.Sequential(nn.Linear(2, 2), nn.ReLU())(ag.ones(1, 2))
    finally:
        handle.remove()
    assert seen == ["Linear", "ReLU", "Sequential"]
    nn.ReLU()(ag.ones(1))
    assert len(seen) == 3


def test_zero_grad_and_requires_grad():
    lin = nn.Linear(3, 2)
    lin(ag.ones(4, 3)).sum().backward()
    assert lin.weight.grad is not None
    lin.zero_grad(set_to_none=False)
    assert np.all(lin.weight.grad.numpy() == 0) and lin.weight.grad.grad_fn is None
    lin.zero_grad()
    assert lin.weight.grad is None and lin.bias.grad is None
    lin.requires_grad_(False)
    assert not any(p.requires_grad for p in lin.parameters())


def test_apply_visits_children_first():
    net = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU()))
    seen = []
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen == ["Linear", "ReLU", "Sequential", "Sequential"]


def test_to_dtype_keeps_parameter_objects():
    net = Net()
    weight = net.block.conv.weight
    net.double()
    assert net.block.conv.weight is weight and weight.dtype == np.float64
    assert net.block.bn.running_mean.dtype == np.float64
    assert net.block.bn.num_batches_tracked.dtype == np.int64  # integer buffers keep their dtype
    assert net(ag.randn(2, 2, 4, 4, dtype=ag.float64)).dtype == np.float64
    net.to("cpu", ag.float32)
    assert weight.dtype == np.float32
    with pytest.raises(RuntimeError, match="device 'cuda'"):
        net.to("cuda")


def test_to_takes_tensor_to_forms_and_returns_self():
    net = Net()
    weight = net.block.conv.weight
    assert net.to("cpu") is net and net.to(ag.device("cpu")) is net and net.cpu() is net
    assert net.to(ag.ones(1, dtype=ag.float64)) is net and weight.dtype == np.float64  # to(tensor): its dtype
    assert net.to(device="cpu", dtype=ag.float16, non_blocking=True) is net and weight.dtype == np.float16
    assert net.float() is net and weight.dtype == np.float32
    assert net.half() is net and weight.dtype == np.float16
    assert isinstance(net.block.conv.weight, nn.Parameter) and net.block.conv.weight is weight


def test_to_refuses_what_torch_refuses():
    net = nn.Linear(2, 2)
    for call in (lambda: net.to("cuda:0"), lambda: net.cuda(), lambda: net.cuda(1), lambda: net.to("junk")):
        with pytest.raises(RuntimeError):
            call()
    with pytest.raises(RuntimeError, match="no CUDA device/backend is available"):
        net.cuda()
    for call in (lambda: net.to(ag.int64), lambda: net.to("cpu", "cpu"), lambda: net.to(ag.float64, copy=True)):
        with pytest.raises(TypeError):
            call()
    assert net.weight.dtype == np.float32


def test_module_to_errors_have_torch_types():
    torch = pytest.importorskip("torch")
    calls = ((lambda lib, m: m.to(lib.int64), TypeError), (lambda lib, m: m.to("junk"), RuntimeError))
    for call, error in calls:
        for lib, layers in ((torch, torch.nn), (ag, nn)):
            with pytest.raises(error):
                call(lib, layers.Linear(2, 2))


def test_optimizer_built_before_to_keeps_training_the_cast_parameters():
    import optim

    ag.manual_seed(0)
    net = nn.Linear(3, 1)
    opt = optim.SGD(net.parameters(), lr=0.1)
    net.zero_grad()
    net(ag.randn(4, 3)).sum().backward()
    net.double()
    assert net.weight.grad.dtype == np.float64  # grads are cast with their parameters
    before = net.weight.numpy().copy()
    x = ag.randn(8, 3, dtype=ag.float64)
    opt.zero_grad()
    (net(x) ** 2).mean().backward()
    opt.step()
    assert net.weight.dtype == np.float64 and not np.array_equal(net.weight.numpy(), before)


def test_deepcopy_of_a_model_is_independent():
    net = Net()
    clone = copy.deepcopy(net)
    for (name, p), q in zip(net.named_parameters(), clone.parameters()):
        assert isinstance(q, nn.Parameter), name
        assert not np.shares_memory(p.numpy(), q.numpy())
        np.testing.assert_array_equal(p.numpy(), q.numpy())
    x = ag.randn(2, 2, 4, 4)
    np.testing.assert_array_equal(net(x).numpy(), clone(x).numpy())


# -- repr ------------------------------------------------------------------------------------------------------


def test_repr_is_nested_like_torch():
    class WithExtra(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 2)

        def extra_repr(self):
            return "hello=1"

    assert repr(WithExtra()) == (
        "WithExtra(\n  hello=1\n  (lin): Linear(in_features=2, out_features=2, bias=True)\n)")
    net = nn.Sequential(nn.Conv2d(1, 30, 5), nn.ReLU(), nn.Sequential(nn.Flatten(), nn.Linear(4320, 10, bias=False)))
    assert repr(net) == (
        "Sequential(\n"
        "  (0): Conv2d(1, 30, kernel_size=(5, 5), stride=(1, 1))\n"
        "  (1): ReLU()\n"
        "  (2): Sequential(\n"
        "    (0): Flatten(start_dim=1, end_dim=-1)\n"
        "    (1): Linear(in_features=4320, out_features=10, bias=False)\n"
        "  )\n"
        ")")
    assert repr(nn.Sequential()) == "Sequential()"


def test_repr_matches_torch_layer_by_layer():
    torch = pytest.importorskip("torch")
    pairs = [
        (nn.Linear(3, 4), torch.nn.Linear(3, 4)),
        (nn.Conv2d(3, 8, 3, stride=2, padding=1, groups=1, bias=False), torch.nn.Conv2d(3, 8, 3, 2, 1, bias=False)),
        (nn.Conv2d(4, 4, (3, 5), dilation=2, groups=2, padding="same"),
         torch.nn.Conv2d(4, 4, (3, 5), dilation=2, groups=2, padding="same")),
        (nn.MaxPool2d(2), torch.nn.MaxPool2d(2)),
        (nn.AvgPool2d(3, 2, 1), torch.nn.AvgPool2d(3, 2, 1)),
        (nn.AdaptiveAvgPool2d((2, 3)), torch.nn.AdaptiveAvgPool2d((2, 3))),
        (nn.BatchNorm1d(5, momentum=None), torch.nn.BatchNorm1d(5, momentum=None)),
        (nn.BatchNorm2d(5, affine=False), torch.nn.BatchNorm2d(5, affine=False)),
        (nn.Dropout(0.3), torch.nn.Dropout(0.3)),
        (nn.ReLU(inplace=True), torch.nn.ReLU(inplace=True)),
        (nn.LeakyReLU(0.2), torch.nn.LeakyReLU(0.2)),
        (nn.GELU("tanh"), torch.nn.GELU("tanh")),
        (nn.Softmax(dim=1), torch.nn.Softmax(dim=1)),
        (nn.LogSoftmax(dim=-1), torch.nn.LogSoftmax(dim=-1)),
        (nn.Sigmoid(), torch.nn.Sigmoid()),
        (nn.Tanh(), torch.nn.Tanh()),
        (nn.Identity(), torch.nn.Identity()),
        (nn.Flatten(0, 2), torch.nn.Flatten(0, 2)),
        (nn.Unflatten(1, (2, 3)), torch.nn.Unflatten(1, (2, 3))),
        (nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss()),
        (nn.MSELoss(reduction="sum"), torch.nn.MSELoss(reduction="sum")),
        (nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU(), nn.ReLU(), nn.Tanh()]),
         torch.nn.ModuleList([torch.nn.Linear(2, 2) for _ in range(3)] + [torch.nn.ReLU(), torch.nn.ReLU(), torch.nn.Tanh()])),
        (nn.ModuleDict({"a": nn.ReLU(), "b": nn.Sequential(nn.Tanh())}),
         torch.nn.ModuleDict({"a": torch.nn.ReLU(), "b": torch.nn.Sequential(torch.nn.Tanh())})),
    ]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)


# -- containers ------------------------------------------------------------------------------------------------


def test_sequential_indexing_slicing_and_mutation():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    seq = nn.Sequential(a, b, c)
    assert len(seq) == 3 and list(seq) == [a, b, c]
    assert seq[0] is a and seq[-1] is c
    tail = seq[1:]
    assert isinstance(tail, nn.Sequential) and list(tail) == [b, c] and list(tail._modules) == ["1", "2"]
    with pytest.raises(IndexError, match="out of range"):
        seq[3]
    d = nn.Tanh()
    seq.append(d)
    assert seq[3] is d
    del seq[1]
    assert list(seq._modules) == ["0", "1", "2"] and list(seq) == [a, c, d]
    seq.insert(1, b)
    assert list(seq) == [a, b, c, d]
    assert seq.pop() is d and len(seq) == 3
    seq[1] = nn.Sigmoid()
    assert isinstance(seq[1], nn.Sigmoid)
    assert seq(ag.ones(4, 2)).shape == (4, 1)


def test_sequential_from_ordered_dict_gives_names():
    seq = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert seq.fc is seq[0] and list(seq.state_dict()) == ["fc.weight", "fc.bias"]


def test_module_list_and_dict():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(layers) == 3 and len(list(layers.parameters())) == 6
    layers += [nn.ReLU()]
    layers.extend([nn.Tanh()])
    assert isinstance(layers[-1], nn.Tanh) and isinstance(layers[1:3], nn.ModuleList)
    layers.insert(0, nn.Sigmoid())
    assert isinstance(layers[0], nn.Sigmoid) and list(layers._modules)[-1] == "5"
    del layers[0]
    assert isinstance(layers[0], nn.Linear)
    with pytest.raises(TypeError, match="not a Module subclass"):
        layers.append(3)
    heads = nn.ModuleDict({"cls": nn.Linear(4, 3), "box": nn.Linear(4, 4)})
    assert list(heads) == ["cls", "box"] and "cls" in heads and len(heads) == 2
    assert [n for n, _ in heads.named_parameters()] == ["cls.weight", "cls.bias", "box.weight", "box.bias"]
    heads["extra"] = nn.ReLU()
    assert list(heads.keys()) == ["cls", "box", "extra"]
    assert isinstance(heads.pop("extra"), nn.ReLU)
    heads.update([("x", nn.Tanh())])
    assert isinstance(heads["x"], nn.Tanh)


# -- state dicts -----------------------------------------------------------------------------------------------


def test_state_dict_keys_values_and_sharing():
    net = Net()
    sd = net.state_dict()
    assert isinstance(sd, OrderedDict)
    assert list(sd) == ["temperature", "block.conv.weight", "block.conv.bias", "block.bn.weight", "block.bn.bias",
                        "block.bn.running_mean", "block.bn.running_var", "block.bn.num_batches_tracked",
                        "head.1.weight", "head.1.bias"]  # the non-persistent 'cache' is left out
    assert not sd["block.conv.weight"].requires_grad
    assert np.shares_memory(sd["block.conv.weight"].numpy(), net.block.conv.weight.numpy())
    assert sd["block.bn.num_batches_tracked"].dtype == np.int64
    assert net.state_dict(keep_vars=True)["temperature"] is net.temperature


def test_state_dict_keys_match_torch():
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(4, 2))
    theirs = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                                 torch.nn.Flatten(), torch.nn.Linear(4, 2))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        assert ours.state_dict()[key].shape == tuple(value.shape)


def test_load_state_dict_round_trip():
    ag.manual_seed(0)
    a, b = Net(), Net()
    a.train()
    a(ag.randn(4, 2, 4, 4))  # moves the running statistics and num_batches_tracked
    result = b.load_state_dict(a.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    for (name, x), y in zip(a.state_dict().items(), b.state_dict().values()):
        np.testing.assert_array_equal(x.numpy(), y.numpy(), err_msg=name)
    assert b.block.bn.num_batches_tracked.item() == 1
    weight = b.block.conv.weight
    b.load_state_dict(a.state_dict())
    assert b.block.conv.weight is weight  # copied in place: optimisers keep pointing at the right tensors
    a.eval(), b.eval()
    x = ag.randn(2, 2, 4, 4)
    np.testing.assert_array_equal(a(x).numpy(), b(x).numpy())


def test_load_state_dict_accepts_ndarrays_and_assign():
    lin = nn.Linear(2, 2)
    lin.load_state_dict({"weight": np.eye(2, dtype=np.float32), "bias": np.zeros(2, np.float32)})
    np.testing.assert_array_equal(lin.weight.numpy(), np.eye(2))
    new_w = ag.full((2, 2), 3.0)
    lin.load_state_dict({"weight": new_w, "bias": ag.zeros(2)}, assign=True)
    assert isinstance(lin.weight, nn.Parameter) and np.shares_memory(lin.weight.numpy(), new_w.numpy())


def test_load_state_dict_reports_missing_and_unexpected():
    net = Net()
    sd = net.state_dict()
    del sd["head.1.bias"]
    sd["head.2.weight"] = ag.zeros(1)
    sd["extra"] = ag.zeros(1)
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(sd)
    msg = str(info.value)
    assert msg.startswith("Error(s) in loading state_dict for Net:")
    assert 'Missing key(s) in state_dict: "head.1.bias".' in msg
    # each module reports the keys it cannot place, the root first (torch's order)
    assert 'Unexpected key(s) in state_dict: "extra", "head.2.weight".' in msg
    result = net.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["head.1.bias"]
    assert sorted(result.unexpected_keys) == ["extra", "head.2.weight"]
    assert "missing_keys=['head.1.bias']" in repr(result)


def test_load_state_dict_size_mismatch_always_raises():
    lin = nn.Linear(2, 2)
    sd = {"weight": ag.zeros(3, 2), "bias": ag.zeros(2)}
    for strict in (True, False):
        with pytest.raises(RuntimeError, match=r"size mismatch for weight: copying a param with shape \(3, 2\) from "
                                               r"checkpoint, the shape in current model is \(2, 2\)\."):
            lin.load_state_dict(sd, strict=strict)
    with pytest.raises(RuntimeError, match='While copying the parameter named "bias".*received list'):
        lin.load_state_dict({"weight": ag.zeros(2, 2), "bias": [0.0, 0.0]})
    with pytest.raises(TypeError, match="dict-like"):
        lin.load_state_dict([("weight", ag.zeros(2, 2))])


def test_load_state_dict_errors_match_torch_wording():
    torch = pytest.importorskip("torch")
    sd = {"weight": np.zeros((3, 2), np.float32), "foo": np.zeros(1, np.float32)}
    with pytest.raises(RuntimeError) as ours:
        nn.Linear(2, 2).load_state_dict(sd)
    with pytest.raises(RuntimeError) as theirs:
        torch.nn.Linear(2, 2).load_state_dict({k: torch.from_numpy(v) for k, v in sd.items()})
    normalise = lambda s: s.replace("torch.Size([3, 2])", "(3, 2)").replace("torch.Size([2, 2])", "(2, 2)")  # noqa: E731
    assert str(ours.value) == normalise(str(theirs.value))
