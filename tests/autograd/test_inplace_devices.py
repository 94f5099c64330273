"""In-place changes and views on another array library (array_api_strict on its device1): the programs of
test_inplace.py run there give numpy's values and gradients, and raise where numpy raises.

Arrays of other libraries do not say whether they share memory, so every view op's result is a view for the
engine (shared version counter, the ops that made it) and an in-place change through it is written back into
its base (autograd/inplace.py): never a silently wrong gradient.
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_inplace import (
    _VIEWS,
    GRAD_INPUTS,
    LEAF_OPS,
    SAVERS,
    B,
    I,
    T,
    _arith_chain,
    _index_put_then_mul,
    _kinked,
    _mask_setitem,
    _run_program,
    _through_flat_view,
    _views_example_programs,
    assert_same,
    programs,
)

import autograd as ag
from autograd.testing import backend

xps = pytest.importorskip("array_api_strict")
TARGET = backend("array_api_strict")


class OnStrict:
    """autograd with every tensor made on array_api_strict's device1: the engine ``m`` of test_inplace's programs."""

    __name__ = "autograd on array_api_strict"

    def tensor(self, data, dtype=None, requires_grad=False):
        return ag.tensor(data, dtype=dtype).to(TARGET).requires_grad_(requires_grad)

    def zeros(self, *size, dtype=None):
        return ag.zeros(*size, dtype=dtype).to(TARGET)

    def ones(self, *size, dtype=None):
        return ag.ones(*size, dtype=dtype).to(TARGET)

    def __getattr__(self, name):
        return getattr(ag, name)


STRICT = OnStrict()


def on_device(t):
    assert t._data.device == TARGET.device, f"{t} left array_api_strict's device1"
    return t


def same_outcome(program):
    """``program(m)`` on numpy and on array_api_strict: equal results (tuples of tensors), or both RuntimeError."""
    outcomes = []
    for m in (ag, STRICT):
        try:
            outcomes.append(program(m))
        except RuntimeError as e:
            outcomes.append(e)
    ours, theirs = outcomes
    if isinstance(ours, Exception) or isinstance(theirs, Exception):
        assert type(ours) is type(theirs), f"numpy: {ours!r}; array_api_strict: {theirs!r}"
        return
    for k, (a, b) in enumerate(zip(ours, theirs)):
        if b is not None:
            on_device(b)
        assert_same(b, a, f"result {k}")


@given(programs())
def test_recorded_inplace_programs_as_on_numpy(prog):
    same_outcome(lambda m: _raising(_run_program(m, prog, clone_each_step=False)))


def _raising(result):
    if isinstance(result, Exception):
        raise result
    return result


@pytest.mark.parametrize("program", _views_example_programs(), ids=lambda f: f.__name__)
def test_inplace_examples_as_on_numpy(program):
    def run(m):
        x = T(m, [1.25, -2.0, 0.5, 3.0, -0.75, 2.5], grad=True)
        y = program(m, x)
        (y * T(m, np.linspace(1, 2, y.numel()).reshape(y.shape))).sum().backward()
        return y, x.grad

    same_outcome(run)


@given(st.lists(st.tuples(st.sampled_from(range(len(_VIEWS))), st.sampled_from(range(-1, len(_VIEWS))),
                          st.sampled_from(["mul_", "add_", "zero_"])), min_size=1, max_size=4),
       st.booleans())
def test_views_and_inplace_changes_in_any_order_as_on_numpy(steps, recorded):
    """Views made, then changed in place through the base (-1) or any view, in random order, with or without
    recording: the base's values, every view's values and x.grad as on numpy."""
    def run(m):
        x = T(m, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], grad=True)
        y = x * 1 if recorded else x.detach().clone()
        views = []
        for make, target, op in steps:
            views.append(_VIEWS[make](y))
            t = y if target < 0 or target >= len(views) else views[target]
            operand = x[0, 0] * 2 if recorded else 2.0
            t.zero_() if op == "zero_" else getattr(t, op)(operand)
        loss = (y * 3).sum() + sum((v * (k + 1)).sum() for k, v in enumerate(views))
        if recorded:
            loss.backward()
        return (y, x.grad, *views)

    same_outcome(run)


@pytest.mark.parametrize("case", ["base_changed", "sibling_changed"])
@pytest.mark.parametrize("use", ["op", "backward_from_view", "view_of_view"])
def test_stale_view_after_change_of_its_base_as_on_numpy(case, use):
    def run(m):
        x = T(m, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], grad=True)
        y = x * 1
        first, second = y[0], y[:, 1:]
        (y.mul_(2) if case == "base_changed" else second.mul_(3))
        if use == "op":
            (first * 1).sum().backward()
        elif use == "backward_from_view":
            first.backward(m.ones(3, dtype=m.float64))
        else:
            first[1:].sum().backward()
        return first, x.grad

    same_outcome(run)


@pytest.mark.parametrize("how", ["no_grad_on_leaf", "recorded_on_graph_tensor", "through_a_view", "setitem"])
@pytest.mark.parametrize("op", list(SAVERS))
def test_changing_a_saved_tensor_raises_at_backward(op, how):
    x0 = T(STRICT, [0.5, 1.5, -1.0], grad=True)
    z = T(STRICT, [2.0, -1.0, 0.5], grad=True)
    x = x0 if how == "no_grad_on_leaf" else x0 * 1
    y = SAVERS[op](STRICT, x, z)
    if op.endswith("output"):
        x = y
    if how == "no_grad_on_leaf":
        with ag.no_grad():
            x.add_(1)
    elif how == "recorded_on_graph_tensor":
        x.mul_(z if x.shape == z.shape else 2)
    elif how == "through_a_view":
        x[1:].add_(1)
    else:
        x[0] = 3.0
    with pytest.raises(RuntimeError, match="modified by an in-?place operation"):
        y.sum().backward()


def test_an_operand_saved_by_a_recorded_inplace_op_keeps_its_old_values():
    """``y.mul_(w)`` keeps y's old values for w's gradient: a private copy, as numpy's may-share-memory check makes."""
    def run(m):
        x, w = T(m, [1.0, 2.0, 3.0], grad=True), T(m, [2.0, 3.0, 4.0], grad=True)
        y = x * 1
        y.mul_(w)
        y.mul_(w)
        y.sum().backward()
        return y, x.grad, w.grad

    same_outcome(run)


