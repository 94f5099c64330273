"""autograd.tracing: every op is recorded whatever the grad mode, arguments resolve to what produced them."""
import numpy as np
import pytest

import autograd as ag
from autograd.grad_mode import _State
from autograd.tracing import Ref, format_site, trace


@pytest.mark.parametrize("mode", ["no_grad", "enable_grad"])
def test_every_op_is_recorded_whatever_the_grad_mode(mode):
    x = ag.randn(2, 3)
    w = ag.randn(3, 3, requires_grad=True)
    with getattr(ag, mode)(), trace([x]) as t:
        y = (x @ w).relu() * 2.0
    assert [c.kind for c in t.calls] == ["MatMul", "ReLU", "Mul"]
    assert t.calls[0].args == (Ref("input", 0), Ref("constant"))
    assert t.calls[0].args[1].value is w
    assert t.calls[1].args == (Ref("call", 0),) and t.calls[2].args[1].value == 2.0
    assert t.resolve(y) == Ref("call", 2)
    assert y.requires_grad == (mode == "enable_grad")  # tracing changes nothing of the graph autograd records


def test_comparisons_are_recorded_and_where_finds_its_condition():
    x = ag.randn(4)
    with trace([x]) as t:
        ag.where(x > 0, x, 0.0)
    gt, where = t.calls
    assert gt.kind == "gt" and gt.args == (Ref("input", 0), Ref("number"))
    assert where.kind == "Where" and where.args[0] == Ref("call", 0)  # the array where() unwrapped


def test_detach_and_data_resolve_to_the_traced_value():
    x = ag.randn(3)
    with trace([x]) as t:
        y = x * 1
        z = y.detach() + y.data
    assert t.calls[1].args == (Ref("call", 0), Ref("call", 0))
    assert t.resolve(z) == Ref("call", 1)


def test_copy_is_recorded_and_other_in_place_changes_make_a_value_stale():
    x = ag.randn(3)
    with ag.no_grad(), trace([x]) as t:
        y = x * 1
        y.copy_(x.exp())
        z = x * 1
        z.add_(1)
    assert t.calls[2].kind == "copy_" and t.calls[2].args == (Ref("call", 1),)
    assert t.resolve(y) == Ref("call", 2)
    assert t.resolve(z).kind == "stale"


def test_sites_name_the_callers_line():
    x = ag.randn(3)
    with trace([x]) as t:
        x.exp()  # this line
    line = test_sites_name_the_callers_line.__code__.co_firstlineno + 3
    assert f"test_tracing.py:{line} in test_sites_name_the_callers_line" in format_site(t.calls[0].site)


def test_the_trace_ends_with_its_block():
    outer_x = ag.randn(2)
    with trace([outer_x]) as outer:
        with trace() as inner:
            outer_x.exp()
        outer_x.sin()
    assert [c.kind for c in inner.calls] == ["Exp"] and [c.kind for c in outer.calls] == ["Sin"]
    assert _State.tracer is None
    with pytest.raises(TypeError, match="inputs must be Tensors"):
        trace([np.zeros(2)]).__enter__()
