"""``autograd.Function`` as PyTorch's ``torch.autograd.Function`` (autograd/function.py).

Each Function is written once against an engine ``m`` (``autograd`` or ``torch``) and run on both, so the tests
compare values, gradients and errors with torch wherever torch defines the behaviour.
"""
import math
import re
import shutil
import warnings

import numpy as np
import pytest

import autograd as ag
import viz
from autograd.graph import nodes_of

torch = pytest.importorskip("torch")  # the reference: these tests compare with it (skipped without it)

F64 = {ag: ag.float64, torch: torch.float64}


def T(m, value, grad=False):
    return m.tensor(np.array(value, dtype=np.float64), dtype=F64[m], requires_grad=grad)


def Function(m):
    return ag.Function if m is ag else torch.autograd.Function


def grad_of(m, *args, **kwargs):
    return (ag.grad if m is ag else torch.autograd.grad)(*args, **kwargs)


def arr(t):
    return np.array(t.detach().numpy())


def assert_same(a, b, what=""):
    np.testing.assert_allclose(arr(a), arr(b), rtol=1e-7, atol=1e-10, err_msg=what)


def legendre(m):
    """PyTorch's tutorial Function, verbatim but for the base class: P3(x) = (5x^3 - 3x) / 2."""

    class LegendrePolynomial3(Function(m)):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            input, = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    return LegendrePolynomial3


# -- PyTorch's tutorial ----------------------------------------------------------------------------------------


def test_legendre_tutorial_values_gradients_and_second_order_match_torch():
    out = {}
    for m in (ag, torch):
        P3 = legendre(m)
        x = T(m, np.linspace(-1.5, 1.5, 7), grad=True)
        y = P3.apply(x)
        assert y.requires_grad and not y.is_leaf and "LegendrePolynomial3Backward" in repr(y.grad_fn)
        (g,) = grad_of(m, (y * y).sum(), x, create_graph=True)
        (gg,) = grad_of(m, g.sum(), x)
        out[m] = (y, g, gg)
    for name, a, b in zip(("P3", "grad", "grad of grad"), out[ag], out[torch]):
        assert_same(a, b, name)


def test_legendre_tutorial_training_loop_matches_torch():
    """The tutorial's fit of sin(x) by a + b * P3(c + d * x), with manual SGD steps under no_grad."""
    losses = {}
    for m in (ag, torch):
        P3 = legendre(m).apply
        x = m.linspace(-math.pi, math.pi, 2000)
        y = m.sin(x)
        a, b, c, d = (m.full((), v, requires_grad=True) for v in (0.0, -1.0, 0.0, 0.3))
        history = []
        for _ in range(40):
            loss = (a + b * P3(c + d * x) - y).pow(2).sum()
            loss.backward()
            with m.no_grad():
                for p in (a, b, c, d):
                    p -= 5e-6 * p.grad
                    p.grad = None
            history.append(loss.item())
        losses[m] = history
    np.testing.assert_allclose(losses[ag], losses[torch], rtol=2e-4)
    assert losses[ag][-1] < losses[ag][0]


def test_legendre_gradcheck_and_gradgradcheck():
    P3 = legendre(ag)
    x = T(ag, [-1.2, -0.3, 0.4, 1.1], grad=True)
    assert ag.gradcheck(P3.apply, (x,))
    assert ag.gradgradcheck(P3.apply, (x,))
    assert torch.autograd.gradcheck(legendre(torch).apply, (T(torch, [-1.2, 0.4], grad=True),))


# -- ctx -------------------------------------------------------------------------------------------------------------


def scaled(m):
    class Scaled(Function(m)):
        """``x * k + y``: numbers and strings pass through forward; backward returns None for them."""

        @staticmethod
        def forward(ctx, x, k, y, mode):
            ctx.k, ctx.mode = k, mode
            return x * k + y if mode == "add" else x * k - y

        @staticmethod
        def backward(ctx, g):
            gy = g if ctx.mode == "add" else -g
            return (g * ctx.k if ctx.needs_input_grad[0] else None), None, (gy if ctx.needs_input_grad[2] else None), None

    return Scaled


