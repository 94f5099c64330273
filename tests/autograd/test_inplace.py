"""In-place semantics as PyTorch's (autograd/inplace.py and the setitem / index_put / CopySlices ops).

Every program here is run on both engines (``m`` is ``autograd`` or ``torch``) and compared: values, gradients
with respect to the base and to the value operands, and which programs raise.
"""
import operator

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
import nn
from autograd.testing import shapes, smooth_floats

torch = pytest.importorskip("torch")  # the reference: these tests compare with it (skipped without it)


def T(m, value, grad=False):
    """A float64 tensor of engine ``m`` (a fresh leaf, optionally requiring grad)."""
    return m.tensor(np.array(value, dtype=np.float64), dtype=m.float64, requires_grad=grad)


def I(m, value):
    """An integer (index) tensor of engine ``m``."""
    return m.tensor(np.array(value, dtype=np.int64))


def B(m, value):
    """A bool (mask) tensor of engine ``m``."""
    return m.tensor(np.array(value, dtype=bool))


def ver(t):
    """The version counter's value (autograd keeps it in a shared one-element list)."""
    return t._version[0] if isinstance(t, ag.Tensor) else t._version


def raw(t):
    """The array behind a tensor of either engine (no copy)."""
    return t.numpy() if isinstance(t, ag.Tensor) else t.detach().numpy()


def arr(t):
    """A copy of a tensor's values on the host, from either engine and any array namespace."""
    return None if t is None else np.array(t.detach().numpy() if isinstance(t, torch.Tensor) else t.detach().to(np).numpy())


def assert_same(ours, theirs, what=""):
    """Equal arrays (both None allowed), within float64 rounding."""
    if theirs is None or ours is None:
        assert ours is None and theirs is None, f"{what}: {ours} vs {theirs}"
        return
    np.testing.assert_allclose(arr(ours), arr(theirs), rtol=1e-9, atol=1e-12, err_msg=what)


# -- augmented assignment and in-place ops without recording --------------------------------------------------

