"""notebooks/quickstart.ipynb runs top to bottom in a fresh kernel (so it cannot rot) and shows honest figures."""
from __future__ import annotations

import re

import nbclient
import nbformat
import pytest

from core import config

NOTEBOOK = config.ROOT / "notebooks" / "quickstart.ipynb"


@pytest.fixture(scope="module")
def executed() -> nbformat.NotebookNode:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    return nb


def _text(nb: nbformat.NotebookNode) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", "") + str(out.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


def test_committed_notebook_has_no_stale_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not cell.get("outputs") for cell in nb.cells if cell.cell_type == "code")


def test_every_cell_runs_and_no_cell_errors(executed):
    outputs = [out for cell in executed.cells if cell.cell_type == "code" for out in cell.outputs]
    assert outputs and not [out for out in outputs if out.output_type == "error"]


def test_models_are_shown_beside_their_baselines(executed):
    text = _text(executed)
    for name in ("Marquee churn model", "Always stay (baseline)", "Most popular (baseline)",
                 "Baseline: genre median", "Baseline: genre hit rate"):
        assert name in text
    auc = float(re.search(r"out-of-fold ROC-AUC (\d\.\d+)", text).group(1))
    assert auc > 0.8  # the churn model on the real Telco data (the page shows 0.851)


def test_integer_catalogue_gets_integer_ids_back(executed):
    assert "{'int'}" in _text(executed)


def test_two_app_charts_are_plotted(executed):
    figures = [out for cell in executed.cells for out in cell.get("outputs", [])
               if "application/vnd.plotly.v1+json" in out.get("data", {})]
    assert len(figures) == 2