@pytest.mark.parametrize("grads", [(True, True), (True, False), (False, True)])
def test_needs_input_grad_and_non_tensor_arguments(grads):
    out = {}
    for m in (ag, torch):
        x, y = T(m, [1.0, 2.0], grad=grads[0]), T(m, [3.0, -1.0], grad=grads[1])
        z = scaled(m).apply(x, 2.5, y, "sub")
        assert "ScaledBackward" in repr(z.grad_fn)
        z.sum().backward()
        out[m] = (z, x.grad, y.grad)
    assert_same(out[ag][0], out[torch][0])
    for a, b in zip(out[ag][1:], out[torch][1:]):
        assert (a is None) == (b is None) and (a is None or a.tolist() == b.tolist())


def test_needs_input_grad_is_one_bool_per_positional_argument():
    seen = []
    for m in (ag, torch):
        class Probe(Function(m)):
            @staticmethod
            def forward(ctx, a, b, c, d):
                seen.append(tuple(ctx.needs_input_grad))
                return a * 1

            @staticmethod
            def backward(ctx, g):
                return g, None, None, None

        Probe.apply(T(m, [1.0], grad=True), T(m, [2.0]), 3, "s")
    assert seen == [(True, False, False, False)] * 2


def test_keyword_arguments_reach_forward_but_a_tensor_requiring_grad_must_be_positional():
    """torch's apply rejects keyword arguments; here they pass through as constants."""

    class Affine(ag.Function):
        @staticmethod
        def forward(ctx, x, *, scale=1.0, shift=None, name="affine"):
            ctx.scale, ctx.name = scale, name
            return x * scale + (0.0 if shift is None else shift)

        @staticmethod
        def backward(ctx, g):
            return g * ctx.scale

    x = T(ag, [1.0, 2.0], grad=True)
    y = Affine.apply(x, scale=3.0, shift=T(ag, [1.0, 1.0]), name="n")
    y.sum().backward()
    assert y.tolist() == [4.0, 7.0] and x.grad.tolist() == [3.0, 3.0]
    with pytest.raises(TypeError, match=r"Affine\.apply\(\).*'shift'.*positional"):
        Affine.apply(x, shift=T(ag, [1.0, 1.0], grad=True))
    with ag.no_grad():  # nothing is recorded: allowed
        Affine.apply(x, shift=T(ag, [1.0, 1.0], grad=True))


def argmax_and_double(m):
    class ArgmaxAndDouble(Function(m)):
        """An integer output (marked non-differentiable) next to a float one."""

        @staticmethod
        def forward(ctx, x):
            index = x.argmax()
            ctx.mark_non_differentiable(index)
            return index, x * 2

        @staticmethod
        def backward(ctx, g_index, g_double):
            ctx.got = (g_index, g_double)
            return g_double * 2

    return ArgmaxAndDouble


def test_mark_non_differentiable_integer_output():
    out = {}
    for m in (ag, torch):
        x = T(m, [1.0, 5.0, 2.0], grad=True)
        index, double = argmax_and_double(m).apply(x)
        assert not index.requires_grad and double.requires_grad and index.item() == 1
        double.sum().backward()
        ctx = double.grad_fn if m is torch else double.grad_fn.next[0].ctx
        out[m] = (x.grad, ctx.got)
    assert out[ag][0].tolist() == out[torch][0].tolist() == [2.0, 2.0, 2.0]
    g_index = out[ag][1][0]
    assert g_index is not None and g_index.shape == () and g_index.item() == out[torch][1][0].item() == 0


