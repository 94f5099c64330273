"""Graph semantics pinned by examples: accumulation, retain_graph, hooks, grad modes, in-place checks, grad()."""
import inspect

import numpy as np
import pytest

import autograd as ag
from engine_helpers import leaf

# -- accumulation and retain_graph ----------------------------------------------------------------------------


def test_gradients_accumulate_across_backward_calls():
    x = leaf([1.0, 2.0])
    (x * x).sum().backward()
    (3 * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [5.0, 7.0])


def test_retain_graph_allows_a_second_backward():
    x = leaf([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first)


def test_second_backward_through_freed_graph_raises():
    x = leaf([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"(?s)second time.*freed.*retain_graph=True"):
        y.backward()


def test_graph_without_saved_arrays_can_be_walked_twice():
    """Ops that save nothing (add, sum) have nothing to free: a second backward is harmless, as in PyTorch."""
    x = leaf([1.0, 2.0])
    y = (x + 1).sum()
    y.backward()
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


def test_gradient_argument_for_non_scalar_output():
    x = leaf([1.0, 2.0, 3.0])
    (x * x).backward(gradient=ag.tensor([1.0, 0.0, -1.0], dtype=ag.float64))
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 0.0, -6.0])


def test_non_scalar_backward_without_gradient_raises():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="scalar"):
        (x * 2).backward()


def test_backward_on_tensor_not_requiring_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.tensor([1.0, 2.0]).sum().backward()
    x = leaf([1.0])
    with ag.no_grad():
        y = x * 2
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()


def test_gradient_of_wrong_shape_raises():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="shape"):
        (x * 2).backward(gradient=ag.ones(3))


# -- graph shapes ------------------------------------------------------------------------------------------


def test_deep_chain_of_100k_ops_backprops_without_recursion():
    x = ag.tensor(0.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1
    y.backward()
    assert y.item() == 100_000 and x.grad.item() == 1.0


def test_diamond_graph_sums_every_path():
    x = leaf(3.0)
    a = x * x          # 2x
    b = x.exp()        # e^x
    c = a * b + a + x  # uses a twice and x three times in all
    c.backward()
    expected = (2 * 3.0) * np.exp(3.0) + 9.0 * np.exp(3.0) + 2 * 3.0 + 1
    np.testing.assert_allclose(x.grad.item(), expected)


def test_same_tensor_as_both_operands():
    x = leaf([1.0, -2.0])
    (x * x + x / x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, -4.0])


def test_leaf_used_twice_in_one_add_gets_both_gradients():
    x = leaf([1.0, 2.0])
    (x + x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])
    x.grad.numpy()[0] = 100.0  # the stored gradient is a private copy
    y = leaf([1.0, 2.0])
    (y + y).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [2.0, 2.0])


# -- hooks and retain_grad ------------------------------------------------------------------------------


def test_hook_on_leaf_sees_and_replaces_gradient():
    x = leaf([1.0, 2.0])
    seen = []
    x.register_hook(lambda g: seen.append(g.numpy().copy()))
    x.register_hook(lambda g: g * 10)
    (x * 3).sum().backward()
    np.testing.assert_array_equal(seen[0], [3.0, 3.0])
    np.testing.assert_array_equal(x.grad.numpy(), [30.0, 30.0])


def test_hook_on_non_leaf_replaces_gradient_flowing_further():
    x = leaf([1.0, 2.0])
    y = x * 2
    y.register_hook(lambda g: g * 0 + 1.0 / 2)  # replaces d(sum y^2)/dy with 0.5
    (y * y).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])


def test_hook_handle_remove():
    x = leaf([1.0])
    calls = []
    handle = x.register_hook(lambda g: calls.append(1) or g * 2)
    (x * 1).sum().backward()
    handle.remove()
    handle.remove()  # idempotent
    (x * 1).sum().backward()
    assert calls == [1]
    np.testing.assert_array_equal(x.grad.numpy(), [3.0])


def test_register_hook_on_tensor_not_requiring_grad_raises():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        ag.tensor([1.0]).register_hook(lambda g: g)


def test_retain_grad_keeps_non_leaf_gradient():
    x = leaf([1.0, 2.0])
    y = x * 3
    z = y * y
    y.retain_grad()
    y.retain_grad()  # twice is the same as once
    z.sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [6.0, 12.0])
    assert z.grad is None  # not retained
    assert x.is_leaf and not y.is_leaf


def test_retain_grad_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="retain_grad"):
        ag.tensor([1.0]).retain_grad()


# -- grad modes ------------------------------------------------------------------------------------------


def test_no_grad_context_and_decorator():
    x = leaf([1.0])
    with ag.no_grad():
        y = x * 2
        assert not ag.is_grad_enabled()
    assert ag.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None

    @ag.no_grad()
    def f(t):
        return t * 2

    assert not f(x).requires_grad and ag.is_grad_enabled()


