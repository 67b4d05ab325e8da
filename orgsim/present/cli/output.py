"""Writing a command's results folder: tables as CSV, figures as PNG, run metadata as JSON.

Every file is written atomically (a temporary file, then a rename), so an interrupted command
never leaves a half-written file behind. Figures are drawn with the non-interactive Agg
backend: the command line never opens a window.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: Figures written by ``orgsim compare``: file stem and the plot function's name.
_FIGURES = ("dashboard", "bookings", "cumulative", "differences", "funnel", "effort_split", "stocks", "sla", "response_times")


def write_csv(path: Path, frame: Any, **to_csv: Any) -> Path:
    """``frame.to_csv(path, **to_csv)``, atomically."""
    from orgsim.config.files import atomic_write

    atomic_write(path, lambda tmp: frame.to_csv(tmp, **to_csv))
    return path


def pyplot() -> Any:
    """pyplot on the Agg backend (files only)."""
    import matplotlib

    matplotlib.use("Agg")  # files only; the command line never opens a window
    import matplotlib.pyplot as plt

    return plt


def save_figure(figure: Any, path: Path) -> Path:
    """The figure as a 150 dpi PNG at ``path``, written atomically; the figure is closed."""
    import io

    from orgsim.config.files import atomic_write_bytes

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=150)
    pyplot().close(figure)
    atomic_write_bytes(path, buffer.getvalue())
    return path


def write_results(experiment: object, out: Path, baseline: str | None) -> list[Path]:
    """Tidy results, the summary, paired differences, run metadata and figures, each written atomically."""
    import json

    from matplotlib.figure import Figure

    from orgsim.config.files import atomic_write_bytes

    pyplot()  # the Agg backend before anything is drawn
    ex: Any = experiment
    written = [
        write_csv(out / "summary.csv", ex.summary()),
        write_csv(out / "totals.csv", ex.to_frame("totals"), index=False),
        write_csv(out / "series.csv.gz", ex.to_frame(), index=False, compression="gzip"),
    ]
    structures = list(ex.labels)
    if baseline is not None and len(structures) > 1:
        written.append(write_csv(out / "differences.csv", ex.differences(baseline)))
    meta = {**ex.meta, "failed_replications": ex.n_failed, "seeds": ex.seeds.reset_index().to_dict("records")}
    atomic_write_bytes(out / "run.json", json.dumps(meta, indent=2, default=str).encode())
    written.append(out / "run.json")
    for name in _FIGURES:
        if name == "differences" and (baseline is None or len(structures) < 2):
            continue
        result = _draw(name, ex, baseline, structures)
        figure = result if isinstance(result, Figure) else result.figure
        written.append(save_figure(figure, out / "figures" / f"{name}.png"))
    return written


def _draw(name: str, ex: Any, baseline: str | None, structures: list[str]) -> Any:
    """Figure ``name`` of :data:`_FIGURES` (a Figure or an Axes): the dashboard and the differences
    are taken from the baseline, the cumulative plot marks the crossover of the structure that
    ends highest over it."""
    from orgsim.present import plot

    fn = getattr(plot, name)
    if name == "dashboard":
        return fn(ex, baseline=baseline)
    if name == "differences":
        return fn(ex, baseline)
    if name == "cumulative" and baseline is not None and len(structures) > 1:
        final = ex.totals("bookings_usd").mean()
        best = max((s for s in structures if s != baseline), key=lambda s: final[s])
        return fn(ex, best, baseline)
    return fn(ex)
