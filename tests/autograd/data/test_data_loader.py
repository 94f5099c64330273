"""Dataset classes, default_collate and DataLoader semantics."""
import collections

import numpy as np
import pytest
from hypothesis import given, strategies as st

import autograd as ag
from autograd.data import (ConcatDataset, DataLoader, Dataset, Subset, TensorDataset, default_collate,
                           random_split)


def index_dataset(n):
    """Sample i is (i as a float vector, i as label), so batches reveal which samples they hold."""
    return TensorDataset(np.arange(n, dtype=np.float32)[:, None].repeat(3, 1), np.arange(n, dtype=np.int64))


class ListDataset(Dataset):
    """A dataset without get_batch: exercises the per-sample path."""

    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        return np.full(2, i, np.float32), int(i)

    def __len__(self):
        return self.n


def seen(loader):
    return [int(v) for _, t in loader for v in t.numpy()]


# -- datasets ---------------------------------------------------------------------------------------------

def test_tensor_dataset_items_and_sizes():
    ds = TensorDataset(ag.arange(5.0), np.arange(5) * 2)
    assert len(ds) == 5
    x, t = ds[3]
    assert isinstance(x, ag.Tensor) and isinstance(t, ag.Tensor)
    assert x.item() == 3.0 and t.item() == 6 and t.dtype == np.int64
    assert isinstance(ds.tensors[0], ag.Tensor)


def test_tensor_dataset_size_mismatch_names_sizes():
    with pytest.raises(ValueError, match=r"\[4, 5\]"):
        TensorDataset(np.zeros((4, 2)), np.zeros(5))
    with pytest.raises(ValueError):
        TensorDataset()


def test_subset_and_concat():
    ds = index_dataset(10)
    sub = Subset(ds, [7, 2, 5])
    assert len(sub) == 3 and int(sub[0][1].item()) == 7 and int(sub[-1][1].item()) == 5
    both = ConcatDataset([sub, index_dataset(4)])
    assert len(both) == 7 and int(both[3][1].item()) == 0 and int(both[-1][1].item()) == 3
    with pytest.raises(IndexError):
        both[7]
    assert len(sub + sub) == 6


@pytest.mark.parametrize("lengths, sizes", [([3, 7], [3, 7]), ([0.3, 0.7], [3, 7]), ([0.25, 0.25, 0.5], [3, 2, 5]),
                                            ([1.0], [10])])
def test_random_split_sizes_and_disjoint(lengths, sizes):
    # fractions: floor(n * f) each, the remainder handed out round-robin from the first split (as torch)
    parts = random_split(index_dataset(10), lengths, seed=0)
    assert [len(p) for p in parts] == sizes
    idx = [i for p in parts for i in p.indices]
    assert sorted(idx) == list(range(10))


def test_random_split_reproducible_and_global_rng():
    a = random_split(index_dataset(50), [25, 25], seed=3)[0].indices
    assert a == random_split(index_dataset(50), [25, 25], seed=3)[0].indices
    assert a != random_split(index_dataset(50), [25, 25], seed=4)[0].indices
    ag.manual_seed(1)
    b = random_split(index_dataset(50), [25, 25])[0].indices
    ag.manual_seed(1)
    assert b == random_split(index_dataset(50), [25, 25])[0].indices


def test_random_split_bad_lengths():
    with pytest.raises(ValueError, match="does not equal"):
        random_split(index_dataset(10), [3, 3])
    with pytest.raises(ValueError):
        random_split(index_dataset(10), [0.5, 0.2])
    with pytest.raises(ValueError):
        random_split(index_dataset(10), [-1, 11])


# -- collate ----------------------------------------------------------------------------------------------

def test_default_collate_structures():
    Pair = collections.namedtuple("Pair", "a b")
    batch = [(np.ones((2, 3), np.float32), 1, 0.5, "s", {"k": ag.tensor([1.0])}, Pair(1, 2)) for _ in range(4)]
    x, t, f, s, d, p = default_collate(batch)
    assert isinstance(x, ag.Tensor) and x.shape == (4, 2, 3) and x.dtype == np.float32
    assert t.dtype == np.int64 and t.shape == (4,)
    assert f.dtype == np.float32
    assert s == ["s"] * 4
    assert d["k"].shape == (4, 1)
    assert isinstance(p, Pair) and p.a.dtype == np.int64
    assert not x.requires_grad


def test_default_collate_shape_mismatch():
    with pytest.raises(RuntimeError, match=r"\[2\] at entry 0 and \[3\] at entry 1"):
        default_collate([np.zeros(2), np.zeros(3)])


# -- loader -----------------------------------------------------------------------------------------------

@given(n=st.integers(0, 40), bs=st.integers(1, 12), shuffle=st.booleans(), drop_last=st.booleans(),
       fast=st.booleans(), seed=st.integers(0, 2**31))