AUGMENTED = {"+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv, "**=": operator.ipow}


@pytest.mark.parametrize("op", list(AUGMENTED))
@pytest.mark.parametrize("mode", ["plain", "no_grad"])
@pytest.mark.parametrize("operand", ["number", "tensor", "broadcast"])
def test_augmented_assignment_changes_the_tensor_itself(op, mode, operand):
    """``t op= x`` is the same object and storage afterwards; views and aliases see it; the version moves."""
    results = {}
    for m in (ag, torch):
        p = T(m, [[1.5, 2.0, 0.5], [3.0, 0.25, 1.0]], grad=(mode == "no_grad"))
        other = {"number": 2.0, "tensor": T(m, [[2.0, 0.5, 3.0], [1.5, 2.0, 0.5]]), "broadcast": T(m, [2.0, 0.5, 3.0])}[operand]
        alias, view, storage, version = p, p[1], raw(p).ctypes.data, ver(p)
        with (m.no_grad() if mode == "no_grad" else m.enable_grad()):
            p = AUGMENTED[op](p, other)
        assert p is alias and ver(p) > version
        assert raw(p).ctypes.data == storage
        assert_same(view, p[1], "view")
        results[m] = p
    assert_same(results[ag], results[torch], op)
    assert results[ag].requires_grad == results[torch].requires_grad and results[ag].is_leaf


def test_inplace_views_share_storage_and_version_with_their_base():
    x = ag.zeros(2, 3)
    views = [x[0], x[:, 1:], x.view(6), x.transpose(0, 1), x.reshape(3, 2).T, x[None]]
    x.add_(1)
    assert all(ver(v) == ver(x) > 0 for v in views)
    x[1, 2] = 7.0
    views[2][0] = 5.0  # through the flat view
    views[3][1, 0] = 4.0  # through the transpose: x[0, 1]
    np.testing.assert_array_equal(x.numpy(), [[5.0, 4.0, 1.0], [1.0, 1.0, 7.0]])
    assert views[0].tolist() == [5.0, 4.0, 1.0] and views[1].tolist() == [[4.0, 1.0], [1.0, 7.0]]


def test_inplace_on_a_single_element_view_changes_the_base():
    for m in (ag, torch):
        x = m.zeros(3, dtype=m.float64)
        x[1].add_(1.0)
        x[2].fill_(2.0)
        assert x.tolist() == [0.0, 1.0, 2.0], m.__name__


def test_integer_tensor_true_division_in_place_raises_as_torch():
    for m in (ag, torch):
        i = I(m, [1, 2, 3])
        i += 1
        i *= 2
        assert i.tolist() == [4, 6, 8]
        with pytest.raises(RuntimeError, match="can't be cast|cast"):
            i /= 2


def test_inplace_operand_that_does_not_broadcast_raises():
    for m in (ag, torch):
        with pytest.raises(RuntimeError):
            m.zeros(2, 3).add_(m.ones(3, 3))
        with pytest.raises(RuntimeError):
            m.zeros(3).add_(m.ones(2, 3))  # broadcasting may not grow the tensor being changed


def test_parameter_stays_a_parameter_after_inplace_update_under_no_grad():
    w = nn.Parameter(ag.ones(3))
    same = w
    with ag.no_grad():
        w *= 0
        w += 2
        w.sub_(0.5)
    assert w is same and isinstance(w, nn.Parameter) and w.requires_grad and w.is_leaf and w.grad_fn is None
    assert w.tolist() == [1.5, 1.5, 1.5]


def test_pytorch_tutorial_loop_trains_a_linear_layer_like_torch():
    """``with no_grad(): for p in model.parameters(): p -= lr * p.grad`` (PyTorch's 'nn' tutorial loop)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3))
    y = x @ np.array([[1.5], [-2.0], [0.5]]) + 0.3
    ours, theirs = nn.Linear(3, 1), torch.nn.Linear(3, 1)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight.numpy()))
        theirs.bias.copy_(torch.tensor(ours.bias.numpy()))
    losses = {}
    for m, model in ((ag, ours), (torch, theirs)):
        xs, ys = m.tensor(x.astype(np.float32)), m.tensor(y.astype(np.float32))
        params = list(model.parameters())
        history = []
        for _ in range(200):
            loss = ((model(xs) - ys) ** 2).mean()
            model.zero_grad()
            loss.backward()
            with m.no_grad():
                for p in model.parameters():
                    p -= 0.1 * p.grad
            history.append(loss.item())
        assert [id(p) for p in model.parameters()] == [id(p) for p in params]
        losses[m] = history
    np.testing.assert_allclose(losses[ag], losses[torch], rtol=1e-4, atol=1e-6)
    assert losses[ag][-1] < 1e-4 < losses[ag][0]
    np.testing.assert_allclose(ours.weight.numpy(), [[1.5, -2.0, 0.5]], atol=1e-2)
    assert isinstance(ours.weight, nn.Parameter)


# -- leaves that require grad -------------------------------------------------------------------------------

LEAF_OPS = {
    "add_": lambda t: t.add_(1.0), "sub_": lambda t: t.sub_(1.0), "mul_": lambda t: t.mul_(2.0),
    "div_": lambda t: t.div_(2.0), "pow_": lambda t: t.pow_(2), "clamp_": lambda t: t.clamp_(0.0, 1.0),
    "relu_": lambda t: t.relu_(), "zero_": lambda t: t.zero_(), "fill_": lambda t: t.fill_(1.0),
    "copy_": lambda t: t.copy_(t.detach() * 2), "neg_": lambda t: t.neg_(),
    "addcmul_": lambda t: t.addcmul_(t.detach(), t.detach()), "addcdiv_": lambda t: t.addcdiv_(t.detach(), t.detach() + 3),
    "+=": lambda t: operator.iadd(t, 1.0), "*=": lambda t: operator.imul(t, 2.0), "**=": lambda t: operator.ipow(t, 2),
    "setitem": lambda t: t.__setitem__(0, 5.0),
}


@pytest.mark.parametrize("name", list(LEAF_OPS))
@pytest.mark.parametrize("through", ["leaf", "view"])
def test_inplace_on_leaf_requiring_grad_raises_as_torch(name, through):
    for m in (ag, torch):
        x = T(m, [[0.5, 1.5], [2.0, 3.0]], grad=True)
        target = x if through == "leaf" else x[1]
        with pytest.raises(RuntimeError, match="leaf|in-place|inplace"):
            LEAF_OPS[name](target)
        with m.no_grad():  # allowed under no_grad
            LEAF_OPS[name](x if through == "leaf" else x[1])
        assert x.requires_grad and x.is_leaf


def test_inplace_with_operand_requiring_grad_on_plain_tensor_is_recorded():
    results = {}
    for m in (ag, torch):
        x = T(m, [1.0, 2.0, -3.0], grad=True)
        y = m.ones(3, dtype=m.float64)
        y.mul_(x)
        y.add_(x)
        assert y.requires_grad and not y.is_leaf
        (y * y).sum().backward()
        results[m] = (y, x.grad)
    assert_same(results[ag][0], results[torch][0])
    assert_same(results[ag][1], results[torch][1])


# -- recorded in-place ops: random programs compared with torch ---------------------------------------------
#
# A program starts from ``y = x * 1`` (x a leaf) and applies a few in-place steps, each to a target that is y
# itself or a view of it (a slice, an element row, ``view(-1)``, a transpose, or a chain of those), with operands
# taken from two more leaves ``v`` (any sign) and ``d`` (positive, for divisions).  Optionally every step goes
# through one long-lived view ``h`` of y (its transpose, or ``view(-1)``) made before the first step, and the
# loss reads h too.

VIEWS = {
    "self": lambda t: t,
    "slice": lambda t: t[1:] if t.shape[0] > 1 else t[:1],
    "row": lambda t: t[-1] if t.ndim > 1 else t[-1:],  # not 0-d: see test_inplace_on_a_single_element_view_changes_the_base
    "flat": lambda t: t.view(-1),
    "transpose": lambda t: t.transpose(0, -1),
    "transposed_slice": lambda t: t.transpose(0, -1)[:1],
}

CLAMP_LO, CLAMP_HI = -0.7 - 2 ** 0.5 * 1e-4, 1.3 + 3 ** 0.5 * 1e-4  # off every grid the values can sit on


def _operand(m, leaf, view, kind):
    t = VIEWS[view](leaf)
    return t if kind == "same" or t.ndim == 0 else t[..., :1]  # "bcast": one column, broadcast along the last dim


STEP_KINDS = ["add", "sub", "mul", "div", "pow", "clamp", "relu", "addcmul", "addcdiv", "copy", "fill", "zero",
              "iadd", "isub", "imul", "idiv", "setitem", "setitem", "setitem"]  # setitem has five index kinds


@st.composite
def programs(draw):
    shape = draw(shapes(min_dims=1, max_dims=3, min_side=1, max_side=3))
    values = [np.array(draw(st.lists(smooth_floats(-2, 2), min_size=int(np.prod(shape)), max_size=int(np.prod(shape)))))
              .reshape(shape) for _ in range(3)]
    values[2] = np.abs(values[2]) + 0.5  # d: positive
    steps = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(STEP_KINDS))
        view = draw(st.sampled_from(list(VIEWS)))
        step = {"kind": kind, "view": view, "opnd": draw(st.sampled_from(["same", "bcast", "number"])),
                "number": draw(st.sampled_from([2.0, -0.5, 1.5])), "alpha": draw(st.sampled_from([1, 0.5, -2.0]))}
        if kind == "clamp":
            step["bounds"] = draw(st.sampled_from([(CLAMP_LO, CLAMP_HI), (CLAMP_LO, None), (None, CLAMP_HI), "operand"]))
        if kind == "setitem":
            step["index_kind"] = draw(st.sampled_from(["basic", "int", "tensor_int", "advanced", "mask"]))
            step["seed"] = draw(st.integers(0, 2 ** 16))
        steps.append(step)
    return {"shape": shape, "values": values, "steps": steps, "through_h": draw(st.sampled_from([None, "transpose", "flat"])),
            "weights": np.arange(1, int(np.prod(shape)) + 1, dtype=np.float64).reshape(shape) / 4}


def _run_step(m, target, v, d, step, data_for_index, contiguous=True):
    kind, view, opnd = step["kind"], step["view"], step["opnd"]
    if view == "flat" and not contiguous:
        view = "slice"  # view(-1) of a transpose is a copy in torch (and an error here): not an in-place target
    t = VIEWS[view](target)
    if opnd == "number":
        a, p = step["number"], abs(step["number"])
    else:
        a, p = _operand(m, v, view, opnd), _operand(m, d, view, opnd)
    if kind == "add":
        t.add_(a, alpha=step["alpha"])
    elif kind == "sub":
        t.sub_(a, alpha=step["alpha"])
    elif kind == "mul":
        t.mul_(a)
    elif kind == "div":
        t.div_(p)
    elif kind == "pow":
        t.pow_(2)
    elif kind == "clamp":
        t.clamp_(*step["bounds"]) if step["bounds"] != "operand" else t.clamp_(a, a + 1.5)  # Tensor bounds
    elif kind == "relu":
        t.relu_()
    elif kind == "addcmul":
        second = a if opnd != "number" else _operand(m, d, view, "same")
        t.addcmul_(_operand(m, v, view, "same"), second, value=step["alpha"])
    elif kind == "addcdiv":
        denominator = p if opnd != "number" else _operand(m, d, view, "same")
        t.addcdiv_(_operand(m, v, view, "same"), denominator, value=step["alpha"])
    elif kind == "copy":
        t.copy_(a * 1.5 if opnd != "number" else T(m, step["number"]))
    elif kind == "fill":
        t.fill_(step["number"] if opnd == "number" else _operand(m, v, view, "same").reshape(-1)[0])
    elif kind == "zero":
        t.zero_()
    elif kind in ("iadd", "isub", "imul", "idiv"):
        fn = {"iadd": operator.iadd, "isub": operator.isub, "imul": operator.imul, "idiv": operator.itruediv}[kind]
        t2 = fn(t, p if kind == "idiv" else a)
        assert t2 is t
    elif kind == "setitem":
        if t.ndim == 0:
            t.fill_(step["number"])
            return
        index = data_for_index(m, t.shape)
        if opnd == "number":
            t[index] = step["number"]
        else:
            t[index] = (_operand(m, v, view, "same") * 2)[index]
    else:  # pragma: no cover
        raise AssertionError(kind)


def _run_program(m, prog, clone_each_step):
    """Run ``prog`` on engine ``m``; returns (y, grads of x, v, d) or the RuntimeError it raised."""
    x, v, d = (T(m, a, grad=True) for a in prog["values"])
    y = x * 1

    def index_for(step_no):
        def make(m_, shape):
            rng = np.random.default_rng(prog["steps"][step_no]["seed"])
            kind, n = prog["steps"][step_no]["index_kind"], shape[0]
            if kind == "basic":
                return (slice(int(rng.integers(0, n)), None),) + (slice(None),) * (len(shape) - 1)
            if kind == "int":
                return int(rng.integers(-n, n))
            if kind == "tensor_int":
                return I(m_, int(rng.integers(0, n)))
            if kind == "advanced":
                return I(m_, rng.permutation(n)[: int(rng.integers(1, n + 1))])
            return B(m_, rng.random(shape) < 0.5)
        return make

    through = {None: lambda t: t, "transpose": lambda t: t.transpose(0, -1), "flat": lambda t: t.view(-1)}[prog["through_h"]]
    contiguous = prog["through_h"] != "transpose" or y.ndim < 2
    try:
        h = through(y) if prog["through_h"] else None
        for i, step in enumerate(prog["steps"]):
            if clone_each_step:  # the reference: nothing that was saved is ever changed
                y = y.clone()
                h = through(y) if prog["through_h"] else None
            _run_step(m, through(y) if h is None else h, through(v), through(d), step, index_for(i), contiguous)
        w = T(m, prog["weights"])
        loss = (y * w).sum()
        if h is not None:
            loss = loss + (h * h).sum()
        loss.backward()
    except RuntimeError as e:
        return e
    return y.detach(), x.grad, v.grad, d.grad


@given(programs())
def test_recorded_inplace_programs_match_torch(prog):
    """Values and gradients (base and operands) equal torch's; ag raises only where torch itself raises."""
    ours = _run_program(ag, prog, clone_each_step=False)
    reference = _run_program(torch, prog, clone_each_step=True)
    assert not isinstance(reference, Exception), reference
    if isinstance(ours, Exception):
        plain = _run_program(torch, prog, clone_each_step=False)
        assert isinstance(plain, Exception), f"autograd raised {ours!r} where torch did not"
        assert "in-place" in str(ours) or "inplace" in str(ours)
        return
    for name, a, b in zip(("y", "x.grad", "v.grad", "d.grad"), ours, reference):
        assert_same(a, b, name)


# -- examples pinned with torch ------------------------------------------------------------------------------


def _views_example_programs():
    def through_view_mul(m, x):
        y = x * 1
        v = y[:2]
        v.mul_(3)
        return y * x

    def view_and_transpose(m, x):
        y = x.reshape(2, 3) * 2
        y.view(-1)[1:4].add_(x.reshape(-1)[:3] ** 2)
        y.transpose(0, 1)[0].mul_(x.reshape(-1)[3:5])
        return y

    def use_view_after_change_through_it(m, x):
        y = x * 1
        v = y[1:]
        v.mul_(x[1:])
        return (v * 2).sum() + (y * y).sum()

    def intermediate_view_sees_the_change(m, x):
        """``h`` (a view made before the change, the change going through a view of h) derives from the change."""
        y = (x * 2).reshape(3, 2)
        h = y.transpose(0, 1)
        h[0].zero_()
        h[1, 1:].mul_(x.reshape(-1)[:2])
        return h * 3

    def setitem_tensor_value_and_numbers(m, x):
        y = (x * 1).reshape(2, 3)
        y[0, 1:] = x.reshape(-1)[4:] * 3
        y[1] = 0.5
        y[:, 0] = x.reshape(-1)[1]
        return y * x.reshape(2, 3)

    def setitem_advanced_mask_and_tensor_index(m, x):
        y = (x * 1).reshape(2, 3)
        y[I(m, [1, 0]), I(m, [2, 0])] = x.reshape(-1)[:2] * 5
        y[y > 2] = -1.0
        y[I(m, 1)] = y[0] + x[:3]  # a tensor index, value read from y itself
        return y * x.reshape(2, 3)

    def setitem_bool_mask_tensor_value(m, x):
        y = x * 1
        mask = x > 0
        y[mask] = x[mask] ** 2
        return y * x

    def setitem_into_zeros_from_graph(m, x):
        y = m.zeros(2, 3, dtype=m.float64)
        y[0] = x[:3]
        y[1, ::2] = x[4:]
        return y * y

    def chained_inplace_saving_self(m, x):
        y = x * 1
        y.mul_(x)
        y.mul_(x)  # the second mul_ must not invalidate what the first one kept
        y /= x + 3
        y **= 2
        y -= x
        return y

    def addcmul_addcdiv_clamp_relu(m, x):
        y = x * 1
        y.addcmul_(x, x, value=0.5)
        y.addcdiv_(x, x * x + 1, value=2)
        y.clamp_(min=-1.1, max=4.2)
        z = x - 0.3
        z.relu_()
        return y * z

    def copy_fill_zero(m, x):
        y = (x * 1).reshape(2, 3)
        y[0].copy_(x[3:] * 2)
        y[1].fill_(x[0])
        y[:, 2].zero_()
        return y * x.reshape(2, 3)

    return [through_view_mul, view_and_transpose, use_view_after_change_through_it, intermediate_view_sees_the_change,
            setitem_tensor_value_and_numbers, setitem_advanced_mask_and_tensor_index, setitem_bool_mask_tensor_value,
            setitem_into_zeros_from_graph, chained_inplace_saving_self, addcmul_addcdiv_clamp_relu, copy_fill_zero]


@pytest.mark.parametrize("program", _views_example_programs(), ids=lambda f: f.__name__)
def test_inplace_examples_match_torch(program):
    out = {}
    for m in (ag, torch):
        x = T(m, [1.25, -2.0, 0.5, 3.0, -0.75, 2.5], grad=True)
        y = program(m, x)
        (y * T(m, np.linspace(1, 2, y.numel()).reshape(y.shape))).sum().backward()
        out[m] = (y, x.grad)
    assert_same(out[ag][0], out[torch][0], "value")
    assert_same(out[ag][1], out[torch][1], "grad")


@pytest.mark.parametrize("case", ["base_changed", "sibling_changed"])
@pytest.mark.parametrize("use", ["op", "backward_from_view", "view_of_view"])
def test_stale_view_after_change_of_its_base(case, use):
    """A view made before an in-place change of its base (or of a sibling view) regenerates its history."""
    out = {}
    for m in (ag, torch):
        x = T(m, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], grad=True)
        y = x * 1
        first, second = y[0], y[:, 1:]
        if case == "base_changed":
            y.mul_(2)
        else:
            second.mul_(3)
        if use == "op":
            (first * 1).sum().backward()
        elif use == "backward_from_view":
            first.backward(m.ones(3))
        else:
            first[1:].sum().backward()
        out[m] = x.grad
    assert_same(out[ag], out[torch])


