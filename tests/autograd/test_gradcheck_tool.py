"""gradcheck / gradgradcheck themselves: they pass correct ops and catch wrong ones with a useful message."""
import re

import numpy as np
import pytest
from hypothesis import given

import autograd as ag
from autograd.backend import namespace
from autograd.op import Op
from autograd.gradcheck import analytical_jacobian, numerical_jacobian
from autograd.testing import arrays, shapes


class WrongCube(Op):
    """x ** 3 with a deliberately wrong backward (2x^2 instead of 3x^2)."""

    __slots__ = ()
    save_inputs = True

    def forward(self, a):
        return a ** 3

    def backward(self, grad, a):
        return grad * 2 * a * a


class BadSecondOrderSquare(Op):
    """x ** 2 whose backward is right in value but treats x as a constant, so its own derivative is lost."""

    __slots__ = ()
    save_inputs = True

    def forward(self, a):
        return a * a

    def backward(self, grad, a):
        a = a.detach() if isinstance(a, ag.Tensor) else a
        return grad * 2 * a


class GoodSin(Op):
    """sin written as a user would, with the namespace so it also works under create_graph."""

    __slots__ = ()
    save_inputs = True

    def forward(self, a):
        return np.sin(a)

    def backward(self, grad, a):
        return grad * namespace(grad).cos(a)


class TwoOutputsOneWrong(Op):
    """(a * b) with the gradient of b off by one."""

    __slots__ = ()
    save_inputs = True

    def forward(self, a, b):
        return a * b

    def backward(self, grad, a, b):
        return grad * b, grad * a + 1


def _x(values):
    return ag.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


@given(arrays(shapes(max_dims=2)))
def test_gradcheck_and_gradgradcheck_pass_correct_user_function(a):
    x = _x(a)
    assert ag.gradcheck(lambda t: GoodSin().apply(t), (x,)) is True
    assert ag.gradgradcheck(lambda t: GoodSin().apply(t), (x,)) is True


def test_gradcheck_accepts_a_single_tensor_and_several_outputs():
    x = _x([0.5, -1.0])
    assert ag.gradcheck(lambda t: (t.exp(), t * t), x)


def test_gradcheck_error_names_input_element_and_both_values():
    x = _x([[1.0, 2.0], [0.5, -1.5]])
    with pytest.raises(ag.GradcheckError) as info:
        ag.gradcheck(lambda t: WrongCube().apply(t), (x,))
    msg = str(info.value)
    assert isinstance(info.value, RuntimeError)
    assert "input 0" in msg and "element (0, 0)" in msg and "(2, 2)" in msg
    # at x = 1: analytical 2*1 = 2, numerical 3*1 = 3
    analytical, numerical = (float(v) for v in re.search(r"analytical (?:np\.float64\()?([-\d.e]+).*numerical (?:np\.float64\()?([-\d.e]+)", msg).groups())
    assert analytical == pytest.approx(2.0) and numerical == pytest.approx(3.0, rel=1e-6)


def test_gradcheck_names_the_right_input_of_several():
    a, b = _x([1.0, 2.0]), _x([3.0, 4.0])
    with pytest.raises(ag.GradcheckError, match=r"input 1 .*element \(0,\)"):
        ag.gradcheck(lambda x, y: TwoOutputsOneWrong().apply(x, y), (a, b))


def test_gradcheck_returns_false_without_raising():
    x = _x([1.0, 2.0])
    assert ag.gradcheck(lambda t: WrongCube().apply(t), (x,), raise_exception=False) is False


def test_gradcheck_skips_inputs_without_requires_grad():
    a, b = _x([1.0, 2.0]), ag.tensor([3.0, 4.0], dtype=ag.float64)  # b's wrong gradient is never asked for
    assert ag.gradcheck(lambda x, y: TwoOutputsOneWrong().apply(x, y), (a, b))


def test_gradcheck_requires_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="requires_grad"):
        ag.gradcheck(lambda t: t * 2, (ag.tensor([1.0]),))


def test_gradcheck_works_in_float64_for_float32_inputs():
    x = ag.tensor([0.3, 0.7], requires_grad=True)  # float32: finite differences would be too coarse
    assert ag.gradcheck(lambda t: t.exp() * t.sin(), (x,))
    assert x.dtype == ag.float32  # the caller's tensor is untouched


def test_gradgradcheck_catches_wrong_second_derivative():
    x = _x([1.0, -2.0])
    square = lambda t: BadSecondOrderSquare().apply(t)  # noqa: E731
    assert ag.gradcheck(square, (x,))  # first order is right
    with pytest.raises(ag.GradcheckError, match=r"gradgradcheck.*input 0"):
        ag.gradgradcheck(square, (x,))
    assert ag.gradgradcheck(square, (x,), raise_exception=False) is False


def test_gradgradcheck_passes_composite_functions():
    x, y = _x([0.4, -0.3, 1.2]), _x([1.1, 0.9, 2.0])
    assert ag.gradgradcheck(lambda a, b: (a * b).tanh().sum() + (a / b).exp().mean(), (x, y))


def test_jacobians_have_output_by_input_layout():
    x = _x([1.0, 2.0, 3.0])
    fn = lambda t: t[:2] * t[1:]  # noqa: E731  (2 outputs, 3 inputs)
    num = numerical_jacobian(fn, [x])[0][0]
    ana = analytical_jacobian(fn, [x])[0][0]
    expected = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 2.0]])
    np.testing.assert_allclose(ana, expected)
    np.testing.assert_allclose(num, expected, atol=1e-6)


# -- the public hypothesis strategies (autograd.testing) ------------------------------------------------------

from hypothesis import strategies as st  # noqa: E402

from autograd.testing import away_from_zero, broadcastable_shapes, positive, smooth_floats, tensors, unit_interval  # noqa: E402


@given(smooth_floats(-2.0, 2.0, avoid=(0.0, 1.0), margin=0.1), positive(), away_from_zero(), unit_interval())
def test_value_strategies_respect_their_domains(v, p, nz, u):
    assert -2.0 <= v <= 2.0 and abs(v) >= 0.1 - 1e-12 and abs(v - 1.0) >= 0.1 - 1e-12
    assert p >= 0.1 - 1e-12 and abs(nz) >= 0.1 - 1e-12 and 0.05 - 1e-12 <= u <= 0.95 + 1e-12


@given(broadcastable_shapes(3))
def test_broadcastable_shapes_broadcast(shps):
    assert len(shps) == 3
    np.broadcast_shapes(*shps)


@given(tensors(shape=st.just((2, 3)), dtype=np.float32, requires_grad=True), tensors(unique=True))
def test_tensors_strategy(t, u):
    assert t.shape == (2, 3) and t.dtype == np.float32 and t.requires_grad and t.is_leaf
    assert len(np.unique(u.numpy())) == u.numel()


def test_op_test_detects_a_wrong_reference():
    broken = ag.testing.op_test(ag.exp, lambda a: np.exp(a) + 1e-3)
    with pytest.raises(AssertionError):
        broken("numpy")


def test_op_test_detects_a_wrong_gradient():
    broken = ag.testing.op_test(lambda x: WrongCube().apply(x), lambda a: a ** 3, elements=positive(0.5, 2.0))
    with pytest.raises(ag.GradcheckError):
        broken("numpy")
