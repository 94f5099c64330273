"""viz: pictures of what autograd recorded (graphviz) and of training (matplotlib); each imported only when used.

    import viz
    with viz.trace_modules(model) as trace:
        loss = F.cross_entropy(model(x), t)
    viz.save_graph(loss, "graph.svg", params=model, group_modules=trace, legend=True)

    viz.draw_graph(model=model, inputs=x, collapse=True)      # runs the forward itself
    viz.plot_history(history, path="curves.png")             # needs matplotlib
    viz.plot_feature_maps(model, image)                       # what each conv/pool layer responds to
"""
from .features import (ReceptiveField, maximize_activation, plot_feature_maps, plot_maximized, plot_saliency,
                       plot_top_patches, receptive_field, saliency, top_activating_patches)
from .graph import draw_graph, retain_grads, save_graph
from .modules import ModuleCall, ModuleTrace, trace_modules
from .plots import collect_activations, plot_activation_histograms, plot_filters, plot_history, plot_optimizer_paths, plot_search

__all__ = [
    "draw_graph", "save_graph", "retain_grads", "trace_modules", "ModuleTrace", "ModuleCall",
    "plot_filters", "plot_activation_histograms", "collect_activations", "plot_history", "plot_optimizer_paths",
    "plot_search", "plot_feature_maps", "receptive_field", "ReceptiveField", "top_activating_patches",
    "plot_top_patches", "saliency", "plot_saliency", "maximize_activation", "plot_maximized",
]
