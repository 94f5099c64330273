"""What each layer of a CNN responds to (chapter 7's point: edges first, then textures, then parts).

* :func:`plot_feature_maps`: the activation maps of chosen layers for one image.
* :func:`receptive_field` and :func:`top_activating_patches` / :func:`plot_top_patches`: for each channel, the
  input patches (its receptive field) that excite it most, found over a dataset in bounded memory.
* :func:`saliency` / :func:`plot_saliency`: the gradient of a logit with respect to the input (plain, or
  SmoothGrad over noisy copies).
* :func:`maximize_activation` / :func:`plot_maximized`: gradient ascent on the input from noise, with jitter,
  L2 decay and blurring, towards the image that excites one channel most.

The models are ``nn`` Modules; layers are given as modules of the model or by their names in
``model.named_modules()``.  Analyses run in eval mode and restore the model's mode afterwards.  Pictures use
matplotlib (imported only when drawing) and are returned as Figures, which show inline in Jupyter.
"""
from __future__ import annotations

import contextlib
import heapq
import math
from typing import Any, NamedTuple

import numpy as np

import autograd as ag

from .plots import _array, _figure, _save, hooked

__all__ = ["plot_feature_maps", "receptive_field", "ReceptiveField", "top_activating_patches", "plot_top_patches",
           "saliency", "plot_saliency", "maximize_activation", "plot_maximized"]

_SPATIAL = ("Conv2d", "MaxPool2d", "AvgPool2d")  # layers that change the receptive field
_POINTWISE = ("ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU", "ELU", "SiLU", "Softplus", "BatchNorm2d", "Dropout",
              "Identity")  # layers that keep it


# -- layers and hooks --------------------------------------------------------------------------------------

def _resolve(model, layer, who):
    """``(name, module)`` of ``layer`` (a module of ``model`` or its name); ValueError naming the argument."""
    named = dict(model.named_modules())
    if isinstance(layer, str):
        if layer not in named:
            raise ValueError(f"{who}: layer {layer!r} is not a module of the model; its modules are "
                             f"{', '.join(n for n in named if n)}")
        return layer, named[layer]
    for name, m in named.items():
        if m is layer:
            return name, m
    raise ValueError(f"{who}: layer {type(layer).__name__} is not part of the model")


@contextlib.contextmanager
def _eval(model):
    """Run ``model`` in eval mode (BatchNorm's running statistics, no dropout), restoring its modes after."""
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for m, mode in modes:
            m.training = mode


@contextlib.contextmanager
def _capture(modules):
    """Collect the output of each module while the model runs: yields ``{module: output Tensor}``."""
    outputs: dict[Any, Any] = {}
    with hooked(modules, lambda mod, args, out: outputs.__setitem__(mod, out)):
        yield outputs


def _call_order(model, x):
    """The leaf modules of ``model`` in the order its forward calls them on ``x`` (one traced run)."""
    order = []
    leaves = [m for m in model.modules() if not list(m.children())]
    with hooked(leaves, lambda mod, args, out: order.append(mod)), ag.no_grad(), _eval(model):
        model(x)
    return order


def _image_batch(x, who):
    """One image ``(C, H, W)`` or ``(1, C, H, W)`` as a float32 batch of one."""
    a = np.asarray(_array(x), dtype=np.float32)
    if a.ndim == 3:
        a = a[None]
    if a.ndim != 4 or a.shape[0] != 1:
        raise ValueError(f"{who}: expected one image of shape (C, H, W) or (1, C, H, W), got shape {a.shape}")
    return a


# -- feature maps ------------------------------------------------------------------------------------------

