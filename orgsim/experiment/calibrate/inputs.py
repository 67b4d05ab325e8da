"""Reading a lead table: the file, its cells, and the clock every estimate is measured on.

:func:`read_leads` turns a CSV / Parquet file or a DataFrame into a :class:`LeadTable`:

* the columns are found under the mapping (:mod:`.columns`);
* times are parsed as dates/times, one format a column (time zones converted to UTC, then
  naive), or as day numbers, one kind for every time column (:mod:`.times`); booleans from
  true/false, yes/no, 1/0, won/lost; amounts with currency symbols and thousands separators
  removed; source and stage labels through the label tables;
* every time becomes days since the window start: ``start`` or, by default, midnight of the
  earliest creation date (day 0 for day numbers, orgsim's convention: day 0 is a Monday);
  ``end`` defaults to the latest time in any column. Every time must be finite and within
  ``MAX_HORIZON_DAYS`` (100 years) of the window start, and so must ``end``;
* the furthest stage of each row combines the stage column, the ``mql``/``qualified`` flags,
  the opportunity and close dates and the won flag.

Bad cells raise one :class:`~orgsim.ValidationError` per step, naming each bad column's first
bad row (1-based; CSV rows also give the file line, counting the header) and how many more.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from orgsim.config.checks import MAX_HORIZON_DAYS, raise_problems
from orgsim.config.errors import Problem, ValidationError
from orgsim.experiment.calibrate.columns import (
    MODEL_SOURCES,
    STAGES,
    TIME_COLUMNS,
    check_required,
    first_bad,
    missing_cells,
    normalise,
    resolve_mapping,
    source_labels,
    stage_labels,
)
from orgsim.experiment.calibrate.times import Times, parse_times, window_bound
from orgsim.experiment.calibrate.window import as_days, default_end_day, default_origin, fences, outlier_notes

_TRUE = {"true", "t", "yes", "y", "1", "won", "closedwon", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "lost", "closedlost", "0.0"}


@dataclass
class LeadTable:
    """A lead table read, parsed and put on the window's clock: one entry per input row."""

    raw: pd.DataFrame  # the cells as read, columns named as strings
    label: str  # the file name, or "DataFrame", for messages
    resolved: dict[str, str]  # CRM column -> canonical column
    mapping_name: str  # how the mapping was chosen, for messages
    by_canon: dict[str, str]  # canonical column -> CRM column, for the columns present
    days: dict[str, np.ndarray]  # each time column in days since the window start (NaN if empty)
    source: np.ndarray  # the model source of each row
    level: np.ndarray | None  # furthest stage: 0 lead, 1 MQL, 2 opportunity, 3 won (None: no evidence)
    touched: np.ndarray | None  # has a first touch (None: no first-touch column)
    closed: np.ndarray  # has a close date
    won: np.ndarray | None  # the won flag, missing as False (None: no won column)
    amount: np.ndarray | None  # the amount, NaN if empty (None: no amount column)
    end_day: float  # the window's end (the export), in days since its start
    weekday_of_day0: int  # 0 Monday ... 6 Sunday
    day0_offset: float  # how far into its calendar day the window starts, in days
    window: tuple[Any, Any]  # (start, end) in the input's time units
    notes: list[str]  # rows left out of the window

    @property
    def columns(self) -> list[str]:
        return list(self.raw.columns)

    @property
    def created(self) -> np.ndarray:
        return self.days["created_at"]

    @property
    def in_window(self) -> np.ndarray:
        """Rows created in ``[0, end_day]``: the only rows any estimate uses."""
        return (self.created >= 0.0) & (self.created <= self.end_day)

    def problem(self, canon: str, bad: np.ndarray, allowed: str) -> Problem:
        """A Problem naming the first row ``bad`` marks in the column mapped onto ``canon``."""
        crm = self.by_canon[canon]
        return first_bad(self.raw[crm], bad, crm, self.label, allowed)


