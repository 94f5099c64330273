"""scratchgrad.search: sampling, narrowing, the same results on every executor, failures, BLAS caps, Optuna, Ray."""
import concurrent.futures
import importlib.util
import json
import math
import os
import time
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
import optim
from autograd.data import DataLoader, TensorDataset
from scratchgrad.cli import main
from scratchgrad.executors import RayExecutor, open_executor
from scratchgrad.search import narrow, random_search, sample_log_uniform

SPACE = {"lr": (1e-6, 1e-2), "weight_decay": (1e-8, 1e-4)}
requires_optuna = pytest.mark.skipif(importlib.util.find_spec("optuna") is None, reason="optuna is not installed")
requires_ray = pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="ray is not installed")


def peaked(params):
    """A stand-in for validation accuracy, best at lr 1e-3 (and better with small weight decay)."""
    return {"val_acc": math.exp(-(math.log10(params["lr"]) + 3) ** 2) - 0.01 * math.log10(params["weight_decay"]) / 8,
            "seed": params["seed"]}


def tiny_training(params):
    """A few SGD steps of a small MLP with dropout, batches shuffled without a seed: initial weights, dropout masks
    and shuffles all come from the trial's generator, and the sleeps make the threads of a pool interleave."""
    x = np.linspace(-1, 1, 96, dtype=np.float32).reshape(24, 4)
    t = (np.arange(24) % 3).astype(np.int64)
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3))
    opt = optim.SGD(model.parameters(), lr=params["lr"] * 100, weight_decay=params["weight_decay"])
    for xb, tb in DataLoader(TensorDataset(x, t), batch_size=6, shuffle=True):
        loss = F.cross_entropy(model(xb), tb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        time.sleep(0.002)
    return {"val_acc": -loss.item(), "weights": float(model[0].weight.sum().item())}


def flaky(params):
    """Fails for large learning rates (with an exception that cannot be pickled back), diverges for small ones."""
    if params["lr"] > 1e-3:
        raise _Unpicklable("no", "way")
    if params["lr"] < 1e-5:
        np.float32(3e38) * np.float32(10)  # an overflow warning, which a trial must not print
        raise FloatingPointError("loss became nan")
    if params["lr"] < 1e-4:
        return {"val_acc": float("nan")}
    return peaked(params)


class _Unpicklable(Exception):
    def __init__(self, a, b):
        super().__init__(f"{a} {b}")


def blas_threads(params):
    from threadpoolctl import threadpool_info

    return {"val_acc": 1.0, "threads": sorted({p["num_threads"] for p in threadpool_info()})}


def _comparable(result):
    return [(t["params"], t["status"], t["score"], t["result"]) for t in result["trials"]]


@pytest.fixture(scope="module")
def dask_clusters():
    """A real local Dask cluster of two worker processes, and one of threads in this process (started once)."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as procs, \
            distributed.LocalCluster(n_workers=1, threads_per_worker=3, processes=False,
                                     dashboard_address=":0") as threads:
        yield procs, threads


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
    assert len(result["trials"]) == 24 and {t["status"] for t in result["trials"]} == {"ok"}
    r1 = [t["score"] for t in result["trials"] if t["round"] == 1]
    r2 = [t["score"] for t in result["trials"] if t["round"] == 2]
    assert np.mean(r2) > np.mean(r1)
    lo, hi = result["rounds"][1]["space"]["lr"]
    assert lo > 1e-6 and hi <= 1e-2 and hi / lo < 1e4  # narrower than the first round's four decades
    assert result["best"]["score"] == max(t["score"] for t in result["trials"])
    assert len({t["params"]["seed"] for t in result["trials"]}) == 24
    assert result["failed"] == result["diverged"] == [] and result["sampler"] == "random"


def test_the_same_results_on_every_executor(dask_clusters):
    distributed = pytest.importorskip("distributed")
    run = {"trials_per_round": 6, "rounds": 2, "seed": 5}
    inline = random_search(tiny_training, SPACE, workers=1, **run)
    assert len({t["result"]["weights"] for t in inline["trials"]}) == 12  # each trial its own stream
    again = random_search(tiny_training, SPACE, workers=1, **run)
    processes = random_search(tiny_training, SPACE, workers=2, **run)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        threaded = random_search(tiny_training, SPACE, executor=pool, **run)
    on_dask = []
    for cluster in dask_clusters:
        with distributed.Client(cluster) as client:
            on_dask.append(random_search(tiny_training, SPACE, executor=client.get_executor(), **run))
    expected = _comparable(inline)
    for other in (again, processes, threaded, *on_dask):
        assert _comparable(other) == expected


def test_without_its_own_generator_a_thread_pool_is_not_reproducible():
    # what the per-trial generator prevents: trials of a thread pool drawing from one shared stream
    params = [{"lr": 1e-3, "weight_decay": 1e-6, "seed": i} for i in range(4)]
    ag.manual_seed(0)
    alone = [tiny_training(p)["weights"] for p in params]
    ag.manual_seed(0)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        shared = [r["weights"] for r in pool.map(tiny_training, params)]
    assert shared != alone


@pytest.mark.parametrize("workers", [1, 2])
def test_failed_and_diverged_trials_are_recorded_and_the_search_goes_on(workers):
    lines = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow warning escaping a trial would fail it
        result = random_search(flaky, {"lr": (1e-6, 1e-2), "weight_decay": (1e-8, 1e-4)}, trials_per_round=16,
                               rounds=2, workers=workers, seed=3, log=lines.append)
    by_status = {s: [t for t in result["trials"] if t["status"] == s] for s in ("ok", "failed", "diverged")}
    assert all(by_status.values()) and sum(map(len, by_status.values())) == 32
    assert result["failed"] == by_status["failed"] and result["diverged"] == by_status["diverged"]
    assert {t["error"] for t in by_status["failed"]} == {"_Unpicklable: no way"}
    assert {t["error"] for t in by_status["diverged"]} == {"FloatingPointError: loss became nan", "val_acc is nan"}
    assert all(t["score"] is None for t in result["failed"] + result["diverged"])
    assert all(t["status"] == "ok" for r in result["rounds"] for t in r["best"])
    assert result["best"]["score"] == max(t["score"] for t in by_status["ok"])
    assert len(lines) == 32
    assert sum("diverged (" in line for line in lines) == len(by_status["diverged"])
    assert sum("failed (_Unpicklable: no way)" in line for line in lines) == len(by_status["failed"])


def dies_once(params):
    """Kills its worker process in the third trial."""
    if params["seed"] == 2:
        os._exit(3)
    return peaked(params)


def test_a_dead_worker_fails_its_round_and_the_next_round_gets_a_new_pool():
    result = random_search(dies_once, SPACE, trials_per_round=4, rounds=2, workers=2)
    first, second = result["trials"][:4], result["trials"][4:]
    assert first[2]["status"] == "failed" and first[2]["error"].startswith("BrokenProcessPool: ")
    assert {t["status"] for t in second} == {"ok"}


def test_when_every_trial_fails_the_error_says_why():
    with pytest.raises(RuntimeError, match=r"none of the 3 trials.*0 diverged, 3 failed.*KeyError.*'val_acc'"):
        random_search(lambda p: {"acc": 1.0}, SPACE, trials_per_round=3, rounds=2, workers=1)
    with pytest.raises(RuntimeError, match=r"3 diverged, 0 failed\): FloatingPointError: loss"):
        random_search(flaky, {"lr": (1e-7, 1e-6)}, trials_per_round=3, rounds=1, workers=1)


def test_minimize_and_plain_float_objective():
    result = random_search(lambda p: math.log10(p["lr"]), {"lr": (1e-5, 1.0)}, trials_per_round=8, rounds=1,
                           score="loss", maximize=False, workers=1)
    assert result["best"]["score"] == min(t["score"] for t in result["trials"])


def test_worker_processes_cap_their_blas_threads_and_this_process_is_restored():
    from threadpoolctl import threadpool_info

    before = [p["num_threads"] for p in threadpool_info()]
    result = random_search(blas_threads, {"lr": (1e-3, 1e-2)}, trials_per_round=4, rounds=1, workers=2)
    assert {tuple(t["result"]["threads"]) for t in result["trials"]} == {(1,)}
    assert [p["num_threads"] for p in threadpool_info()] == before


@pytest.mark.parametrize("space, message", [({}, "empty"), ({"lr": (0.0, 1.0)}, "0 < low"),
                                            ({"lr": (1e-2, 1e-3)}, "low <= high"), ({"lr": (1e-3,)}, "low, high")])
def test_bad_space(space, message):
    with pytest.raises(ValueError, match=f"random_search.*{message}"):
        random_search(peaked, space, workers=1)


def test_bad_sampler_and_scheduler():
    with pytest.raises(ValueError, match="unknown sampler 'grid'"):
        random_search(peaked, SPACE, workers=1, sampler="grid")
    with pytest.raises(ValueError, match="unknown scheduler 'yarn'"), open_executor("yarn"):
        pass
    with pytest.raises(ValueError, match="workers=2 with the Dask scheduler at tcp://"), \
            open_executor("tcp://127.0.0.1:1", workers=2):
        pass


def test_open_executor_starts_a_dask_cluster():
    pytest.importorskip("distributed")
    with open_executor("dask", workers=1) as executor:
        result = random_search(peaked, SPACE, trials_per_round=2, rounds=1, executor=executor)
    assert [t["score"] for t in result["trials"]] == \
        [t["score"] for t in random_search(peaked, SPACE, trials_per_round=2, rounds=1, workers=1)["trials"]]


def test_cli_joins_a_dask_scheduler_and_matches_a_local_run(dask_clusters, tmp_path, capsys):
    address = dask_clusters[0].scheduler_address
    common = ["experiment", "hparam-search", "--quick", "--dataset", "synthetic", "--no-progress"]
    assert main(common + ["--scheduler", address, "--out", str(tmp_path / "dask")]) == 0
    assert main(common + ["--workers", "1", "--out", str(tmp_path / "local")]) == 0
    dask, local = (json.loads((tmp_path / d / "summary.json").read_text()) for d in ("dask", "local"))
    assert [t["score"] for t in dask["trials"]] == [t["score"] for t in local["trials"]]
    assert {t["status"] for t in local["trials"]} <= {"ok", "diverged"}
    capsys.readouterr()
    assert main(common + ["--scheduler", address, "--workers", "2", "--out", str(tmp_path / "x")]) == 2
    assert "--workers" in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["experiment", "optimizers", "--quick", "--sampler", "optuna"], "apply to hparam-search only"),
    (["experiment", "hparam-search", "--quick", "--scheduler", "yarn"], "--scheduler"),
    (["experiment", "hparam-search", "--quick", "--sampler", "grid"], "--sampler"),
])
def test_cli_rejects_bad_search_flags(argv, message, tmp_path, capsys):
    code = main(argv + ["--out", str(tmp_path / "o"), "--no-progress"])
    assert code == 2 and message in capsys.readouterr().err


@requires_optuna
def test_optuna_sampler_is_reproducible_on_threads_and_improves():
    run = {"trials_per_round": 8, "rounds": 3, "seed": 2, "sampler": "optuna"}
    inline = random_search(peaked, SPACE, workers=1, **run)
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        threaded = random_search(peaked, SPACE, executor=pool, **run)
    assert _comparable(inline) == _comparable(threaded)
    scores = [[t["score"] for t in inline["trials"] if t["round"] == r] for r in (1, 2, 3)]
    assert np.mean(scores[2]) > np.mean(scores[0])  # TPE moves towards lr 1e-3
    assert all(r["space"] == {k: list(v) for k, v in SPACE.items()} for r in inline["rounds"])
    failing = random_search(flaky, SPACE, trials_per_round=8, rounds=2, workers=1, seed=4, sampler="optuna")
    assert failing["failed"] and failing["best"]["status"] == "ok"


@requires_ray
def test_ray_gives_the_same_results(monkeypatch):
    # Ray's workers import the objective (this module) and scratchgrad by name, from these directories
    import scratchgrad

    paths = [os.path.dirname(__file__), os.path.dirname(os.path.dirname(scratchgrad.__file__)),
             os.environ.get("PYTHONPATH")]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, paths)))
    run = {"trials_per_round": 3, "rounds": 2, "seed": 5}
    with open_executor("ray", workers=2) as executor:
        assert isinstance(executor, RayExecutor)
        on_ray = random_search(tiny_training, SPACE, executor=executor, **run)
    assert _comparable(on_ray) == _comparable(random_search(tiny_training, SPACE, workers=1, **run))