def test_recorded_inplace_into_an_integer_tensor_raises_as_torch():
    for m in (ag, torch):
        x = T(m, [1.5, 2.0], grad=True)
        i = I(m, [1, 2])
        with pytest.raises(RuntimeError, match="can't be cast"):
            i.add_(x)
        assert i.tolist() == [1, 2] and not i.requires_grad


def test_setitem_value_with_extra_leading_ones_as_torch():
    out = {}
    for m in (ag, torch):
        x, v = T(m, [1.0, 2.0, 3.0], grad=True), T(m, [[5.0, 6.0]], grad=True)
        y = x * 1
        y[1:] = v
        (y * y).sum().backward()
        out[m] = (y, x.grad, v.grad)
    for a, b in zip(out[ag], out[torch]):
        assert_same(a, b)


def test_retain_grad_follows_the_tensor_through_an_inplace_change():
    """As torch: ``.grad`` of a retained tensor is that of its latest version; a hook sees the old version's."""
    out = {}
    for m in (ag, torch):
        x = T(m, [1.0, 2.0], grad=True)
        y, z = x * 1, (x * 1).reshape(1, 2)
        y.retain_grad()
        z.retain_grad()
        seen = []
        y.register_hook(lambda g, seen=seen: seen.append(g.tolist()))
        y.mul_(3)
        z[0, 1:].mul_(5)  # through a view: z's new history is the CopySlices
        (y * y).sum().backward(retain_graph=True)
        (z * z).sum().backward()
        out[m] = (y.grad, z.grad, seen)
    assert_same(out[ag][0], out[torch][0], "y.grad")
    assert_same(out[ag][1], out[torch][1], "z.grad")
    assert out[ag][2] == out[torch][2] == [[18.0, 36.0]]