def read_leads(
    leads: str | Path | pd.DataFrame,
    mapping: str | Mapping[str, str] | None,
    *,
    start: Any,
    end: Any,
    source_map: Mapping[str, str] | None,
    unknown_source: str | None,
    stage_map: Mapping[str, str] | None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
) -> LeadTable:
    """Read, map, parse and clock a lead table; raise on the first step with bad input."""
    raw, label = read_table(leads)
    resolved, mapping_name = resolve_mapping(raw, mapping)
    columns = [str(c) for c in raw.columns]
    raw.columns = columns
    check_required(columns, resolved, mapping_name)
    by_canon = {v: k for k, v in resolved.items() if k in columns}
    cells = _parse_columns(raw, by_canon, label, source_map, unknown_source, stage_map, (date_format, dayfirst))
    clock, days, notes = clock_table(raw, by_canon, label, cells.times, cells.zoned, start, end)
    # a close after the window's end (the export date) had not happened then: the deal counts as open
    closed = np.isfinite(days["closed_at"]) & (days["closed_at"] <= clock.end_day) if "closed_at" in days else np.zeros(len(raw), bool)
    won = cells.flags["won"].fillna(False).to_numpy(dtype=bool) if "won" in cells.flags else None
    return LeadTable(
        raw=raw,
        label=label,
        resolved=resolved,
        mapping_name=mapping_name,
        by_canon=by_canon,
        days=days,
        source=cells.source.to_numpy(dtype=object),
        level=_stage_levels(cells.stage_level, cells.flags, days, won, closed),
        touched=np.isfinite(days["first_touch_at"]) if "first_touch_at" in days else None,
        closed=closed,
        won=won,
        amount=cells.amount.to_numpy(dtype=float) if cells.amount is not None else None,
        end_day=clock.end_day,
        weekday_of_day0=clock.weekday_of_day0,
        day0_offset=clock.day0_offset,
        window=(clock.start_label, clock.to_label(clock.end_day)),
        notes=notes,
    )


# ---------------------------------------------------------------------------------------------
# the file