def test_mark_non_differentiable_float_output():
    out = {}
    for m in (ag, torch):
        class ValuesAndFlags(Function(m)):
            @staticmethod
            def forward(ctx, x):
                flags = (x > 1.5) * 1.0  # a float output that carries no gradient
                ctx.mark_non_differentiable(flags)
                return x * 1, flags

            @staticmethod
            def backward(ctx, g, g_flags):
                ctx.got = g_flags
                return g * 4

        x = T(m, [2.0, 1.0], grad=True)
        values, flags = ValuesAndFlags.apply(x)
        assert values.requires_grad and not flags.requires_grad and flags.grad_fn is None
        (values * flags).sum().backward()
        node = values.grad_fn if m is torch else values.grad_fn.next[0].ctx
        out[m] = (x.grad, node.got)
    assert out[ag][0].tolist() == out[torch][0].tolist() == [4.0, 0.0]
    assert out[ag][1].tolist() == out[torch][1].tolist() == [0.0, 0.0]  # materialized zeros


def two_outputs(m, materialize):
    class TwoOutputs(Function(m)):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(materialize)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g2, g3):
            ctx.got = (g2, g3)
            total = None
            for g, k in ((g2, 2), (g3, 3)):
                if g is not None:
                    total = g * k if total is None else total + g * k
            return total

    return TwoOutputs


@pytest.mark.parametrize("materialize", [True, False])
@pytest.mark.parametrize("used", ["first", "second", "both"])
def test_multiple_outputs_some_unused_and_set_materialize_grads(materialize, used):
    out = {}
    for m in (ag, torch):
        x = T(m, [1.0, -2.0], grad=True)
        a, b = two_outputs(m, materialize).apply(x)
        loss = a.sum() if used == "first" else (b * b).sum() if used == "second" else (a * b).sum()
        loss.backward()
        node = a.grad_fn if m is torch else a.grad_fn.next[0]
        got = node.got if m is torch else node.ctx.got
        out[m] = (x.grad, got)
    assert out[ag][0].tolist() == out[torch][0].tolist()
    for ours, theirs in zip(out[ag][1], out[torch][1]):
        assert (ours is None) == (theirs is None)
        if ours is not None:
            assert ours.tolist() == theirs.tolist()
    if used != "both":
        unused = out[ag][1][1 if used == "first" else 0]
        assert (unused is None) == (not materialize)
        assert unused is None or unused.tolist() == [0.0, 0.0]


def test_each_output_grad_fn_is_named_after_the_function():
    a, b = two_outputs(ag, True).apply(T(ag, [1.0], grad=True))
    assert repr(a.grad_fn).startswith("<TwoOutputsBackward") and repr(b.grad_fn).startswith("<TwoOutputsBackward")


def test_non_tensor_outputs_get_none_gradients():
    got = []
    for m in (ag, torch):
        class WithCount(Function(m)):
            @staticmethod
            def forward(ctx, x):
                return x * 2, 3, "label"

            @staticmethod
            def backward(ctx, g, g_count, g_label):
                got.append((g_count, g_label))
                return g * 2

        x = T(m, [1.0, 2.0], grad=True)
        y, count, label = WithCount.apply(x)
        assert count == 3 and label == "label"
        y.sum().backward()
        assert x.grad.tolist() == [2.0, 2.0]
    assert got == [(None, None)] * 2


# -- wrong backward results --------------------------------------------------------------------------------------

BAD_BACKWARDS = {
    "too_many": (lambda g: (g, g), r"function BadBackward returned an incorrect number of gradients \(expected 1, got 2\)"),
    "too_few": (lambda g: (), r"function BadBackward returned an incorrect number of gradients \(expected 1, got 0\)"),
    "wrong_shape": (lambda g: g[:1] * 1, (r"Function BadBackward returned an invalid gradient at index 0 - got \[1\] "
                                          r"but expected shape compatible with \[3\]")),
    "not_expandable": (lambda g: g.reshape(3, 1) * 1, r"Function BadBackward returned an invalid gradient at index 0"),
    "not_a_tensor": (lambda g: 1.0, r"BadBackward"),
}