def test_clamp_with_tensor_bounds_matches_torch():
    out = {}
    for m in (ag, torch):
        x = T(m, [1.0, 2.0, -1.0, 0.5], grad=True)
        lo, hi = T(m, [1.5, 0.0, 0.0, 0.5], grad=True), T(m, [3.0, 1.0, 2.0, 0.6], grad=True)
        y = x * 1
        y.clamp_(min=lo, max=hi)
        z = x * 2
        z.clamp_(max=hi * 2)
        (y * x + z * z).sum().backward()
        out[m] = (y, z, x.grad, lo.grad, hi.grad)
    for a, b in zip(out[ag], out[torch]):
        assert_same(a, b)


def test_inplace_on_an_expanded_view_raises_as_torch():
    for m in (ag, torch):
        for grad in (False, True):
            x = T(m, [1.0, 2.0], grad=grad)
            y = (x * 1).expand(3, 2)
            with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
                y.mul_(2)
            assert x.tolist() == [1.0, 2.0]


def test_fill_takes_a_number_or_a_0d_tensor_as_torch():
    for m in (ag, torch):
        y = m.zeros(3, dtype=m.float64)
        y.fill_(T(m, 2.5))
        assert y.tolist() == [2.5, 2.5, 2.5]
        with pytest.raises(RuntimeError, match="0-dimension"):
            y.fill_(T(m, [1.0]))


