"""The ``scratchgrad`` command line: ``train``, ``experiment``, ``graph`` and ``export`` (argparse).

Exit codes: 0 done; 1 a run-time failure (missing data, NaN loss, unreadable or damaged checkpoint, a full
disk); 2 bad flags or values (argparse's usage error, ``--resume`` with flags that contradict the checkpoint,
an ``--out`` that holds an earlier run); 130 interrupted by Ctrl-C (after saving a checkpoint). Every error is
one line ``scratchgrad: error: ...`` (argparse's usage errors add the usage line), never a traceback.
"""
import argparse
import math
import os
import sys

from .builders import BATCHNORM_MODELS, DEFAULT_INIT, DROPOUT_MODELS, INITS, MODELS, OPTIMIZERS
from .datasets import DATASETS, synthetic_size_problem
from .executors import SCHEDULERS
from .search import SAMPLERS

__all__ = ["build_parser", "main", "DEFAULT_TRAIN_SIZE", "TRAIN_DEFAULTS", "UNSET"]

#: Training images used when --train-size is not given (None: the whole training set) and the default number
#: of epochs. One epoch of the default SimpleConvNet over all 60,000 images took 8-9 s on two idle cores and
#: 55 s on two cores shared with other jobs, so the default run (two epochs of the full set) stays well under
#: three minutes.
DEFAULT_TRAIN_SIZE = None
DEFAULT_EPOCHS = 2
GRAPH_SUFFIXES = (".svg", ".png", ".pdf", ".dot", ".gv")
EXPERIMENT_NAMES = ("optimizers", "weight-init", "batchnorm", "overfit", "hparam-search", "convnet")
#: Seeds are 64-bit, as PyTorch's ``manual_seed``.
MAX_SEED = 2 ** 64 - 1


class _Unset:
    """The value of a ``train`` run-setting flag that was not given (so ``--resume`` knows which were)."""

    def __repr__(self):
        return "<not given>"


UNSET = _Unset()
#: What the run-setting flags of ``train`` default to when they are not given and nothing is resumed.
TRAIN_DEFAULTS = {"model": "simple_convnet", "dataset": "auto", "batch_size": 100, "optimizer": "adam", "lr": None,
                  "weight_decay": 0.0, "dropout": None, "batchnorm": False, "init": None, "seed": 0,
                  "train_size": DEFAULT_TRAIN_SIZE, "test_size": None}


def _number(kind, check, what):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid {kind.__name__} value: {text!r}") from None
        if isinstance(value, float) and not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
        if not check(value):
            raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
        return value
    return parse


positive_int = _number(int, lambda v: v >= 1, "a positive integer")
positive_float = _number(float, lambda v: v > 0, "> 0")
non_negative_float = _number(float, lambda v: v >= 0, ">= 0")
probability = _number(float, lambda v: 0 <= v < 1, "in [0, 1)")
seed_int = _number(int, lambda v: 0 <= v <= MAX_SEED, "an integer from 0 to 2**64 - 1")


def size_or_all(text):
    """``--train-size``/``--test-size``: a positive int, or ``all``."""
    if text.lower() in ("all", "full"):
        return None
    return positive_int(text)


def scheduler(text):
    """``--scheduler``: a name of :data:`scratchgrad.executors.SCHEDULERS` or a Dask address ``tcp://host:port``."""
    if text in SCHEDULERS or (text.startswith("tcp://") and len(text) > len("tcp://")):
        return text
    raise argparse.ArgumentTypeError(f"must be {', '.join(SCHEDULERS)} or a Dask scheduler's address "
                                     f"tcp://host:port, got {text!r}")


def _add_data_flags(p, dataset_default="auto"):
    p.add_argument("--dataset", choices=DATASETS, default=dataset_default,
                   help="auto (default): MNIST if its files are found, else Fashion-MNIST if found, else "
                        "generated digits")
    p.add_argument("--data-dir", metavar="D", help="directory with the IDX files (also searched: "
                   "$SCRATCHGRAD_DATA, ~/.cache/scratchgrad, /usr/share/datasets/fashion-mnist)")
    p.add_argument("--download", action="store_true", help="download missing MNIST/Fashion-MNIST files")