def plot_feature_maps(model, x, layers=None, max_channels=16, ncols=8, path=None):
    """The activation maps of each chosen layer for one image: a labelled grid per layer, one colour scale per layer.

    Args:
        model: an ``nn`` Module taking ``(N, C, H, W)`` images.
        x: one image, ``(C, H, W)`` or ``(1, C, H, W)``.
        layers: modules or names; default every Conv2d and pooling layer, in call order.
        max_channels: channels shown per layer (the first ones).
        path: also write the picture there (``.png``, ``.svg``, ``.pdf``).
    Returns:
        the ``matplotlib.figure.Figure``.
    """
    batch = _image_batch(x, "plot_feature_maps")
    if layers is None:
        chosen = [(n, m) for n, m in model.named_modules() if type(m).__name__ in _SPATIAL]
        order = {m: i for i, m in enumerate(_call_order(model, ag.tensor(batch)))}
        chosen.sort(key=lambda nm: order.get(nm[1], len(order)))
    else:
        chosen = [_resolve(model, layer, "plot_feature_maps") for layer in layers]
    if not chosen:
        raise ValueError("plot_feature_maps: the model has no Conv2d or pooling layer; pass layers=")
    with ag.no_grad(), _eval(model), _capture([m for _, m in chosen]) as outputs:
        model(ag.tensor(batch))
    maps = []
    for name, m in chosen:
        if m not in outputs:
            raise ValueError(f"plot_feature_maps: layer {name!r} was not called by the model's forward")
        a = _array(outputs[m])[0]
        if a.ndim != 3:
            raise ValueError(f"plot_feature_maps: layer {name!r} gives outputs of shape {a.shape[1:]}, not maps (C, H, W)")
        maps.append((name, type(m).__name__, a[:max_channels], a.shape))
    ncols = max(1, min(ncols, max(len(a) for _, _, a, _ in maps)))
    rows = [math.ceil(len(a) / ncols) for _, _, a, _ in maps]
    fig = _figure(ncols * 0.9 + 0.9, sum(r * 0.9 + 0.35 for r in rows) + 1.6)
    subs = fig.subfigures(len(maps) + 1, 1, height_ratios=[1.3] + [r * 0.9 + 0.35 for r in rows])
    ax = subs[0].subplots(1, 1)
    ax.imshow(batch[0, 0] if batch.shape[1] != 3 else np.transpose(batch[0], (1, 2, 0)), cmap="gray")
    ax.set_axis_off()
    subs[0].suptitle("input", fontsize=9)
    for (name, kind, a, shape), sub, r in zip(maps, subs[1:], rows):
        sub.suptitle(f"{name} ({kind}): {shape[0]} maps of {shape[1]}x{shape[2]}"
                     + (f", first {len(a)} shown" if len(a) < shape[0] else ""), fontsize=9)
        lo, hi = float(a.min()), float(a.max())
        axes = sub.subplots(r, ncols, squeeze=False)
        for i, ax in enumerate(axes.flat):
            ax.set_axis_off()
            if i < len(a):
                im = ax.imshow(a[i], cmap="viridis", vmin=lo, vmax=hi if hi > lo else lo + 1, interpolation="nearest")
                ax.set_title(str(i), fontsize=7, pad=1)
        sub.colorbar(im, ax=axes, shrink=0.8, pad=0.01)
    _save(fig, path, "plot_feature_maps")
    return fig


# -- receptive fields and top patches ----------------------------------------------------------------------

class ReceptiveField(NamedTuple):
    """Output unit ``(i, j)`` of a layer sees input rows ``start[0] + i * jump[0]`` .. ``+ size[0] - 1`` (and
    columns likewise); ``start`` may be negative (padding)."""

    size: tuple
    jump: tuple
    start: tuple


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def receptive_field(model, layer, x):
    """The receptive field of ``layer``'s output units in the input, from the kernels, strides, paddings and
    dilations of the layers the forward runs before it (traced once on ``x``, a batch or one image).

    Raises:
        ValueError: ``layer`` is not part of the model or not called, or a layer on the way (Linear, Flatten,
            adaptive pooling, ...) has no receptive field.
    """
    name, target = _resolve(model, layer, "receptive_field")
    a = _array(x)
    order = _call_order(model, ag.tensor(a if a.ndim == 4 else a[None]))
    if target not in order:
        raise ValueError(f"receptive_field: layer {name!r} is not called by the model's forward")
    size, jump, start = [1, 1], [1, 1], [0, 0]
    for m in order[:order.index(target) + 1]:
        kind = type(m).__name__
        if kind in _POINTWISE:
            continue
        if kind not in _SPATIAL:
            raise ValueError(f"receptive_field: the receptive field of {name!r} cannot be computed: the {kind} "
                             "layer before it mixes all positions (or is not a convolution/pooling layer)")
        k, s, p = _pair(m.kernel_size), _pair(m.stride or m.kernel_size), _pair(m.padding)
        d = _pair(getattr(m, "dilation", 1))
        for ax in range(2):
            size[ax] += (k[ax] - 1) * d[ax] * jump[ax]
            start[ax] -= p[ax] * jump[ax]
            jump[ax] *= s[ax]
    return ReceptiveField(tuple(size), tuple(jump), tuple(start))


