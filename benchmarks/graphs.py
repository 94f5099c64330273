"""The graph shapes of the ``backward_scaling`` workload, written once for every library's tensors."""


def scaling_graph(w, shape, n):
    """Record about ``n`` ops on the leaf ``w`` and return the output's ``backward``.

    ``chain``: ``y = y + 1.0`` repeated, one long path. ``fanin``: ``y = y + w * 0.5`` repeated, so the leaf
    feeds half of the nodes (a backward that re-sorts its frontier goes quadratic on this one).
    """
    if shape == "chain":
        y = w
        for _ in range(n):
            y = y + 1.0
    else:
        y = w * 0.5
        for _ in range(n // 2 - 1):
            y = y + w * 0.5
    return y.backward
