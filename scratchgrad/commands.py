"""What the CLI's sub-commands do, once the arguments are parsed and checked (see :mod:`scratchgrad.cli`)."""
import os
import sys
import time

import numpy as np

import autograd as ag
from autograd.data import DataLoader, DatasetNotFoundError, DownloadError, IDXError, Subset

from .artifacts import save_curves, save_filters, save_model_graph, write_json
from .builders import build_model, build_optimizer, first_layer_weight
from .checkpoint import CheckpointError, load_checkpoint
from .datasets import choose_dataset, data_error_message, dataset_title, load_datasets
from .resume import RUN_SETTINGS, ContradictingFlags, resolved_config, resume_settings
from .rundir import TRAIN_FILES, OutputDirError, choose_output_dir, experiment_files, remove_files
from .search import SearchError
from .training import Callback, NonFiniteLossError, TrainingInterrupted, fit

__all__ = ["train", "experiment", "graph", "export", "RUN_SETTINGS"]

#: filters.png shows at most this many first-layer filters (SimpleConvNet has 30).
MAX_FILTERS = 30
#: The flags of ``train`` that may differ from the checkpoint's settings with ``--resume``.
RESUME_MAY_CHANGE = ("--epochs", "--out", "--data-dir", "--download", "--no-progress", "--no-pictures")


class _AnnounceStart(Callback):
    """Say that training runs and what Ctrl-C does (printed once Ctrl-C is handled)."""

    def on_train_begin(self, history):
        print("training (Ctrl-C stops after the current step and saves a checkpoint)", flush=True)


def _error(message, code=1):
    print(f"scratchgrad: error: {message}", file=sys.stderr)
    return code


def _output_dir_error(path):
    """Create the directory ``path`` if needed; return why it cannot take output files (None if it can)."""
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        return f"cannot create the output directory {path!r} ({exc.strerror or exc}); pass another --out"
    if not os.access(path, os.W_OK | os.X_OK):
        return f"the output directory {path!r} is not writable; pass another --out"
    return None


def _announce_resume(args, state):
    done = int(state["epoch"])
    partial = state.get("partial")
    where = f"epoch {done + 1}, step {partial['step']}" if partial else f"the end of epoch {done}"
    print(f"resuming {args.resume} from {where} with its settings (model {args.model}, {args.optimizer} lr "
          f"{args.lr:g}, batch {args.batch_size}, seed {args.seed}); --epochs {args.epochs} is the new total "
          f"({', '.join(RESUME_MAY_CHANGE)} may change on resume)")


def _filters(model):
    """The first layer's filters for filters.png: at most MAX_FILTERS of them (an MLP has 100 units)."""
    w = first_layer_weight(model)
    return None if w is None else w[:MAX_FILTERS]


def _describe_sizes(train, test, name):
    full = len(train.dataset) if isinstance(train, Subset) else None
    title = dataset_title(name)
    if full is not None and len(train) < full:
        print(f"training on a random subset of {len(train):,} of the {full:,} {title} training images "
              f"(--train-size all for the full set); testing on {len(test):,} images")
    else:
        print(f"training on {len(train):,} {title} images; testing on {len(test):,} images")