@pytest.mark.parametrize("name", list(LEAF_OPS))
@pytest.mark.parametrize("through", ["leaf", "view"])
def test_inplace_on_leaf_requiring_grad_raises_and_works_under_no_grad(name, through):
    def run(m):
        x = T(m, [[0.5, 1.5], [2.0, 3.0]], grad=True)
        with pytest.raises(RuntimeError, match="leaf|in-place|inplace"):
            LEAF_OPS[name](x if through == "leaf" else x[1])
        with ag.no_grad():
            LEAF_OPS[name](x if through == "leaf" else x[1])
        return (x,)

    same_outcome(run)


def test_inplace_on_an_expanded_view_raises():
    for grad in (False, True):
        x = T(STRICT, [1.0, 2.0], grad=grad)
        y = (x * 1).expand(3, 2)
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
            y.mul_(2)
        assert x.tolist() == [1.0, 2.0]


def test_views_share_the_version_counter_and_see_changes_of_their_base():
    x = STRICT.zeros(2, 3)
    views = [x[0], x[:, 1:], x.view(6), x.transpose(0, 1), x.reshape(3, 2).T, x[None]]
    x.add_(1)
    assert all(v._version[0] == x._version[0] > 0 for v in views)
    x[1, 2] = 7.0
    views[2][0] = 5.0  # through the flat view
    views[3][1, 0] = 4.0  # through the transpose: x[0, 1]
    np.testing.assert_array_equal(x.to(np).numpy(), [[5.0, 4.0, 1.0], [1.0, 1.0, 7.0]])
    assert views[0].tolist() == [5.0, 4.0, 1.0] and views[1].tolist() == [[4.0, 1.0], [1.0, 7.0]]
    x[0].fill_(2.0)
    x[1][I(STRICT, [0, 2])] = -1.0  # through index arrays, into a view
    assert x.tolist() == [[2.0, 2.0, 2.0], [-1.0, 1.0, -1.0]] and views[4].tolist() == [[2.0, 2.0, 1.0], [2.0, -1.0, -1.0]]


def test_unbind_outputs_refuse_recorded_inplace_changes_and_see_others():
    x = T(STRICT, [[1.0, 2.0], [3.0, 4.0]], grad=True)
    a, b = (x * 1).unbind(0)
    with pytest.raises(RuntimeError, match="view"):
        a.mul_(2)
    y = x.detach().clone()
    c, _ = y.unbind(0)
    y.mul_(10)
    assert c.tolist() == [10.0, 20.0] and c[1:].tolist() == [20.0]
    with pytest.raises(RuntimeError, match="view"):
        b[0:1].add_(1)


@pytest.mark.parametrize("fn", [_index_put_then_mul, _mask_setitem, _through_flat_view, _arith_chain, _kinked],
                         ids=lambda f: f.__name__.strip("_"))
def test_gradcheck_and_gradgradcheck_through_inplace_ops(fn):
    x, v = (T(STRICT, a, grad=True) for a in GRAD_INPUTS)
    assert ag.gradcheck(fn, (x, v)) and ag.gradgradcheck(fn, (x, v))


def test_mask_setitem_and_bool_tensors_stay_on_the_device():
    x = T(STRICT, [1.0, -2.0, 3.0])
    x[x < 0] = 0.0
    x[B(STRICT, [True, False, False])] += 1.0
    assert on_device(x).tolist() == [2.0, 0.0, 3.0]
