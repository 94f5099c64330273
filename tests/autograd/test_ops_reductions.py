"""Reductions: sum, mean, var/std, max/min (full and along a dim), amax/amin, logsumexp, softmax, log_softmax."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
from autograd.testing import op_test, shapes
from engine_helpers import array_and_dim, array_and_dims, check_op, leaf


def _np_logsumexp(a, axis, keepdims=False):
    m = np.max(a, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def _np_softmax(a, axis):
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# -- full reductions through op_test ---------------------------------------------------------------------------

single = shapes(max_dims=3).map(lambda s: (s,))
test_sum_all = op_test(ag.sum, np.sum, shapes=single)
test_sum_method = op_test(lambda x: x.sum(), np.sum, shapes=single)
test_mean_all = op_test(ag.mean, np.mean, shapes=single)
test_max_all = op_test(ag.max, np.max, shapes=single, unique=True)
test_min_all = op_test(lambda x: x.min(), np.min, shapes=single, unique=True)
test_amax_all = op_test(ag.amax, np.max, shapes=single, unique=True)
test_amin_all = op_test(ag.amin, np.min, shapes=single, unique=True)


# -- reductions over dims (drawn per example) ----------------------------------------------------------------


@given(array_and_dims())
def test_sum_dims(case):
    a, dims, keep = case
    check_op(lambda x: ag.sum(x, dims, keepdim=keep), [a], lambda a: np.sum(a, axis=dims, keepdims=keep))


@given(array_and_dim())
def test_sum_single_int_dim_method(case):
    a, d = case
    check_op(lambda x: x.sum(d), [a], lambda a: np.sum(a, axis=d))


@given(array_and_dims())
def test_mean_dims(case):
    a, dims, keep = case
    check_op(lambda x: x.mean(dim=dims, keepdim=keep), [a], lambda a: np.mean(a, axis=dims, keepdims=keep))


@given(array_and_dims(min_side=3, max_side=4, unique=True), st.sampled_from([0, 1, 2]))
def test_var_dims_correction(case, correction):
    a, dims, keep = case  # every reduced dim has size >= 3, so n - correction >= 1
    check_op(lambda x: ag.var(x, dims, correction=correction, keepdim=keep), [a],
             lambda a: np.var(a, axis=dims, ddof=correction, keepdims=keep))


@given(array_and_dims(min_side=2, unique=True), st.sampled_from([0, 1]))
def test_std_dims_correction(case, correction):
    a, dims, keep = case
    check_op(lambda x: x.std(dims, correction=correction, keepdim=keep), [a],
             lambda a: np.std(a, axis=dims, ddof=correction, keepdims=keep))


@given(st.sampled_from([0, 1]))
def test_var_std_full_reduction(correction):
    a = np.array([[0.3, -1.2, 2.0], [0.7, 1.1, -0.4]])
    check_op(lambda x: ag.var(x, correction=correction), [a], lambda a: np.var(a, ddof=correction))
    check_op(lambda x: ag.std(x, correction=correction), [a], lambda a: np.std(a, ddof=correction))


@pytest.mark.parametrize("name, np_fn, np_arg", [("max", np.max, np.argmax), ("min", np.min, np.argmin)])
@given(case=array_and_dim(unique=True), keep=st.booleans())
def test_max_min_with_dim_return_values_and_indices(name, np_fn, np_arg, case, keep):
    a, d = case
    values, indices = getattr(ag, name)(leaf(a), d, keepdim=keep)
    expected_idx = np_arg(a, axis=d)
    if keep:
        expected_idx = np.expand_dims(expected_idx, d)
    assert indices.dtype == np.int64 and not indices.requires_grad
    np.testing.assert_array_equal(indices.numpy(), expected_idx)
    check_op(lambda x: getattr(x, name)(d, keepdim=keep)[0], [a], lambda a: np_fn(a, axis=d, keepdims=keep))


@pytest.mark.parametrize("op, np_fn", [(ag.amax, np.max), (ag.amin, np.min)])
@given(case=array_and_dims(unique=True))
def test_amax_amin_dims(op, np_fn, case):
    a, dims, keep = case
    check_op(lambda x: op(x, dims, keepdim=keep), [a], lambda a: np_fn(a, axis=dims, keepdims=keep))


@given(array_and_dims())
def test_logsumexp(case):
    a, dims, keep = case
    check_op(lambda x: ag.logsumexp(x, dims, keepdim=keep), [a], lambda a: _np_logsumexp(a, dims, keep))


@given(array_and_dim())
def test_softmax(case):
    a, d = case
    check_op(lambda x: ag.softmax(x, d), [a], lambda a: _np_softmax(a, d))


@given(array_and_dim())
def test_log_softmax(case):
    a, d = case
    check_op(lambda x: x.log_softmax(d), [a], lambda a: np.log(_np_softmax(a, d)))


# -- edge semantics ------------------------------------------------------------------------------------------


def test_argmax_argmin_have_no_grad():
    x = ag.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]], requires_grad=True)
    assert ag.argmax(x).item() == 3 and x.argmin().item() == 4
    np.testing.assert_array_equal(x.argmax(1).numpy(), [1, 0])
    np.testing.assert_array_equal(ag.argmin(x, 0, keepdim=True).numpy(), [[0, 1, 0]])
    assert not x.argmax(1).requires_grad and x.argmax(1).dtype == np.int64


def test_full_max_shares_gradient_among_ties():
    x = leaf([1.0, 3.0, 3.0, 2.0])
    ag.max(x).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.5, 0.5, 0.0])


def test_max_with_dim_sends_gradient_to_the_returned_index_only():
    x = leaf([[3.0, 3.0, 1.0]])
    values, indices = x.max(1)
    values.sum().backward()
    g = np.zeros((1, 3))
    g[0, indices.item()] = 1.0
    np.testing.assert_array_equal(x.grad.numpy(), g)


def test_softmax_log_softmax_logsumexp_stable_at_1e4():
    x = ag.tensor([[1e4, 1e4, 1e4], [-1e4, 0.0, 1e4]], requires_grad=True)
    p, lp, lse = ag.softmax(x, 1), ag.log_softmax(x, -1), ag.logsumexp(x, 1)
    for t in (p, lp, lse):
        assert np.isfinite(t.numpy()).all()
    np.testing.assert_allclose(p.numpy()[0], [1 / 3] * 3, rtol=1e-6)
    np.testing.assert_allclose(lp.numpy()[0], [-np.log(3)] * 3, rtol=1e-6)
    np.testing.assert_allclose(lse.numpy(), [1e4 + np.log(3), 1e4], rtol=1e-6)
    (p.sum() + lp.sum() + lse.sum()).backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_logsumexp_of_all_minus_inf_is_minus_inf():
    x = ag.tensor([-np.inf, -np.inf])
    with np.errstate(divide="ignore"):
        assert ag.logsumexp(x, 0).item() == -np.inf


def test_var_of_integers_or_mean_of_integers_is_rejected():
    with pytest.raises(RuntimeError, match="mean"):
        ag.tensor([1, 2, 3]).mean()


def test_max_of_empty_tensor_raises():
    with pytest.raises(RuntimeError, match="empty"):
        ag.zeros(0).max()


def test_var_with_correction_at_least_n_is_inf_not_an_exception():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = x.var(correction=2)
        y.backward()
    assert y.item() == np.inf and y.dtype == ag.float32
    assert not np.isfinite(x.grad.numpy()).any()


@pytest.mark.parametrize("reduce", [
    lambda x: x.sum(0), lambda x: x.mean(-1), lambda x: x.amax(0), lambda x: ag.amin(x, -1), lambda x: x.logsumexp(0),
    lambda x: x.max(0)[0], lambda x: x.min(-1, keepdim=True)[0], lambda x: x.softmax(0) * x, lambda x: x.sum((0,)),
])
def test_zero_dim_tensor_accepts_dim_0_like_torch(reduce):
    x = ag.tensor(3.0, dtype=ag.float64, requires_grad=True)
    out = reduce(x)
    assert out.shape == () and out.item() == 3.0
    out.backward()
    assert x.grad.item() == 1.0
    assert ag.tensor(3.0).max(0)[1].item() == 0 and ag.tensor(3.0).argmax(0).item() == 0
    with pytest.raises(IndexError, match=r"\[-1, 0\]"):
        x.sum(1)


# -- max(a, b) / min(a, b): the elementwise form --------------------------------------------------------------


def test_max_and_min_of_two_tensors_are_maximum_and_minimum():
    a, b = leaf([1.0, 5.0, 2.0]), leaf([3.0, 2.0, 2.0])
    np.testing.assert_array_equal(ag.max(a, b).numpy(), [3.0, 5.0, 2.0])
    np.testing.assert_array_equal(a.min(b).numpy(), [1.0, 2.0, 2.0])
    ag.max(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0.0, 1.0, 0.5])  # ties share, as torch.maximum
    assert ag.max(ag.tensor([1, 5]), ag.tensor([3.0, 2.0])).dtype == np.float32
    with pytest.raises(TypeError, match="keepdim"):
        ag.max(a, b, True)
    with pytest.raises(TypeError):
        ag.min(a, 3.0)
