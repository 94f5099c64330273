"""autograd.dtypes: torch's type promotion, against a table made from torch and, when installed, torch itself."""
import ast
import json
import pathlib

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd.dtypes import promote_for_division, promote_types, result_type

TABLE = json.loads(pathlib.Path(__file__).with_name("promotion_table.json").read_text())
DTYPES = TABLE["dtypes"]
# numpy has no complex32 (torch's complex of float16); result_type widens it to complex64
TORCH_TO_NUMPY = {"complex32": "complex64"}


def operand(spec):
    """The numpy array or Python number a table spec [layout, name] stands for."""
    layout, name = spec
    if layout == "number":
        return ast.literal_eval(name)
    return np.ones((2,) if layout == "dim" else (), dtype=name)


def expected(torch_name):
    return np.dtype(TORCH_TO_NUMPY.get(torch_name, torch_name))


def mismatches(rows):
    bad = []
    for row in rows:
        got = result_type(operand(row["a"]), operand(row["b"]), default_float=np.dtype(row["default_float"]))
        if got != expected(row["result_type"]):
            bad.append(f"{row['a']} with {row['b']} (default {row['default_float']}): "
                       f"got {got}, torch {row['result_type']}")
    return bad


def layout_of(row):
    return tuple(row[k][0] for k in ("a", "b"))


LAYOUTS = sorted({layout_of(row) for row in TABLE["cases"]})


@pytest.mark.parametrize("layout", LAYOUTS, ids="x".join)
def test_result_type_matches_the_torch_table(layout):
    rows = [row for row in TABLE["cases"] if layout_of(row) == layout]
    assert rows
    bad = mismatches(rows)
    assert not bad, f"{len(bad)} of {len(rows)} cases differ:\n" + "\n".join(bad)


def test_table_records_that_torch_add_agrees_with_result_type():
    # The ops will use result_type for their output dtype; this is the table's evidence that add does too.
    assert all(row["add_agrees"] is not False for row in TABLE["cases"])
    assert sum(row["add"] is not None for row in TABLE["cases"]) > 700


def test_table_and_module_agree_with_live_torch():
    torch = pytest.importorskip("torch")
    import make_promotion_table

    live = make_promotion_table.cases(torch)
    bad = mismatches(live)
    assert not bad, "\n".join(bad)
    if torch.__version__ == TABLE["torch_version"]:
        assert live == TABLE["cases"], "promotion_table.json is stale: run tests/autograd/make_promotion_table.py"


# Examples named in the design, pinned so a reader sees the rules without the table.
@pytest.mark.parametrize("a, b, want", [
    (np.zeros(2, np.int64), 2.5, np.float32),
    (np.zeros(2, np.float16), np.ones((), np.float64), np.float16),
    (np.zeros(2, np.int32), np.zeros((), np.int64), np.int32),
    (np.zeros(2, np.uint8), np.zeros((), np.float64), np.float64),  # 0-d decides: no dimensioned float
    (np.zeros(2, np.uint8), np.zeros(2, np.int8), np.int16),
    (np.zeros(2, np.uint8), np.zeros((), np.int8), np.uint8),  # same category: the dimensioned one wins
    (np.zeros(2, np.uint8), -2, np.uint8),  # a number's value never matters
    (np.zeros(2, np.int64), np.zeros(2, np.float16), np.float16),  # numpy would say float64
    (np.zeros(2, np.float64), np.zeros((), np.complex64), np.complex128),  # complex keeps float64's precision
    (np.zeros(2, np.bool_), True, np.bool_),
    (np.zeros(2, np.bool_), 2, np.int64),
    (np.zeros((), np.bool_), 2.5, np.float32),
    (2, 2.5, np.float32),
])
def test_pinned_examples(a, b, want):
    assert result_type(a, b) == np.dtype(want)
    assert result_type(b, a) == np.dtype(want)


def test_numpy_scalars_count_as_numbers_of_their_kind():
    f32 = np.zeros(2, np.float32)
    assert result_type(f32, np.float64(2.0)) == np.float32
    assert result_type(np.zeros(2, np.int32), np.int64(2)) == np.int32
    assert result_type(np.zeros(2, np.uint8), np.float16(2)) == np.float32
    assert result_type(np.zeros(2, np.bool_), np.bool_(True)) == np.bool_  # torch 2.13 says float32 here
    assert result_type(f32, np.complex128(1j)) == np.complex64
    # a 0-d array is not a number: it outranks Python numbers
    assert result_type(np.zeros((), np.float64), 2.5) == np.float64


def test_default_float_decides_python_floats_and_complex():
    i = np.zeros(2, np.int64)
    assert result_type(i, 2.5, default_float=np.float64) == np.float64
    assert result_type(i, 2.5, default_float="float16") == np.float16
    assert result_type(i, 2j, default_float=np.float64) == np.complex128
    assert result_type(np.zeros(2, np.float32), 2.5, default_float=np.float64) == np.float32
    with pytest.raises(TypeError, match="default_float"):
        result_type(i, 2.5, default_float=np.int32)


