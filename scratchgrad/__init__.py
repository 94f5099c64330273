"""scratchgrad: the command-line tool and the book's experiments, on top of autograd, nn, optim and viz.

    import scratchgrad
    history = scratchgrad.fit(model, optimizer, train_loader, test_loader, epochs=3,
                              checkpoint="run/checkpoint.npz")          # resume="run/checkpoint.npz" continues
    scratchgrad.main(["train", "--dataset", "synthetic", "--epochs", "1"])  # the CLI, from Python

Command line: ``scratchgrad train``, ``scratchgrad experiment NAME``, ``scratchgrad graph --model M``
(also ``python -m scratchgrad``).
"""
from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from .cli import main
from .datasets import choose_dataset, load_datasets
from .search import random_search
from .training import Callback, NonFiniteLossError, TrainingInterrupted, evaluate, fit

__all__ = ["fit", "evaluate", "Callback", "NonFiniteLossError", "TrainingInterrupted", "save_checkpoint",
           "CheckpointError", "load_checkpoint", "choose_dataset", "load_datasets", "random_search", "main"]