# -- gradcheck / gradgradcheck of functions that change tensors in place internally --------------------------


def _index_put_then_mul(x, v):
    y = x * 1
    y[ag.tensor([1, 0]), ag.tensor([0, 2])] = v[0, :2]
    y.mul_(x)
    return y


def _mask_setitem(x, v):
    y = x * 1
    mask = ag.tensor([[True, False, True], [False, True, False]])
    y[mask] = v[mask] * v[mask]
    y += v
    return y


def _through_flat_view(x, v):
    y = x * 2
    y.view(-1)[::2].mul_(v.view(-1)[::2])
    y.transpose(0, 1)[1].copy_(v[:, 0] ** 2)
    return y


def _arith_chain(x, v):
    y = x.clone()
    y[:, 1:].addcmul_(v[:, 1:], x[:, 1:], value=0.5)
    y.div_(v * v + 1)
    y.pow_(2)
    y.addcdiv_(x, v * v + 2)
    y -= v
    y *= x
    return y


def _kinked(x, v):
    y = x * 1
    y.clamp_(min=-1.05, max=1.55)  # inputs stay away from the kinks
    z = v * 1
    z.relu_()
    z[0].fill_(x[1, 1])
    y[1:] = z[1:]
    return y * z


GRAD_INPUTS = ([[0.3, -0.8, 1.2], [2.0, -1.4, 0.6]], [[-0.5, 1.1, 0.7], [0.9, 0.2, -1.3]])


