"""Line-plot figures for the experiments (matplotlib, imported only here and only when called).

The model pictures (filters, activations, optimizer paths, search) come from ``viz``; these are the plain
"metric against step" panels the experiments need in several arrangements.
"""
import math

__all__ = ["line_panels"]


def line_panels(panels, path, ncols=None, xlabel="", ylabel="", suptitle=None, ylim=None, logy=False,
                panel_size=(4.2, 3.0), legend="each"):
    """Write a grid of line plots to ``path`` and return the path (None when matplotlib is missing).

    Args:
        panels: a list of ``(title, curves)``; ``curves`` a list of ``(label, xs, ys, style)`` with ``style``
            a matplotlib format string (``'-'``, ``'--'``) or None.
        ncols: panels per row (default: all in one row up to 4).
        ylim: ``(lo, hi)`` for every panel. logy: log-scaled y axis.
        legend: ``'each'`` (a legend in every panel), ``'first'`` or ``None``.
    """
    try:
        from viz.figure import new_figure
    except ImportError:
        from ..artifacts import warn

        warn(f"{path} not written: matplotlib is not installed (pip install matplotlib)")
        return None
    n = len(panels)
    ncols = ncols or min(n, 4)
    nrows = math.ceil(n / ncols)
    fig = new_figure(panel_size[0] * ncols + 0.3, panel_size[1] * nrows + (0.4 if suptitle else 0.1))
    if suptitle:
        fig.suptitle(suptitle)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_axis_off()
    for i, (ax, (title, curves)) in enumerate(zip(axes.flat, panels)):
        for label, xs, ys, style in curves:
            ax.plot(xs, ys, style or "-", label=label, linewidth=1.2)
        ax.set_title(title, fontsize=10)
        if ylim is not None:
            ax.set_ylim(*ylim)
        if logy:
            ax.set_yscale("log")
        ax.set_xlabel(xlabel, fontsize=9)
        ax.set_ylabel(ylabel, fontsize=9)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
        if legend == "each" or (legend == "first" and i == 0):
            ax.legend(fontsize=8)
    fig.savefig(path, dpi=fig.dpi)
    return path
