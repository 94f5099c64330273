"""Reductions: sum, mean, var/std, max/min (full and along a dim), amax/amin, logsumexp, softmax, log_softmax."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
from autograd.testing import arrays, op_test, shapes
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


# -- dtype=, unbiased=, var_mean/std_mean, numpy aliases, named tuples, all/any over dims -----------------------

torch_ = pytest.importorskip("torch")


def _torch_dtype(dtype):
    return getattr(torch_, np.dtype(dtype).name)


@pytest.mark.parametrize("name", ["sum", "mean"])
@pytest.mark.parametrize("src, dtype", [(np.float32, np.float64), (np.float64, np.float32), (np.int64, np.float64),
                                        (np.int32, None), (np.bool_, None), (np.uint8, None), (np.int32, np.float32)])
def test_sum_mean_dtype_as_torch(name, src, dtype):
    data = np.array([[1, 0, 2], [3, 1, 1]], dtype=src)
    kw = {} if dtype is None else {"dtype": dtype}
    tkw = {} if dtype is None else {"dtype": _torch_dtype(dtype)}
    if name == "mean" and np.dtype(dtype or src).kind != "f":
        with pytest.raises(RuntimeError, match="mean"):
            ag.mean(ag.tensor(data), **kw)
        return
    for dim in (None, 1):
        args = () if dim is None else (dim,)
        ours = getattr(ag, name)(ag.tensor(data), *args, **kw)
        ref = getattr(torch_, name)(torch_.tensor(data), *args, **tkw)
        assert ours.dtype == np.dtype(str(ref.dtype).replace("torch.", ""))
        np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-6)


def test_sum_mean_dtype_cast_is_differentiable():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    (x.sum(dtype=ag.float64) + ag.mean(x, 0, dtype=ag.float64)).backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [1.5, 1.5]
    with pytest.raises(RuntimeError, match="mean.*floating point"):
        x.mean(dtype=ag.int64)
    with pytest.raises(TypeError):
        ag.mean(x, 0, False, ag.float64)  # dtype is keyword-only, as in torch


@pytest.mark.parametrize("call", [
    lambda x: x.var(1, True), lambda x: x.var(1, False), lambda x: x.var(unbiased=False), lambda x: x.var(True),
    lambda x: x.var(False), lambda x: x.std(0, True, True), lambda x: x.std(1, unbiased=False, keepdim=True),
    lambda x: x.var(1, correction=2), lambda x: x.std(correction=0.5), lambda x: x.var((0, 1), True),
    lambda x: x.var(dim=None, unbiased=False), lambda x: x.std(), lambda x: x.var(axis=1, keepdims=True),
])
def test_var_std_overloads_match_torch(call):
    a = np.array([[0.3, -1.2, 2.0, 0.1], [0.7, 1.1, -0.4, 3.0], [1.0, 0.0, -2.0, 0.5]])
    x, t = leaf(a), torch_.tensor(a, requires_grad=True)
    out, ref = call(x), call(t)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-12)
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_var_std_argument_errors():
    x = ag.tensor([[1.0, 2.0], [3.0, 5.0]])
    with pytest.raises(TypeError, match="unbiased or correction"):
        x.var(1, unbiased=True, correction=1)
    with pytest.raises(TypeError, match="unbiased"):
        x.std(1, 2)
    with pytest.raises(RuntimeError, match="floating point"):
        ag.var(ag.tensor([1, 2, 3]))
    with pytest.raises(TypeError, match="var_mean"):
        ag.var_mean(x, dim=0, axis=0)


@pytest.mark.parametrize("name", ["var_mean", "std_mean"])
@pytest.mark.parametrize("args, kwargs", [((), {}), ((1,), {}), ((1, False), {}), ((0,), {"keepdim": True}),
                                          ((), {"unbiased": False}), ((1,), {"correction": 0}), ((True,), {})])
def test_var_mean_std_mean_return_tuples_as_torch(name, args, kwargs):
    a = np.array([[0.3, -1.2, 2.0], [0.7, 1.1, -0.4]])
    out = getattr(ag, name)(leaf(a), *args, **kwargs)
    ref = getattr(torch_, name)(torch_.tensor(a), *args, **kwargs)
    assert type(out) is tuple and len(out) == 2
    for o, r in zip(out, ref):
        np.testing.assert_allclose(o.numpy(), r.numpy(), rtol=1e-12)
    check_op(lambda x: getattr(ag, name)(x, *args, **kwargs), [a], lambda _: tuple(r.numpy() for r in ref))


@pytest.mark.parametrize("call", [
    lambda m, x: m.sum(x, axis=1), lambda m, x: x.sum(axis=(0, 1), keepdims=True), lambda m, x: m.mean(x, axis=0),
    lambda m, x: x.mean(1, keepdims=True), lambda m, x: m.amax(x, axis=1), lambda m, x: x.amin(axis=0, keepdims=True),
    lambda m, x: m.max(x, axis=1).values, lambda m, x: x.min(axis=0, keepdims=True).indices,
    lambda m, x: m.prod(x, axis=1), lambda m, x: x.std(axis=0), lambda m, x: m.var(x, axis=1, keepdims=True),
    lambda m, x: m.all(x, axis=1), lambda m, x: x.any(axis=0, keepdims=True), lambda m, x: m.argmax(x, axis=1),
    lambda m, x: x.argmin(axis=0, keepdims=True), lambda m, x: m.cumsum(x, axis=1), lambda m, x: x.cumprod(axis=0),
    lambda m, x: m.logsumexp(x, axis=1), lambda m, x: m.softmax(x, axis=0), lambda m, x: x.log_softmax(axis=1),
    lambda m, x: m.sort(x, axis=0).values, lambda m, x: m.argsort(x, axis=1), lambda m, x: m.topk(x, 2, axis=1).indices,
])
def test_numpy_axis_keepdims_aliases_as_torch(call):
    a = np.array([[0.3, -1.2, 2.0], [0.7, 0.0, -0.4]])
    out, ref = call(ag, ag.tensor(a)), call(torch_, torch_.tensor(a))
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "amax", "amin", "prod", "std", "var", "all", "any",
                                  "argmax", "argmin", "cumsum", "cumprod", "logsumexp", "softmax", "sort", "argsort"])
def test_dim_and_its_axis_alias_together_raise_type_error(name):
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(TypeError, match=f"{name}.*alias 'axis'"):
        getattr(ag, name)(x, dim=0, axis=0)
    if name not in ("cumsum", "cumprod", "softmax", "sort", "argsort"):
        with pytest.raises(TypeError, match=f"{name}.*alias 'keepdims'"):
            getattr(x, name)(dim=0, keepdim=True, keepdims=True)


def test_max_min_with_dim_return_named_tuples():
    x = ag.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    out = x.max(1)
    assert isinstance(out, ag.return_types.max) and out.values.tolist() == [5.0, 7.0] and out.indices.tolist() == [1, 0]
    out = ag.min(x, 0, keepdim=True)
    assert isinstance(out, ag.return_types.min) and out.indices.tolist() == [[0, 1, 0]]
    assert isinstance(ag.tensor(2.0).max(0), ag.return_types.max)
    with pytest.raises(TypeError, match="keepdim"):
        x.max(keepdim=True)  # the full reduction has no keepdim, as in torch


@given(st.data())
def test_all_any_over_dims_match_torch(data):
    shape = data.draw(shapes(min_dims=1, max_dims=3))
    a = data.draw(arrays(shape, elements=st.sampled_from([0.0, 1.0])))
    dims = data.draw(st.one_of(st.integers(-len(shape), len(shape) - 1),
                               st.lists(st.integers(0, len(shape) - 1), min_size=1, unique=True).map(tuple)))
    keep = data.draw(st.booleans())
    for name in ("all", "any"):
        out = getattr(ag, name)(ag.tensor(a), dims, keepdim=keep)
        ref = getattr(torch_, name)(torch_.tensor(a), dims, keepdim=keep)
        assert out.dtype == np.bool_ and out.shape == tuple(ref.shape)
        np.testing.assert_array_equal(out.numpy(), ref.numpy())
    assert ag.all(ag.tensor(a)).item() == bool(np.all(a)) and ag.tensor(a).any(keepdim=True).shape == (1,) * len(shape)
