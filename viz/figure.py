"""The one kind of matplotlib figure viz makes: a plain ``Figure`` that also shows itself in Jupyter.

viz builds figures without pyplot (no global state, no GUI backend), so Jupyter's matplotlib integration,
which hooks into pyplot, never sees them: without ``%matplotlib inline`` a returned figure printed as
``<Figure size ... with N Axes>``.  IPython asks an object for ``_repr_png_`` when it is the value of a cell,
so this subclass answers with the PNG that ``savefig`` writes; nothing here imports IPython.  This module
imports matplotlib, so import it only when drawing (``viz.plots`` does).
"""
import io

from matplotlib.figure import Figure as _Figure

__all__ = ["Figure", "new_figure"]


class Figure(_Figure):
    """A ``matplotlib.figure.Figure`` that Jupyter and IPython display as a PNG image (``_repr_png_``)."""

    def _repr_png_(self):
        """The figure as PNG bytes at its own size and dpi, exactly what ``savefig("x.png")`` writes."""
        buf = io.BytesIO()
        self.savefig(buf, format="png", dpi=self.dpi)
        return buf.getvalue()


def new_figure(width, height, dpi=100):
    """A :class:`Figure` of ``width`` x ``height`` inches with constrained layout (what every viz plot starts from)."""
    return Figure(figsize=(width, height), dpi=dpi, layout="constrained")