def test_one_and_many_operands():
    assert result_type(np.zeros(2, np.int8)) == np.int8
    assert result_type(2.5) == np.float32
    assert result_type(np.zeros(2, np.int8), np.zeros((), np.int64), 2.5, np.zeros(3, np.int16)) == np.float32
    assert result_type(np.zeros(2, np.int8), np.zeros((), np.float64), np.zeros(2, np.float16)) == np.float16


def test_byte_order_is_ignored():
    big = np.zeros(2, ">f4")
    assert result_type(big, np.zeros(2, np.float32)) == np.float32
    assert result_type(big, np.zeros(2, np.float64)) == np.float64


def test_errors_name_the_op_and_the_problem():
    with pytest.raises(TypeError, match="at least one operand"):
        result_type()
    with pytest.raises(TypeError, match="list"):
        result_type(np.zeros(2), [1.0])
    with pytest.raises(TypeError, match="unsupported dtype object"):
        result_type(np.zeros(2, object), 1)
    with pytest.raises(TypeError, match="unsupported dtype <U1"):
        result_type(np.zeros(2, "U1"), 1.0)
    # uint16/32/64 are torch storage types: fine alone or with floats, refused with other integers
    u16 = np.zeros(2, np.uint16)
    assert result_type(u16, u16) == np.uint16 and result_type(u16, 2) == np.uint16
    assert result_type(u16, np.zeros(2, np.float32)) == np.float32
    for _ in range(2):  # the refusal is not cached as an answer
        with pytest.raises(RuntimeError, match="uint16"):
            result_type(u16, np.zeros(2, np.int32))


def test_promote_types_is_torchs_not_numpys():
    assert promote_types(np.int64, np.float16) == np.float16
    assert promote_types("uint8", "int8") == np.int16
    assert promote_types(np.bool_, np.uint8) == np.uint8
    assert promote_types(np.float64, np.complex64) == np.complex128


def test_division_and_float_functions_of_integers_give_the_default_float():
    assert promote_for_division(result_type(np.zeros(2, np.int32), np.zeros(2, np.int32))) == np.float32
    assert promote_for_division(np.int64, default_float=np.float64) == np.float64
    assert promote_for_division(np.bool_) == np.float32
    for kept in (np.float16, np.float32, np.float64, np.complex64):
        assert promote_for_division(kept, default_float=np.float64) == kept


def test_division_rule_matches_torch():
    torch = pytest.importorskip("torch")
    before = torch.get_default_dtype()
    try:
        for default in (torch.float32, torch.float64):
            torch.set_default_dtype(default)
            want = np.dtype(str(default).removeprefix("torch."))
            for name in ("bool", "uint8", "int32", "int64", "float16", "float64"):
                t = torch.ones(2, dtype=getattr(torch, name))
                got = promote_for_division(name, default_float=want)
                for op in ((t / t), torch.exp(t), torch.sqrt(t), torch.sigmoid(t)):
                    assert str(op.dtype).removeprefix("torch.") == str(got), (name, default)
    finally:
        torch.set_default_dtype(before)


# Random operand lists: [layout, name] as in the table.
specs = st.one_of(
    st.tuples(st.sampled_from(["dim", "0d"]), st.sampled_from(DTYPES)).map(list),
    st.tuples(st.just("number"), st.sampled_from(TABLE["numbers"])).map(list),
)


@given(st.lists(specs, min_size=1, max_size=4), st.sampled_from([np.float32, np.float64]), st.randoms())
def test_order_and_repeats_do_not_matter(ops, default, rnd):
    # Also checks that the two-operand fast paths agree with the general path (three or more operands).
    arrays = [operand(s) for s in ops]
    want = result_type(*arrays, default_float=default)
    shuffled = list(arrays)
    rnd.shuffle(shuffled)
    assert result_type(*shuffled, default_float=default) == want
    assert result_type(*(arrays + arrays), default_float=default) == want


@given(st.lists(st.tuples(st.sampled_from(["dim", "0d"]), st.sampled_from(DTYPES)).map(list),
                min_size=3, max_size=3))
def test_three_tensors_match_torch_addcmul(ops):
    torch = pytest.importorskip("torch")
    import make_promotion_table

    # addcmul promotes all three inputs in one TensorIterator, the n-ary case torch.result_type can't show
    assume(not all(name == "bool" for _, name in ops))  # addcmul has no bool kernel
    tensors = [make_promotion_table.torch_operand(torch, s) for s in ops]
    try:
        out = torch.addcmul(*tensors).dtype
    except (RuntimeError, NotImplementedError):
        assume(False)  # e.g. a kernel missing for some mixes on CPU
    want = str(out).removeprefix("torch.")
    assert result_type(*[operand(s) for s in ops]) == expected(want)