def _batches(dataset, batch_size):
    """``(first index, images array)`` over a Dataset of ``(image, label)`` pairs or images, or over an array."""
    if hasattr(dataset, "shape") or isinstance(dataset, np.ndarray):
        data = _array(dataset)
        for i in range(0, len(data), batch_size):
            yield i, data[i:i + batch_size]
        return
    if not hasattr(dataset, "__getitem__") or not hasattr(dataset, "__len__"):
        raise TypeError(f"top_activating_patches: dataset must be an array of images or a Dataset of (image, label) "
                        f"pairs, got {type(dataset).__name__}")
    for i in range(0, len(dataset), batch_size):
        items = [dataset[j] for j in range(i, min(i + batch_size, len(dataset)))]
        yield i, np.stack([_array(it[0] if isinstance(it, (tuple, list)) else it) for it in items])


def _image(dataset, i):
    if hasattr(dataset, "shape") or isinstance(dataset, np.ndarray):
        return _array(dataset[i])
    item = dataset[i]
    return _array(item[0] if isinstance(item, (tuple, list)) else item)


def _crop(img, rf, i, j):
    """The receptive-field patch of unit ``(i, j)`` from ``img (C, H, W)``, zero outside the image."""
    c, h, w = img.shape
    (sh, sw), (jh, jw), (oh, ow) = rf
    top, left = oh + i * jh, ow + j * jw
    patch = np.zeros((c, sh, sw), dtype=np.float32)
    r0, r1, c0, c1 = max(top, 0), min(top + sh, h), max(left, 0), min(left + sw, w)
    if r0 < r1 and c0 < c1:
        patch[:, r0 - top:r1 - top, c0 - left:c1 - left] = img[:, r0:r1, c0:c1]
    return patch


def top_activating_patches(model, layer, dataset, k=9, batch_size=256, channels=None):
    """For each channel of ``layer``, the ``k`` input patches (its receptive field) that activate it most.

    Runs over ``dataset`` (an array ``(N, C, H, W)`` or a Dataset of ``(image, label)``) in batches under
    ``no_grad``, keeping only ``k`` candidates per channel (memory does not grow with the dataset).
    Returns ``{channel: [(activation, image index, (i, j), patch (C, h, w)), ...]}``, best first.
    """
    name, target = _resolve(model, layer, "top_activating_patches")
    if k < 1:
        raise ValueError(f"top_activating_patches: k must be positive, got {k}")
    rf = None
    best: dict[int, list[Any]] = {}  # channel -> min-heap of (activation, image index, i, j)
    with ag.no_grad(), _eval(model), _capture([target]) as outputs:
        for first, images in _batches(dataset, batch_size):
            if rf is None:
                rf = receptive_field(model, target, images[:1])
            outputs.clear()
            model(ag.tensor(images.astype(np.float32, copy=False)))
            act = _array(outputs[target])
            if act.ndim != 4:
                raise ValueError(f"top_activating_patches: layer {name!r} gives outputs of shape {act.shape}, not maps")
            chans = range(act.shape[1]) if channels is None else channels
            for ch in chans:
                if not 0 <= ch < act.shape[1]:
                    raise ValueError(f"top_activating_patches: channel {ch} out of range for {name!r} "
                                     f"({act.shape[1]} channels)")
                a = act[:, ch].reshape(len(act), -1)
                top_per_image = a.max(axis=1)
                for n in np.argsort(top_per_image)[::-1][:k]:  # an image contributes its best position
                    pos = int(a[n].argmax())
                    heap = best.setdefault(ch, [])
                    entry = (float(top_per_image[n]), first + int(n), divmod(pos, act.shape[3]))
                    if len(heap) < k:
                        heapq.heappush(heap, entry)
                    elif entry > heap[0]:
                        heapq.heapreplace(heap, entry)
    if rf is None:
        raise ValueError("top_activating_patches: the dataset is empty")
    return {ch: [(v, n, ij, _crop(_image(dataset, n).astype(np.float32), rf, *ij))
                 for v, n, ij in sorted(heap, reverse=True)] for ch, heap in sorted(best.items())}


