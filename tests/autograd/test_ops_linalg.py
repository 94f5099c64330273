"""matmul (1-D, 2-D, batched with broadcast batch dims) and its 2-D/3-D/1-D relatives."""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd as ag
from autograd.testing import arrays, op_test
from engine_helpers import check_op, leaf

# numpy's gufunc signature of matmul: optional m and p are the 1-D cases, extra leading dims broadcast.
matmul_shapes = hnp.mutually_broadcastable_shapes(signature="(m?,n),(n,p?)->(m?,p?)", max_dims=3, max_side=4).map(
    lambda bs: bs.input_shapes
)

test_matmul = op_test(ag.matmul, np.matmul, arity=2, shapes=matmul_shapes)
test_matmul_operator = op_test(lambda a, b: a @ b, np.matmul, arity=2, shapes=matmul_shapes)


@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), st.data())
def test_mm(n, m, p, data):
    a, b = data.draw(arrays((n, m))), data.draw(arrays((m, p)))
    check_op(ag.mm, [a, b], np.matmul)


@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.data())
def test_bmm(batch, n, m, p, data):
    a, b = data.draw(arrays((batch, n, m))), data.draw(arrays((batch, m, p)))
    check_op(ag.bmm, [a, b], np.matmul)


@given(st.integers(1, 5), st.data())
def test_dot(n, data):
    a, b = data.draw(arrays((n,))), data.draw(arrays((n,)))
    check_op(ag.dot, [a, b], np.dot)


@given(st.integers(1, 4), st.integers(1, 4), st.data())
def test_outer(n, m, data):
    a, b = data.draw(arrays((n,))), data.draw(arrays((m,)))
    check_op(ag.outer, [a, b], np.outer)


def test_matmul_1d_shapes_follow_numpy():
    v, M, B = leaf(np.ones(3)), leaf(np.ones((3, 2))), leaf(np.ones((4, 2, 3)))
    assert (v @ v).shape == ()
    assert (v @ M).shape == (2,)
    assert (B @ v).shape == (4, 2)
    assert (v @ leaf(np.ones((5, 3, 2)))).shape == (5, 2)


def test_broadcast_batch_gradient_is_summed_back():
    a = leaf(np.arange(6.0).reshape(1, 2, 3))
    b = leaf(np.ones((4, 3, 2)))
    (a @ b).sum().backward()
    assert a.grad.shape == (1, 2, 3) and b.grad.shape == (4, 3, 2)
    np.testing.assert_allclose(a.grad.numpy(), np.full((1, 2, 3), 8.0))
    np.testing.assert_allclose(b.grad.numpy(), np.broadcast_to(np.array([3.0, 5.0, 7.0])[:, None], (4, 3, 2)))


def test_ndarray_on_the_left_of_matmul():
    x = leaf(np.eye(2))
    out = np.array([[1.0, 2.0]]) @ x
    assert isinstance(out, ag.Tensor) and out.requires_grad
    np.testing.assert_array_equal(out.numpy(), [[1.0, 2.0]])
