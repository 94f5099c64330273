"""Render the example pictures the README shows: ``python -m viz.gallery [out_dir]`` (default ``docs``).

* ``graph_simple_convnet.svg/.png``: the book's SimpleConvNet forward pass and loss, grouped by module.
* ``graph_grad_norms.svg/.png``: a 6-layer sigmoid MLP with std=0.01 weights after one backward pass, every
  tensor coloured by its gradient norm: the gradients vanish on the way back to the first layer.

Inputs are random (a picture of the graph does not need MNIST); the seed is fixed so re-rendering gives
the same pictures.
"""
import sys
from pathlib import Path

import autograd as ag

from .graph import draw_graph, save_graph
from .modules import trace_modules

__all__ = ["simple_convnet_graph", "grad_norms_graph", "main"]


def simple_convnet_graph(batch=100):
    """The Digraph of SimpleConvNet (conv 30@5x5 -> relu -> pool -> fc 100 -> relu -> fc 10) and its loss."""
    import nn.functional as F
    from nn.models import SimpleConvNet

    ag.manual_seed(0)
    model = SimpleConvNet()
    x = ag.randn(batch, 1, 28, 28)
    t = ag.randint(0, 10, (batch,))
    with trace_modules(model) as trace:
        loss = F.cross_entropy(model(x), t)
    return draw_graph({"loss": loss}, params=model, inputs={"x": x, "t": t}, group_modules=trace, legend=True)


def grad_norms_graph(batch=100, depth=6, width=100, std=0.01):
    """The Digraph of a sigmoid MLP with N(0, std^2) weights after backward, coloured by gradient norm.

    With std=0.01 each layer passes back about ``std * sqrt(width) * max(sigmoid') = 0.025`` of the gradient it
    receives, so the first layer's weights get a gradient millions of times smaller than the last one's.
    (With std=1 the activations saturate, but the large weights amplify the backward signal about as much as
    the flat sigmoid shrinks it, so the weight gradients stay within one decade across the six layers.)
    """
    import nn.functional as F
    from nn.models import MLP

    ag.manual_seed(0)
    model = MLP(784, [width] * (depth - 1), 10, activation="sigmoid", weight_init=std)
    x = ag.randn(batch, 784)
    t = ag.randint(0, 10, (batch,))
    with trace_modules(model, retain_grads=True) as trace:
        loss = F.cross_entropy(model(x), t)
    loss.backward()
    dot = draw_graph({"loss": loss}, params=model, inputs={"x": x, "t": t}, group_modules=trace,
                     show_grads=True, legend=True)
    dot.attr(label=f"{depth}-layer sigmoid MLP, weights N(0, {std}^2): the gradient norm shrinks about 40x per "
                   "layer on its way back to the input", labelloc="t", fontsize="16")
    return dot


def main(argv=None):
    """Write both pictures as SVG and PNG into the given folder."""
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0] if argv else "docs")
    out.mkdir(parents=True, exist_ok=True)
    for name, make in (("graph_simple_convnet", simple_convnet_graph), ("graph_grad_norms", grad_norms_graph)):
        dot = make()
        for suffix in (".svg", ".png"):
            print(save_graph(dot, out / (name + suffix)))


if __name__ == "__main__":
    main()