def plot_top_patches(model, layer, dataset, k=9, max_channels=16, title=None, path=None, **kwargs):
    """One row per channel of ``layer``: its ``k`` top-activating patches (see :func:`top_activating_patches`).

    The figure's ``found`` attribute holds what :func:`top_activating_patches` returned.
    """
    found = top_activating_patches(model, layer, dataset, k=k, **kwargs)
    chans = list(found)[:max_channels]
    fig = _figure(k * 0.55 + 0.8, len(chans) * 0.55 + 0.5)
    fig.suptitle(title or f"top-{k} patches per channel of {_resolve(model, layer, 'plot_top_patches')[0]}",
                 fontsize=9)
    axes = fig.subplots(len(chans), k, squeeze=False)
    fig.found = found
    for r, ch in enumerate(chans):
        for c, ax in enumerate(axes[r]):
            ax.set_xticks([])
            ax.set_yticks([])
            if c < len(found[ch]):
                p = found[ch][c][3]
                ax.imshow(p[0] if p.shape[0] != 3 else np.transpose(p, (1, 2, 0)), cmap="gray", interpolation="nearest")
        axes[r][0].set_ylabel(str(ch), fontsize=7, rotation=0, labelpad=8)
    _save(fig, path, "plot_top_patches")
    return fig


# -- saliency ----------------------------------------------------------------------------------------------

def saliency(model, x, target, n=0, sigma=0.15, seed=0):
    """The gradient of logit ``target`` with respect to the input image ``x`` (``(C, H, W)`` or ``(1, C, H, W)``).

    With ``n > 0``: SmoothGrad, the mean gradient over ``n`` copies of ``x`` with Gaussian noise of standard
    deviation ``sigma * (max(x) - min(x))``.  Returns an array of ``x``'s shape (without the batch dim).
    """
    batch = _image_batch(x, "saliency")
    if n < 0:
        raise ValueError(f"saliency: n must be >= 0, got {n}")
    rng = np.random.default_rng(seed)
    inputs = batch if n == 0 else batch + rng.standard_normal((n,) + batch.shape[1:]).astype(np.float32) * (
        sigma * float(batch.max() - batch.min()))
    with _eval(model):
        xs = ag.tensor(inputs, requires_grad=True)
        logits = model(xs)
        if logits.ndim != 2 or not 0 <= int(target) < logits.shape[1]:
            raise ValueError(f"saliency: target {target} out of range for logits of shape {tuple(logits.shape)}")
        (g,) = ag.grad(logits[:, int(target)].sum(), [xs])
    return g.numpy().mean(axis=0)


def plot_saliency(model, x, target, n=0, path=None, **kwargs):
    """The image, its plain saliency and (with ``n > 0``) its SmoothGrad map, side by side."""
    batch = _image_batch(x, "plot_saliency")
    maps = [("gradient", saliency(model, batch, target, **kwargs))]
    if n:
        maps.append((f"SmoothGrad (n={n})", saliency(model, batch, target, n=n, **kwargs)))
    fig = _figure(2.2 * (len(maps) + 1), 2.5)
    axes = fig.subplots(1, len(maps) + 1)
    img = batch[0, 0] if batch.shape[1] != 3 else np.transpose(batch[0], (1, 2, 0))
    axes[0].imshow(img, cmap="gray")
    axes[0].set_title(f"input (target {target})", fontsize=9)
    for ax, (label, g) in zip(axes[1:], maps):
        heat = np.abs(g).max(axis=0)
        ax.imshow(img, cmap="gray")
        ax.imshow(heat, cmap="inferno", alpha=0.6)
        ax.set_title(label, fontsize=9)
    for ax in axes:
        ax.set_axis_off()
    _save(fig, path, "plot_saliency")
    return fig