def read_table(source: str | Path | pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The raw table (all cells as read) and a label for messages."""
    if isinstance(source, pd.DataFrame):
        if source.empty:
            raise ValidationError(Problem("leads", "an empty DataFrame", "at least one lead row"))
        return source.reset_index(drop=True), "DataFrame"
    if not isinstance(source, (str, Path)):
        raise ValidationError(Problem("leads", type(source).__name__, "a path to a .csv or .parquet file, or a pandas DataFrame"))
    path = Path(source)
    suffix = "".join(path.suffixes[-2:]).lower() if path.suffix.lower() == ".gz" else path.suffix.lower()
    if suffix not in (".csv", ".csv.gz", ".parquet", ".pq"):
        raise ValidationError(Problem(str(path), path.suffix or "no extension", "a .csv, .csv.gz or .parquet file"))
    if not path.exists():
        raise ValidationError(Problem(str(path), "missing", "the file does not exist"))
    if path.is_dir():
        raise ValidationError(Problem(str(path), "a directory", "a .csv or .parquet file"))
    if suffix in (".parquet", ".pq"):
        try:
            import pyarrow.parquet as pq
        except ImportError:
            raise ImportError("reading Parquet needs pyarrow: pip install 'orgsim[store]' (or pyarrow)") from None
        # The plain file reader, not `pd.read_parquet`'s dataset scanner, whose pool threads can
        # abort the interpreter at exit (apache/arrow#34314; see experiment/store.py).
        frame = pq.ParquetFile(path).read(use_threads=False).to_pandas()
    else:
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        except pd.errors.EmptyDataError:
            raise ValidationError(Problem(str(path), "empty", "a CSV file with a header row and at least one lead")) from None
        except (pd.errors.ParserError, UnicodeDecodeError) as err:
            raise ValidationError(Problem(str(path), "not CSV", f"a readable UTF-8 CSV file ({err})")) from None
    if frame.empty:
        raise ValidationError(Problem(str(path), "no rows", "at least one lead row below the header"))
    return frame.reset_index(drop=True), str(path)


# ---------------------------------------------------------------------------------------------
# the cells


@dataclass
class _Cells:
    """The parsed columns, still in the input's own time units."""

    times: dict[str, pd.Series]
    kinds: dict[str, str]  # per time column: "datetime" or "days" (an empty column: created_at's)
    zoned: bool  # the times carried time zones (converted to UTC)
    source: pd.Series
    stage_level: pd.Series | None
    flags: dict[str, pd.Series]
    amount: pd.Series | None


def _parse_columns(
    raw: pd.DataFrame,
    by_canon: dict[str, str],
    label: str,
    source_map: Mapping[str, str] | None,
    unknown_source: str | None,
    stage_map: Mapping[str, str] | None,
    dates: tuple[str | None, bool | None],
) -> _Cells:
    """Every mapped column parsed; all bad columns raised at once."""
    problems: list[Problem] = []

    def cell(canon: str) -> tuple[pd.Series, str, str]:
        return raw[by_canon[canon]], by_canon[canon], label

    parsed = {canon: parse_times(*cell(canon), dates[0], problems, dates[1]) for canon in TIME_COLUMNS if canon in by_canon}
    source = parse_labels(*cell("source"), source_labels(source_map, unknown_source), MODEL_SOURCES, "source", problems)
    stage_level: pd.Series | None = None
    if "stage" in by_canon:
        stage = parse_labels(*cell("stage"), stage_labels(stage_map), STAGES, "stage", problems)
        stage_level = stage.map(lambda s: STAGES.index(s) if isinstance(s, str) else np.nan)
    flags = {c: parse_bool(*cell(c), problems) for c in ("mql", "qualified", "won") if c in by_canon}
    amount = parse_amount(*cell("amount"), problems) if "amount" in by_canon else None
    problems.extend(time_kinds(parsed, by_canon))
    raise_problems(problems)
    created_raw = parsed["created_at"].values
    if created_raw.isna().any():
        crm = by_canon["created_at"]
        raise ValidationError(first_bad(raw[crm], created_raw.isna().to_numpy(), crm, label, "a creation time"))
    times, kind, zoned = common_kind(parsed, raw.index)
    return _Cells(times, dict.fromkeys(times, kind), zoned, source, stage_level, flags, amount)


def common_kind(parsed: dict[str, Times], index: pd.Index) -> tuple[dict[str, pd.Series], str, bool]:
    """The time columns with empty ones in ``created_at``'s kind; that kind; whether times were zoned."""
    kind = parsed["created_at"].kind
    empty = pd.Series(pd.NaT, index=index, dtype="datetime64[ns]") if kind == "datetime" else pd.Series(np.nan, index=index)
    times = {c: empty if t.kind == "empty" else t.values for c, t in parsed.items()}
    return times, kind, any(t.zoned for t in parsed.values())


def time_kinds(parsed: dict[str, Times], by_canon: dict[str, str]) -> list[Problem]:
    """Problems with the time columns together: day numbers and dates mixed, zones on some only."""
    problems: list[Problem] = []
    kinds = {by_canon[c]: t.kind for c, t in parsed.items() if t.kind != "empty"}
    if len(set(kinds.values())) > 1:
        problems.append(Problem("columns", kinds, "all time columns as dates/times, or all as day numbers"))
    zones = {by_canon[c]: t.zoned for c, t in parsed.items() if t.zoned is not None}
    if len(set(zones.values())) > 1:
        problems.append(
            Problem(
                "columns",
                {crm: "with a time zone" if z else "without a time zone" for crm, z in zones.items()},
                "a time zone on the times of every time column or of none (zoned times are converted to UTC; "
                "plain ones are the CRM's local time and cannot be): give them all one, or none",
            )
        )
    return problems


def parse_bool(raw: pd.Series, crm: str, label: str, problems: list[Problem]) -> pd.Series:
    """True/False/missing from booleans, 0/1, yes/no, won/lost."""
    if pd.api.types.is_bool_dtype(raw):
        return raw.astype("boolean")
    missing = missing_cells(raw)
    keys = raw.astype(object).map(lambda v: normalise(v) if v is not None and not (isinstance(v, float) and math.isnan(v)) else "")
    out = pd.Series(pd.NA, index=raw.index, dtype="boolean")
    out[keys.isin(_TRUE).to_numpy()] = True
    out[keys.isin(_FALSE).to_numpy()] = False
    bad = out.isna().to_numpy() & ~missing
    if bad.any():
        problems.append(first_bad(raw, bad, crm, label, "true/false (also yes/no, 1/0, won/lost) or empty"))
    return out


def parse_amount(raw: pd.Series, crm: str, label: str, problems: list[Problem]) -> pd.Series:
    missing = missing_cells(raw)
    text = raw.astype(object).where(~missing, None)
    if not pd.api.types.is_numeric_dtype(raw):
        # currency symbols and thousands separators, as CRMs often export them
        text = text.map(lambda v: re.sub(r"[,\s$€£]", "", v) if isinstance(v, str) else v)
    values = pd.to_numeric(text, errors="coerce").astype(float)
    bad = values.isna().to_numpy() & ~missing
    if bad.any():
        problems.append(first_bad(raw, bad, crm, label, "a number (an amount >= 0) or empty"))
    negative = (values < 0).to_numpy() | ~np.isfinite(values.fillna(0.0).to_numpy())
    if negative.any():
        problems.append(first_bad(raw, negative, crm, label, "an amount >= 0"))
    return values


def parse_labels(
    raw: pd.Series, crm: str, label: str, table: Mapping[str, str], allowed: Sequence[str], what: str, problems: list[Problem]
) -> pd.Series:
    missing = missing_cells(raw)
    keys = raw.astype(object).map(lambda v: normalise(v) if v is not None else "")
    mapped = keys.map(lambda k: table.get(k))
    bad = mapped.isna().to_numpy() & ~missing
    if bad.any():
        labels = sorted({str(v) for v in raw[bad]})
        shown = ", ".join(map(repr, labels[:8])) + (" ..." if len(labels) > 8 else "")
        problems.append(
            first_bad(
                raw,
                bad,
                crm,
                label,
                f"a known {what} label; unknown labels {shown}: pass {what}_map={{label: one of {', '.join(allowed)}}}",
            )
        )
    if missing.any():
        problems.append(first_bad(raw, missing, crm, label, f"a {what} label (the column may not have empty cells)"))
    return mapped


# ---------------------------------------------------------------------------------------------
# the clock


@dataclass
class _Clock:
    """Every time column in days since the window start, and how to read a day back."""

    days: dict[str, pd.Series]
    end_day: float
    weekday_of_day0: int
    day0_offset: float
    start_label: Any
    to_label: Callable[[float], Any]

    @classmethod
    def of(cls, days: dict[str, pd.Series], kind: str, origin: Any, end: Any, end_given: Any, default_end: float) -> _Clock:
        """The clock of ``days`` (times since ``origin``), ending at ``end`` (default: ``default_end``)."""
        if kind == "datetime":
            weekday_of_day0 = origin.weekday()
            end_day = (end - origin) / pd.Timedelta(days=1) if end is not None else None
            to_label: Callable[[float], Any] = functools.partial(_after, origin)
            day0_offset = (origin - origin.normalize()) / pd.Timedelta(days=1)
        else:
            weekday_of_day0 = math.floor(origin) % 7
            end_day = end - origin if end is not None else None
            to_label = functools.partial(_after, origin)
            day0_offset = origin - math.floor(origin)
        if end_day is None:
            end_day = default_end
        if not end_day > 0:
            raise ValidationError(Problem("end", end_given, "after the window start and the first lead"))
        if end_day > MAX_HORIZON_DAYS:
            raise ValidationError(
                Problem("end", end_given, f"at most {MAX_HORIZON_DAYS:g} days (100 years) after the window start ({origin})")
            )
        return cls(days, float(end_day), weekday_of_day0, day0_offset, origin, to_label)


def clock_table(
    raw: pd.DataFrame, by_canon: dict[str, str], label: str, times: dict[str, pd.Series], zoned: bool, start: Any, end: Any
) -> tuple[_Clock, dict[str, np.ndarray], list[str]]:
    """Every time column put on the window's clock (see :mod:`.window` for the robust defaults);
    the clock, the days since its start, and the notes on rows outside it or far from the bulk."""
    kind = "datetime" if pd.api.types.is_datetime64_any_dtype(times["created_at"]) else "days"
    bounds = fences(as_days(times["created_at"], kind))
    start_at = window_bound("start", start, kind, zoned)
    origin = start_at if start_at is not None else default_origin(times["created_at"], kind, bounds)
    origin_days = float(as_days(pd.Series([origin]), kind)[0])
    since = (bounds[0] - origin_days, bounds[1] - origin_days)
    series = _days_since(times, kind, origin)
    _check_span(raw, by_canon, label, series, origin, kind)
    days = {c: s.to_numpy(dtype=float) for c, s in series.items()}
    clock = _Clock.of(series, kind, origin, window_bound("end", end, kind, zoned), end, default_end_day(days, since))
    _check_order(raw, by_canon, label, clock.days)
    notes = _window_notes(days["created_at"], clock)
    notes += outlier_notes(raw, by_canon, label, days, since, clock.end_day if end is not None else None, clock.to_label)
    return clock, days, notes


def _after(origin: Any, day: float) -> Any:
    """The time ``day`` days after ``origin``, in the input's units."""
    return origin + pd.Timedelta(days=day) if isinstance(origin, pd.Timestamp) else origin + day


def _days_since(times: dict[str, pd.Series], kind: str, origin: Any) -> dict[str, pd.Series]:
    """Every time column in days since ``origin``."""
    if kind == "datetime":
        return {c: (s - origin) / pd.Timedelta(days=1) for c, s in times.items()}
    return {c: s - origin for c, s in times.items()}


def _check_span(raw: pd.DataFrame, by_canon: dict[str, str], label: str, days: dict[str, pd.Series], origin: Any, kind: str) -> None:
    """Every time finite and within MAX_HORIZON_DAYS of the window start: raise naming each column where not."""
    problems = []
    for canon, series in days.items():
        d = series.to_numpy(dtype=float)
        bad = ~np.isnan(d) & ~(np.abs(d) <= MAX_HORIZON_DAYS)
        if bad.any():
            problems.append(first_bad(raw[by_canon[canon]], bad, by_canon[canon], label, _span_text(origin, kind)))
    raise_problems(problems)


def _span_text(origin: Any, kind: str) -> str:
    """What a time may be: within MAX_HORIZON_DAYS of the window start."""
    within = f"within {MAX_HORIZON_DAYS:g} days, 100 years, of the window start {origin}; if a whole column is far from it, pass start="
    if kind != "datetime":
        return f"a finite day number in [{origin - MAX_HORIZON_DAYS:g}, {origin + MAX_HORIZON_DAYS:g}] ({within})"
    span = pd.Timedelta(days=MAX_HORIZON_DAYS)
    try:
        return f"a date/time from {(origin - span).date()} to {(origin + span).date()} ({within})"
    except (OverflowError, ValueError):  # the bounds themselves beyond what pandas holds
        return f"a date/time {within}"


def _check_order(raw: pd.DataFrame, by_canon: dict[str, str], label: str, days: dict[str, pd.Series]) -> None:
    """Nothing happens to a lead before it is created: raise naming each column where it does."""
    created = days["created_at"].to_numpy(dtype=float)
    problems: list[Problem] = []
    for canon in ("first_touch_at", "opportunity_at", "closed_at"):
        if canon in days:
            t = days[canon].to_numpy(dtype=float)
            bad = np.isfinite(t) & (t < created - 1e-9)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                problems.append(
                    first_bad(
                        raw[by_canon[canon]],
                        bad,
                        by_canon[canon],
                        label,
                        f"not before column {by_canon['created_at']!r} of the same row ({raw[by_canon['created_at']].iloc[i]})",
                    )
                )
    raise_problems(problems)


def _window_notes(created: np.ndarray, clock: _Clock) -> list[str]:
    """Notes on the rows created outside the window; raise if no row is inside it."""
    notes: list[str] = []
    before = int((created < 0).sum())
    if before:
        notes.append(
            f"{before} rows created before the window start were left out (left truncation: an export keeps only "
            "the leads of that period that survived, e.g. long deals still open)."
        )
    after = int((created > clock.end_day).sum())
    if after:
        notes.append(f"{after} rows created after the window end were left out.")
    if int(((created >= 0.0) & (created <= clock.end_day)).sum()) == 0:
        raise ValidationError(
            Problem("start", clock.start_label, "a window start before the last lead (no lead was created in the window)")
        )
    return notes


def _stage_levels(
    stage_level: pd.Series | None, flags: dict[str, pd.Series], days: dict[str, np.ndarray], won: np.ndarray | None, closed: np.ndarray
) -> np.ndarray | None:
    """The furthest stage of each row (0 lead, 1 MQL, 2 opportunity, 3 won), combining the evidence."""
    if stage_level is None and "mql" not in flags and "qualified" not in flags:
        return None
    n = len(closed)
    level = np.zeros(n) if stage_level is None else stage_level.to_numpy(dtype=float)
    if "mql" in flags:
        level = np.where(flags["mql"].fillna(False).to_numpy(dtype=bool), np.maximum(level, 1), level)
    if "qualified" in flags:
        level = np.where(flags["qualified"].fillna(False).to_numpy(dtype=bool), np.maximum(level, 2), level)
    if "opportunity_at" in days:
        level = np.where(np.isfinite(days["opportunity_at"]), np.maximum(level, 2), level)
    level = np.where(closed, np.maximum(level, 2), level)
    if won is not None:
        level = np.where(won & closed, 3, level)
    return level
