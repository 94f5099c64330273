"""Chapter 6.4: overfitting on 300 images, and two cures: weight decay (lambda 0.1) and dropout (0.2).

The book's settings: the first 300 training images, a 784-100x6-10 ReLU MLP (He init), SGD lr 0.01,
batch 100; 201 epochs for the weight-decay comparison and 301 for dropout (ratio 0.2); train and test
accuracy after every epoch. Finding: the plain net reaches ~100% train accuracy with a large gap to test;
weight decay (on the weights, as the book's ``0.5 * lambda * ||W||^2``) and dropout shrink the gap.
"""
import numpy as np

import autograd as ag
import nn
import optim

from ._common import accuracy, train_iterations, weights_and_biases
from ._plot import line_panels

NAME = "overfit"


def _run(ctx, x, t, xt, tt, epochs, weight_decay=0.0, dropout=0.0):
    ag.manual_seed(ctx.seed)
    model = nn.models.MLP(x.shape[1], (100,) * 6, 10, activation="relu", weight_init="he", dropout=dropout)
    opt = optim.SGD(weights_and_biases(model, weight_decay), lr=0.01)
    train_acc, test_acc = [], []

    def record(epoch):
        train_acc.append(accuracy(model, x, t))
        test_acc.append(accuracy(model, xt, tt))

    train_iterations(model, opt, x, t, epochs * (len(x) // 100), 100, ctx.seed, on_epoch=record)
    if len(train_acc) < epochs:
        record(epochs)
    return {"train_acc": train_acc, "test_acc": test_acc, "final_train_acc": train_acc[-1],
            "final_test_acc": test_acc[-1], "gap": train_acc[-1] - test_acc[-1]}


def run(ctx):
    """The three runs; returns the summary."""
    wd_epochs, dropout_epochs = (12, 12) if ctx.quick else (201, 301)
    x, t, xt, tt = ctx.arrays(300, 1000 if ctx.quick else None)
    ctx.log(f"overfit: {len(x)} training images, MLP 784-100x6-10, SGD lr 0.01; plain and dropout 0.2 for "
            f"{dropout_epochs} epochs, weight decay 0.1 for {wd_epochs} epochs")
    plain = _run(ctx, x, t, xt, tt, max(wd_epochs, dropout_epochs))
    decay = _run(ctx, x, t, xt, tt, wd_epochs, weight_decay=0.1)
    drop = _run(ctx, x, t, xt, tt, dropout_epochs, dropout=0.2)
    # the plain run is deterministic, so its first wd_epochs epochs are the plain run of that length
    plain_at_wd = {"final_train_acc": plain["train_acc"][wd_epochs - 1],
                   "final_test_acc": plain["test_acc"][wd_epochs - 1]}
    plain_at_wd["gap"] = plain_at_wd["final_train_acc"] - plain_at_wd["final_test_acc"]
    panels = []
    for title, run_ in (("plain", plain), ("weight decay 0.1", decay), ("dropout 0.2", drop)):
        xs = np.arange(1, len(run_["train_acc"]) + 1)
        panels.append((f"{title}: gap {run_['gap']:.2f}", [("train", xs, run_["train_acc"], "-"),
                                                           ("test", xs, run_["test_acc"], "--")]))
    line_panels(panels, ctx.path("overfit.png"), ncols=3, xlabel="epoch", ylabel="accuracy", ylim=(0.0, 1.02),
                suptitle=f"Overfitting on {len(x)} {ctx.dataset_info()['title']} images")
    findings = [
        f"after {wd_epochs} epochs: plain train {plain_at_wd['final_train_acc']:.3f} / test "
        f"{plain_at_wd['final_test_acc']:.3f} (gap {plain_at_wd['gap']:.3f}); weight decay 0.1 train "
        f"{decay['final_train_acc']:.3f} / test {decay['final_test_acc']:.3f} (gap {decay['gap']:.3f})",
        f"after {dropout_epochs} epochs: plain train {plain['final_train_acc']:.3f} / test "
        f"{plain['final_test_acc']:.3f} (gap {plain['gap']:.3f}); dropout 0.2 train {drop['final_train_acc']:.3f} "
        f"/ test {drop['final_test_acc']:.3f} (gap {drop['gap']:.3f})",
    ]
    holds = decay["gap"] < plain_at_wd["gap"] and drop["gap"] < plain["gap"]
    return {"experiment": NAME, "quick": ctx.quick, "dataset": ctx.dataset_info(), "train_size": len(x),
            "test_size": len(xt), "plain": plain, "plain_at_weight_decay_epochs": plain_at_wd,
            "weight_decay": dict(decay, weight_decay=0.1, epochs=wd_epochs),
            "dropout": dict(drop, dropout=0.2, epochs=dropout_epochs),
            "book_finding_holds": bool(holds), "findings": findings, "figures": ["overfit.png"]}
