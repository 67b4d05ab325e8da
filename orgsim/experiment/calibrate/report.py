"""The result of a calibration: the report, the calibrated scenario and the notes.

:func:`build_calibration` assembles the estimators' findings, in their order, into a
:class:`Calibration`: one report row per estimate (with the base scenario's value of the field
it sets), the base scenario with every mapped field replaced (an estimate outside a field's
allowed range is left out, with a note), the columns no mapping used, and a note for each
optional column the mapping did not find.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from orgsim.config.errors import ValidationError
from orgsim.config.scenario import Scenario
from orgsim.experiment.calibrate.columns import CANONICAL_COLUMNS, REQUIRED_COLUMNS
from orgsim.experiment.calibrate.findings import Estimate, Findings
from orgsim.experiment.calibrate.inputs import LeadTable

if TYPE_CHECKING:
    from orgsim.experiment.calibrate.deal_inputs import DealTable

#: The report's columns, in order.
REPORT_COLUMNS = ["parameter", "field", "estimate", "se", "ci_low", "ci_high", "base_value", "n", "method", "note"]


@dataclass
class Calibration:
    """What :func:`from_leads` and :func:`from_opportunities` return.

    Attributes:
        scenario: a validated Scenario: ``base`` with every field the data maps onto replaced.
        report: one row per estimate: ``parameter``, the scenario ``field`` it sets (empty if
            none), ``estimate``, ``se``, ``ci_low``/``ci_high`` (95%), ``base_value`` (the base
            scenario's value of the field), ``n`` (rows used), ``method`` and ``note``.
        unused_columns: columns of the input that no mapping used.
        notes: what could not be estimated or mapped, and why.
        mapping: the column mapping used (CRM name -> canonical name).
        window: (start, end) of the observation window, in the input's time units.
        fields: the scenario fields set, and their values (numbers, and the distribution families
            ``deals.cycle_family`` / ``deals.deal_size_family`` as strings).
        tables: detail tables by name: ``"fits"``, every distribution family's fit of the cycle
            and the deal size (the chosen family is written into the scenario); from
            :func:`from_opportunities` also ``"reps"``, each rep's win rate, raw and shrunk.
    """

    scenario: Scenario
    report: pd.DataFrame
    unused_columns: list[str]
    notes: list[str]
    mapping: dict[str, str]
    window: tuple[Any, Any]
    fields: dict[str, float | str] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def estimate(self, parameter: str) -> pd.Series:
        """The report row of one parameter (by ``parameter`` or ``field`` name)."""
        rows = self.report[(self.report["parameter"] == parameter) | (self.report["field"] == parameter)]
        if rows.empty:
            raise KeyError(f"no estimate {parameter!r}; known: {', '.join(self.report['parameter'])}")
        return rows.iloc[0]

    def __repr__(self) -> str:
        mapped = ", ".join(f"{k}={v}" if isinstance(v, str) else f"{k}={v:.4g}" for k, v in self.fields.items())
        return f"Calibration({len(self.report)} estimates; scenario fields set: {mapped or 'none'}; {len(self.notes)} notes)"


def build_calibration(
    base: Scenario, leads: LeadTable | DealTable, sections: Iterable[Findings], optional: Iterable[str] | None = None
) -> Calibration:
    """The Calibration of ``base`` from the estimators' findings, in order; a note for each of the
    ``optional`` columns (default: a lead table's) the mapping did not find."""
    notes = list(leads.notes)
    estimates: list[Estimate] = []
    mapped: dict[str, float | str] = {}
    tables: dict[str, pd.DataFrame] = {}
    for found in sections:
        estimates.extend(found.estimates)
        mapped.update(found.fields)
        notes.extend(found.notes)
        for name, frame in found.tables.items():
            tables[name] = pd.concat([tables[name], frame], ignore_index=True) if name in tables else frame
    scenario = base
    for name, value in mapped.items():
        try:
            scenario = scenario.replace(**{name: _plain(value)})
        except ValidationError as err:
            shown = repr(value) if isinstance(value, str) else f"{value:.4g}"
            notes.append(f"{name} not set: the estimate {shown} is outside its allowed range ({err.problems[0].allowed}).")
    columns = leads.columns
    used = set(leads.by_canon.values())
    unused = [c for c in columns if c not in used]
    for c in unused:
        notes.append(f"column {c!r} was not used (not in the mapping).")
    if optional is None:
        optional = [c for c in CANONICAL_COLUMNS if c not in REQUIRED_COLUMNS and c not in ("lead_id", "mql", "qualified", "stage")]
    for canon in optional:
        if canon not in leads.by_canon:
            notes.append(f"no {canon} column under {leads.mapping_name}.")
    applied = {k: v for k, v in mapped.items() if _raw_field(scenario, k) == _plain(v)}
    return Calibration(
        scenario=scenario,
        report=_report_frame(estimates, base),
        unused_columns=unused,
        notes=notes,
        mapping={k: v for k, v in leads.resolved.items() if k in columns},
        window=leads.window,
        fields=applied,
        tables=tables,
    )


def _report_frame(estimates: list[Estimate], base: Scenario) -> pd.DataFrame:
    """One row per estimate, with the base scenario's value of the field it sets."""
    rows = [
        {
            "parameter": e.parameter,
            "field": e.field,
            "estimate": e.estimate,
            "se": e.se,
            "ci_low": e.ci_low,
            "ci_high": e.ci_high,
            "base_value": _get_field(base, e.field) if e.field else math.nan,
            "n": e.n,
            "method": e.method,
            "note": e.note,
        }
        for e in estimates
    ]
    return pd.DataFrame(rows, columns=REPORT_COLUMNS)


def _get_field(scenario: Scenario, dotted: str) -> float:
    return float(_raw_field(scenario, dotted))


def _raw_field(scenario: Scenario, dotted: str) -> Any:
    obj: Any = scenario
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def _plain(value: float | str) -> float | str:
    """A field's value as the scenario takes it: a choice as its string, a number as a float."""
    return value if isinstance(value, str) else float(value)
