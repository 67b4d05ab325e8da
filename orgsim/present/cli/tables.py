"""The text tables the commands print: a run's totals, a comparison, a sweep."""

from __future__ import annotations

from typing import Any

#: The totals printed by ``orgsim run``: (total, label, format).
_SUMMARY_ROWS = (
    ("leads_created", "leads", "{:,.0f}"),
    ("mqls", "MQLs", "{:,.0f}"),
    ("unfollowed", "MQLs never followed up", "{:,.0f}"),
    ("sla_compliance", "SLA compliance", "{:.1%}"),
    ("mean_response_hours", "mean response (hours)", "{:,.1f}"),
    ("opportunities", "opportunities", "{:,.0f}"),
    ("wins", "deals won", "{:,.0f}"),
    ("win_rate", "win rate", "{:.1%}"),
    ("mean_discount", "mean discount", "{:.1%}"),
    ("bookings_usd", "bookings (USD)", "{:,.0f}"),
    ("costs_usd", "costs (USD)", "{:,.0f}"),
    ("profit_usd", "profit (USD)", "{:,.0f}"),
)

#: The comparison table printed by ``orgsim compare``: (total, label, format of the mean).
_COMPARE_ROWS = (
    ("bookings_usd", "bookings (USD)", "{:,.0f}"),
    ("profit_usd", "profit (USD)", "{:,.0f}"),
    ("wins", "deals won", "{:,.0f}"),
    ("win_rate", "win rate", "{:.1%}"),
    ("mean_discount", "mean discount", "{:.1%}"),
    ("sla_compliance", "SLA compliance", "{:.1%}"),
    ("unfollowed_mql_share", "MQLs never followed up", "{:.1%}"),
    ("long_term_effort_share", "long-term marketing effort", "{:.1%}"),
    ("brand_stock_end", "brand stock at the end", "{:.2f}"),
)

#: The totals whose paired differences ``orgsim compare`` prints, and their column labels.
_DIFFERENCE_COLUMNS = (("bookings_usd", "bookings (USD)"), ("profit_usd", "profit (USD)"))


def format_totals(totals: dict[str, float]) -> str:
    """A run's key totals, one labelled line each."""
    width = max(len(label) for _, label, _ in _SUMMARY_ROWS)
    lines = []
    for key, label, fmt in _SUMMARY_ROWS:
        if key in totals:
            lines.append(f"  {label:<{width}}  {fmt.format(totals[key])}")
    return "\n".join(lines)


def compare_table(experiment: Any, baseline: str | None = None) -> str:
    """The comparison as text: mean ± 95% half-width per structure, then paired differences."""
    summary = experiment.summary([key for key, _, _ in _COMPARE_ROWS])
    structures = list(dict.fromkeys(summary.index.get_level_values("structure")))
    rows = [["", *structures]]
    for key, label, fmt in _COMPARE_ROWS:
        cells = [label]
        for structure in structures:
            row = summary.loc[(structure, key)]
            # the interval is clipped to the feasible range on one side at most: the other keeps the half-width
            cells.append(_cell(row["mean"], max(row["ci_high"] - row["mean"], row["mean"] - row["ci_low"]), fmt))
        rows.append(cells)
    lines = [f"mean ± half-width of its 95% confidence interval, over {experiment.replications} replications per structure:"]
    lines += _aligned(rows)
    if baseline is not None and len(structures) > 1:
        lines += ["", f"paired differences from {baseline} (95% interval, common random numbers):"]
        lines += _differences_table(experiment, baseline, structures)
    return "\n".join(lines)


def _differences_table(experiment: Any, baseline: str, structures: list[str]) -> list[str]:
    """Each structure's paired difference from ``baseline``: the mean, then the 95% interval's
    two ends, each in a column of its own so that every column lines up."""
    metrics = [metric for metric, _ in _DIFFERENCE_COLUMNS]
    diff = experiment.differences(baseline, metrics)
    rows = [["", *(head for _, label in _DIFFERENCE_COLUMNS for head in (label, "95% from", "to"))]]
    for structure in [s for s in structures if s != baseline]:
        cells = [structure]
        for metric in metrics:
            r = diff.loc[(structure, metric)]
            cells += [f"{r['mean']:+,.0f}", f"{r['ci_low']:+,.0f}", f"{r['ci_high']:+,.0f}"]
        rows.append(cells)
    return _aligned(rows)


def _cell(mean: float, half: float, fmt: str) -> str:
    """``mean ± half`` in ``fmt`` (a percentage sign once, at the end); n/a for NaN."""
    if mean != mean:  # NaN: nothing to measure
        return "n/a"
    pct = fmt.endswith("%}")
    return f"{fmt.format(mean)} ± {fmt.format(half).rstrip('%')}{'%' if pct else ''}" if half == half else fmt.format(mean)


def _aligned(rows: list[list[str]]) -> list[str]:
    """Rows of cells as lines: the first column left-aligned, the others right-aligned, with the
    ``±`` of ``mean ± half`` cells one above the other."""
    rows = [list(row) for row in rows]
    for i in range(1, len(rows[0])):
        parts = [row[i].partition(" ± ") for row in rows]
        if any(sep for _, sep, _ in parts):
            left = max(len(a) for a, sep, _ in parts if sep)
            right = max(len(b) for _, sep, b in parts if sep)
            for row, (a, sep, b) in zip(rows, parts, strict=True):
                if sep:
                    row[i] = f"{a:>{left}} ± {b:<{right}}"
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip()
        for row in rows
    ]


def sweep_table(experiment: Any) -> str:
    """Mean bookings per sweep point (rows, with the point's parameter values) and structure (columns)."""
    table = experiment.summary("bookings_usd")["mean"].unstack("structure")
    return experiment.points.join(table.droplevel("metric") if "metric" in table.index.names else table).to_string(
        float_format="{:,.0f}".format
    )
