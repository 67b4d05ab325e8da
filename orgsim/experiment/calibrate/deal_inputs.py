"""Reading an opportunity (deal) export: one row per deal, put on the window's clock.

:func:`read_deals` turns a CSV / Parquet file or a DataFrame into a :class:`DealTable`, with the
same readers as a lead table (:mod:`.inputs`, :mod:`.times`: one date format a column, time zones,
the robust window of :mod:`.window`) and these rules of its own:

* a deal's outcome is its stage label (:data:`~.deal_columns.DEFAULT_DEAL_STAGE_MAP`: won, lost,
  open), or, with no stage, the won flag: true is won, false with a close date is lost, false or
  empty without one is open (HubSpot's "Is Closed Won" is false for open deals too). A won flag
  that contradicts the stage is an error naming the row;
* a deal is *decided* at the export when it is won or lost and closed no later than the window's
  end; a close after the end (in a back-test: after the split) counts as still open. An open
  deal's close date is ignored (Salesforce fills it with the *expected* close), with a note;
* a deal with no creation date (a prospect not yet engaged) is counted in a note and left out;
  a decided deal with no close date counts in the win rate, not in the cycle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from orgsim.config.checks import raise_problems
from orgsim.config.errors import Problem, ValidationError
from orgsim.experiment.calibrate.columns import first_bad, missing_cells, normalise
from orgsim.experiment.calibrate.deal_columns import (
    DEAL_STAGES,
    DEAL_TIME_COLUMNS,
    check_deal_columns,
    deal_stage_labels,
    resolve_deal_mapping,
)
from orgsim.experiment.calibrate.inputs import clock_table, common_kind, parse_amount, parse_bool, parse_labels, read_table, time_kinds
from orgsim.experiment.calibrate.times import parse_times

#: The columns carried as text (a deal's people, product, account and source).
TEXT_COLUMNS: tuple[str, ...] = ("owner", "manager", "product", "account", "source")


@dataclass
class DealTable:
    """An opportunity export read, parsed and put on the window's clock: one entry per input row."""

    raw: pd.DataFrame  # the cells as read, columns named as strings
    label: str  # the file name, or "DataFrame", for messages
    resolved: dict[str, str]  # export column -> orgsim name
    mapping_name: str
    by_canon: dict[str, str]  # orgsim name -> export column, for the columns present
    days: dict[str, np.ndarray]  # created_at, closed_at in days since the window start (NaN if empty)
    outcome: np.ndarray  # "won", "lost" or "open", as the export says
    decided: np.ndarray  # won or lost, and closed by the window's end
    won: np.ndarray  # decided and won
    close_day: np.ndarray  # the close of a decided deal (NaN: open, or no close date)
    amount: np.ndarray | None
    text: dict[str, np.ndarray]  # owner, manager, product, account, source (None where empty)
    end_day: float
    weekday_of_day0: int
    day0_offset: float
    window: tuple[Any, Any]
    notes: list[str]

    @property
    def columns(self) -> list[str]:
        return list(self.raw.columns)

    @property
    def created(self) -> np.ndarray:
        return self.days["created_at"]

    @property
    def in_window(self) -> np.ndarray:
        """Deals created in ``[0, end_day]``: the only rows any estimate uses."""
        return (self.created >= 0.0) & (self.created <= self.end_day)

    def problem(self, canon: str, bad: np.ndarray, allowed: str) -> Problem:
        crm = self.by_canon[canon]
        return first_bad(self.raw[crm], bad, crm, self.label, allowed)


def read_deals(
    source: str | Path | pd.DataFrame,
    mapping: str | Mapping[str, str] | None,
    *,
    start: Any,
    end: Any,
    stage_map: Mapping[str, str] | None,
    date_format: str | None,
    dayfirst: bool | None,
) -> DealTable:
    """Read, map, parse and clock a deal table; raise on the first step with bad input."""
    raw, label = read_table(source)
    resolved, mapping_name = resolve_deal_mapping(raw, mapping)
    raw.columns = [str(c) for c in raw.columns]
    by_canon = check_deal_columns(list(raw.columns), resolved, mapping_name)
    problems: list[Problem] = []

    def cell(canon: str) -> tuple[pd.Series, str, str]:
        return raw[by_canon[canon]], by_canon[canon], label

    parsed = {c: parse_times(*cell(c), date_format, problems, dayfirst) for c in DEAL_TIME_COLUMNS if c in by_canon}
    stage = parse_labels(*cell("stage"), deal_stage_labels(stage_map), DEAL_STAGES, "stage", []) if "stage" in by_canon else None
    if stage is not None:
        _unknown_stages(raw, by_canon["stage"], label, stage, problems)
    flag = parse_bool(*cell("won"), problems) if "won" in by_canon else None
    amount = parse_amount(*cell("amount"), problems) if "amount" in by_canon else None
    problems.extend(time_kinds(parsed, by_canon))
    raise_problems(problems)
    if parsed["created_at"].kind == "empty":
        raise ValidationError(Problem(f"column {by_canon['created_at']!r}", "empty", "creation dates (no deal has one)"))
    times, _, zoned = common_kind(parsed, raw.index)
    if "closed_at" not in times:
        times["closed_at"] = times["created_at"].where(pd.Series(False, index=raw.index))
    clock, days, notes = clock_table(raw, by_canon, label, times, zoned, start, end)
    outcome = _outcomes(raw, by_canon, label, stage, flag, days["closed_at"])
    decided, close_day = _decided(outcome, days["closed_at"], clock.end_day)
    notes = _dateless_notes(outcome, days, decided, clock.end_day) + notes
    return DealTable(
        raw=raw,
        label=label,
        resolved=resolved,
        mapping_name=mapping_name,
        by_canon=by_canon,
        days=days,
        outcome=outcome,
        decided=decided,
        won=decided & (outcome == "won"),
        close_day=close_day,
        amount=amount.to_numpy(dtype=float) if amount is not None else None,
        text={c: _text(raw[by_canon[c]]) for c in TEXT_COLUMNS if c in by_canon},
        end_day=clock.end_day,
        weekday_of_day0=clock.weekday_of_day0,
        day0_offset=clock.day0_offset,
        window=(clock.start_label, clock.to_label(clock.end_day)),
        notes=notes,
    )


