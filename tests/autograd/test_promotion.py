"""Type promotion as PyTorch: every binary op over {bool, uint8, int32, int64, float16, float32, float64} x the
same, as dimensioned and 0-d tensors and with Python numbers, gives torch's result dtype (or torch's error).

Compared live with torch when it is installed, and always with the checked-in table torch produced
(``make_promotion_ops_table.py`` regenerates it).
"""
import json
import warnings

import numpy as np
import pytest

import autograd as ag
from make_promotion_ops_table import PATH, table

TABLE = json.loads(PATH.read_text())


@pytest.fixture(scope="module")
def ours():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return table(ag)


def test_every_binary_op_promotes_as_the_checked_in_table(ours):
    assert len(TABLE) > 2000
    wrong = {k: (v, ours.get(k)) for k, v in TABLE.items() if ours.get(k) != v}
    assert not wrong, f"{len(wrong)} cases differ from torch's table (expected, got): {dict(list(wrong.items())[:10])}"


def test_every_binary_op_promotes_as_torch_live(ours):
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = table(torch)
    wrong = {k: (v, ours.get(k)) for k, v in theirs.items() if ours.get(k) != v}
    assert not wrong, f"{len(wrong)} cases differ from torch (expected, got): {dict(list(wrong.items())[:10])}"


@pytest.mark.parametrize("fn", [ag.exp, ag.log, ag.sqrt, ag.sigmoid, ag.tanh, ag.sin, ag.cos, ag.log1p])
def test_float_functions_of_integers_give_the_default_float(fn):
    assert fn(ag.tensor([1, 2])).dtype == np.float32
    ag.set_default_dtype(np.float64)
    try:
        assert fn(ag.tensor([1, 2])).dtype == np.float64
    finally:
        ag.set_default_dtype(np.float32)


def test_promotions_the_issue_names():
    assert (ag.tensor([[1, 2]]) + ag.zeros(1, 2)).dtype == np.float32
    assert (ag.tensor([1, 2]) / ag.tensor([2, 4])).dtype == np.float32
    assert (ag.tensor(2.0, dtype=ag.float64) * ag.ones(3)).dtype == np.float32  # 0-d never widens
    assert ag.where(ag.tensor([True, False]), ag.tensor([1, 2]), 0.5).dtype == np.float32
    assert ag.clamp(ag.tensor([1, 2, 3]), min=1.5).dtype == np.float32
    assert ag.cat([ag.tensor([1, 2]), ag.ones(2)]).dtype == np.float32
    assert ag.stack([ag.ones(1), ag.ones(1, dtype=ag.float64)]).dtype == np.float64
    lin = ag.ones(3, 2)
    assert (ag.tensor([[1, 2, 3]]) * 1.0 @ lin).dtype == np.float32  # then feeds a float32 layer


def test_mixed_float_dtypes_in_matmul_raise_as_torch():
    with pytest.raises(RuntimeError, match="matmul.*same dtype"):
        ag.ones(2, 2) @ ag.ones(2, 2, dtype=ag.float64)