def test_enable_grad_inside_no_grad():
    x = leaf([1.0])
    with ag.no_grad():
        with ag.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad

    @ag.enable_grad()
    def f(t):
        return t * 2

    with ag.no_grad():
        assert f(x).requires_grad


def test_set_grad_enabled_as_call_context_and_decorator():
    x = leaf([1.0])
    with ag.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert ag.is_grad_enabled()
    ag.set_grad_enabled(False)
    try:
        assert not (x * 2).requires_grad
    finally:
        ag.set_grad_enabled(True)

    @ag.set_grad_enabled(False)
    def f(t):
        return t * 2

    assert ag.is_grad_enabled()  # decorating does not switch the mode
    assert not f(x).requires_grad and (x * 2).requires_grad


def test_grad_mode_restored_after_exception():
    with pytest.raises(ZeroDivisionError):
        with ag.no_grad():
            1 / 0
    assert ag.is_grad_enabled()


def test_detach_shares_data_and_cuts_graph():
    x = leaf([1.0, 2.0])
    y = x * 2
    d = y.detach()
    assert d.is_leaf and not d.requires_grad and np.shares_memory(d.numpy(), y.numpy())
    (d * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])  # no path through d


def test_requires_grad_flag_rules():
    with pytest.raises(RuntimeError, match="floating point"):
        ag.tensor([1, 2]).requires_grad_()
    with pytest.raises(RuntimeError, match="floating point"):
        ag.tensor([1, 2], requires_grad=True)
    x = ag.tensor([1.0]).requires_grad_()
    assert x.requires_grad and x.is_leaf
    with pytest.raises(RuntimeError, match="leaf"):
        (x * 2).requires_grad_(False)


# -- in-place modification of saved tensors ------------------------------------------------------------------


def test_inplace_change_of_saved_output_raises_at_backward():
    x = leaf([1.0, 2.0])
    y = x.exp()  # Exp saves its output y
    w = (y * 2).sum()
    with ag.no_grad():
        y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        w.backward()


def test_inplace_change_of_saved_leaf_raises_at_backward():
    x, z = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    w = (x * z).sum()  # Mul saves both inputs
    with ag.no_grad():
        x.mul_(2)
    with pytest.raises(RuntimeError, match=r"Mul.*version"):
        w.backward()


def test_inplace_change_through_a_view_of_a_saved_tensor_raises():
    x = leaf([1.0, 2.0])
    y = x.exp()
    w = (y * 2).sum()
    view = y[0:1]  # shares y's memory and its version counter
    with ag.no_grad():
        view.add_(1)
    assert y.numpy()[0] == np.exp(1.0) + 1
    with pytest.raises(RuntimeError, match="in-place"):
        w.backward()


def test_inplace_change_of_unsaved_tensor_is_fine():
    x = leaf([1.0, 2.0])
    w = (x + 1).sum()  # Add saves nothing
    with ag.no_grad():
        x.zero_()
    w.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])


def test_inplace_on_leaf_requiring_grad_outside_no_grad_raises():
    x = leaf([1.0])
    for op in (lambda: x.add_(1), lambda: x.mul_(2), lambda: x.zero_(), lambda: x.fill_(1.0), lambda: x.copy_(ag.ones(1))):
        with pytest.raises(RuntimeError, match="in-place"):
            op()


def test_inplace_ops_under_no_grad_update_values():
    p = leaf([1.0, 2.0])
    with ag.no_grad():
        p.sub_(ag.tensor([1.0, 1.0], dtype=ag.float64), alpha=0.5)
        np.testing.assert_array_equal(p.numpy(), [0.5, 1.5])
        p.add_(1.0).mul_(2.0).div_(4.0)
        np.testing.assert_array_equal(p.numpy(), [0.75, 1.25])
        p.copy_(ag.tensor([3.0, 4.0]))
        np.testing.assert_array_equal(p.numpy(), [3.0, 4.0])
        p.fill_(7.0)
        np.testing.assert_array_equal(p.numpy(), [7.0, 7.0])
        p.zero_()
    np.testing.assert_array_equal(p.numpy(), [0.0, 0.0])
    assert p.dtype == ag.float64 and p.requires_grad


# -- where and NaN masking -----------------------------------------------------------------------------------


def test_where_log_gives_finite_gradients_at_zero_and_negatives():
    x = ag.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = ag.where(x > 0, ag.log(x), 0.0)
        y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.5])


def test_where_sqrt_and_division_branches_stay_finite():
    x = ag.tensor([-4.0, 0.0, 4.0], requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = ag.where(x > 0, ag.sqrt(x) + 1 / x, ag.zeros(3))
        y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 0.0, 0.25 - 1 / 16])


def test_where_requires_bool_condition():
    """A float or int condition is a RuntimeError, as in PyTorch."""
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"where.*bool.*float32"):
        ag.where(ag.tensor([1.0, 0.0]), x, x)
    with pytest.raises(RuntimeError, match=r"where.*bool.*int64"):
        ag.where(np.array([1, 0]), x, x)


