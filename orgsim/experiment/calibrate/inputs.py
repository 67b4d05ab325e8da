"""Reading a lead table: the file, its cells, and the clock every estimate is measured on.

:func:`read_leads` turns a CSV / Parquet file or a DataFrame into a :class:`LeadTable`:

* the columns are found under the mapping (:mod:`.columns`);
* times are parsed as dates/times (time zones converted to UTC, then naive) or as day numbers,
  one kind for every time column; booleans from true/false, yes/no, 1/0, won/lost; amounts
  with currency symbols and thousands separators removed; source and stage labels through the
  label tables;
* every time becomes days since the window start: ``start`` or, by default, midnight of the
  earliest creation date (day 0 for day numbers, orgsim's convention: day 0 is a Monday);
  ``end`` defaults to the latest time in any column;
* the furthest stage of each row combines the stage column, the ``mql``/``qualified`` flags,
  the opportunity and close dates and the won flag.

Bad cells raise one :class:`~orgsim.ValidationError` per step, naming each bad column's first
bad row (1-based; CSV rows also give the file line, counting the header) and how many more.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from orgsim.config.checks import raise_problems
from orgsim.config.errors import Problem, ValidationError
from orgsim.experiment.calibrate.columns import (
    MODEL_SOURCES,
    STAGES,
    TIME_COLUMNS,
    check_required,
    normalise,
    resolve_mapping,
    source_labels,
    stage_labels,
)

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
        return _first_bad(self.raw[crm], bad, crm, self.label, allowed)


def read_leads(
    leads: str | Path | pd.DataFrame,
    mapping: str | Mapping[str, str] | None,
    *,
    start: Any,
    end: Any,
    source_map: Mapping[str, str] | None,
    unknown_source: str | None,
    stage_map: Mapping[str, str] | None,
) -> LeadTable:
    """Read, map, parse and clock a lead table; raise on the first step with bad input."""
    raw, label = read_table(leads)
    resolved, mapping_name = resolve_mapping(raw, mapping)
    columns = [str(c) for c in raw.columns]
    raw.columns = columns
    check_required(columns, resolved, mapping_name)
    by_canon = {v: k for k, v in resolved.items() if k in columns}
    cells = _parse_columns(raw, by_canon, label, source_map, unknown_source, stage_map)
    clock = _Clock.of(cells.times, cells.kinds["created_at"], start, end)
    _check_order(raw, by_canon, label, clock.days)
    days = {c: s.to_numpy(dtype=float) for c, s in clock.days.items()}
    notes = _window_notes(days["created_at"], clock)
    closed = np.isfinite(days["closed_at"]) if "closed_at" in days else np.zeros(len(raw), bool)
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
            import pyarrow  # noqa: F401
        except ImportError:
            raise ImportError("reading Parquet needs pyarrow: pip install 'orgsim[store]' (or pyarrow)") from None
        frame = pd.read_parquet(path)
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
    kinds: dict[str, str]  # per time column: "datetime" or "days"
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
) -> _Cells:
    """Every mapped column parsed; all bad columns raised at once."""
    problems: list[Problem] = []

    def cell(canon: str) -> tuple[pd.Series, str, str]:
        return raw[by_canon[canon]], by_canon[canon], label

    times: dict[str, pd.Series] = {}
    kinds: dict[str, str] = {}
    for canon in TIME_COLUMNS:
        if canon in by_canon:
            times[canon], kinds[canon] = _parse_times(*cell(canon), problems)
    source = _parse_labels(*cell("source"), source_labels(source_map, unknown_source), MODEL_SOURCES, "source", problems)
    stage_level: pd.Series | None = None
    if "stage" in by_canon:
        stage = _parse_labels(*cell("stage"), stage_labels(stage_map), STAGES, "stage", problems)
        stage_level = stage.map(lambda s: STAGES.index(s) if isinstance(s, str) else np.nan)
    flags = {c: _parse_bool(*cell(c), problems) for c in ("mql", "qualified", "won") if c in by_canon}
    amount = _parse_amount(*cell("amount"), problems) if "amount" in by_canon else None
    if len({kinds[c] for c in times}) > 1:
        problems.append(
            Problem("columns", {by_canon[c]: kinds[c] for c in times}, "all time columns as dates/times, or all as day numbers")
        )
    raise_problems(problems)
    created_raw = times["created_at"]
    if created_raw.isna().any():
        crm = by_canon["created_at"]
        raise ValidationError(_first_bad(raw[crm], created_raw.isna().to_numpy(), crm, label, "a creation time"))
    return _Cells(times, kinds, source, stage_level, flags, amount)


def _row(i: int, label: str) -> str:
    """How a data row is named in messages: 1-based, and its line in a CSV with a header."""
    return f"row {i + 1} (line {i + 2})" if label.lower().endswith((".csv", ".gz")) else f"row {i + 1}"


def _first_bad(raw: pd.Series, bad: np.ndarray, crm: str, label: str, allowed: str) -> Problem:
    idx = np.flatnonzero(bad)
    more = f" ({len(idx) - 1} more rows like it)" if len(idx) > 1 else ""
    i = int(idx[0])
    return Problem(f"{_row(i, label)}, column {crm!r}", raw.iloc[i], allowed + more)


def _missing(raw: pd.Series) -> np.ndarray:
    values = raw.astype(object)
    return np.asarray(values.isna() | values.map(lambda v: isinstance(v, str) and v.strip() == ""), dtype=bool)


def _parse_times(raw: pd.Series, crm: str, label: str, problems: list[Problem]) -> tuple[pd.Series, str]:
    """Datetimes (naive; tz-aware converted to UTC) or day numbers; kind is 'datetime' or 'days'."""
    missing = _missing(raw)
    if pd.api.types.is_datetime64_any_dtype(raw):
        parsed = raw.dt.tz_convert("UTC").dt.tz_localize(None) if getattr(raw.dt, "tz", None) is not None else raw
        return parsed.astype("datetime64[ns]"), "datetime"
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        return raw.astype(float), "days"
    text = raw.astype(object).where(~missing, None)
    numbers = pd.to_numeric(text, errors="coerce")
    if not missing.all() and numbers[~missing].notna().all():
        return numbers.astype(float), "days"
    try:
        parsed = pd.to_datetime(text, errors="coerce")
    except (ValueError, TypeError):  # mixed time zones
        parsed = pd.to_datetime(text, errors="coerce", utc=True)
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    bad = parsed.isna().to_numpy() & ~missing
    if bad.any():
        problems.append(_first_bad(raw, bad, crm, label, "a date/time such as 2024-01-31 09:30 (or, for the whole column, day numbers)"))
    return parsed.astype("datetime64[ns]"), "datetime"


def _parse_bool(raw: pd.Series, crm: str, label: str, problems: list[Problem]) -> pd.Series:
    """True/False/missing from booleans, 0/1, yes/no, won/lost."""
    if pd.api.types.is_bool_dtype(raw):
        return raw.astype("boolean")
    missing = _missing(raw)
    keys = raw.astype(object).map(lambda v: normalise(v) if v is not None and not (isinstance(v, float) and math.isnan(v)) else "")
    out = pd.Series(pd.NA, index=raw.index, dtype="boolean")
    out[keys.isin(_TRUE).to_numpy()] = True
    out[keys.isin(_FALSE).to_numpy()] = False
    bad = out.isna().to_numpy() & ~missing
    if bad.any():
        problems.append(_first_bad(raw, bad, crm, label, "true/false (also yes/no, 1/0, won/lost) or empty"))
    return out


def _parse_amount(raw: pd.Series, crm: str, label: str, problems: list[Problem]) -> pd.Series:
    missing = _missing(raw)
    text = raw.astype(object).where(~missing, None)
    if not pd.api.types.is_numeric_dtype(raw):
        # currency symbols and thousands separators, as CRMs often export them
        text = text.map(lambda v: re.sub(r"[,\s$€£]", "", v) if isinstance(v, str) else v)
    values = pd.to_numeric(text, errors="coerce").astype(float)
    bad = values.isna().to_numpy() & ~missing
    if bad.any():
        problems.append(_first_bad(raw, bad, crm, label, "a number (an amount >= 0) or empty"))
    negative = (values < 0).to_numpy() | ~np.isfinite(values.fillna(0.0).to_numpy())
    if negative.any():
        problems.append(_first_bad(raw, negative, crm, label, "an amount >= 0"))
    return values


def _parse_labels(
    raw: pd.Series, crm: str, label: str, table: Mapping[str, str], allowed: Sequence[str], what: str, problems: list[Problem]
) -> pd.Series:
    missing = _missing(raw)
    keys = raw.astype(object).map(lambda v: normalise(v) if v is not None else "")
    mapped = keys.map(lambda k: table.get(k))
    bad = mapped.isna().to_numpy() & ~missing
    if bad.any():
        labels = sorted({str(v) for v in raw[bad]})
        shown = ", ".join(map(repr, labels[:8])) + (" ..." if len(labels) > 8 else "")
        problems.append(
            _first_bad(
                raw,
                bad,
                crm,
                label,
                f"a known {what} label; unknown labels {shown}: pass {what}_map={{label: one of {', '.join(allowed)}}}",
            )
        )
    if missing.any():
        problems.append(_first_bad(raw, missing, crm, label, f"a {what} label (the column may not have empty cells)"))
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
    def of(cls, times: dict[str, pd.Series], kind: str, start: Any, end: Any) -> _Clock:
        if kind == "datetime":
            origin = pd.Timestamp(start) if start is not None else times["created_at"].min().normalize()
            days = {c: (s - origin) / pd.Timedelta(days=1) for c, s in times.items()}
            weekday_of_day0 = origin.weekday()
            end_day = (pd.Timestamp(end) - origin) / pd.Timedelta(days=1) if end is not None else None
            start_label, to_label = origin, (lambda d: origin + pd.Timedelta(days=d))
            day0_offset = (origin - origin.normalize()) / pd.Timedelta(days=1)
        else:
            origin = float(start) if start is not None else 0.0
            days = {c: s - origin for c, s in times.items()}
            weekday_of_day0 = math.floor(origin) % 7
            end_day = float(end) - origin if end is not None else None
            start_label, to_label = origin, (lambda d: origin + d)
            day0_offset = origin - math.floor(origin)
        if end_day is None:
            end_day = float(max(s.max() for s in days.values()))
        if not end_day > 0:
            raise ValidationError(Problem("end", end, "after the window start and the first lead"))
        return cls(days, end_day, weekday_of_day0, day0_offset, start_label, to_label)


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
                    _first_bad(
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
