"""Reading times: the cells of a time column, and the window's start and end.

A time column is read as one of three kinds:

* **day numbers**: a number in every non-empty cell (orgsim's convention: day 0 is a Monday, 00:00);
* **dates/times**: with ``date_format`` given, every cell is read with it (a ``strftime`` format
  such as ``"%d/%m/%Y %H:%M"``, or ``"ISO8601"``). Without it, one format is found for the whole
  column: the first of ISO 8601 (``2024-01-31``, ``2024-01-31 09:30``, ``2024-01-31T09:30+02:00``),
  the formats pandas guesses from the column's cells and a few common ones (``01/31/2024 09:30
  PM``, ``31.01.2024`` ...) that reads every cell. A day/month order is never guessed: if two
  formats read every cell but disagree (``05/03/2024``: 5 March or May 3), the column is refused
  and ``dayfirst`` (True: day first, False: month first) or ``date_format`` must say which
  (``dayfirst`` only settles an order the cells leave open: one cell such as ``13/03/2024``
  settles it for the whole column, as in pandas). If no format reads every cell, the column mixes formats or
  has a bad cell, and the first row the format most cells follow cannot read is named. A column
  no format fits at all is read cell by cell by pandas (dateutil), refused if reading day-first
  would change any date;
* **empty**: no cell filled; it takes the kind of ``created_at``.

Times with a time zone are converted to UTC, then the zone is dropped. A column has a zone on
every time or on none, and so do the table's time columns together (else the table is refused,
naming them): plain times are the CRM's local time, which cannot be converted. A ``start`` or
``end`` with a zone is converted to UTC when the table's times have zones and refused when they
do not; one without a zone is read as UTC when they do.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from orgsim.config.checks import is_bool, is_real
from orgsim.config.errors import Problem, ValidationError
from orgsim.experiment.calibrate.columns import first_bad, missing_cells, row_name

#: Formats tried on a cell pandas cannot guess a format for (12-hour clocks, 2-digit years ...).
COMMON_FORMATS: tuple[str, ...] = tuple(
    d + t
    for d in ("%m/%d/%Y", "%d/%m/%Y", "%m/%d/%y", "%d/%m/%y", "%d.%m.%Y", "%d.%m.%y", "%m-%d-%Y", "%d-%m-%Y", "%Y/%m/%d")
    for t in ("", " %H:%M", " %H:%M:%S", " %I:%M %p", " %I:%M:%S %p", " %I %p")
)
#: The most cell shapes (digits aside) a column's formats are guessed from.
MAX_SHAPES = 20
_DATE_EXAMPLE = "a date/time such as 2024-01-31 09:30"
_FORMAT_ALLOWED = "None (one format a column, found from its cells) or a strftime format such as '%d/%m/%Y %H:%M', or 'ISO8601'"


@dataclass
class Times:
    """One time column read: its values, its kind and whether its times carried a zone."""

    values: pd.Series  # day numbers (float), or datetime64[ns] without zone (UTC where zoned)
    kind: str  # "days", "datetime" or "empty"
    zoned: bool | None  # dates/times: a zone on every time (True) or on none (False)


def parse_times(
    raw: pd.Series, crm: str, label: str, date_format: str | None, problems: list[Problem], dayfirst: bool | None = None
) -> Times:
    """A time column read as day numbers or dates/times (see the module); bad cells go to ``problems``.

    ``dayfirst`` settles a day/month order the cells leave open (True: 05/03 is 5 March; False:
    May 3); ``None`` refuses such a column."""
    missing = missing_cells(raw)
    if missing.all():
        return Times(pd.Series(np.nan, index=raw.index), "empty", None)
    if pd.api.types.is_datetime64_any_dtype(raw):
        zoned = getattr(raw.dt, "tz", None) is not None
        utc = raw.dt.tz_convert("UTC") if zoned else raw.dt.tz_localize("UTC")
        return Times(_nanoseconds(utc, raw, crm, label, problems), "datetime", zoned)
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        return Times(raw.astype(float), "days", None)
    text = pd.Series([None if m else _text(v) for v, m in zip(raw.astype(object), missing, strict=True)], index=raw.index, dtype=object)
    if date_format is None:
        numbers = pd.to_numeric(text, errors="coerce")
        if numbers[~missing].notna().all():
            return Times(numbers.astype(float), "days", None)
        chosen = _find_format(raw, text, ~missing, crm, label, problems, dayfirst)
    else:
        chosen = _given_format(raw, text, ~missing, crm, label, date_format, problems)
    if chosen is None:
        return Times(pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]"), "datetime", None)
    fmt, reading = chosen
    zoned = _zoned_column(raw, text, reading, fmt, crm, label, problems)
    return Times(_nanoseconds(reading, raw, crm, label, problems), "datetime", zoned)


def _text(value: Any) -> str:
    if isinstance(value, (datetime, date)):
        return value.isoformat()  # with its zone, if any
    return str(value)


def _read(text: pd.Series, fmt: str | None, dayfirst: bool = False) -> pd.Series | None:
    """The cells read with ``fmt`` (None: pandas' own inference), in UTC; unreadable cells NaT.

    None if ``fmt`` is not a format pandas accepts."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if fmt is None:
                return pd.to_datetime(text, errors="coerce", utc=True, dayfirst=dayfirst)
            return pd.to_datetime(text, format=fmt, errors="coerce", utc=True)
    except (ValueError, TypeError, OverflowError):
        return None


def check_date_format(value: Any) -> Problem | None:
    """None or a format pandas reads dates with; else a Problem naming ``date_format``."""
    if value is None:
        return None
    if isinstance(value, str) and value.strip() and _read(pd.Series(["2024-01-31"]), value) is not None:
        return None
    return Problem("date_format", value, _FORMAT_ALLOWED)


def _given_format(
    raw: pd.Series, text: pd.Series, present: np.ndarray, crm: str, label: str, fmt: str, problems: list[Problem]
) -> tuple[str | None, pd.Series] | None:
    """The column read with the caller's ``date_format``."""
    reading = _read(text, fmt)
    if reading is None:
        problems.append(Problem("date_format", fmt, _FORMAT_ALLOWED))
        return None
    bad = reading.isna().to_numpy() & present
    if bad.any():
        problems.append(first_bad(raw, bad, crm, label, f"a date/time in the format date_format={fmt!r}"))
        return None
    return fmt, reading


def _find_format(
    raw: pd.Series, text: pd.Series, present: np.ndarray, crm: str, label: str, problems: list[Problem], dayfirst: bool | None = None
) -> tuple[str | None, pd.Series] | None:
    """One format for the whole column, never a guessed day/month order (see the module)."""
    candidates = _candidate_formats(text[present])
    readings = {fmt: r for fmt in candidates if (r := _read(text, fmt)) is not None}
    if not readings or (len(candidates) == 1 and all(r.isna().to_numpy()[present].all() for r in readings.values())):
        return _cell_by_cell(raw, text, present, crm, label, problems, dayfirst)
    failures = {fmt: int((r.isna().to_numpy() & present).sum()) for fmt, r in readings.items()}
    complete = [fmt for fmt, n in failures.items() if n == 0]
    if dayfirst is not None:  # the caller settled the order: formats of the other order are out
        complete = [fmt for fmt in complete if _day_first(fmt) in (None, dayfirst)] or complete
    if complete:
        first = complete[0]
        for other in complete[1:]:
            differ = (readings[other] != readings[first]).to_numpy() & present
            if differ.any():
                problems.append(_ambiguous(raw, differ, crm, label, (first, readings[first]), (other, readings[other])))
                return None
        return first, readings[first]
    best = min(readings, key=lambda fmt: failures[fmt])  # the first of equals, in the candidates' order
    bad = readings[best].isna().to_numpy() & present
    i = int(np.flatnonzero(bad)[0])
    if any(pd.notna(r.iloc[i]) for fmt, r in readings.items() if fmt != best):
        allowed = (
            f"a date/time in the format most of the column's cells have ({_describe(best)}): the column mixes date "
            "formats; write them one way, or pass date_format= the format they all have"
        )
    else:
        allowed = f"a date/time in the format of the column's other cells ({_describe(best)}), or pass date_format="
    problems.append(first_bad(raw, bad, crm, label, allowed))
    return None


def _candidate_formats(cells: pd.Series) -> list[str]:
    """ISO 8601, then the formats guessed from the first cell of each shape, in row order."""
    from pandas.tseries.api import guess_datetime_format

    shapes = cells.str.replace(r"\d+", "9", regex=True)
    examples = cells.groupby(shapes, sort=False).first().head(MAX_SHAPES)
    formats = ["ISO8601"]
    for example in examples:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            guessed = [guess_datetime_format(example, dayfirst=d) for d in (False, True)]
        if not any(guessed):
            guessed = [fmt for fmt in COMMON_FORMATS if _fits(example, fmt)]
        formats.extend(fmt for fmt in guessed if fmt and fmt not in formats and not _year_day_month(fmt))
    return formats


def _day_first(fmt: str) -> bool | None:
    """Whether ``fmt`` puts the day before the month (None: it has not both, e.g. ISO 8601)."""
    day, month = fmt.find("%d"), fmt.find("%m")
    return None if day < 0 or month < 0 else day < month


def _fits(cell: str, fmt: str) -> bool:
    try:
        datetime.strptime(cell.strip(), fmt)
    except ValueError:
        return False
    return True


def _year_day_month(fmt: str) -> bool:
    """A year-first format with the day before the month (2024-05-03 as 5 March): never meant."""
    year = min((i for i in (fmt.find("%Y"), fmt.find("%y")) if i >= 0), default=-1)
    day, month = fmt.find("%d"), fmt.find("%m")
    return 0 <= year < day < month


def _cell_by_cell(
    raw: pd.Series, text: pd.Series, present: np.ndarray, crm: str, label: str, problems: list[Problem], dayfirst: bool | None = None
) -> tuple[str | None, pd.Series] | None:
    """No format fits any cell: pandas reads each cell (dateutil), unless day-first changes one."""
    month_first = _read(text, None)
    bad = present if month_first is None else month_first.isna().to_numpy() & present
    if month_first is None or bad.any():
        problems.append(first_bad(raw, bad, crm, label, f"{_DATE_EXAMPLE} (or, for the whole column, day numbers)"))
        return None
    day_first = _read(text, None, dayfirst=True)
    if day_first is None:
        day_first = month_first
    if dayfirst is not None:
        return None, day_first if dayfirst else month_first
    differ = (month_first != day_first).to_numpy() & present
    if differ.any():
        problems.append(_ambiguous(raw, differ, crm, label, ("month first", month_first), ("day first", day_first)))
        return None
    return None, month_first


def _ambiguous(raw: pd.Series, differ: np.ndarray, crm: str, label: str, a: tuple[str, pd.Series], b: tuple[str, pd.Series]) -> Problem:
    """The column reads completely two ways that disagree: name the first row where they do."""
    i = int(np.flatnonzero(differ)[0])
    (fa, ra), (fb, rb) = a, b
    return Problem(
        f"column {crm!r}",
        raw.iloc[i],
        f"dates whose day/month order is clear: every cell reads as {fa!r} and as {fb!r}, and they disagree "
        f"({row_name(i, label)} is {ra.iloc[i]:%Y-%m-%d} or {rb.iloc[i]:%Y-%m-%d}); pass dayfirst=True or False, "
        "or date_format= the format of the column (e.g. date_format='%d/%m/%Y' for day first)",
    )


def _describe(fmt: str | None) -> str:
    if fmt == "ISO8601":
        return "ISO 8601, e.g. 2024-01-31 09:30"
    return repr(fmt) if fmt else "as pandas reads it"


def _zoned_column(
    raw: pd.Series, text: pd.Series, reading: pd.Series, fmt: str | None, crm: str, label: str, problems: list[Problem]
) -> bool:
    """Whether the column's times carried a zone; a Problem if only some did."""
    ok = reading.notna().to_numpy()
    cells = text[ok]
    shapes = cells.str.replace(r"\d+", "9", regex=True)
    examples = cells.groupby(shapes, sort=False).first()
    zoned_shape = {shape: _has_zone(example, fmt) for shape, example in examples.items()}
    zoned = np.zeros(len(text), dtype=bool)
    zoned[ok] = shapes.map(zoned_shape).to_numpy(dtype=bool)
    first = int(np.flatnonzero(ok)[0])
    differ = ok & (zoned != zoned[first])
    if differ.any():
        has = "with" if zoned[first] else "without"
        problems.append(
            first_bad(
                raw,
                differ,
                crm,
                label,
                f"a time {has} a time zone, like {row_name(first, label)} of the column ({text.iloc[first]!r}): "
                "a column has a zone on every time or on none",
            )
        )
    return bool(zoned[first])


def _has_zone(cell: str, fmt: str | None) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            read = pd.to_datetime(pd.Series([cell]), format=fmt) if fmt else pd.to_datetime(pd.Series([cell]))
    except (ValueError, TypeError, OverflowError):
        return False
    return getattr(read.dt, "tz", None) is not None


def _nanoseconds(utc: pd.Series, raw: pd.Series, crm: str, label: str, problems: list[Problem]) -> pd.Series:
    """UTC times without their zone, in nanoseconds; a Problem for times pandas cannot hold so."""
    low, high = pd.Timestamp.min.tz_localize("UTC"), pd.Timestamp.max.tz_localize("UTC")
    outside = ((utc < low) | (utc > high)).to_numpy()
    if outside.any():
        problems.append(first_bad(raw, outside, crm, label, f"a date/time between {low:%Y-%m-%d} and {high:%Y-%m-%d}"))
        utc = utc.where(~outside)
    return utc.dt.tz_localize(None).astype("datetime64[ns]")


# ---------------------------------------------------------------------------------------------
# the window's start and end


def window_bound(name: str, value: Any, kind: str, zoned: bool) -> Any:
    """``start`` or ``end`` as the clock reads it: a day number, a Timestamp (UTC where the
    table's times are zoned, see the module), or None; a ValidationError naming it otherwise."""
    if value is None:
        return None
    if kind == "days":
        return _day_number(name, value)
    allowed = "a date/time such as '2024-01-31' or '2024-01-31 09:30' (text, a datetime or a pandas Timestamp), or None"
    if is_real(value) or is_bool(value):
        raise ValidationError(Problem(name, value, f"{allowed}: the table's times are dates/times, not day numbers"))
    stamp = _timestamp(value)
    if stamp is None:
        raise ValidationError(Problem(name, value, allowed))
    if stamp.tz is not None:
        if not zoned:
            raise ValidationError(
                Problem(
                    name,
                    value,
                    "a date/time without a time zone: the table's times have none (they are the CRM's local "
                    "time, which cannot be converted); give the window in that time",
                )
            )
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    try:
        return stamp.as_unit("ns")
    except (ValueError, OverflowError):
        raise ValidationError(Problem(name, value, f"{allowed}, between 1677 and 2262")) from None


def _timestamp(value: Any) -> pd.Timestamp | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            stamp = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        return None
    return None if pd.isna(stamp) else stamp


def _day_number(name: str, value: Any) -> float:
    allowed = "a finite day number (the table's times are day numbers, day 0 a Monday), or None"
    try:
        number = None if is_bool(value) or isinstance(value, (datetime, date, np.datetime64)) else float(value)
    except (TypeError, ValueError, OverflowError):
        number = None
    if number is None or not math.isfinite(number):
        raise ValidationError(Problem(name, value, allowed))
    return number