def build_parser():
    """The argument parser of the ``scratchgrad`` command."""
    parser = argparse.ArgumentParser(
        prog="scratchgrad", description="Train networks on a numpy autograd engine and run the experiments of "
        "Deep Learning from Scratch, chapters 6-7.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    train = sub.add_parser("train", help="train a model and write history, checkpoint and pictures",
                           description="Train a model on MNIST / Fashion-MNIST / generated digits. Writes "
                           "history.json, checkpoint.npz, curves.png, filters.png and graph.svg to --out.")
    torch_init = "/".join(m for m, i in DEFAULT_INIT.items() if i is None)
    # The run settings default to UNSET, filled in from TRAIN_DEFAULTS after parsing, so that --resume can
    # tell the flags given (which must agree with the checkpoint) from the defaults.
    train.add_argument("--model", choices=MODELS, default=UNSET, help="default simple_convnet")
    _add_data_flags(train, dataset_default=UNSET)
    train.add_argument("--epochs", type=positive_int, default=DEFAULT_EPOCHS, help=f"total epochs (default "
                       f"{DEFAULT_EPOCHS}; with --resume the epochs already done count)")
    train.add_argument("--batch-size", type=positive_int, default=UNSET, metavar="B", help="default 100")
    train.add_argument("--optimizer", choices=OPTIMIZERS, default=UNSET, help="default adam")
    train.add_argument("--lr", type=positive_float, default=UNSET, help="learning rate (default: 0.001 for "
                       "adam/adamw/rmsprop, 0.01 for momentum/nesterov/adagrad, 0.1 for sgd)")
    train.add_argument("--weight-decay", type=non_negative_float, default=UNSET, metavar="WD", help="default 0")
    train.add_argument("--dropout", type=probability, default=UNSET, metavar="P",
                       help=f"dropout probability ({', '.join(DROPOUT_MODELS)})")
    train.add_argument("--batchnorm", action="store_true", default=UNSET,
                       help=f"batch normalisation ({', '.join(BATCHNORM_MODELS)})")
    train.add_argument("--init", choices=INITS, default=UNSET,
                       help=f"weight initialisation (default: he, as chapter 6 advises for ReLU; PyTorch's own for "
                            f"{torch_init}); std is chapter 7's N(0, 0.01^2)")
    train.add_argument("--seed", type=seed_int, default=UNSET, metavar="S", help="default 0")
    train.add_argument("--resume", metavar="CKPT", help="continue the run saved in this checkpoint: its settings "
                       "are kept (flags that contradict them are an error); --epochs is the new total, --out, "
                       "--data-dir, --download, --device, --no-progress and --no-pictures may change")
    train.add_argument("--out", metavar="DIR", help="output directory (default ./runs/<model>-<dataset>, "
                       "numbered -2, -3, ... when it holds an earlier run; with --resume the checkpoint's)")
    train.add_argument("--overwrite", action="store_true", help="replace the run in an --out that holds one "
                       "(without it, such an --out is an error)")
    train.add_argument("--train-size", type=size_or_all, default=UNSET, metavar="N",
                       help="train on a random subset of N images (default: all; for --dataset synthetic "
                            "10000 generated images)")
    train.add_argument("--test-size", type=size_or_all, default=UNSET, metavar="N",
                       help="evaluate on a random subset of N test images (default: all)")
    train.add_argument("--device", default="cpu", help="where to train: cpu (numpy, the default) or cuda / "
                       "cuda:N (CuPy: pip install 'scratchgrad[cuda]'); may change on --resume")
    train.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bars")
    train.add_argument("--no-pictures", dest="pictures", action="store_false",
                       help="skip curves.png, filters.png and graph.svg (numbers only, faster)")

    exp = sub.add_parser("experiment", help="run one of the book's chapter-6/7 experiments",
                         description="Run an experiment with the book's settings (or --quick, a reduced run) and "
                         "write its figures and summary.json.")
    exp.add_argument("name", choices=EXPERIMENT_NAMES)
    _add_data_flags(exp)
    exp.add_argument("--quick", action="store_true", help="a reduced run (seconds), for tests")
    exp.add_argument("--out", metavar="DIR", help="output directory (default ./runs/experiments/<name>, numbered "
                     "-2, -3, ... when it holds an earlier run)")
    exp.add_argument("--overwrite", action="store_true", help="replace the results in an --out that holds some")
    exp.add_argument("--workers", type=positive_int, help="hparam-search: trials at once (default: one per CPU; "
                     "with the local pool 1 runs them in this process)")
    exp.add_argument("--scheduler", type=scheduler, help="hparam-search: where trials run: local (a process pool, "
                     "the default), dask (a local dask.distributed cluster of --workers processes), "
                     "tcp://host:port (join that Dask scheduler), ray (Ray on this machine)")
    exp.add_argument("--sampler", choices=SAMPLERS, help="hparam-search: random (the book's random search with "
                     "range narrowing, the default) or optuna (an Optuna TPE study)")
    exp.add_argument("--model", choices=("simple_convnet", "deep_convnet"),
                     help="convnet only: the network to train and look inside (default simple_convnet)")
    exp.add_argument("--seed", type=seed_int, default=0)
    exp.add_argument("--no-progress", dest="progress", action="store_false", help="no progress output")

    graph = sub.add_parser("graph", help="draw a model's computational graph, grouped by module",
                           description="Run one forward pass and loss of a model on a 28x28 batch and draw the "
                           "graph autograd recorded (needs graphviz's dot for svg/png/pdf).")
    graph.add_argument("--model", choices=MODELS, default="simple_convnet")
    graph.add_argument("--out", metavar="FILE", help="output file: .svg (default ./runs/<model>-graph.svg), .png, "
                       ".pdf, .dot")
    graph.add_argument("--batchnorm", action="store_true", help="with --model mlp")
    graph.add_argument("--collapse", action="store_true", help="draw each top-level module as one box")

    export = sub.add_parser("export", help="export a trained model to ONNX",
                            description="Rebuild the model of a training checkpoint and write it as an ONNX file "
                            "(input 'image' (N, 1, 28, 28), output 'logits' (N, classes), any batch size N; needs "
                            "the onnx package).")
    export.add_argument("--checkpoint", metavar="CKPT", required=True, help="a checkpoint.npz written by train")
    export.add_argument("--out", metavar="FILE", help="the .onnx file (default: model.onnx beside the checkpoint)")
    export.add_argument("--opset", type=positive_int, default=17, help="ONNX opset version (default 17)")
    return parser


