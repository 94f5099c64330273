"""autograd.random: Generator against torch.Generator, ``generator=`` on the random functions, per-thread defaults."""
import concurrent.futures
import copy
import pickle

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from autograd.data import DataLoader, TensorDataset, random_split
from nn import init

torch = pytest.importorskip("torch")


def test_a_new_generator_starts_from_torchs_default_seed():
    assert ag.Generator().initial_seed() == torch.Generator().initial_seed()
    assert ag.Generator().device == ag.device("cpu") and str(ag.Generator().device) == str(torch.Generator().device)
    assert ag.rand(5, generator=ag.Generator()).tolist() == ag.rand(5, generator=ag.Generator()).tolist()


@pytest.mark.parametrize("seed", [0, 5, -1, -(2 ** 63), 2 ** 64 - 1])
def test_manual_seed_returns_the_generator_and_maps_seeds_as_torch(seed):
    ours, theirs = ag.Generator(), torch.Generator()
    assert ours.manual_seed(seed) is ours and theirs.manual_seed(seed) is theirs
    assert ours.initial_seed() == theirs.initial_seed()


@pytest.mark.parametrize("seed", [2 ** 64, -(2 ** 63) - 1, 1.5, "3", True, None])
def test_bad_seeds_raise_as_torch(seed):
    with pytest.raises((RuntimeError, ValueError)) as theirs:
        torch.Generator().manual_seed(seed)
    with pytest.raises(theirs.type, match="manual_seed"):
        ag.Generator().manual_seed(seed)


def test_seed_state_and_copies():
    g = ag.Generator()
    first = g.seed()
    assert isinstance(first, int) and first == g.initial_seed() and 0 <= first < 2 ** 64
    assert g.seed() != first
    state = g.get_state()
    drawn = ag.randn(4, generator=g).tolist()
    assert g.set_state(state) is g
    assert ag.randn(4, generator=g).tolist() == drawn
    for twin in (copy.deepcopy(g), pickle.loads(pickle.dumps(g))):  # what a worker process receives
        assert ag.rand(3, generator=twin).tolist() == ag.rand(3, generator=copy.deepcopy(g)).tolist()
    with pytest.raises(TypeError, match="set_state"):
        g.set_state(5)
    with pytest.raises(RuntimeError, match="Generator"):  # unavailable here, and CPU-only where CuPy is
        ag.Generator(device="cuda")


def test_module_functions_seed_the_default_generator_as_torch():
    assert ag.manual_seed(3) is ag.default_generator and torch.manual_seed(3) is torch.default_generator
    assert ag.initial_seed() == 3
    drawn = ag.rand(3).tolist()
    ag.manual_seed(3)
    assert ag.rand(3).tolist() == drawn
    assert ag.seed() == ag.initial_seed()


@pytest.mark.parametrize("draw", [
    lambda g: ag.rand(2, 3, generator=g), lambda g: ag.randn(4, generator=g, dtype=ag.float64),
    lambda g: ag.randint(0, 100, (5,), generator=g), lambda g: ag.randint(7, size=(3,), generator=g),
    lambda g: ag.rand_like(ag.zeros(3), generator=g), lambda g: ag.randn_like(ag.zeros(2, 2), generator=g),
])
def test_generator_keyword_gives_a_private_stream(draw):
    ag.manual_seed(0)
    default_next = ag.rand(4).tolist()
    ag.manual_seed(0)
    a, b = draw(ag.Generator().manual_seed(9)), draw(ag.Generator().manual_seed(9))
    assert a.tolist() == b.tolist()
    assert ag.rand(4).tolist() == default_next  # the default stream was not touched


@pytest.mark.parametrize("name, args", [("rand", (2,)), ("randn", (2,)), ("randint", (0, 5, (2,))),
                                        ("rand_like", "like"), ("randn_like", "like")])
