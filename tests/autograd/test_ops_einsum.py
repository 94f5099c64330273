"""einsum (autograd/ops/einsum.py): parsing, diagonals, ellipsis, implicit output, broadcasting, gradients."""
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import autograd as ag
from autograd.testing import op_test
from engine_helpers import check_op, leaf

torch = pytest.importorskip("torch")


def _sized(*terms):
    """A strategy of operand shapes for ``terms``: one size (1 to 3) per letter."""
    letters = sorted(set("".join(terms)))
    return st.lists(st.integers(1, 3), min_size=len(letters), max_size=len(letters)).map(
        lambda ns: tuple(tuple(dict(zip(letters, ns))[c] for c in t) for t in terms))


def _einsum_test(equation, *terms):
    return op_test(lambda *xs: ag.einsum(equation, *xs), lambda *xs: np.einsum(equation, *xs),
                   arity=len(terms), shapes=_sized(*terms))


test_einsum_matmul = _einsum_test("ij,jk->ik", "ij", "jk")
test_einsum_trace = _einsum_test("ii", "ii")
test_einsum_diagonal = _einsum_test("ii->i", "ii")
test_einsum_repeated_and_summed = _einsum_test("iij,jk->k", "iij", "jk")
test_einsum_implicit_outer = _einsum_test("ba,c", "ba", "c")
test_einsum_three_operands = _einsum_test("ijk,jl,lm->mi", "ijk", "jl", "lm")
test_einsum_summed_on_one_operand_only = _einsum_test("ij,j->j", "ij", "j")


@st.composite
def equations(draw):
    """A random einsum: its equation and operand shapes (repeated letters, ellipsis, implicit output...)."""
    letters = draw(st.lists(st.sampled_from("abcdXY"), min_size=1, max_size=4, unique=True))
    sizes = {c: draw(st.integers(1, 3)) for c in letters}
    batch = tuple(draw(st.lists(st.integers(1, 2), max_size=2)))
    terms, shapes = [], []
    for _ in range(draw(st.integers(1, 3))):
        term = "".join(draw(st.lists(st.sampled_from(letters), max_size=3)))
        shape = tuple(sizes[c] for c in term)
        if batch and draw(st.booleans()):
            cut = draw(st.integers(0, len(term)))
            covered = batch[draw(st.integers(0, len(batch))):]
            term, shape = term[:cut] + "..." + term[cut:], shape[:cut] + covered + shape[cut:]
        terms.append(term)
        shapes.append(shape)
    equation = ",".join(terms)
    if draw(st.booleans()):
        used = sorted(set(equation) - set(",."))
        out = "".join(draw(st.permutations(used))[:draw(st.integers(0, len(used)))])
        if "..." in equation and draw(st.booleans()):
            out = "..." + out
        equation += "->" + out
    return equation, shapes


@given(equations(), st.data())
def test_random_equations_against_numpy_with_gradients(case, data):
    equation, shapes = case
    arrays = [data.draw(st.lists(st.integers(-20, 20), min_size=int(np.prod(s)), max_size=int(np.prod(s))))
              for s in shapes]
    arrays = [np.array(a, dtype=np.float64).reshape(s) / 10 for a, s in zip(arrays, shapes)]
    try:
        expected = np.einsum(equation, *arrays)
    except ValueError:  # numpy refuses to sum ellipsis dims away ('...->'); torch and we do (the torch test)
        assume(False)
    check_op(lambda *xs: ag.einsum(equation, *xs), arrays, lambda *xs: expected)


@given(equations())
def test_random_equations_match_torch_values_and_gradients(case):
    equation, shapes = case
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    xs = [leaf(a) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = ag.einsum(equation, *xs), torch.einsum(equation, *ts)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    w = rng.standard_normal(out.shape)
    (out * ag.tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    for x, t in zip(xs, ts):
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("equation, shapes", [
    ("i,i->i", [(3,), (1,)]), ("ij,jk", [(1, 4), (4, 2)]), ("...j,...j->...", [(2, 1, 3), (4, 3)]),
    ("ii,i->i", [(1, 1), (3,)]), ("bij,bjk->bik", [(1, 2, 3), (4, 3, 2)]),
])
def test_size_one_dims_broadcast_as_torch(equation, shapes):
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(s) for s in shapes]
    xs, ts = [leaf(a) for a in arrays], [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = ag.einsum(equation, *xs), torch.einsum(equation, *ts)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-12)
    out.sum().backward()
    ref.sum().backward()
    for x, t in zip(xs, ts):
        assert x.grad.shape == x.shape
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12)
    check_op(lambda *a: ag.einsum(equation, *a), arrays, lambda *a: ref.detach().numpy())