def train(args):
    """``scratchgrad train``: returns the exit code."""
    try:  # said before anything is loaded: 'cuda' without CuPy or a GPU, or no device at all
        device = ag.devices.as_device(args.device, "scratchgrad train --device")
    except (RuntimeError, TypeError) as exc:
        return _error(str(exc), 2)
    resumed = None
    if args.resume is not None:
        try:
            resumed = resume_settings(args)
        except ContradictingFlags as exc:
            return _error(str(exc), 2)
        except (CheckpointError, OSError) as exc:
            return _error(str(exc))
        _announce_resume(args, resumed)
        if int(resumed["epoch"]) >= args.epochs:
            done = int(resumed["epoch"])
            print(f"the checkpoint has already completed {done} epoch(s) and --epochs {args.epochs} is the total, "
                  f"so there is nothing to train; pass --epochs {done + 1} or more to continue")
    name, reason = choose_dataset(args.dataset, args.data_dir)
    own = os.path.dirname(os.path.abspath(args.resume)) if resumed is not None else None
    try:
        out, numbered = choose_output_dir(args.out, os.path.join("runs", f"{args.model}-{name}"), TRAIN_FILES,
                                          overwrite=args.overwrite, own=own)
    except OutputDirError as exc:
        return _error(str(exc), 2)
    problem = _output_dir_error(out)  # said now, not after the first epoch when the checkpoint is due
    if problem:
        return _error(problem)
    print(reason)
    if numbered:
        print(numbered)
    try:
        train_set, test_set = load_datasets(name, args.data_dir, args.download, args.train_size, args.test_size,
                                            args.seed)
    except (DatasetNotFoundError, IDXError, ValueError, OSError) as exc:
        return _error(data_error_message(exc))
    _describe_sizes(train_set, test_set, name)

    ag.manual_seed(args.seed)
    model = build_model(args.model, init=args.init, dropout=args.dropout, batchnorm=args.batchnorm)
    optimizer = build_optimizer(args.optimizer, model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    config = resolved_config({k: getattr(args, k) for k in RUN_SETTINGS})
    config["dataset"] = name
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model {args.model} ({n_params:,} parameters, {config['init'] or 'PyTorch'} init), {args.optimizer} lr "
          f"{optimizer.param_groups[0]['lr']:g}, batch {args.batch_size}, {args.epochs} epoch(s)")
    before = (resumed.get("meta") or {}).get("initial_filters") if resumed else _filters(model)
    written = []
    if args.pictures:
        graph_path = save_model_graph(model, os.path.join(out, "graph.svg"))
        written += [os.path.basename(graph_path)] if graph_path else []

    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, seed=args.seed)
    test_loader = DataLoader(test_set, batch_size=1000)
    ckpt = os.path.join(out, "checkpoint.npz")
    meta = {"config": config, "initial_filters": before}
    started = time.perf_counter()
    code, failure = 0, None
    try:
        # overflow shows up as a non-finite loss, which fit reports with epoch, step and advice; numpy's
        # own warnings would only repeat it less clearly
        with np.errstate(over="ignore", invalid="ignore"):
            history = fit(model, optimizer, train_loader, test_loader, epochs=args.epochs, checkpoint=ckpt,
                          resume=args.resume, progress=args.progress, meta=meta, callbacks=[_AnnounceStart()],
                          device=None if device.type == "cpu" else device)
    except NonFiniteLossError as exc:
        _error(str(exc))
        history, code = exc.history, 1
    except TrainingInterrupted as exc:
        print(f"\n{exc}\nresume with: scratchgrad train --resume {ckpt} --epochs {args.epochs}", file=sys.stderr)
        history, code = exc.history, 130
    except CheckpointError as exc:  # a checkpoint that does not fit the model/optimizer/loader
        return _error(str(exc))
    except OSError as exc:  # writing the checkpoint failed, e.g. the disk is full
        if not hasattr(exc, "history"):
            raise
        history, code = exc.history, 1
        failure = (f"could not write the checkpoint {ckpt} ({exc.strerror or exc}); training stopped after epoch "
                   f"{history['epoch'][-1] if history.get('epoch') else 0}")
    wall = time.perf_counter() - started

    result = {"config": config, "dataset": {"name": name, "title": dataset_title(name), "reason": reason,
                                            "train_size": len(train_set), "test_size": len(test_set)},
              "history": history, "wall_time": wall}
    if history.get("test_acc"):
        result["test_acc"] = history["test_acc"][-1]
    try:
        write_json(result, os.path.join(out, "history.json"))
    except OSError as exc:
        return _error("; ".join(filter(None, [failure, f"could not write {os.path.join(out, 'history.json')} "
                                                        f"({exc.strerror or exc})"])))
    written.insert(0, "history.json")
    if failure:
        kept = f"{ckpt} holds the last checkpoint saved" if os.path.isfile(ckpt) else "no checkpoint was saved"
        return _error(f"{failure}; history.json has the epochs finished and {kept}")
    if os.path.isfile(ckpt):
        written.insert(1, "checkpoint.npz")
    if args.pictures and history.get("epoch") and save_curves(history, os.path.join(out, "curves.png")):
        written.append("curves.png")
    if args.pictures and code == 0 and save_filters(before, _filters(model), os.path.join(out, "filters.png")):
        written.append("filters.png")
    # pictures of an earlier part of a resumed run, or of a run --overwrite replaced, are out of date now
    remove_files(out, [f for f in TRAIN_FILES if f not in written and f != "checkpoint.npz"])
    if code:
        return code
    if history.get("test_acc"):
        mean_epoch = sum(history["epoch_time"]) / len(history["epoch_time"])
        print(f"test accuracy: {history['test_acc'][-1]:.2%} on {len(test_set):,} {dataset_title(name)} test "
              f"images after {history['epoch'][-1]} epoch(s) ({mean_epoch:.1f} s per training epoch)")
    print(f"files written to {out}: {', '.join(written)}")
    return 0


