"""Grouping ops by module: clusters from forward hooks, collapsed boxes, the parameter-based fallback."""
import warnings

import numpy as np
import pytest

import autograd as ag
import viz
from viz import style
from vizdot import Dot

OP = style.KINDS["op"]["fillcolor"]
MODULE = style.KINDS["module"]["fillcolor"]


class _Handle:
    def __init__(self, hooks, hook):
        self.hooks, self.hook = hooks, hook

    def remove(self):
        self.hooks.remove(self.hook)


class FakeModule:
    """The part of the nn.Module interface viz uses, so these tests run whether or not nn is importable."""

    def __init__(self, **children):
        self.children, self.params, self.hooks = children, {}, []

    def named_modules(self, prefix=""):
        yield prefix, self
        for name, child in self.children.items():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def named_parameters(self, prefix=""):
        for name, p in self.params.items():
            yield (f"{prefix}.{name}" if prefix else name), p
        for name, child in self.children.items():
            yield from child.named_parameters(f"{prefix}.{name}" if prefix else name)

    def register_forward_hook(self, hook):
        self.hooks.append(hook)
        return _Handle(self.hooks, hook)

    def __call__(self, *args):
        out = self.forward(*args)
        for hook in list(self.hooks):
            out = hook(self, args, out) or out
        return out


class Lin(FakeModule):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.params = {"weight": ag.randn(n_in, n_out, requires_grad=True), "bias": ag.zeros(n_out, requires_grad=True)}

    def forward(self, x):
        return x @ self.params["weight"] + self.params["bias"]


class Act(FakeModule):
    def forward(self, x):
        return x.relu()


class Net(FakeModule):
    """fc1 -> act -> neg (the net's own op) -> fc2 -> act (the same module again)."""

    def __init__(self):
        super().__init__(fc1=Lin(4, 3), act=Act(), fc2=Lin(3, 2))

    def forward(self, x):
        c = self.children
        return c["act"](c["fc2"](-c["act"](c["fc1"](x))))


def traced(retain_grads=False):
    ag.manual_seed(0)
    net = Net()
    x = ag.randn(2, 4)
    with viz.trace_modules(net, retain_grads=retain_grads) as trace:
        out = net(x)
    loss = (out * out).mean()
    return net, x, trace, out, loss


def op_labels(d, nodes):
    return sorted(d.nodes[n]["label"] for n in nodes if d.nodes[n].get("fillcolor") == OP)


def test_clusters_hold_the_ops_of_their_module():
    net, x, trace, out, loss = traced()
    assert all(not m.hooks for _, m in net.named_modules())  # the with block removed its hooks
    assert [c.label for c in trace.calls] == [
        "fc1 (Lin)", "act (Act)", "fc2 (Lin)", "act (Act) #2", "Net"]
    d = Dot(viz.draw_graph(loss, params=net, inputs={"x": x}, group_modules=trace).source)
    root = d.cluster_of_label("Net")
    fc1, fc2 = d.cluster_of_label("fc1 (Lin)"), d.cluster_of_label("fc2 (Lin)")
    act1, act2 = d.cluster_of_label("act (Act)"), d.cluster_of_label("act (Act) #2")
    for c in (fc1, fc2, act1, act2):
        assert d.clusters[c]["parent"] == root
    assert op_labels(d, d.clusters[fc1]["nodes"]) == ["Add", "MatMul"]
    assert op_labels(d, d.clusters[act1]["nodes"]) == ["ReLU"]
    assert op_labels(d, d.clusters[act2]["nodes"]) == ["ReLU"]
    # the net's own op sits in the net's cluster but in no child; the loss is outside
    assert op_labels(d, d.clusters[root]["nodes"]) == ["Neg"]
    outside = [n for n, a in d.graph_nodes().items() if a["cluster"] is None]
    assert op_labels(d, outside) == ["Mean", "Mul"]
    # parameters sit with their module, the input outside every module
    labels = {d.label(n).split("\n")[0]: a["cluster"] for n, a in d.graph_nodes().items()}
    assert labels["fc1.weight"] == fc1 and labels["fc2.bias"] == fc2 and labels["x"] is None
    # every op of the graph is drawn exactly once
    assert len(d.by_fill(OP)) == len(ag.graph.nodes_of(loss)) == 9