def test_every_sample_once_per_epoch(n, bs, shuffle, drop_last, fast, seed):
    ds = index_dataset(n) if fast else ListDataset(n)
    loader = DataLoader(ds, batch_size=bs, shuffle=shuffle, drop_last=drop_last, seed=seed)
    expected_len = n // bs if drop_last else -(-n // bs)
    assert len(loader) == expected_len
    for _ in range(2):
        batches = list(loader)
        assert len(batches) == expected_len
        got = [int(v) for _, t in batches for v in t.numpy()]
        assert len(got) == len(set(got))  # never twice
        if drop_last:
            assert len(got) == (n // bs) * bs and all(len(t.numpy()) == bs for _, t in batches)
        else:
            assert sorted(got) == list(range(n))
        if not shuffle:
            assert got == sorted(got)


def test_batch_types_and_dtypes_fast_and_slow_agree():
    fast = DataLoader(index_dataset(10), batch_size=4)
    slow = DataLoader(ListDataset(10), batch_size=4)
    x, t = next(iter(fast))
    assert isinstance(x, ag.Tensor) and x.shape == (4, 3) and x.dtype == np.float32
    assert isinstance(t, ag.Tensor) and t.dtype == np.int64 and t.shape == (4,)
    xs, ts = next(iter(slow))
    assert xs.shape == (4, 2) and xs.dtype == np.float32 and ts.dtype == np.int64
    np.testing.assert_array_equal(ts.numpy(), t.numpy())
    last = list(fast)[-1]
    assert last[0].shape == (2, 3)


def test_shuffle_reproducible_from_seed_and_differs_across_epochs():
    a = DataLoader(index_dataset(100), batch_size=10, shuffle=True, seed=7)
    b = DataLoader(index_dataset(100), batch_size=10, shuffle=True, seed=7)
    e0, e1 = seen(a), seen(a)
    assert e0 == seen(b) and e1 == seen(b)
    assert e0 != e1
    assert e0 != sorted(e0)
    c = DataLoader(index_dataset(100), batch_size=10, shuffle=True, seed=8)
    assert seen(c) != e0


def test_seed_none_uses_global_generator():
    loader = DataLoader(index_dataset(50), batch_size=5, shuffle=True)
    ag.manual_seed(11)
    first = seen(loader)
    ag.manual_seed(11)
    assert seen(loader) == first
    state = ag.get_rng_state()
    nxt = seen(loader)
    ag.set_rng_state(state)
    assert seen(loader) == nxt


def test_resume_sees_the_same_shuffles():
    full = DataLoader(index_dataset(30), batch_size=4, shuffle=True, seed=5)
    epochs = [seen(full) for _ in range(4)]
    part = DataLoader(index_dataset(30), batch_size=4, shuffle=True, seed=5)
    seen(part), seen(part)
    state = part.state_dict()
    assert state["epoch"] == 2
    resumed = DataLoader(index_dataset(30), batch_size=4, shuffle=True, seed=5)
    resumed.load_state_dict(state)
    assert [seen(resumed), seen(resumed)] == epochs[2:]
    resumed.set_epoch(1)
    assert seen(resumed) == epochs[1]
    assert resumed.epoch == 2
    with pytest.raises(ValueError, match="seed"):
        DataLoader(index_dataset(30), seed=6).load_state_dict(state)


def test_epoch_advances_when_iteration_starts():
    loader = DataLoader(index_dataset(10), batch_size=3, shuffle=True, seed=0)
    it = iter(loader)
    assert loader.epoch == 1 and len(it) == 4
    next(it)
    assert len(it) == 3


def test_custom_collate_fn():
    loader = DataLoader(index_dataset(6), batch_size=4, collate_fn=lambda samples: len(samples))
    assert list(loader) == [4, 2]


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, None])
def test_bad_batch_size(bad):
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(index_dataset(3), batch_size=bad)


def test_num_workers_loads_in_process_with_the_same_batches():
    data = index_dataset(10)
    plain = [t.numpy().tolist() for _, t in DataLoader(data, batch_size=3, shuffle=True, seed=1)]
    loader = DataLoader(data, batch_size=3, shuffle=True, seed=1, num_workers=4)
    assert loader.num_workers == 4 and [t.numpy().tolist() for _, t in loader] == plain
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="num_workers"):
            DataLoader(data, num_workers=bad)


def test_pin_memory_warns_without_an_accelerator_as_torch():
    with pytest.warns(UserWarning, match="no accelerator is found"):
        loader = DataLoader(index_dataset(4), batch_size=2, pin_memory=True)
    assert len(list(loader)) == 2


def test_negative_num_workers_is_a_value_error_in_torch_too():
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError):
        torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.ones(2)), num_workers=-1)