@pytest.mark.parametrize("fn", [_index_put_then_mul, _mask_setitem, _through_flat_view, _arith_chain, _kinked],
                         ids=lambda f: f.__name__.strip("_"))
def test_gradcheck_and_gradgradcheck_through_inplace_ops(fn):
    x, v = (T(ag, a, grad=True) for a in GRAD_INPUTS)
    assert ag.gradcheck(fn, (x, v))
    assert ag.gradgradcheck(fn, (x, v))


@pytest.mark.parametrize("idx", [(slice(None), 1), (ag.tensor([1, 0]), ag.tensor([2, 0])), ag.tensor([[True, False, True],
                                                                                         [False, False, True]])],
                         ids=["basic", "advanced", "mask"])
def test_gradcheck_of_setitem_then_mul(idx):
    """``y = x * 1; y[idx] = v; y.mul_(x)``: differentiable in x (outside and inside the region) and in v."""
    x = T(ag, GRAD_INPUTS[0], grad=True)
    v = T(ag, [0.7, -1.1, 0.4][: (x * 1)[idx].shape[0]], grad=True)

    def f(x, v):
        y = x * 1
        y[idx] = v
        y.mul_(x)
        return y

    assert ag.gradcheck(f, (x, v)) and ag.gradgradcheck(f, (x, v))