def test_forms_and_implicit_output():
    a, b = ag.tensor([[1.0, 2.0], [3.0, 4.0]]), ag.tensor([1.0, -1.0])
    np.testing.assert_array_equal(ag.einsum("ij,j->i", [a, b]).numpy(), [-1.0, -1.0])  # the list form
    assert ag.einsum("ii", a).item() == 5.0 and ag.einsum("ii->i", a).tolist() == [1.0, 4.0]
    assert ag.einsum(" i j -> j i ", a).tolist() == [[1.0, 3.0], [2.0, 4.0]]
    assert ag.einsum("ba", ag.zeros(2, 3)).shape == (3, 2)  # implicit: alphabetical
    assert ag.einsum("bA,Ba", ag.zeros(2, 3), ag.zeros(4, 5)).shape == (3, 4, 5, 2)  # uppercase first, as torch
    assert ag.einsum("a...", ag.zeros(2, 3, 4)).shape == (3, 4, 2)  # ellipsis dims first
    assert ag.einsum("i->...", b).shape == () and ag.einsum("", ag.tensor(2.0)).item() == 2.0
    assert ag.einsum("i,i", ag.tensor([1, 2]), ag.tensor([3, 4])).item() == 11  # integers work, without grad


@pytest.mark.parametrize("equation, shapes, match", [
    ("i,i", [(3,), (4,)], "subscript i has size 4 for operand 1"),
    ("ij", [(3,)], r"number of subscripts in the equation \(2\) does not match the number of dimensions \(1\)"),
    ("ij...", [(3,)], "more than the number of dimensions"),
    ("i->ii", [(3,)], "output subscript i appears more than once"),
    ("i->j", [(3,)], "output subscript j does not appear"),
    ("i1", [(3,)], "invalid subscript given at index 1"),
    ("ii", [(1, 3)], "subscript i is repeated for operand 0 but the sizes don't match, 1 != 3"),
    ("i,j", [(3,)], "fewer operands"),
    ("i", [(3,), (3,)], "more operands"),
    ("..i", [(3,)], "not part of any ellipsis"),
    ("i->i->i", [(3,)], "'->' must appear at most once"),
    ("i,i->i,i", [(3,), (3,)], "one output term"),
    ("...,...", [(2, 3), (4, 3)], "does not broadcast"),
])
def test_bad_equations_raise_runtime_error_naming_einsum_and_shapes(equation, shapes, match):
    with pytest.raises(RuntimeError, match=match) as info:
        ag.einsum(equation, *(ag.zeros(*s) for s in shapes))
    assert str(info.value).startswith("einsum(): ") and str(tuple(shapes[0])) in str(info.value)


def test_bad_arguments():
    with pytest.raises(RuntimeError, match="same dtype"):
        ag.einsum("i,i", ag.zeros(2), ag.zeros(2, dtype=ag.float64))
    with pytest.raises(TypeError, match="operand 1 must be a Tensor"):
        ag.einsum("i,i", ag.zeros(2), [1.0, 2.0])
    with pytest.raises(TypeError, match="equation"):
        ag.einsum(ag.zeros(2), "i")
    with pytest.raises(RuntimeError, match="at least one operand"):
        ag.einsum("i")


def test_third_order_through_a_diagonal():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    y = (ag.einsum("ii->i", x) ** 3).sum()
    g, = ag.grad(y, x, create_graph=True)
    gg, = ag.grad(g.sum(), x, create_graph=True)
    ggg, = ag.grad(gg.sum(), x)
    np.testing.assert_array_equal(g.numpy(), [[3.0, 0.0], [0.0, 48.0]])
    np.testing.assert_array_equal(gg.numpy(), [[6.0, 0.0], [0.0, 24.0]])
    np.testing.assert_array_equal(ggg.numpy(), [[6.0, 0.0], [0.0, 6.0]])
