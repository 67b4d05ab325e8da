"""The figures of a comparison: which ones, in what order, and how each is drawn.

``orgsim compare`` writes them as PNG files and :mod:`orgsim.present.report` embeds them in
the HTML report, from this one list, so the two never show different figures.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

#: The figures of a comparison: file stem (the function of :mod:`orgsim.present.plot`) and caption.
FIGURES: tuple[tuple[str, str], ...] = (
    ("dashboard", "The key panels at a glance"),
    ("bookings", "Bookings over time, mean of replications with 95% bands"),
    ("cumulative", "Cumulative bookings, with the crossover of the structure that ends highest over the baseline"),
    ("cumulative_difference", "Cumulative bookings minus the baseline's, paired by replication: where a line crosses zero for good"),
    ("differences", "Paired differences from the baseline over the horizon, 95% intervals"),
    ("funnel", "The lead funnel: count per stage with 95% intervals"),
    ("effort_split", "Share of marketing effort on long-term work"),
    ("stocks", "Market stocks over time"),
    ("sla", "Follow-up SLA compliance over time"),
    ("response_times", "What became of the MQLs against the SLA, never-followed MQLs included"),
)
#: Figures that compare structures with the baseline: drawn only with a baseline and two structures or more.
PAIRED = frozenset({"differences", "cumulative_difference"})


def wanted(baseline: str | None, structures: list[str]) -> list[str]:
    """The names of :data:`FIGURES` that can be drawn for these structures and baseline."""
    paired = baseline is not None and len(structures) > 1
    return [name for name, _ in FIGURES if paired or name not in PAIRED]


def draw(name: str, experiment: Any, baseline: str | None) -> Any:
    """Figure ``name`` of :data:`FIGURES` as a matplotlib Figure: the dashboard and the paired
    figures are taken from the baseline, the cumulative plot marks the crossover of the
    structure that ends highest over it."""
    from orgsim.present import plot

    structures = list(experiment.labels)
    fn = getattr(plot, name)
    if name == "dashboard":
        result = fn(experiment, baseline=baseline)
    elif name in PAIRED:
        result = fn(experiment, baseline)
    elif name == "cumulative" and baseline is not None and len(structures) > 1:
        final = experiment.totals("bookings_usd").mean()
        best = max((s for s in structures if s != baseline), key=lambda s: final[s])
        result = fn(experiment, best, baseline)
    else:
        result = fn(experiment)
    return getattr(result, "figure", result)


def png(figure: Any, dpi: int = 150) -> bytes:
    """The figure as PNG bytes; the figure is closed."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    plt.close(figure)
    return buffer.getvalue()


def pngs(experiment: Any, baseline: str | None, dpi: int = 150) -> Iterator[tuple[str, bytes]]:
    """Every figure that can be drawn, as (name, PNG bytes), in the order of :data:`FIGURES`."""
    for name in wanted(baseline, list(experiment.labels)):
        yield name, png(draw(name, experiment, baseline), dpi)


__all__ = ["FIGURES", "PAIRED", "draw", "png", "pngs", "wanted"]