# -- changing what backward needs ------------------------------------------------------------------------------


SAVERS = {  # (forward from x, the in-place change of x made afterwards)
    "mul_tensor": lambda m, x, z: x * z,
    "exp_output": lambda m, x, z: (x * 1).exp(),
    "div": lambda m, x, z: z / x,
    "pow": lambda m, x, z: x ** 3,
    "matmul": lambda m, x, z: x.reshape(1, 3) @ z.reshape(3, 1),
    "sigmoid_output": lambda m, x, z: (x * 1).sigmoid(),
}


@pytest.mark.parametrize("how", ["no_grad_on_leaf", "recorded_on_graph_tensor", "through_a_view", "setitem"])
@pytest.mark.parametrize("op", list(SAVERS))
def test_changing_a_saved_tensor_raises_at_backward(op, how):
    for m in (ag, torch):
        x0 = T(m, [0.5, 1.5, -1.0], grad=True)
        z = T(m, [2.0, -1.0, 0.5], grad=True)
        x = x0 if how == "no_grad_on_leaf" else x0 * 1
        y = SAVERS[op](m, x, z)
        if op.endswith("output"):  # the op kept its output: change that
            x = y
        if how == "no_grad_on_leaf":
            with m.no_grad():
                x.add_(1)
        elif how == "recorded_on_graph_tensor":
            x.mul_(z if x.shape == z.shape else 2)
        elif how == "through_a_view":
            x[1:].add_(1)
        else:
            x[0] = 3.0
        with pytest.raises(RuntimeError, match="modified by an in-?place operation"):
            y.sum().backward()


@pytest.mark.parametrize("case", ["add", "sum", "mul_by_number", "mul_by_constant_tensor"])
def test_changing_an_input_that_was_not_saved_never_raises(case):
    """An op keeps for backward only what its rule needs (``x * 2`` keeps nothing of x): changing the rest is fine."""
    out = {}
    for m in (ag, torch):
        x = T(m, [1.0, 2.0], grad=True)
        c = T(m, [3.0, -1.0])
        if case == "add":
            y = x + c
        elif case == "sum":
            y = x.sum() * 1
        else:
            y = x * 2 if case == "mul_by_number" else x * c
        with m.no_grad():
            x.add_(1)
        y.sum().backward()
        out[m] = x.grad
    assert_same(out[ag], out[torch])


def test_reading_inplace_result_twice_needs_retain_graph():
    for m in (ag, torch):
        x = T(m, [1.0, 2.0], grad=True)
        y = x * 1
        y.mul_(x)
        s = y.sum()
        s.backward(retain_graph=True)
        s.backward()
        assert x.grad.tolist() == [4.0, 8.0]


# -- .data --------------------------------------------------------------------------------------------------------


def test_data_is_a_detached_tensor_sharing_storage():
    for m in (ag, torch):
        p = T(m, [1.0, 2.0], grad=True)
        d = p.data
        assert isinstance(d, type(p)) and not d.requires_grad and d.grad_fn is None and d.is_leaf
        assert np.shares_memory(raw(d), raw(p))
        d.add_(1.0)  # not an in-place op on a leaf requiring grad: allowed with grad mode on
        p.data.mul_(2.0)
        assert p.tolist() == [4.0, 6.0] and p.requires_grad and p.is_leaf