def _unknown_stages(raw: pd.DataFrame, crm: str, label: str, stage: pd.Series, problems: list[Problem]) -> None:
    """A Problem naming the first row with a stage label no table knows (empty stages are allowed)."""
    bad = stage.isna().to_numpy() & ~missing_cells(raw[crm])
    if bad.any():
        labels = sorted({str(v) for v in raw[crm][bad]})
        shown = ", ".join(map(repr, labels[:8])) + (" ..." if len(labels) > 8 else "")
        allowed = f"a known stage label; unknown labels {shown}: pass stage_map={{label: one of {', '.join(DEAL_STAGES)}}}"
        problems.append(first_bad(raw[crm], bad, crm, label, allowed))


def _outcomes(
    raw: pd.DataFrame, by_canon: dict[str, str], label: str, stage: pd.Series | None, flag: pd.Series | None, closed: np.ndarray
) -> np.ndarray:
    """Won, lost or open per row: the stage, else the won flag and the close date (see the module)."""
    n = len(raw)
    from_stage = np.full(n, None, dtype=object) if stage is None else stage.to_numpy(dtype=object)
    flags = np.full(n, None, dtype=object) if flag is None else np.array([None if pd.isna(v) else bool(v) for v in flag], dtype=object)
    by_flag = np.where(flags == True, "won", np.where((flags == False) & np.isfinite(closed), "lost", "open"))  # noqa: E712
    has_stage = np.array([isinstance(v, str) for v in from_stage])
    outcome = np.where(has_stage, from_stage, by_flag).astype(object)
    if stage is not None and flag is not None:
        clash = has_stage & (flags != None) & (((from_stage == "won") != (flags == True)) & ((from_stage != "open") | (flags == True)))  # noqa: E711,E712
        if clash.any():
            crm = by_canon["won"]
            allowed = f"a won flag that agrees with column {by_canon['stage']!r} (won: true; lost: false; open: false or empty)"
            raise ValidationError(first_bad(raw[crm], clash, crm, label, allowed))
    if stage is None or flag is None:
        empty = ~has_stage & (flags == None)  # noqa: E711
        if stage is not None and empty.any():
            crm = by_canon["stage"]
            raise ValidationError(first_bad(raw[crm], empty, crm, label, "a stage label (or a won column to tell won from lost)"))
    return outcome


def _decided(outcome: np.ndarray, closed: np.ndarray, end_day: float) -> tuple[np.ndarray, np.ndarray]:
    """Deals won or lost by the window's end, and their close day (NaN where unknown or open)."""
    done = outcome != "open"
    after = done & np.isfinite(closed) & (closed > end_day)
    decided = done & ~after
    return decided, np.where(decided, closed, np.nan)


def _dateless_notes(outcome: np.ndarray, days: dict[str, np.ndarray], decided: np.ndarray, end_day: float) -> list[str]:
    """Notes counting the deals with no creation date, decided deals with no close, open deals with one."""
    created, closed = days["created_at"], days["closed_at"]
    notes = []
    dateless = ~np.isfinite(created)
    if dateless.any():
        kinds = pd.Series(outcome[dateless]).value_counts()
        parts = ", ".join(f"{k} {v}" for k, v in kinds.items())
        notes.append(f"{int(dateless.sum())} deals have no creation date ({parts}): left out of every estimate.")
    no_close = decided & ~np.isfinite(closed) & np.isfinite(created)
    if no_close.any():
        notes.append(f"{int(no_close.sum())} won or lost deals have no close date: counted in the win rate, not in the cycle.")
    expected = (outcome == "open") & np.isfinite(closed) & np.isfinite(created)
    if expected.any():
        notes.append(f"{int(expected.sum())} open deals have a close date (an expected close, in Salesforce): ignored; they are open.")
    later = (outcome != "open") & np.isfinite(closed) & (closed > end_day) & np.isfinite(created)
    if later.any():
        notes.append(f"{int(later.sum())} deals closed after the window's end count as open at the end (right-censored).")
    return notes


def _text(raw: pd.Series) -> np.ndarray:
    """A text column with empty cells as None, names trimmed."""
    missing = missing_cells(raw)
    return np.array([None if m else str(v).strip() for v, m in zip(raw.astype(object), missing, strict=True)], dtype=object)


def match_names(names: np.ndarray, table: Mapping[str, float]) -> tuple[np.ndarray, list[str]]:
    """Each name's value in ``table``, matched like labels (case, spaces, punctuation ignored); NaN
    where no entry matches; and the unmatched names, sorted."""
    keyed = {normalise(k): float(v) for k, v in table.items()}
    values = np.array([keyed.get(normalise(n), np.nan) if n is not None else np.nan for n in names], dtype=float)
    unmatched = sorted({str(n) for n, v in zip(names, values, strict=True) if n is not None and np.isnan(v)})
    return values, unmatched
