"""The benchmark tables: ratios in time terms for throughputs, the loss checks, the spread over repeated runs."""
import json

import pytest

from benchmarks import report, run


def _rec(lib, value=None, status="ok", **result):
    rec = {"lib": lib, "status": status, "info": {"version": "1", "threads": "t1"}, "cpus_busy_before": 0.0}
    if status == "ok":
        rec["result"] = {"value": value, **result}
    else:
        rec["error"] = "no such thing"
    return rec


def _inference(lib, simple, deep, loss=2.5):
    parts = {net: {"value": v, "loss_eval": loss} for net, v in (("simple_convnet", simple), ("deep_convnet", deep))}
    return {"lib": lib, "status": "ok", "info": {"version": "1", "threads": "t1"}, "cpus_busy_before": 0.0,
            "result": {"parts": parts}}


def _rows(text, first_cell):
    return [line for line in text.splitlines() if line.startswith(f"| {first_cell} |")]


def test_throughput_ratio_is_in_time_terms():
    records = {"scratchgrad": _inference("scratchgrad", 800.0, 2000.0), "torch": _inference("torch", 1000.0, 1000.0)}
    text = report.render({"inference_throughput": records}, ["scratchgrad", "torch"])
    assert "| library | network | images/s | time vs torch | target |" in text
    simple, deep = _rows(text, "scratchgrad")
    # Slower than torch (fewer images/s) is a ratio above 1: the <= 1.0x target is missed.
    assert "| simple_convnet | 800 | 1.25x | ≤ 1x: **not met** |" in simple
    assert "| deep_convnet | 2000 | 0.50x | ≤ 1x: met |" in deep
    assert "Eval-mode losses (dropout off, before any step) of simple_convnet agree" in text


def test_losses_that_differ_are_flagged():
    records = {"scratchgrad": _rec("scratchgrad", 10.0, loss_eval=2.30, loss_first=2.9),
               "torch": _rec("torch", 20.0, loss_eval=2.31, loss_first=2.1)}
    text = report.render({"deep_convnet_step": records}, ["scratchgrad", "torch"])
    assert "| library | ms/step | vs torch | target | peak RSS MiB |" in text and "| eval-mode loss |" in text
    assert "**Eval-mode losses (dropout off, before any step) differ across libraries** (scratchgrad 2.30000, " \
           "torch 2.31000)" in text
    assert "0.50x | ≤ 1x: met" in _rows(text, "scratchgrad")[0]


def test_unavailable_rows_and_a_workload_without_target():
    records = {"scratchgrad": _rec("scratchgrad", 120.0, blas_threads=1), "torch": _rec("torch", status="unavailable")}
    text = report.render({"search_trial": records}, ["scratchgrad", "torch"])
    assert "Target: none set (scratchgrad only" in text
    assert _rows(text, "torch")[0].endswith("| t1 | unavailable: no such thing |")
    assert "| scratchgrad | 120 | — |  | BLAS 1 |" in _rows(text, "scratchgrad")[0]


def _step_run(ours, theirs):
    return {"lenet5_step": {"scratchgrad": _rec("scratchgrad", ours, loss_first=2.0),
                            "torch": _rec("torch", theirs, loss_first=2.0)}}


def test_spread_over_runs():
    runs = [_step_run(8.0, 10.0), _step_run(9.5, 10.0), _step_run(12.0, 10.0)]
    text = report.render_spread(runs, ["scratchgrad", "torch"])
    assert text.startswith("### Spread over 3 runs")
    ours = _rows(text, "lenet5_step")[0]
    assert "| scratchgrad | 9.50 (8.00-12.0) ms/step | 0.95x (0.80x-1.20x) | ≤ 0.9x: met in 1 of 3 (**median not met**) " \
           "| 3 |" in ours


def test_spread_of_backward_scaling_is_taken_at_the_largest_common_size():
    def scaling(lib, per_node):
        shapes = {shape: [{"n": n, "us_per_node": v} for n, v in zip((1000, 10000), per_node)]
                  for shape in ("chain", "fanin")}
        return _rec(lib, shapes=shapes)

    runs = [{"backward_scaling": {"scratchgrad": scaling("scratchgrad", (1.0, 2.0)),
                                  "torch": scaling("torch", (2.0, 4.0))}}]
    rows = report.ratio_rows("backward_scaling", runs[0]["backward_scaling"], ["scratchgrad", "torch"])
    assert ("chain", "scratchgrad", 2.0, 0.5) in rows and ("fanin", "torch", 4.0, 1.0) in rows
    assert "0.50x (0.50x-0.50x)" in report.render_spread(runs, ["scratchgrad", "torch"])


def test_run_repeat_interleaves_runs_and_reports_the_spread(monkeypatch, tmp_path, capsys):
    calls = []

    def fake_worker(lib, workload, *, quick, timeout, env):
        calls.append((lib, workload))
        value = 10.0 if lib == "torch" else 7.0 + len(calls)
        return _rec(lib, value, loss_first=2.0)

    monkeypatch.setattr(run, "run_worker", fake_worker)
    monkeypatch.setattr(run, "cpus_busy", lambda interval=0.5: 0.0)
    out = tmp_path / "out.json"
    assert run.main(["lenet5_step", "mlp_adam_step", "--libs", "scratchgrad,torch", "--repeat", "2",
                     "--json", str(out)]) == 0
    # Each run covers the whole selection before the next starts.
    assert calls == [("scratchgrad", "lenet5_step"), ("torch", "lenet5_step"), ("scratchgrad", "mlp_adam_step"),
                     ("torch", "mlp_adam_step")] * 2
    text = capsys.readouterr().out
    assert "## The last of 2 runs" in text and "### Spread over 2 runs" in text
    assert "| lenet5_step |  | scratchgrad | 10.0 (8.00-12.0) ms/step | 1.00x (0.80x-1.20x) |" in text
    payload = json.loads(out.read_text())
    assert payload["repeat"] == 2 and len(payload["runs"]) == 2 and payload["results"] == payload["runs"][-1]


def test_repeat_must_be_positive():
    with pytest.raises(SystemExit):
        run.parse_args(["--repeat", "0"])
