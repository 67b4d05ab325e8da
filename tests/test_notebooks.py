"""The notebooks in notebooks/ are stored clean and run top to bottom.

Every ``notebooks/*.ipynb`` is picked up (new ones are tested without touching this file). Each
runs in a fresh kernel whose working directory mirrors the repository layout (a temporary
``notebooks/`` folder next to a ``scenarios/`` link), so ``../scenarios/scaleup.toml`` works as
it does in a clone, and nothing is written into the repository. The sizes are the small smoke
test ones: ``ORGSIM_REPLICATIONS=2`` and ``ORGSIM_SAMPLES=8``, read by each notebook's first
code cell.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the notebook tests need the test extra (nbformat, nbclient, ipykernel)")
nbclient = pytest.importorskip("nbclient", reason="the notebook tests need the test extra (nbformat, nbclient, ipykernel)")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SMALL = {"ORGSIM_REPLICATIONS": "2", "ORGSIM_SAMPLES": "8"}
#: A guard against a hung kernel, not a performance check: far above what any notebook needs.
NOTEBOOK_TIMEOUT_S = 900
REPLICATIONS_LINE = re.compile(r"""^REPLICATIONS\s*=\s*int\(os\.environ\.get\(["']ORGSIM_REPLICATIONS["'],\s*["']\d+["']\)\)""", re.M)


def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


def test_the_quick_start_mechanism_and_growth_stage_notebooks_exist() -> None:
    names = {p.stem for p in NOTEBOOKS}
    assert {"01_quick_start", "02_mechanisms", "03_growth_stage"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_is_stored_without_outputs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    dirty = [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)]
    assert dirty == [], f"{path.name}: cells {dirty} have outputs; clear them before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_takes_its_replications_from_the_environment_in_its_first_code_cell(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    first = next(cell for cell in notebook.cells if cell.cell_type == "code")
    assert REPLICATIONS_LINE.search(first.source), f"{path.name}: the first code cell must read REPLICATIONS from ORGSIM_REPLICATIONS"


def test_the_docs_site_executes_every_notebook_and_fails_on_an_error() -> None:
    """The site shows each notebook's outputs made at build time (docs_hooks/notebooks.py sets the size)."""
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    plugin = config[config.index("mkdocs-jupyter:") :].split("\n  - ", 1)[0]
    assert re.search(r"^\s+execute: true$", plugin, re.M) and re.search(r"^\s+allow_errors: false$", plugin, re.M)
    assert "execute_ignore" not in plugin
    assert "docs_hooks/notebooks.py" in config
    missing = [p.name for p in NOTEBOOKS if f"notebooks/{p.name}" not in config]
    assert missing == [], f"notebooks not in the site's nav: {missing}"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_runs_top_to_bottom(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in SMALL.items():
        monkeypatch.setenv(key, value)  # inherited by the kernel
    workdir = tmp_path / "notebooks"
    workdir.mkdir()
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios", target_is_directory=True)
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(notebook, kernel_name="python3", resources={"metadata": {"path": str(workdir)}})
    deadline = time.monotonic() + NOTEBOOK_TIMEOUT_S
    with client.setup_kernel():  # started in resources['metadata']['path']
        for index, cell in enumerate(notebook.cells):
            client.timeout = max(1, int(deadline - time.monotonic()))  # what is left of the notebook's budget
            client.execute_cell(cell, index)  # raises CellExecutionError with the traceback
    errors = [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs if out.output_type == "error"]
    assert errors == []