@pytest.mark.parametrize("case", list(BAD_BACKWARDS))
def test_backward_returning_wrong_gradients_raises_naming_the_function(case):
    rule, pattern = BAD_BACKWARDS[case]
    for m in (ag, torch):
        class Bad(Function(m)):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return rule(g)

        y = Bad.apply(T(m, [1.0, 2.0, 3.0], grad=True))
        with pytest.raises(RuntimeError, match=pattern if case != "not_a_tensor" or m is ag else "Variable or None"):
            y.sum().backward()


def test_extra_trailing_none_gradients_and_broadcast_gradients_are_accepted():
    """As torch: extra Nones after the last input are dropped; a gradient of a broadcast shape is summed back."""
    out = {}
    for m in (ag, torch):
        class Lenient(Function(m)):
            @staticmethod
            def forward(ctx, x, k):
                ctx.k = k
                return x * k

            @staticmethod
            def backward(ctx, g):
                return (g * ctx.k).expand(3, 2) * 1, None, None, None

        x = T(m, [1.0, 2.0], grad=True)
        Lenient.apply(x, 2.0).sum().backward()
        out[m] = x.grad.tolist()
    assert out[ag] == out[torch] == [6.0, 6.0]


# -- higher order, anomalies, pictures ------------------------------------------------------------------------------


def cube(m):
    class Cube(Function(m)):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x * x  # Tensor ops: recorded under create_graph

    return Cube


def exp_saving_output(m):
    class Exp(Function(m)):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y

    return Exp


@pytest.mark.parametrize("make", [cube, exp_saving_output], ids=["saves_input", "saves_output"])
def test_double_backward_through_a_function_matches_torch(make):
    out = {}
    for m in (ag, torch):
        x = T(m, [0.5, -1.0, 2.0], grad=True)
        y = make(m).apply(x * 1)
        (g,) = grad_of(m, (y * y).sum(), x, create_graph=True)
        assert g.requires_grad
        (gg,) = grad_of(m, (g * g).sum(), x)
        out[m] = (g, gg)
    assert_same(out[ag][0], out[torch][0], "grad")
    assert_same(out[ag][1], out[torch][1], "grad of grad")
    x = T(ag, [0.5, -1.0, 2.0], grad=True)
    assert ag.gradcheck(make(ag).apply, (x,)) and ag.gradgradcheck(make(ag).apply, (x,))


def test_detect_anomaly_names_the_function_whose_backward_returns_nan():
    for m in (ag, torch):
        class NanGrad(Function(m)):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * float("nan")

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch warns that anomaly detection is slow, and where the op was made
            with ag.detect_anomaly() if m is ag else torch.autograd.detect_anomaly():
                y = (NanGrad.apply(T(m, [1.0, 2.0], grad=True)) * 3).sum()
                with pytest.raises(RuntimeError, match=r"Function 'NanGradBackward\d*' returned nan"):
                    y.backward()


