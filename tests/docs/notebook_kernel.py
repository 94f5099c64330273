"""Run notebooks in a fresh Jupyter kernel with nbclient; the tests that use this skip without nbclient,
nbformat or ipykernel (and fail at the start under ``SCRATCHGRAD_REQUIRE_OPTIONAL=1``, see conftest)."""
import pytest

WIDGET = "application/vnd.jupyter.widget-view+json"


def run(nb, cwd, timeout=300):
    """Execute every cell of ``nb`` in place in a new ``python3`` kernel started in ``cwd``.

    ``timeout`` is per cell. An error in any cell raises nbclient's ``CellExecutionError``, which shows the cell
    and the traceback.
    """
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nbclient.NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def execute(sources, cwd, timeout=300):
    """A new notebook of the code cells ``sources`` (strings), executed by :func:`run`."""
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    return run(nb, cwd, timeout)


def mime_types(cell):
    """The MIME types of a cell's rich outputs (display data and results), one entry per output and type."""
    return [m for out in cell.outputs for m in out.get("data", {})]


def stream_text(cell):
    """What a cell printed to stdout and stderr, joined."""
    return "".join(out.text for out in cell.outputs if out.output_type == "stream")
