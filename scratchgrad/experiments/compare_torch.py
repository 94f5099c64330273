"""SimpleConvNet in scratchgrad and in PyTorch, side by side: same initial weights, same batches, same Adam.

    python -m scratchgrad.experiments.compare_torch --epochs 3            # Fashion-MNIST (or --dataset ...)

Both runs start from the weights our ``SimpleConvNet`` draws (``N(0, 0.01^2)``, copied into an identical
``torch.nn.Sequential``), see every epoch's batches in the same order, and use Adam (lr 0.001, batch 100);
so the accuracies differ only by floating-point rounding. Reports test accuracy and training time per
epoch for both, and writes ``compare_torch.json``. ``torch`` is imported only here, only when run.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

import autograd as ag
import nn
import optim
from autograd.data import DataLoader, TensorDataset

from ..artifacts import write_json
from ..cli import positive_int, seed_int, size_or_all
from ..datasets import DATASETS, choose_dataset, dataset_title, load_arrays
from ..training import fit

__all__ = ["torch_simple_convnet", "run_comparison", "main"]


def torch_simple_convnet(model):
    """A ``torch.nn.Sequential`` with ``model``'s (a scratchgrad ``SimpleConvNet``) layers and weights."""
    import torch

    conv, fc1, fc2 = model.conv1, model.fc1, model.fc2
    net = torch.nn.Sequential(
        torch.nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, stride=conv.stride,
                        padding=conv.padding),
        torch.nn.ReLU(), torch.nn.MaxPool2d(2, stride=2), torch.nn.Flatten(),
        torch.nn.Linear(fc1.in_features, fc1.out_features), torch.nn.ReLU(),
        torch.nn.Linear(fc2.in_features, fc2.out_features),
    )
    with torch.no_grad():
        for theirs, ours in ((net[0], conv), (net[4], fc1), (net[6], fc2)):
            theirs.weight.copy_(torch.from_numpy(ours.weight.numpy().copy()))
            theirs.bias.copy_(torch.from_numpy(ours.bias.numpy().copy()))
    return net


def _torch_train(net, x, t, xt, tt, loader, epochs, lr, log):
    import torch
    import torch.nn.functional as tF

    opt = torch.optim.Adam(net.parameters(), lr=lr)
    xs, ts = torch.from_numpy(x), torch.from_numpy(t)
    history: dict[str, list[float]] = {"test_acc": [], "epoch_time": [], "train_loss": []}
    for epoch in range(epochs):
        order = loader.order(epoch)  # the very batches scratchgrad saw in this epoch
        net.train()
        started, total = time.perf_counter(), 0.0
        for start in range(0, len(order), loader.batch_size):
            idx = torch.from_numpy(order[start:start + loader.batch_size])
            loss = tF.cross_entropy(net(xs[idx]), ts[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        history["epoch_time"].append(time.perf_counter() - started)
        history["train_loss"].append(total / len(order))
        net.eval()
        with torch.no_grad():
            pred = torch.cat([net(torch.from_numpy(xt[i:i + 1000])).argmax(1) for i in range(0, len(xt), 1000)])
        history["test_acc"].append(float((pred.numpy() == tt).mean()))
        log(f"  torch epoch {epoch + 1}: test acc {history['test_acc'][-1]:.4f} "
            f"({history['epoch_time'][-1]:.1f} s)")
    return history


def run_comparison(dataset="auto", epochs=3, train_size=None, test_size=None, seed=0, lr=0.001, batch_size=100,
                   data_dir=None, progress=True, log=print):
    """Train both and return ``{"scratchgrad": history, "torch": history, ...}`` (see the module doc).

    Raises:
        ImportError: torch is not installed.
    """
    import torch

    name, reason = choose_dataset(dataset, data_dir)
    log(reason)
    x, t, xt, tt = load_arrays(name, data_dir, False, train_size, test_size, seed, flatten=False)
    ag.manual_seed(seed)
    model = nn.models.SimpleConvNet(input_dim=x.shape[1:], weight_init_std=0.01)
    net = torch_simple_convnet(model)  # copied before our training changes anything
    loader = DataLoader(TensorDataset(x, t), batch_size=batch_size, shuffle=True, seed=seed)
    test = DataLoader(TensorDataset(xt, tt), batch_size=1000)
    log(f"SimpleConvNet, Adam lr {lr}, batch {batch_size}, {epochs} epoch(s), {len(x):,} train / {len(xt):,} "
        f"test {dataset_title(name)} images; torch {torch.__version__} with {torch.get_num_threads()} threads")
    ours = fit(model, optim.Adam(model.parameters(), lr=lr), loader, test, epochs=epochs, progress=progress)
    for e in range(epochs):
        log(f"  scratchgrad epoch {e + 1}: test acc {ours['test_acc'][e]:.4f} ({ours['epoch_time'][e]:.1f} s)")
    theirs = _torch_train(net, x, t, xt, tt, loader, epochs, lr, log)
    diff = abs(ours["test_acc"][-1] - theirs["test_acc"][-1])
    return {"dataset": {"name": name, "title": dataset_title(name), "train_size": len(x), "test_size": len(xt)},
            "epochs": epochs, "lr": lr, "batch_size": batch_size, "seed": seed,
            "torch_version": torch.__version__, "torch_threads": torch.get_num_threads(),
            "scratchgrad": ours, "torch": theirs, "final_accuracy_difference": diff,
            "within_half_a_point": diff <= 0.005}


def main(argv=None):
    """Command line of the comparison; returns the exit code."""
    p = argparse.ArgumentParser(prog="python -m scratchgrad.experiments.compare_torch",
                                description="SimpleConvNet in scratchgrad and PyTorch, same weights and batches.")
    p.add_argument("--dataset", choices=DATASETS, default="auto")
    p.add_argument("--data-dir")
    p.add_argument("--epochs", type=positive_int, default=3)
    p.add_argument("--train-size", type=size_or_all, metavar="N")
    p.add_argument("--test-size", type=size_or_all, metavar="N")
    p.add_argument("--seed", type=seed_int, default=0)
    p.add_argument("--out", default=os.path.join("runs", "compare_torch"))
    p.add_argument("--no-progress", dest="progress", action="store_false")
    args = p.parse_args(argv)
    try:
        result = run_comparison(args.dataset, args.epochs, args.train_size, args.test_size, args.seed,
                                data_dir=args.data_dir, progress=args.progress)
    except ImportError as exc:
        print(f"compare_torch: needs PyTorch ({exc}); pip install torch", file=sys.stderr)
        return 1
    os.makedirs(args.out, exist_ok=True)
    write_json(result, os.path.join(args.out, "compare_torch.json"))
    a, b = result["scratchgrad"], result["torch"]
    print(f"test accuracy after {args.epochs} epoch(s): scratchgrad {a['test_acc'][-1]:.2%}, torch "
          f"{b['test_acc'][-1]:.2%} (difference {result['final_accuracy_difference'] * 100:.2f} points); "
          f"training time per epoch: scratchgrad {np.mean(a['epoch_time']):.1f} s, torch "
          f"{np.mean(b['epoch_time']):.1f} s")
    print(f"written to {os.path.join(args.out, 'compare_torch.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