def test_anomaly_error_points_at_the_apply_call():
    class NanGrad(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * float("nan")

    with ag.detect_anomaly():
        y = NanGrad.apply(T(ag, [1.0], grad=True)).sum()  # the line the error names
        with pytest.raises(ag.AnomalyError) as info:
            y.backward()
    assert info.value.node.name == "NanGrad" and "NanGrad.apply" in info.value.frame.line


def test_viz_draws_the_function_node_with_its_class_name(tmp_path):
    P3 = legendre(ag)
    x = T(ag, [0.5, 1.0], grad=True)
    y = (P3.apply(x) * 2).sum()
    assert [n.name for n in nodes_of(y)] == ["LegendrePolynomial3", "Mul", "Sum"]
    source = viz.draw_graph(y, params={"x": x}).source
    assert re.search(r"\[label=LegendrePolynomial3 ", source)
    if shutil.which("dot") is None:
        pytest.skip("graphviz's dot program is not installed")
    svg = viz.save_graph(y, tmp_path / "graph.svg").read_text()
    assert svg.lstrip().startswith("<?xml") or "<svg" in svg
    assert ">LegendrePolynomial3<" in svg


# -- saved tensors -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["no_grad", "recorded", "through_view"])
def test_saved_tensor_modified_in_place_before_backward_raises(how):
    for m in (ag, torch):
        x = T(m, [0.5, 1.5], grad=True)
        h = x * 1
        y = legendre(m).apply(h)
        if how == "no_grad":
            with m.no_grad():
                h.add_(1)
        elif how == "recorded":
            h.mul_(2)
        else:
            h[1:].zero_()
        with pytest.raises(RuntimeError, match="modified by an in-?place operation"):
            y.sum().backward()


def test_saved_output_modified_in_place_raises():
    for m in (ag, torch):
        y = exp_saving_output(m).apply(T(m, [0.5, 1.5], grad=True))
        with m.no_grad():
            y.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an in-?place operation"):
            y.sum().backward()


def test_second_backward_without_retain_graph_raises():
    for m in (ag, torch):
        x = T(m, [0.5, 1.5], grad=True)
        y = legendre(m).apply(x).sum()
        y.backward(retain_graph=True)
        y.backward()
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            y.backward()
        assert_same(x.grad, T(m, 2 * 1.5 * (5 * np.array([0.5, 1.5]) ** 2 - 1)))


def test_function_saving_nothing_can_be_walked_twice_and_keeps_its_ctx():
    for m in (ag, torch):
        class Scale(Function(m)):
            @staticmethod
            def forward(ctx, x):
                ctx.k = 3.0
                return x * ctx.k

            @staticmethod
            def backward(ctx, g):
                return g * ctx.k

        x = T(m, [1.0], grad=True)
        y = Scale.apply(x)
        y.backward()
        y.backward()
        assert x.grad.tolist() == [6.0]


# -- when nothing is recorded; misuse ----------------------------------------------------------------------------


def test_no_graph_under_no_grad_or_without_inputs_requiring_grad():
    P3 = legendre(ag)
    assert not P3.apply(T(ag, [0.5])).requires_grad
    with ag.no_grad():
        y = P3.apply(T(ag, [0.5], grad=True))
    assert not y.requires_grad and y.grad_fn is None and y.tolist() == [0.5 * (5 * 0.125 - 1.5)]


def test_forward_runs_with_grad_mode_off():
    seen = []

    class Probe(ag.Function):
        @staticmethod
        def forward(ctx, x):
            inner = x * 2
            seen.append((ag.is_grad_enabled(), inner.requires_grad))
            return inner

        @staticmethod
        def backward(ctx, g):
            return g * 2

    Probe.apply(T(ag, [1.0], grad=True))
    assert seen == [(False, False)]


def test_returning_an_input_unchanged_does_not_rewire_it():
    class Identity(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 5

    x = T(ag, [1.0, 2.0], grad=True)
    y = Identity.apply(x)
    assert y is not x and x.is_leaf and x.grad_fn is None and y.grad_fn is not None
    y.sum().backward()
    assert x.grad.tolist() == [5.0, 5.0]


def test_instantiating_or_missing_methods():
    with pytest.raises(RuntimeError, match=r"apply"):
        legendre(ag)()

    class NoForward(ag.Function):
        pass

    with pytest.raises(NotImplementedError, match="forward"):
        NoForward.apply(T(ag, [1.0], grad=True))

    class NoBackward(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

    y = NoBackward.apply(T(ag, [1.0], grad=True))
    with pytest.raises(NotImplementedError, match="backward"):
        y.backward()


def test_save_for_backward_accepts_only_tensors_or_none():
    class SavesANumber(ag.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, None, 3.0)
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(TypeError, match="save_for_backward"):
        SavesANumber.apply(T(ag, [1.0], grad=True))
