"""What a newcomer's first runs see: runs that never overwrite each other, files where the CLI says, the CLI's
own words in messages, a minimal install (no graphviz, matplotlib, tqdm) that trains to the end, quick
experiments that do not claim a finding, and a README synopsis that lists every flag."""
import json
import os
import re
import subprocess
import sys

import pytest

from scratchgrad.__main__ import main
from scratchgrad.experiments import verdict

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TINY = ["--dataset", "synthetic", "--train-size", "200", "--test-size", "100", "--no-progress", "--model", "mlp",
        "--epochs", "1"]


def test_second_run_goes_to_a_numbered_directory(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["train", *TINY, "--no-pictures"]) == 0
    assert main(["train", *TINY, "--no-pictures", "--seed", "1"]) == 0
    said = capsys.readouterr().out
    assert "runs/mlp-synthetic holds an earlier run, so this one goes to runs/mlp-synthetic-2" in said
    first = json.loads((tmp_path / "runs" / "mlp-synthetic" / "history.json").read_text())
    second = json.loads((tmp_path / "runs" / "mlp-synthetic-2" / "history.json").read_text())
    assert first["config"]["seed"] == 0 and second["config"]["seed"] == 1


def test_out_holding_a_run_needs_overwrite_which_leaves_no_stale_picture(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", *TINY, "--out", str(out)]) == 0
    assert (out / "curves.png").is_file()
    assert main(["train", *TINY, "--no-pictures", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("scratchgrad: error: --out") and "--overwrite" in err
    assert f"--resume {out / 'checkpoint.npz'}" in err
    assert main(["train", *TINY, "--no-pictures", "--overwrite", "--out", str(out)]) == 0
    assert sorted(os.listdir(out)) == ["checkpoint.npz", "history.json"]


def test_resume_without_pictures_removes_the_earlier_ones(tmp_path):
    out = tmp_path / "run"
    assert main(["train", *TINY, "--out", str(out)]) == 0
    assert main(["train", "--resume", str(out / "checkpoint.npz"), "--epochs", "2", "--no-progress",
                 "--no-pictures"]) == 0
    assert sorted(os.listdir(out)) == ["checkpoint.npz", "history.json"]


def test_experiment_out_holding_results_needs_overwrite(tmp_path, monkeypatch, capsys):
    def fake_run(name, out, quick=False, **kwargs):
        (tmp_path / "exp" / "fig.png").write_bytes(b"png")
        summary = {"experiment": name, "quick": quick, "dataset": {"title": "SyntheticDigits"}, "seconds": 0.1,
                   "findings": ["a finding"], "book_finding_holds": False, "figures": ["fig.png"]}
        summary["verdict"] = verdict(summary)
        (tmp_path / "exp" / "summary.json").write_text(json.dumps(summary))
        return summary

    monkeypatch.setattr("scratchgrad.experiments.run_experiment", fake_run)
    argv = ["experiment", "overfit", "--quick", "--no-progress", "--out", str(tmp_path / "exp")]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "too short to show the book's finding" in text and "does NOT hold" not in text
    assert main(argv) == 2 and "--overwrite" in capsys.readouterr().err
    assert main([*argv, "--overwrite"]) == 0


def test_verdict_of_full_and_quick_runs():
    assert verdict({"quick": False, "book_finding_holds": True}) == "the book's finding holds in this run"
    assert "does NOT hold" in verdict({"quick": False, "book_finding_holds": False})
    assert "too short" in verdict({"quick": True, "book_finding_holds": False})


def test_graph_writes_where_it_says(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["graph", "--model", "mlp"]) == 0
    said = capsys.readouterr().out
    assert said.strip() == f"graph of mlp written to {os.path.join('runs', 'mlp-graph.svg')}"
    assert (tmp_path / "runs" / "mlp-graph.svg").is_file() and os.listdir(tmp_path) == ["runs"]


def test_graph_without_dot_says_where_the_dot_source_went(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    out = tmp_path / "g.svg"
    assert main(["graph", "--model", "mlp", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"the DOT source is in {tmp_path / 'g.dot'}" in err and (tmp_path / "g.dot").is_file()
    assert not out.exists()


def test_missing_data_is_said_in_cli_words(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SCRATCHGRAD_DATA", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    assert main(["train", "--dataset", "mnist", "--no-progress", "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "--data-dir" in err and "--download" in err and "--dataset synthetic" in err
    assert "root=" not in err and "download=True" not in err


# A first run after `pip install .` without extras: these packages cannot be imported.
_MINIMAL = ("import sys\n"
            "sys.modules.update(dict.fromkeys(['graphviz', 'matplotlib', 'tqdm']))\n"
            "from scratchgrad.__main__ import main\n"
            "sys.exit(main(sys.argv[1:]))\n")


def test_minimal_install_trains_to_the_end_with_one_line_notes(tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    argv = [a for a in TINY if a != "--no-progress"]  # progress bars asked for, as by default
    done = subprocess.run([sys.executable, "-c", _MINIMAL, "train", *argv, "--out", str(tmp_path / "run")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    notes = [line for line in done.stderr.splitlines() if line.startswith("note:")]
    assert len(notes) == 3, done.stderr  # graph, pictures, progress bars: one line each
    assert any("graphviz" in n for n in notes) and any("matplotlib" in n for n in notes)
    assert any("tqdm" in n for n in notes)
    assert "Traceback" not in done.stderr
    assert sorted(os.listdir(tmp_path / "run")) == ["checkpoint.npz", "history.json"]


def _synopsis():
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    block = text.split("## The command line", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    return block


@pytest.mark.parametrize("command", ["train", "experiment", "graph"])
def test_readme_synopsis_lists_every_flag(command, capsys):
    assert main([command, "--help"]) == 0
    flags = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", capsys.readouterr().out)) - {"--help"}
    lines = [line for line in _synopsis().splitlines()]
    start = next(i for i, line in enumerate(lines) if line.startswith(f"scratchgrad {command}"))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("scratchgrad ")), len(lines))
    described = " ".join(lines[start:end])
    assert flags and not sorted(f for f in flags if f not in described)

