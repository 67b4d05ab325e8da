"""The verdict of a comparison: which structure comes first on one metric, by how much, and how sure we are.

:func:`verdict` ranks the structures of a comparison by their mean, highest first, and takes
the paired difference of each one from the next in the ranking: replication ``r`` of every
structure ran with the same seed (common random numbers), so the difference is measured
replication by replication and its t-interval is much narrower than that of two separate
means. Where an interval includes zero the two structures cannot be told apart at this number
of replications, and :func:`~orgsim.experiment.stats.replications_to_separate` projects how
many would separate them. Each structure's difference from the baseline is given too. What
comes back is a :class:`Verdict`: its ``str`` is the text ``orgsim compare`` prints under
"Verdict", its ``table`` the numbers.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from orgsim.config.errors import Problem, ValidationError
from orgsim.experiment.stats import check_confidence, differences, replications_to_separate, t_quantile

#: The baseline when none is named and a structure of this name is compared (the README's baseline).
DEFAULT_BASELINE = "siloed"

#: The columns of :attr:`Verdict.table`.
VERDICT_COLUMNS = [
    "structure",
    "mean",
    "lead_over_next",
    "lead_ci_low",
    "lead_ci_high",
    "told_apart",
    "replications_to_separate",
    "told_apart_from_first",
    "vs_baseline",
    "vs_baseline_ci_low",
    "vs_baseline_ci_high",
]


@dataclass(frozen=True)
class Verdict:
    """The structures ranked on one metric, each one's lead over the next with its interval.

    Attributes:
        metric: the total ranked on (higher ranks first).
        unit: its declared unit (``usd``, ``share``, ...), for the text.
        baseline: the structure the ``vs_baseline`` columns are measured from.
        baseline_note: how the baseline was chosen (empty when it was named).
        confidence: of every interval (0.95).
        replications: replications per structure.
        table: one row per structure, best first (index ``rank`` from 1): ``mean``; the paired
            difference from the next structure down, ``lead_over_next`` with ``lead_ci_low`` and
            ``lead_ci_high`` (NaN for the last); ``told_apart``, whether that interval excludes
            zero; ``replications_to_separate``, the projected replications at which it would
            (``<NA>`` when told apart, or when the difference is exactly zero);
            ``told_apart_from_first``, whether the paired difference from the first structure
            excludes zero; and the paired difference from the baseline, ``vs_baseline`` with
            its interval.
    """

    metric: str
    unit: str
    baseline: str
    baseline_note: str
    confidence: float
    replications: int
    table: pd.DataFrame

    @property
    def ranking(self) -> list[str]:
        """The structures, best first."""
        return list(self.table["structure"])

    @property
    def best(self) -> list[str]:
        """The first structure and those that cannot be told apart from it, in rank order."""
        return [self.ranking[0], *self.table.loc[~self.table["told_apart_from_first"].astype(bool), "structure"]]

    def __str__(self) -> str:
        return "\n".join(_text(self))

    def __repr__(self) -> str:
        return f"Verdict({self.metric!r}: {' > '.join(self.ranking)}; baseline {self.baseline!r})"


def verdict(experiment: Any, metric: str = "bookings_usd", baseline: str | None = None, *, confidence: float = 0.95) -> Verdict:
    """Rank the structures of ``experiment`` on ``metric`` and say how sure the ranking is.

    Args:
        experiment: an :class:`~orgsim.experiment.results.Experiment` from :func:`compare`
            (a sweep has one comparison per point: not one verdict).
        metric: a total, e.g. ``"bookings_usd"`` (or ``"bookings"``); higher ranks first.
        baseline: the structure the differences in ``vs_baseline`` are taken from; default
            ``"siloed"`` when it is compared, otherwise the first structure (the verdict says so).
        confidence: of the intervals (default 0.95).
    """
    check_confidence(confidence)
    if experiment.is_sweep:
        raise ValidationError(Problem("verdict", "a sweep", "a comparison (orgsim.compare); for a sweep, compare at one point"))
    if len(experiment.labels) < 2:
        raise ValidationError(Problem("verdict", experiment.labels, "a comparison of at least two structures"))
    values = experiment.totals(metric)  # rows: replications, columns: structures, NaN: failed
    name = _metric_name(experiment, metric)
    baseline, note = _baseline(list(experiment.labels), baseline)
    means = values.mean(axis=0, skipna=True)
    ranking = sorted(values.columns, key=lambda s: (-_sortable(means[s]), list(values.columns).index(s)))
    rows = []
    for i, structure in enumerate(ranking):
        row: dict[str, Any] = {"structure": structure, "mean": float(means[structure])}
        if i + 1 < len(ranking):
            mean, low, high, sd = _paired(values[structure], values[ranking[i + 1]], confidence)
            told = bool(low > 0 or high < 0)
            needed = None if told else replications_to_separate(mean, sd, confidence)
            row.update(lead_over_next=mean, lead_ci_low=low, lead_ci_high=high, told_apart=told, replications_to_separate=needed)
        else:
            row.update(lead_over_next=np.nan, lead_ci_low=np.nan, lead_ci_high=np.nan, told_apart=pd.NA, replications_to_separate=None)
        if i:
            _, low, high, _ = _paired(values[structure], values[ranking[0]], confidence)
            row["told_apart_from_first"] = bool(low > 0 or high < 0)
        else:
            row["told_apart_from_first"] = True  # the first is not among those tied with it
        mean, low, high, _ = _paired(values[structure], values[baseline], confidence)
        row.update(vs_baseline=mean, vs_baseline_ci_low=low, vs_baseline_ci_high=high)
        rows.append(row)
    table = pd.DataFrame(rows, columns=VERDICT_COLUMNS, index=pd.RangeIndex(1, len(rows) + 1, name="rank"))
    table["replications_to_separate"] = table["replications_to_separate"].astype("Int64")
    table["told_apart"] = table["told_apart"].astype("boolean")
    return Verdict(
        metric=name,
        unit=_unit(name),
        baseline=baseline,
        baseline_note=note,
        confidence=float(confidence),
        replications=int(experiment.replications),
        table=table,
    )


def _baseline(labels: list[str], baseline: str | None) -> tuple[str, str]:
    """The baseline and how it was chosen: named, ``siloed`` by default, else the first structure."""
    if baseline is not None:
        if baseline not in labels:
            raise ValidationError(Problem("baseline", baseline, f"one of the structures: {', '.join(map(repr, labels))}"))
        return baseline, ""
    if DEFAULT_BASELINE in labels:
        return DEFAULT_BASELINE, "the default"
    return labels[0], f"the first structure, as {DEFAULT_BASELINE!r} is not compared"


def _paired(a: pd.Series, b: pd.Series, confidence: float) -> tuple[float, float, float, float]:
    """Mean of the paired differences ``a - b``, its t-interval, and their sd."""
    d = differences(a.to_numpy(dtype=float), b.to_numpy(dtype=float), axis=0, paired=True)
    n, mean, se = float(d["n"]), float(d["mean"]), float(d["se"])
    half = float(t_quantile(confidence, d["df"])) * se
    return mean, mean - half, mean + half, se * math.sqrt(n)


def _metric_name(experiment: Any, metric: str) -> str:
    """The total ``metric`` stands for (``"bookings"`` is ``"bookings_usd"``); already checked by ``totals``."""
    from orgsim.experiment.results import METRIC_ALIASES

    names = experiment.total_names
    return next(m for m in (metric, METRIC_ALIASES.get(metric), f"{metric}_usd") if m in names)


def _sortable(value: float) -> float:
    return -math.inf if value != value else float(value)


def _unit(metric: str) -> str:
    """The declared unit of ``metric`` ("" if it is not a declared outcome)."""
    from orgsim.model.outcomes import outcome

    try:
        return outcome(metric).unit
    except KeyError:
        return ""


# -- the text --------------------------------------------------------------------------------


def _amount(value: float, unit: str, *, signed: bool = False, scale: float | None = None) -> str:
    """``value`` for a reader: money as ``$41.2M`` (``-$6.0M``, never ``$-6M``), shares as percentages."""
    if value != value:
        return "n/a"
    sign = "-" if value < 0 else "+" if signed and value > 0 else ""
    size = abs(value)
    if unit == "share":
        return f"{sign}{size * 100:.1f}%"
    prefix = "$" if unit == "usd" else ""
    scale = _scale(size) if scale is None else scale
    if scale >= 1e3:
        suffix = "M" if scale >= 1e6 else "k"
        decimals = 2 if suffix == "M" else 0
        return f"{sign}{prefix}{size / (1e6 if suffix == 'M' else 1e3):,.{decimals}f}{suffix}"
    return f"{sign}{prefix}{size:,.2f}" if size < 100 else f"{sign}{prefix}{size:,.0f}"


def _scale(size: float) -> float:
    return 1e6 if size >= 1e6 else 1e3 if size >= 1e4 else 1.0


def _interval(mean: float, low: float, high: float, unit: str) -> str:
    """``+$1.20M ± $0.40M`` (mean ± half-width), in the scale of the larger of the two."""
    half = (high - low) / 2
    scale = _scale(max(abs(mean), abs(half)))
    return f"{_amount(mean, unit, signed=True, scale=scale)} ± {_amount(half, unit, scale=scale)}"


def _text(v: Verdict) -> list[str]:
    """The lines of ``str(verdict)``."""
    t, unit, pct = v.table, v.unit, f"{v.confidence:.0%}"
    chosen = f" ({v.baseline_note})" if v.baseline_note else ""
    lines = ["Verdict", f"  Ranked on {v.metric}, highest first; {v.replications} replications each; baseline {v.baseline}{chosen}"]
    lines += textwrap.wrap(_best(v), width=100, initial_indent="  ", subsequent_indent="    ")
    rows = [["rank", "structure", "mean", "lead over the next", f"vs {v.baseline}"]]
    notes = []
    for rank, row in t.iterrows():
        lead = ""
        if rank < len(t):
            lead = _interval(row["lead_over_next"], row["lead_ci_low"], row["lead_ci_high"], unit)
            if not bool(row["told_apart"]):
                notes.append(_tie(row, t.loc[rank + 1, "structure"], v.replications))
                lead += f" ({len(notes)})"
        versus = (
            "baseline"
            if row["structure"] == v.baseline
            else _interval(row["vs_baseline"], row["vs_baseline_ci_low"], row["vs_baseline_ci_high"], unit)
        )
        rows.append([f"{rank}", row["structure"], _amount(row["mean"], unit), lead, versus])
    lines += ["  " + line for line in _aligned(rows)]
    for i, note in enumerate(notes, start=1):
        lines += textwrap.wrap(f"({i}) {note}", width=100, initial_indent="  ", subsequent_indent="      ")
    lines.append(
        f"  ± is the half-width of the {pct} confidence interval of a paired difference: every structure ran with the same\n"
        "  seeds (common random numbers), and the interval is that of the mean of the per-replication differences."
    )
    return lines


def _best(v: Verdict) -> str:
    """The sentence on the first structure: its lead over the second, and which it cannot be told apart from."""
    t, first, second = v.table, v.ranking[0], v.ranking[1]
    tied = v.best[1:]
    names = ", ".join(tied[:-1]) + (" or " if len(tied) > 1 else "") + (tied[-1] if tied else "")
    if second in tied:
        return f"Best: {first}, but it cannot be told apart from {names} at this number of replications."
    lead = t.iloc[0]
    text = f"Best: {first}, ahead of {second} by {_interval(lead['lead_over_next'], lead['lead_ci_low'], lead['lead_ci_high'], v.unit)}"
    if not tied:
        return text + "."
    return (
        f"{text}; but it cannot be told apart from {names} at this number of replications (the paired differences "
        "from them vary more from one replication to the next)."
    )


def _tie(row: pd.Series, below: str, replications: int) -> str:
    """The note on two structures whose difference's interval includes zero."""
    text = f"{row['structure']} and {below} cannot be told apart at this number of replications ({replications})"
    needed = row["replications_to_separate"]
    if needed is pd.NA or needed is None:
        return text + "; their difference is zero in every replication." if row["lead_over_next"] == 0 else text + "."
    return text + f"; about {int(needed):,} would separate them, if the difference measured so far is the true one."


def _aligned(rows: list[list[str]]) -> list[str]:
    """Rows of cells as lines: text columns left-aligned, the numbers right-aligned."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(w) if i in (0, 1) else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip()
        for row in rows
    ]


__all__ = ["DEFAULT_BASELINE", "VERDICT_COLUMNS", "Verdict", "verdict"]
