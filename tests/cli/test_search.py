"""scratchgrad.search.random_search: log-uniform sampling, range narrowing, any Executor, determinism."""
import concurrent.futures
import math

import numpy as np
import pytest

from scratchgrad.search import narrow, random_search, sample_log_uniform

SPACE = {"lr": (1e-6, 1e-2), "weight_decay": (1e-8, 1e-4)}


def peaked(params):
    """A stand-in for validation accuracy, best at lr 1e-3 (and better with small weight decay)."""
    return {"val_acc": math.exp(-(math.log10(params["lr"]) + 3) ** 2) - 0.01 * math.log10(params["weight_decay"]) / 8,
            "seed": params["seed"]}


def test_samples_stay_in_range_and_cover_decades():
    pts = sample_log_uniform(SPACE, 400, np.random.default_rng(0))
    lrs = np.log10([p["lr"] for p in pts])
    assert lrs.min() >= -6 and lrs.max() <= -2
    assert np.histogram(lrs, bins=4, range=(-6, -2))[0].min() > 60  # uniform in the exponent


def test_narrow_spans_the_best_and_stays_inside():
    best = [{"params": {"lr": 1e-3, "weight_decay": 1e-6}}, {"params": {"lr": 4e-3, "weight_decay": 1e-7}}]
    space = narrow(SPACE, best, margin=0.1)
    assert 1e-4 < space["lr"][0] < 1e-3 and 4e-3 < space["lr"][1] < 1e-2
    assert narrow(SPACE, [{"params": {"lr": 1e-2, "weight_decay": 1e-8}}])["lr"][1] == 1e-2


def test_search_narrows_and_improves():
    result = random_search(peaked, SPACE, trials_per_round=12, rounds=2, top_k=3, workers=1, seed=1)
    assert len(result["trials"]) == 24
    r1 = [t["score"] for t in result["trials"] if t["round"] == 1]
    r2 = [t["score"] for t in result["trials"] if t["round"] == 2]
    assert np.mean(r2) > np.mean(r1)
    lo, hi = result["rounds"][1]["space"]["lr"]
    assert lo > 1e-6 and hi <= 1e-2 and hi / lo < 1e4  # narrower than the first round's four decades
    assert result["best"]["score"] == max(t["score"] for t in result["trials"])
    assert len({t["params"]["seed"] for t in result["trials"]}) == 24


def test_any_executor_gives_the_same_results():
    inline = random_search(peaked, SPACE, trials_per_round=6, rounds=2, workers=1, seed=5)
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        threaded = random_search(peaked, SPACE, trials_per_round=6, rounds=2, executor=pool, seed=5)
    processes = random_search(peaked, SPACE, trials_per_round=6, rounds=2, workers=2, seed=5)
    scores = [[t["score"] for t in r["trials"]] for r in (inline, threaded, processes)]
    assert scores[0] == scores[1] == scores[2]


def test_minimize_and_plain_float_objective():
    result = random_search(lambda p: math.log10(p["lr"]), {"lr": (1e-5, 1.0)}, trials_per_round=8, rounds=1,
                           score="loss", maximize=False, workers=1)
    assert result["best"]["score"] == min(t["score"] for t in result["trials"])


@pytest.mark.parametrize("space", [{}, {"lr": (0.0, 1.0)}, {"lr": (1e-2, 1e-3)}, {"lr": (1e-3,)}])
def test_bad_space(space):
    with pytest.raises(ValueError, match="random_search"):
        random_search(peaked, space, workers=1)


def test_missing_score_key():
    with pytest.raises(KeyError, match="val_acc"):
        random_search(lambda p: {"acc": 1.0}, SPACE, trials_per_round=1, rounds=1, workers=1)