def experiment(args):
    """``scratchgrad experiment NAME``: returns the exit code."""
    from .experiments import run_experiment

    try:
        out, numbered = choose_output_dir(args.out, os.path.join("runs", "experiments", args.name), experiment_files,
                                          overwrite=args.overwrite)
    except OutputDirError as exc:
        return _error(str(exc), 2)
    problem = _output_dir_error(out)
    if problem:
        return _error(problem)
    if numbered:
        print(numbered)
    try:
        summary = run_experiment(args.name, out, quick=args.quick, dataset=args.dataset, data_dir=args.data_dir,
                                 download=args.download, seed=args.seed, workers=args.workers,
                                 progress=args.progress, model=args.model, scheduler=args.scheduler,
                                 sampler=args.sampler or "random")
    except (DatasetNotFoundError, IDXError, DownloadError) as exc:
        return _error(data_error_message(exc))
    except (ImportError, SearchError) as exc:  # a scheduler or sampler whose library is missing; no trial succeeded
        return _error(str(exc))
    print(f"{args.name}{' (quick)' if args.quick else ''} on {summary['dataset']['title']}, "
          f"{summary['seconds']:.1f} s:")
    for line in summary["findings"]:
        print(f"  {line}")
    print(f"  {summary['verdict']}")
    print(f"files written to {out}: {', '.join(summary['figures'] + ['summary.json'])}")
    return 0


def graph(args):
    """``scratchgrad graph --model M``: returns the exit code."""
    out = args.out or os.path.join("runs", f"{args.model}-graph.svg")
    problem = _output_dir_error(os.path.dirname(os.path.abspath(out)))
    if problem:
        return _error(problem)
    ag.manual_seed(0)
    model = build_model(args.model, batchnorm=args.batchnorm)
    path = save_model_graph(model, out, collapse=args.collapse)
    if path is None:
        return _error(f"{out} not written (see the note above)")
    if path != out:
        return _error(f"{out} not rendered: graphviz's dot program is not installed; the DOT source is in {path} "
                      f"(install graphviz, or render it elsewhere with: dot -T{os.path.splitext(out)[1][1:]} {path} "
                      f"-o {out})")
    print(f"graph of {args.model} written to {out}")
    return 0


def export(args):
    """``scratchgrad export --checkpoint CKPT``: the checkpoint's model as ONNX, any batch size; returns the exit code."""
    try:
        state = load_checkpoint(args.checkpoint)
    except (ValueError, OSError) as exc:
        return _error(str(exc))
    config = (state.get("meta") or {}).get("config") or {}
    if config.get("model") is None:
        return _error(f"{args.checkpoint!r} does not say which model it holds (no meta.config.model)")
    out = args.out or os.path.join(os.path.dirname(os.path.abspath(args.checkpoint)), "model.onnx")
    problem = _output_dir_error(os.path.dirname(os.path.abspath(out)))
    if problem:
        return _error(problem)
    try:
        model = build_model(config["model"], dropout=config.get("dropout"), batchnorm=bool(config.get("batchnorm")))
        model.load_state_dict(state["model"])
        image = ag.from_numpy(np.random.default_rng(0).random((1, 1, 28, 28), dtype=np.float32))  # a sample to trace
        ag.onnx.export(model, image, out, input_names=["image"], output_names=["logits"],
                       dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}}, opset_version=args.opset)
    except ImportError as exc:
        return _error(str(exc))
    except (ValueError, RuntimeError, KeyError) as exc:  # a state dict that does not fit, an opset out of range
        return _error(f"cannot export {args.checkpoint!r}: {exc}")
    print(f"{config['model']} exported to {out} (input 'image' (batch, 1, 28, 28), output 'logits')")
    return 0