def test_data_augmented_assignment_and_replacement():
    for m in (ag, torch):
        p = T(m, [1.0, 2.0], grad=True)
        storage = p.detach().numpy().ctypes.data
        p.data += T(m, [0.5, 0.5])
        p.data -= 1.0
        assert p.tolist() == [0.5, 1.5] and p.detach().numpy().ctypes.data == storage
        other = T(m, [7.0, 8.0, 9.0])
        p.data = other
        assert p.tolist() == [7.0, 8.0, 9.0] and p.shape == (3,) and p.requires_grad and p.is_leaf
        other.add_(1.0)  # p now uses other's storage, as in torch
        assert p.tolist() == [8.0, 9.0, 10.0]
        (p * p).sum().backward()
        assert p.grad.tolist() == [16.0, 18.0, 20.0]


def test_data_of_a_graph_tensor_and_numpy_is_the_array():
    x = T(ag, [1.0, 2.0], grad=True)
    y = x * 3
    assert not y.data.requires_grad and y.data.grad_fn is None and y.requires_grad
    a = x.numpy()
    assert isinstance(a, np.ndarray) and a is x.numpy() and np.shares_memory(a, x.data.numpy())
    with ag.no_grad():
        x.add_(1)
    assert a.tolist() == [2.0, 3.0]


def test_max_of_data_as_in_the_classifier_tutorial():
    """``_, predicted = torch.max(outputs.data, 1); correct = (predicted == labels).sum().item()``."""
    scores = np.array([[0.1, 2.0, -1.0], [3.0, 0.5, 0.2], [0.0, 0.1, 0.3], [1.0, 1.0, 0.5]])
    labels = np.array([1, 0, 1, 0])
    out = {}
    for m in (ag, torch):
        w = T(m, np.eye(3), grad=True)
        outputs = T(m, scores) @ w
        values, predicted = m.max(outputs.data, 1)
        assert not values.requires_grad
        correct = (predicted == m.tensor(labels)).sum().item()
        out[m] = (values, predicted, correct)
    assert_same(out[ag][0], out[torch][0])
    assert out[ag][1].tolist() == out[torch][1].tolist() == [1, 0, 2, 0]
    assert out[ag][2] == out[torch][2] == 3


_VIEWS = [lambda t: t[0], lambda t: t[:, 1:], lambda t: t.T, lambda t: t.reshape(6), lambda t: t[1:, ::2],
          lambda t: t.unsqueeze(0)[0, :, 1]]


@given(st.lists(st.tuples(st.sampled_from(range(len(_VIEWS))), st.sampled_from(range(-1, len(_VIEWS))),
                          st.sampled_from(["mul_", "add_", "zero_"])), min_size=1, max_size=4))
def test_views_and_inplace_changes_in_any_order_give_torchs_gradient(steps):
    """Views made, then in-place changes through the base (-1) or any view, in random order: x.grad as torch."""
    grads = {}
    for m in (ag, torch):
        x = T(m, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], grad=True)
        y = x * 1
        views = []
        for make, target, op in steps:
            views.append(_VIEWS[make](y))
            t = y if target < 0 or target >= len(views) else views[target]
            if op == "zero_":
                t.zero_()
            else:
                getattr(t, op)(x[0, 0] * 2)  # an operand that requires grad: recorded, differentiable
        loss = (y * 3).sum()
        for k, v in enumerate(views):
            loss = loss + (v * (k + 1)).sum()
        loss.backward()
        grads[m] = x.grad
    assert_same(grads[ag], grads[torch])


def test_unbind_outputs_are_views_that_refuse_recorded_inplace_changes_as_torch():
    for m in (ag, torch):
        x = T(m, [[1.0, 2.0], [3.0, 4.0]], grad=True)
        a, b = (x * 1).unbind(0)
        with pytest.raises(RuntimeError, match="view"):
            a.mul_(2)
        y = x.detach().clone()
        c, d = y.unbind(0)
        y.mul_(10)  # no grad recorded: the views see the change
        assert c.tolist() == [10.0, 20.0]
        assert c[1:].tolist() == [20.0]  # views of them are views too
        with pytest.raises(RuntimeError, match="view"):
            b[0:1].add_(1)