def test_collapse_draws_each_top_level_module_as_one_box():
    net, x, trace, out, loss = traced()
    d = Dot(viz.draw_graph(loss, params=net, inputs={"x": x}, group_modules=trace, collapse=True).source)
    boxes = {d.label(n).split("\n")[0]: n for n in d.by_fill(MODULE)}
    assert set(boxes) == {"fc1 (Lin)", "act (Act)", "fc2 (Lin)", "act (Act) #2"}
    assert d.label(boxes["fc1 (Lin)"]) == "fc1 (Lin)\n(2, 4) -> (2, 3)\n15 params"
    assert d.label(boxes["act (Act) #2"]) == "act (Act) #2\n(2, 2) -> (2, 2)"
    assert all(d.nodes[b]["shape"] == "box3d" for b in boxes.values())
    assert op_labels(d, d.graph_nodes()) == ["Mean", "Mul", "Neg"]  # the collapsed ops are gone
    pairs = {(u, v) for u, v, _ in d.edges}
    (neg,) = [n for n in d.by_fill(OP) if d.nodes[n]["label"] == "Neg"]
    (neg_out,) = [v for u, v in pairs if u == neg]
    assert {(boxes["fc1 (Lin)"], boxes["act (Act)"]), (boxes["act (Act)"], neg), (neg_out, boxes["fc2 (Lin)"]),
            (boxes["fc2 (Lin)"], boxes["act (Act) #2"])} <= pairs
    assert all(u != v for u, v in pairs)
    # the boxes stay inside the net's cluster
    assert {d.nodes[b]["cluster"] for b in boxes.values()} == {d.cluster_of_label("Net")}
    whole = Dot(viz.draw_graph(loss, group_modules=trace, collapse=0 + 2).source)  # depth 2: leaves collapse too
    assert len(whole.by_fill(MODULE)) == 4


def test_group_by_module_without_a_trace_places_parameter_ops():
    net, x, trace, out, loss = traced()
    d = Dot(viz.draw_graph(loss, params=net, group_modules=net).source)
    fc1 = d.cluster_of_label("fc1 (Lin)")
    assert op_labels(d, d.clusters[fc1]["nodes"]) == ["Add", "MatMul"]
    relus = [n for n in d.by_fill(OP) if d.nodes[n]["label"] == "ReLU"]
    assert all(d.nodes[n]["cluster"] is None for n in relus)
    with pytest.raises(TypeError, match="group_modules"):
        viz.draw_graph(loss, group_modules=42)


def test_draw_graph_runs_the_model_itself():
    ag.manual_seed(0)
    net = Net()
    x = ag.randn(2, 4)
    d = Dot(viz.draw_graph(model=net, inputs={"x": x}).source)
    assert not x.requires_grad  # the caller's tensor is untouched
    assert d.cluster_of_label("fc1 (Lin)")
    inputs = [d.label(n) for n in d.by_fill(style.KINDS["input"]["fillcolor"])]
    assert inputs == ["x\n(2, 4)"]
    with pytest.raises(TypeError, match="inputs"):
        viz.draw_graph(model=net)
    with pytest.raises(TypeError, match="not both"):
        viz.draw_graph(net(x), model=net, inputs=x)


def test_retained_module_outputs_show_their_gradients():
    net, x, trace, out, loss = traced(retain_grads=True)
    loss.backward()
    assert out.grad is not None
    d = Dot(viz.draw_graph(loss, params=net, group_modules=trace, show_grads=True).source)
    norm = float(np.linalg.norm(out.grad.numpy()))
    act2 = d.cluster_of_label("act (Act) #2")
    tensors = [n for n in d.clusters[act2]["nodes"] if n.startswith("t")]
    assert [d.label(n) for n in tensors] == [f"(2, 2)\n|grad| {style.fmt_norm(norm)}"]