# -- higher order and autograd.grad ---------------------------------------------------------------------------


def test_hessian_vector_product_matches_analytic_hessian():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((3, 3))
    A = A + A.T
    a, v0 = rng.standard_normal(3), rng.standard_normal(3)
    x = leaf(rng.standard_normal(3))
    At = ag.tensor(A)
    # f(x) = 0.5 x^T A x + sum(sin(x) * a);  H = A - diag(sin(x) * a)
    f = 0.5 * (x @ (At @ x)) + (x.sin() * ag.tensor(a)).sum()
    (g,) = ag.grad(f, x, create_graph=True)
    assert g.requires_grad
    np.testing.assert_allclose(g.numpy(), A @ x.numpy() + np.cos(x.numpy()) * a)
    (hv,) = ag.grad(g, x, grad_outputs=ag.tensor(v0))
    H = A - np.diag(np.sin(x.numpy()) * a)
    np.testing.assert_allclose(hv.numpy(), H @ v0, rtol=1e-10)


def test_backward_with_create_graph_gives_differentiable_grad():
    x = leaf(2.0)
    (x ** 3).backward(create_graph=True)
    g = x.grad
    assert g.requires_grad and g.item() == 12.0
    x.grad = None
    g.backward()
    assert x.grad.item() == 12.0  # d(3x^2)/dx at 2


def test_grad_does_not_touch_dot_grad():
    x = leaf([1.0, 2.0])
    (g,) = ag.grad((x * x).sum(), x)
    np.testing.assert_array_equal(g.numpy(), [2.0, 4.0])
    assert x.grad is None


def test_grad_allow_unused():
    x, unused = leaf([1.0]), leaf([5.0])
    with pytest.raises(RuntimeError, match="allow_unused"):
        ag.grad((x * 2).sum(), [x, unused], retain_graph=True)
    gx, gu = ag.grad((x * 2).sum(), [x, unused], allow_unused=True)
    assert gu is None and gx.item() == 2.0


def test_grad_with_respect_to_non_leaf():
    x = leaf([1.0, 2.0])
    y = x * 3
    z = (y * y).sum()
    gy, gx = ag.grad(z, [y, x])
    np.testing.assert_array_equal(gy.numpy(), [6.0, 12.0])
    np.testing.assert_array_equal(gx.numpy(), [18.0, 36.0])


def test_grad_of_several_outputs_with_grad_outputs():
    x = leaf([1.0, 2.0])
    (g,) = ag.grad([x * 2, x * x], x, grad_outputs=[ag.tensor([1.0, 1.0], dtype=ag.float64), ag.tensor([1.0, 0.0], dtype=ag.float64)])
    np.testing.assert_array_equal(g.numpy(), [4.0, 2.0])


def test_grad_input_not_requiring_grad_raises():
    x = leaf([1.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.grad((x * 2).sum(), ag.tensor([1.0]))


def test_backward_inputs_argument_limits_accumulation():
    x, y = leaf([1.0]), leaf([2.0])
    (x * y).sum().backward(inputs=[x])
    assert x.grad.item() == 2.0 and y.grad is None


# -- anomaly detection ----------------------------------------------------------------------------------


def test_detect_anomaly_names_op_and_user_line():
    x = ag.tensor([0.0, 1.0], requires_grad=True)
    with pytest.raises(ag.AnomalyError) as info:
        with ag.detect_anomaly(), np.errstate(divide="ignore"):
            line = inspect.currentframe().f_lineno + 1
            y = x.sqrt()
            (y * 2).sum().backward()
    err = info.value
    assert isinstance(err, RuntimeError)
    assert "Sqrt" in str(err) and f"line {line}" in str(err) and __file__ in str(err)
    assert err.frame.lineno == line and err.node.name == "Sqrt"


def test_without_detect_anomaly_nan_passes_silently():
    x = ag.tensor([0.0, 1.0], requires_grad=True)
    with np.errstate(divide="ignore"):
        x.sqrt().sum().backward()
    assert np.isinf(x.grad.numpy()[0])


def test_create_graph_leaf_grads_are_distinct_and_writable():
    a, b = leaf([1.0, 2.0]), leaf([1.0, 2.0])
    (a + b).sum().backward(create_graph=True)
    assert a.grad is not b.grad
    with ag.no_grad():
        a.grad.zero_()
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0])


def test_grad_mode_is_per_thread():
    import threading

    x = ag.randn(3, requires_grad=True)
    seen = {}

    def worker():
        seen["thread"] = (x * 2).requires_grad

    with ag.no_grad():
        t = threading.Thread(target=worker)
        t.start()
        t.join()
        seen["main"] = (x * 2).requires_grad
    assert seen == {"thread": True, "main": False}