def given_settings(args):
    """``{setting: value}`` of the ``train`` run-setting flags given on the command line."""
    return {k: getattr(args, k) for k in TRAIN_DEFAULTS if getattr(args, k) is not UNSET}


def apply_defaults(args):
    """Fill the run-setting flags that were not given with :data:`TRAIN_DEFAULTS`."""
    for key, value in TRAIN_DEFAULTS.items():
        if getattr(args, key) is UNSET:
            setattr(args, key, value)


def model_option_problem(model, dropout, batchnorm):
    """Why ``--dropout``/``--batchnorm`` do not go with ``--model model`` (None if they do)."""
    if dropout and model not in DROPOUT_MODELS:
        return f"--dropout is available for --model {'/'.join(DROPOUT_MODELS)}, not {model}"
    if batchnorm and model not in BATCHNORM_MODELS:
        return f"--batchnorm is available for --model {'/'.join(BATCHNORM_MODELS)}, not {model}"
    return None


def _check_train_args(parser, args):
    if args.resume is None:  # with --resume the checkpoint's settings are merged in first (commands.train)
        apply_defaults(args)
        problem = model_option_problem(args.model, args.dropout, args.batchnorm) or (
            synthetic_size_problem(args.train_size, args.test_size) if args.dataset == "synthetic" else None)
        if problem:
            parser.error(problem)
    if args.resume is not None and not os.path.isfile(args.resume):
        inside = os.path.join(args.resume, "checkpoint.npz")
        hint = f"; did you mean {inside!r}?" if os.path.isfile(inside) else ""
        parser.error(f"--resume: no checkpoint file at {args.resume!r}{hint}")


def _check_graph_args(parser, args):
    if args.batchnorm and args.model != "mlp":
        parser.error("--batchnorm is available for --model mlp only")
    if args.out is not None and os.path.splitext(args.out)[1].lower() not in GRAPH_SUFFIXES:
        parser.error(f"--out {args.out!r}: the suffix must be one of {', '.join(GRAPH_SUFFIXES)}")


def _check_experiment_args(parser, args):
    if args.model and args.name != "convnet":
        parser.error(f"--model is available for the convnet experiment, not {args.name}")
    if (args.scheduler or args.sampler) and args.name != "hparam-search":
        parser.error(f"--scheduler and --sampler apply to hparam-search only, not {args.name}")
    if args.workers and args.scheduler and args.scheduler.startswith("tcp://"):
        parser.error(f"--workers does not go with --scheduler {args.scheduler}: that cluster's workers run the trials")


def main(argv=None):
    """Run the ``scratchgrad`` command with ``argv`` (default ``sys.argv[1:]``); returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command == "train":
            _check_train_args(parser, args)
        if args.command == "graph":
            _check_graph_args(parser, args)
        if args.command == "experiment":
            _check_experiment_args(parser, args)
    except SystemExit as exc:  # argparse reports usage errors (code 2) and --help (code 0) this way
        return exc.code if isinstance(exc.code, int) else 2
    from . import commands

    try:
        return {"train": commands.train, "experiment": commands.experiment, "graph": commands.graph,
                "export": commands.export}[args.command](args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except OSError as exc:  # writing results failed (a full disk, a directory removed under us): say it plainly
        print(f"scratchgrad: error: {exc}", file=sys.stderr)
        return 1