def test_trace_rejects_non_modules():
    with pytest.raises(TypeError, match="Module"):
        viz.trace_modules(object())


def test_with_nn_modules():
    nn = pytest.importorskip("nn")
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.Sigmoid(), nn.Linear(3, 2))
    x = ag.randn(5, 4)
    try:
        with viz.trace_modules(model) as trace:
            out = model(x)
    except (AttributeError, NotImplementedError) as exc:  # nn still being written
        pytest.skip(f"nn is not complete yet: {exc}")
    d = Dot(viz.draw_graph(out, params=model, group_modules=trace).source)
    first = d.cluster_of_label("0 (Linear)")
    assert d.clusters[first]["parent"] == d.cluster_of_label("Sequential")
    assert {d.label(n).split("\n")[0] for n in d.clusters[first]["nodes"]} >= {"0.weight", "0.bias"}
    assert op_labels(d, d.clusters[d.cluster_of_label("1 (Sigmoid)")]["nodes"]) == ["Sigmoid"]


def test_gallery_pictures_show_modules_and_vanishing_gradients():
    pytest.importorskip("nn")
    from viz import gallery

    try:
        conv = Dot(gallery.simple_convnet_graph(batch=2).source)
        grads = Dot(gallery.grad_norms_graph(batch=4).source)
    except (AttributeError, ImportError, NotImplementedError) as exc:  # nn still being written
        pytest.skip(f"nn is not complete yet: {exc}")
    for label in ("conv1 (Conv2d)", "relu1 (ReLU)", "pool1 (MaxPool2d)", "flatten (Flatten)", "fc1 (Linear)",
                  "relu2 (ReLU)", "fc2 (Linear)"):
        assert conv.clusters[conv.cluster_of_label(label)]["parent"] == conv.cluster_of_label("SimpleConvNet")
    labels = {conv.label(n) for n in conv.graph_nodes()}
    assert {"conv1.weight\n(30, 1, 5, 5)", "x\n(2, 1, 28, 28)", "(2, 30, 12, 12)", "(2, 4320)", "loss\n()"} <= labels

    def norm_of(name):
        (n,) = [n for n in grads.graph_nodes() if grads.label(n).startswith(name + "\n")]
        return float(grads.label(n).rsplit(" ", 1)[1]), grads.nodes[n]["fillcolor"]

    (first, blue), (last, red) = norm_of("fc1.weight"), norm_of("fc6.weight")
    assert first < last * 1e-4  # six decades apart in the picture
    assert int(blue[5:7], 16) > int(blue[1:3], 16) and int(red[1:3], 16) > int(red[5:7], 16)


def test_collapsed_boxes_show_their_parameters_gradient_norm():
    net, x, trace, out, loss = traced()
    loss.backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the boxes hold gradients: no "call backward() first" warning
        d = Dot(viz.draw_graph(loss, params=net, group_modules=trace, collapse=True, show_grads=True,
                               legend=True).source)
    boxes = {d.label(n).split("\n")[0]: n for n in d.graph_nodes() if d.nodes[n]["shape"] == "box3d"}
    fc1 = net.children["fc1"].params
    norm = float(np.sqrt(sum(np.sum(p.grad.numpy().astype(np.float64) ** 2) for p in fc1.values())))
    assert d.label(boxes["fc1 (Lin)"]).endswith("15 params\n|grad| " + style.fmt_norm(norm))
    assert d.nodes[boxes["fc1 (Lin)"]]["fillcolor"] != MODULE
    assert d.nodes[boxes["fc1 (Lin)"]]["color"] == style.KINDS["module"]["color"]
    # a module without parameters has no gradient of its own: it keeps the module colour and no norm line
    assert d.nodes[boxes["act (Act)"]]["fillcolor"] == MODULE and "grad" not in d.label(boxes["act (Act)"])
    assert "filled by their |grad|" in d.nodes["legend_module"]["label"]