def test_generator_of_the_wrong_type_is_a_type_error_as_torch(name, args):
    ours = ((ag.zeros(2),) if args == "like" else args)
    theirs = ((torch.zeros(2),) if args == "like" else args)
    getattr(torch, name)(*theirs, generator=torch.Generator())  # torch has the keyword too
    with pytest.raises(TypeError):
        getattr(torch, name)(*theirs, generator=5)
    with pytest.raises(TypeError, match=rf"{name}\(\): argument 'generator' must be autograd.Generator, not int"):
        getattr(ag, name)(*ours, generator=5)


def test_use_generator_is_per_thread_and_restored():
    def work(seed):
        with ag.random.use_generator(ag.Generator().manual_seed(seed)) as g:
            assert ag.random.current_generator() is g
            ag.manual_seed(seed)  # seeds the thread's generator, not the process-wide one
            out = []
            for _ in range(20):
                out.append(ag.rand(50).tolist())
            return out

    alone = [work(s) for s in range(4)]
    ag.manual_seed(1)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        together = list(pool.map(work, range(4)))
    assert together == alone
    assert ag.default_generator.initial_seed() == 1 and ag.random.current_generator() is ag.default_generator
    with pytest.raises(ZeroDivisionError), ag.random.use_generator(ag.Generator()):
        raise ZeroDivisionError
    assert ag.random.current_generator() is ag.default_generator
    with pytest.raises(TypeError, match="use_generator"), ag.random.use_generator(np.random.default_rng(0)):
        pass


def test_init_dropout_and_loaders_draw_from_the_thread_generator():
    def draws(seed):
        with ag.random.use_generator(ag.Generator().manual_seed(seed)):
            w = init.kaiming_normal_(ag.empty(4, 6)).numpy().copy()
            d = F.dropout(ag.ones(10), 0.5).numpy().copy()
            loader = DataLoader(TensorDataset(np.arange(10)), batch_size=10, shuffle=True)
            (order,) = next(iter(loader))
            split = random_split(TensorDataset(np.arange(10)), [5, 5])[0].indices
        return w, d, order.numpy(), split

    for a, b in zip(draws(4), draws(4)):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(draws(4)[0], draws(5)[0])


def test_init_and_loaders_take_a_generator():
    a, b = ag.empty(5, 5), ag.empty(5, 5)
    init.orthogonal_(a, generator=ag.Generator().manual_seed(2))
    init.orthogonal_(b, generator=ag.Generator().manual_seed(2))
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    data = TensorDataset(np.arange(20))
    def order():
        loader = DataLoader(data, batch_size=20, shuffle=True, generator=ag.Generator().manual_seed(3))
        return [int(x) for (xb,) in loader for x in xb.numpy()]

    orders = [order(), order()]
    assert orders[0] == orders[1] and orders[0] != list(range(20))
    halves = [random_split(data, [0.5, 0.5], generator=ag.Generator().manual_seed(3))[0].indices for _ in range(2)]
    assert halves[0] == halves[1]
    with pytest.raises(ValueError, match="seed or generator"):
        DataLoader(data, shuffle=True, seed=1, generator=ag.Generator())
    with pytest.raises(TypeError, match="DataLoader: generator must be an autograd.Generator"):
        DataLoader(data, shuffle=True, generator=3)
    with pytest.raises(ValueError, match="seed or generator"):
        random_split(data, [10, 10], seed=1, generator=ag.Generator())
    with pytest.raises(TypeError, match="random_split: generator"):
        random_split(data, [10, 10], generator=np.random.default_rng(0))
    with pytest.raises(TypeError, match="nn.init"):
        init.uniform_(a, generator=7)


def test_a_model_built_under_a_thread_generator_is_reproducible():
    def build(seed):
        with ag.random.use_generator(ag.Generator().manual_seed(seed)):
            return [p.numpy().copy() for p in nn.models.MLP(8, (6,), 3).parameters()]

    for a, b in zip(build(1), build(1)):
        np.testing.assert_array_equal(a, b)