# -- activation maximisation -------------------------------------------------------------------------------

def _blur(a):
    """A 3x3 binomial blur of ``(C, H, W)`` (edges replicated): the regulariser that keeps the image smooth."""
    p = np.pad(a, ((0, 0), (1, 1), (1, 1)), mode="edge")
    rows = (p[:, :-2] + 2 * p[:, 1:-1] + p[:, 2:]) / 4
    return (rows[:, :, :-2] + 2 * rows[:, :, 1:-1] + rows[:, :, 2:]) / 4


def maximize_activation(model, layer, channel, input_shape=(1, 28, 28), steps=200, lr=0.05, jitter=2, l2=1e-3,
                        blur_every=4, seed=0):
    """Gradient ascent on an input image (from small noise) to maximise channel ``channel`` of ``layer``.

    Each step rolls the image by a random offset of up to ``jitter`` pixels, ascends the mean activation of the
    channel (its centre unit for maps) with a normalised gradient step, rolls back, decays it by ``l2``, and
    blurs it every ``blur_every`` steps.  Returns ``(image (C, H, W), activations per step)``.
    """
    name, target = _resolve(model, layer, "maximize_activation")
    rng = np.random.default_rng(seed)
    img = (rng.standard_normal(input_shape) * 0.01).astype(np.float32)
    trace = []
    with _eval(model), _capture([target]) as outputs:
        for step in range(steps):
            dy, dx = rng.integers(-jitter, jitter + 1, size=2) if jitter else (0, 0)
            x = ag.tensor(np.roll(img, (dy, dx), axis=(1, 2))[None], requires_grad=True)
            model(x)
            out = outputs[target]
            if out.ndim < 2 or not 0 <= channel < out.shape[1]:
                raise ValueError(f"maximize_activation: channel {channel} out of range for {name!r} "
                                 f"(outputs of shape {tuple(out.shape)})")
            act = out[0, channel]
            if act.ndim == 2:  # a map: the unit at its centre (whose receptive field is centred in the image)
                act = act[act.shape[0] // 2, act.shape[1] // 2]
            (g,) = ag.grad(act, [x])
            g = np.roll(g.numpy()[0], (-dy, -dx), axis=(1, 2))
            img = img + lr * g / (np.abs(g).mean() + 1e-8)
            img *= 1 - l2
            if blur_every and (step + 1) % blur_every == 0:
                img = _blur(img).astype(np.float32)
            trace.append(float(act.item()))
    return img, trace


def plot_maximized(model, layer, channels, title=None, path=None, **kwargs):
    """The images found by :func:`maximize_activation` for ``channels`` of ``layer`` (or of each layer of a
    list, one row per layer), titled with the channel's activation before and after the ascent.

    The figure's ``traces`` attribute holds ``{(layer name, channel): activation per step}``.
    """
    layers = list(layer) if isinstance(layer, (list, tuple)) else [layer]
    channels = list(channels)
    names = [_resolve(model, lay, "plot_maximized")[0] for lay in layers]
    fig = _figure(len(channels) * 1.1 + 0.6, len(layers) * 1.35 + 0.4)
    fig.suptitle(title or "inputs that maximise a channel (activation: noise -> result)", fontsize=9)
    axes = fig.subplots(len(layers), len(channels), squeeze=False)
    fig.traces = {}
    for row, lay, name in zip(axes, layers, names):
        for ax, c in zip(row, channels):
            img, trace = maximize_activation(model, lay, c, **kwargs)
            fig.traces[name, c] = trace
            ax.imshow(img[0] if img.shape[0] != 3 else np.transpose(np.clip(img, 0, 1), (1, 2, 0)), cmap="gray")
            ax.set_title(f"{name}[{c}]: {trace[0]:.2g}->{trace[-1]:.2g}", fontsize=6)
            ax.set_xticks([])
            ax.set_yticks([])
    _save(fig, path, "plot_maximized")
    return fig
