"""Scenario configuration: frozen dataclasses, validation in one place, TOML in and out.

A :class:`Scenario` is the complete, immutable description of a company and its market. It
is grouped in sections (``calendar``, ``inbound``, ``leads``, ``sales``, ``deals``, ``costs``,
``mechanisms``), each a frozen dataclass whose fields carry units in their names, a one-line
description and the allowed range in their metadata. Every default names its source; grades
follow ``CALIBRATION.md`` (P peer-reviewed, H HBR-type, I analyst, V vendor, A our assumption).

All validation lives in :func:`validate`, which reports every invalid field at once as an
:class:`~orgsim.errors.ValidationError` before any simulation starts.
"""

from __future__ import annotations

import dataclasses
import difflib
import itertools
import math
import tomllib
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from orgsim.errors import Problem, ValidationError

INF = math.inf

#: A decay table: ``(delay_hours, multiplier)`` knots; log-linear interpolation between them.
DecayTable = tuple[tuple[float, float], ...]


def param(
    default: Any,
    lo: float | None = None,
    hi: float | None = None,
    doc: str = "",
    *,
    lo_open: bool = False,
    hi_open: bool = False,
    source: str = "",
    check: Callable[[Any], str | None] | None = None,
) -> Any:
    """A dataclass field with its allowed range, description and source in the metadata."""
    meta = {"lo": lo, "hi": hi, "lo_open": lo_open, "hi_open": hi_open, "doc": doc, "source": source}
    if check is not None:
        meta["check"] = check
    if isinstance(default, (list, dict, set)):
        raise TypeError("mutable defaults are not allowed; use tuples")
    return field(default=default, metadata=meta)


def _check_decay_table(table: Any) -> str | None:
    """A decay table has at least two knots, delays strictly increasing from 0, multipliers in (0, 1]."""
    rule = "a list of [delay_hours, multiplier] pairs, delays strictly increasing from 0, multipliers in (0, 1]"
    try:
        knots = [(float(d), float(m)) for d, m in table]
    except (TypeError, ValueError):
        return rule
    if len(knots) < 2 or knots[0][0] != 0.0:
        return rule
    for (d0, _), (d1, _) in itertools.pairwise(knots):
        if not d1 > d0:
            return rule
    if any(not (math.isfinite(d) and math.isfinite(m) and 0.0 < m <= 1.0) for d, m in knots):
        return rule
    return None


class _Section:
    """Behaviour shared by every configuration section: validated on construction."""

    def __post_init__(self) -> None:
        problems = _check_section(self, _SECTION_PREFIX.get(type(self).__name__, ""))
        if problems:
            raise ValidationError(problems)

    def replace(self, **changes: Any) -> Self:
        """A copy with some fields changed (validated like any new instance)."""
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dict (tuples become lists), the shape written to TOML."""
        return _to_plain(self)


def _to_plain(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _to_plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, tuple):
        return [_to_plain(v) for v in obj]
    return obj


@dataclass(frozen=True)
class Calendar(_Section):
    """The working calendar of reps and marketers. Day 0 is a Monday, 00:00; time is in days."""

    business_hours: bool = param(True, doc="reps follow up only in working hours; false = always on duty (queue verification)")
    workday_start_hour: float = param(9.0, 0.0, 24.0, "hour of day the working day starts", hi_open=True, source="A")
    workday_end_hour: float = param(17.0, 0.0, 24.0, "hour of day the working day ends", lo_open=True, source="A")
    workdays_per_week: int = param(5, 1, 7, "working days per week, counted from Monday", source="A")


@dataclass(frozen=True)
class Inbound(_Section):
    """Inbound lead arrivals: a non-homogeneous Poisson process (MODEL.md 3.1)."""

    base_rate_per_day: float = param(
        30.0,
        0.0,
        1e5,
        "inbound leads per calendar day with no marketing stocks",
        source="A: sized for a mid-market firm with 10 reps; inquiry volumes vary by orders of magnitude",
    )


@dataclass(frozen=True)
class Leads(_Section):
    """Lead quality, readiness, scoring and nurture (MODEL.md 2, 3.4)."""

    inbound_quality_mean: float = param(
        0.30,
        0.0,
        1.0,
        "mean latent quality q of inbound leads (Beta)",
        lo_open=True,
        hi_open=True,
        source="A; with the threshold below gives ~28% MQL, inquiry->MQL 10-25% (V)",
    )
    inbound_quality_concentration: float = param(
        4.0, 0.0, 1e4, "Beta concentration a+b of inbound quality (higher = less spread)", lo_open=True, source="A"
    )
    outbound_quality_mean: float = param(
        0.22,
        0.0,
        1.0,
        "mean latent quality of outbound (rep-sourced) leads",
        lo_open=True,
        hi_open=True,
        source="A: MODEL.md 3.2, lower than inbound",
    )
    outbound_quality_concentration: float = param(4.0, 0.0, 1e4, "Beta concentration of outbound quality", lo_open=True, source="A")
    readiness_mean: float = param(
        0.57,
        0.0,
        1.0,
        "mean share of the buying journey done before talking to sales",
        lo_open=True,
        hi_open=True,
        source="CEB 2012 (I): mean 57%, wide spread",
    )
    readiness_concentration: float = param(
        3.0, 0.0, 1e4, "Beta concentration of readiness (low = wide spread)", lo_open=True, source="A: 'wide spread' (CEB 2012)"
    )
    score_noise_sd: float = param(0.15, 0.0, 5.0, "sd of the noise marketing's lead score adds to q", source="A")
    mql_threshold: float = param(
        0.45,
        -5.0,
        5.0,
        "score at or above which a lead is an MQL and goes to sales",
        source="A; ~28% of inbound leads become MQLs, 26% 'ready' (V)",
    )
    nurture_recycle_share: float = param(
        0.30,
        0.0,
        1.0,
        "share of nurtured leads that come back for scoring later",
        source="V: 72% of the nurture group ready within 6-11 months *with* nurturing; lower without automation",
    )
    nurture_min_days: float = param(
        180.0, 0.0, 3650.0, "earliest return of a recycled lead, days after it entered nurture", source="V: 6-11 months"
    )
    nurture_max_days: float = param(
        330.0, 0.0, 3650.0, "latest return of a recycled lead, days after it entered nurture", source="V: 6-11 months"
    )
    nurture_readiness_gain: float = param(
        0.30, 0.0, 1.0, "share of the remaining journey a recycled lead has covered on return", source="A"
    )


# Knots (hours, multiplier), calibrated so that in a default run the qualification odds are
# ~7x higher within 1 h than at 1-2 h and >60x higher than at 24 h or later (HBR 2011, grade H);
# the steeper MIT-InsideSales ratios (vendor, grade V) are not targeted.
_CONTACT_DECAY: DecayTable = ((0.0, 1.0), (1.0, 0.60), (2.0, 0.30), (24.0, 0.13), (72.0, 0.08), (720.0, 0.05))
_QUALIFY_DECAY: DecayTable = ((0.0, 1.0), (1.0, 0.45), (2.0, 0.25), (24.0, 0.10), (72.0, 0.06), (720.0, 0.04))


@dataclass(frozen=True)
class Sales(_Section):
    """The sales team, its follow-up queue and the response-delay decay (MODEL.md 3.2, 3.5)."""

    reps: int = param(10, 0, 100_000, "sales reps (quota-carrying headcount)", source="A: mid-market team")
    prospecting_share: float = param(
        0.30,
        0.0,
        1.0,
        "share of rep capacity spent prospecting (outbound) instead of following up MQLs",
        hi_open=True,
        source="A; HBR 2011: reps busy generating their own leads",
    )
    outbound_leads_per_prospecting_hour: float = param(0.25, 0.0, 1e4, "engaged outbound prospects per rep-hour of prospecting", source="A")
    follow_up_hours_mean: float = param(
        1.0,
        0.0,
        1e4,
        "mean rep time to follow up one MQL, business hours",
        lo_open=True,
        source="A; Velocify 2012 (V): 1.3-1.6 attempts made",
    )
    follow_up_hours_cv: float = param(
        1.0, 0.0, 10.0, "coefficient of variation of follow-up time (Gamma; 1 = exponential)", lo_open=True, source="A"
    )
    sla_hours: float = param(
        24.0,
        0.0,
        1e4,
        "follow-up SLA, hours from lead arrival to first touch; compliance is measured",
        lo_open=True,
        source="seed 000: 'follow up on all leads within 24hrs'; SiriusDecisions (I)",
    )
    ignore_share: float = param(
        0.25,
        0.0,
        1.0,
        "share of MQLs sales never follows up, before leadership effects",
        source="Forrester/CSO Insights (V/I): up to 80%, ~25% with good nurturing; HBR 2011: 23% never reply",
    )
    contact_probability: float = param(0.90, 0.0, 1.0, "probability of reaching the buyer with an immediate touch", source="A")
    contact_decay: DecayTable = param(
        _CONTACT_DECAY,
        doc="contact-probability multiplier by response delay in hours (log-linear between knots)",
        source="calibrated so qualification odds match HBR 2011 (H): ~7x within 1 h vs 1-2 h, >60x vs 24 h+",
        check=_check_decay_table,
    )
    qualify_decay: DecayTable = param(
        _QUALIFY_DECAY,
        doc="qualification multiplier by response delay in hours (log-linear between knots)",
        source="as contact_decay",
        check=_check_decay_table,
    )
    qualify_intercept: float = param(
        0.10, 0.0, 1.0, "qualification probability of a contacted lead with q = 0 and readiness = 0", source="A"
    )
    qualify_quality_weight: float = param(
        0.80, 0.0, 5.0, "added qualification probability per unit of quality q", source="A; SAL->SQL 50-70% (V)"
    )
    qualify_readiness_weight: float = param(0.40, 0.0, 5.0, "added qualification probability per unit of readiness", source="A")
    rep_skill: float = param(
        0.80,
        0.0,
        1.0,
        "rep skill, 1 = the 'perfect rep' of the quality definition",
        lo_open=True,
        source="A; 57-60% of reps make quota (CSO Insights, I)",
    )


@dataclass(frozen=True)
class Deals(_Section):
    """Opportunities, cycle lengths, win probability, price and discount (MODEL.md 3.6)."""

    cycle_days_median: float = param(
        45.0,
        0.0,
        3650.0,
        "median sales cycle for a buyer of average readiness, calendar days",
        lo_open=True,
        source="V: mid-market 30-90 days",
    )
    cycle_sigma: float = param(0.6, 0.0, 5.0, "lognormal sigma of the sales cycle", source="A")
    readiness_cycle_effect: float = param(
        0.5, 0.0, 0.99, "cycle shortening per unit of readiness ('buyers are most of the way there')", source="seed 004; CEB 2012 (I)"
    )
    list_price_usd: float = param(
        30_000.0, 0.0, 1e9, "list price of an average deal (first-year contract value)", lo_open=True, source="A: mid-market ACV"
    )
    deal_size_sigma: float = param(0.5, 0.0, 5.0, "lognormal sigma of account size around list price (mean 1)", source="A")
    discount_mean: float = param(0.10, 0.0, 1.0, "mean discount off list price", hi_open=True, source="A")
    discount_sd: float = param(0.06, 0.0, 1.0, "sd of the discount across deals", source="A")
    discount_max: float = param(0.40, 0.0, 1.0, "largest discount sales may give", hi_open=True, source="A")
    win_rep_weight: float = param(2.0, 0.0, 20.0, "logit of win probability lost per unit of rep effectiveness below 1", source="A")
    win_discount_weight: float = param(
        4.0, 0.0, 50.0, "logit of win probability gained per unit of discount", source="A; Marn & Rosiello 1992: price is the costly lever"
    )
    win_logit_offset: float = param(
        -0.6, -10.0, 10.0, "constant added to the win logit (market competitiveness)", source="A; SQL->won 20-30% (V)"
    )


@dataclass(frozen=True)
class Costs(_Section):
    """Headcount costs and margin (MODEL.md 3.12)."""

    rep_cost_usd_per_year: float = param(
        150_000.0, 0.0, 1e8, "fully loaded cost of one rep per year", source="A: mid-market OTE plus overhead"
    )
    marketer_cost_usd_per_year: float = param(120_000.0, 0.0, 1e8, "fully loaded cost of one marketer per year", source="A")
    marketers: int = param(6, 0, 100_000, "marketers (salary only until the marketing-work model uses them)", source="A")
    head_cost_usd_per_year: float = param(
        220_000.0, 0.0, 1e8, "cost of a role in the structure with no leader profile of its own (a head)", source="A"
    )
    gross_margin: float = param(0.75, 0.0, 1.0, "gross margin on bookings; profit = bookings x margin - costs", source="A: B2B software")


@dataclass(frozen=True)
class Mechanisms(_Section):
    """One switch per mechanism, so researchers can turn each off and see what it explains."""

    response_decay: bool = param(True, doc="contact and qualification odds fall with response delay (HBR 2011)")
    unfollowed_mqls: bool = param(True, doc="sales never follows up a share of MQLs")
    outbound_prospecting: bool = param(True, doc="reps prospect part of their time and source outbound leads")
    nurture_recycling: bool = param(True, doc="a share of nurtured leads returns for scoring later")


@dataclass(frozen=True)
class Scenario(_Section):
    """A complete, validated description of a company and its market.

    Build one with defaults (``Scenario()``), change fields with :meth:`replace`
    (``scenario.replace(sales={"reps": 12})`` or ``scenario.replace(**{"sales.reps": 12})``),
    and save or load it with :meth:`to_toml` / :meth:`from_toml`.
    """

    name: str = param("default", doc="a label for reports")
    horizon_days: float = param(365.0, 0.0, 36_500.0, "default simulated horizon in days", lo_open=True, source="A: one year")
    period_days: int = param(7, 1, 365, "length of one row of RunResult.series, days", source="A: weekly")
    calendar: Calendar = field(default_factory=Calendar)
    inbound: Inbound = field(default_factory=Inbound)
    leads: Leads = field(default_factory=Leads)
    sales: Sales = field(default_factory=Sales)
    deals: Deals = field(default_factory=Deals)
    costs: Costs = field(default_factory=Costs)
    mechanisms: Mechanisms = field(default_factory=Mechanisms)

    def __post_init__(self) -> None:
        problems = validate(self)
        if problems:
            raise ValidationError(problems)

    # -- changing ---------------------------------------------------------------------------
    def replace(self, **changes: Any) -> Scenario:
        """A copy with changes. Keys are top-level fields, section names with a dict (merged)
        or dataclass (replacing), or dotted paths like ``"sales.reps"``."""
        data = self.to_dict()
        for key, value in changes.items():
            _set_path(data, key, _to_plain(value))
        return Scenario.from_dict(data)

    # -- (de)serialisation --------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "") -> Scenario:
        """Build from a nested mapping (as read from TOML). Unknown keys and wrong types are
        reported together with range errors, each naming the field."""
        problems: list[Problem] = []
        kwargs = _build(cls, data, "", problems)
        if problems:
            if source:
                problems = [Problem(f"{source}: {p.field}", p.value, p.allowed) for p in problems]
            raise ValidationError(problems)
        try:
            return cls(**kwargs)
        except ValidationError as err:
            if source:
                raise ValidationError([Problem(f"{source}: {p.field}", p.value, p.allowed) for p in err.problems]) from None
            raise

    @classmethod
    def from_toml(cls, path: str | Path) -> Scenario:
        """Load a scenario from a TOML file; missing keys take their defaults."""
        return cls.from_dict(read_toml(path), source=str(path))

    def to_toml(self, path: str | Path | None = None) -> str:
        """The scenario as TOML text; also written atomically to ``path`` when given."""
        import tomli_w

        text = tomli_w.dumps(self.to_dict())
        if path is not None:
            from orgsim._io import atomic_write_text

            atomic_write_text(Path(path), text)
        return text


#: The dotted prefix each section's fields are reported under.
_SECTION_PREFIX = {
    "Calendar": "calendar.",
    "Inbound": "inbound.",
    "Leads": "leads.",
    "Sales": "sales.",
    "Deals": "deals.",
    "Costs": "costs.",
    "Mechanisms": "mechanisms.",
}


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file, turning a missing file or bad syntax into a ValidationError."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ValidationError(Problem(str(path), "missing", "the file does not exist")) from None
    except IsADirectoryError:
        raise ValidationError(Problem(str(path), "a directory", "a TOML file")) from None
    except tomllib.TOMLDecodeError as err:
        raise ValidationError(Problem(str(path), "not TOML", f"valid TOML ({err})")) from None
    except UnicodeDecodeError:
        raise ValidationError(Problem(str(path), "binary", "a UTF-8 TOML file")) from None


def _set_path(data: dict[str, Any], key: str, value: Any) -> None:
    parts = key.split(".")
    target = data
    for i, part in enumerate(parts[:-1]):
        if part not in target or not isinstance(target[part], dict):
            known = [k for k, v in target.items() if isinstance(v, dict)]
            raise ValidationError(Problem(".".join(parts[: i + 1]), part, _unknown_key_hint(part, known)))
        target = target[part]
    last = parts[-1]
    if last not in target:
        raise ValidationError(Problem(key, value, _unknown_key_hint(last, list(target))))
    if isinstance(target[last], dict) and isinstance(value, dict):
        for sub_key, sub_value in value.items():
            _set_path(target[last], sub_key, sub_value)
    else:
        target[last] = value


def _unknown_key_hint(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown key; {hint}known keys: {', '.join(sorted(known))}"


def _type_hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, globalns=globals())


def _build(cls: type, data: Any, prefix: str, problems: list[Problem]) -> dict[str, Any]:
    """Turn a mapping into constructor kwargs for ``cls``, collecting structural problems."""
    if not isinstance(data, Mapping):
        problems.append(Problem(prefix.rstrip(".") or cls.__name__, data, "a table of fields"))
        return {}
    hints = _type_hints(cls)
    fields_by_name = {f.name: f for f in dataclasses.fields(cls)}
    names = list(fields_by_name)
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if key not in names:
            problems.append(Problem(name, value, _unknown_key_hint(key, names)))
            continue
        hint = hints[key]
        if dataclasses.is_dataclass(hint):
            sub_problems: list[Problem] = []
            sub = _build(hint, value, f"{name}.", sub_problems)
            if sub_problems:
                problems.extend(sub_problems)
                continue
            try:
                kwargs[key] = hint(**sub)
            except ValidationError as err:
                problems.extend(err.problems)
            continue
        converted = _coerce(value, hint)
        if converted is _BAD:
            problems.append(Problem(name, value, f"{_article(_type_name(hint))}{_range_text(fields_by_name[key].metadata)}"))
            continue
        problem = _check_value(name, converted, hint, fields_by_name[key].metadata)
        if problem:
            problems.append(problem)
        else:
            kwargs[key] = converted
    return kwargs


_BAD = object()


def _type_name(hint: Any) -> str:
    if hint is DecayTable or typing.get_origin(hint) is tuple:
        return "list of [delay_hours, multiplier] pairs"
    return {int: "integer", float: "number", bool: "boolean (true or false)", str: "string"}.get(hint, str(hint))


def _article(noun: str) -> str:
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"


def _coerce(value: Any, hint: Any) -> Any:
    """Convert TOML/JSON values to the declared type, or return _BAD."""
    if hint is bool:
        return value if isinstance(value, bool) else _BAD
    if hint is int:
        if isinstance(value, bool):
            return _BAD
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return _BAD
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return _BAD
        return float(value)
    if hint is str:
        return value if isinstance(value, str) else _BAD
    if typing.get_origin(hint) is tuple:
        if not isinstance(value, (list, tuple)):
            return _BAD
        try:
            return tuple(tuple(float(x) for x in pair) for pair in value)
        except (TypeError, ValueError):
            return _BAD
    return value


def _check_value(name: str, value: Any, hint: Any, meta: Mapping[str, Any]) -> Problem | None:
    if hint is bool:
        return None if isinstance(value, bool) else Problem(name, value, "true or false")
    if hint is str:
        return None if isinstance(value, str) else Problem(name, value, "a string")
    if "check" in meta:
        message = meta["check"](value)
        return Problem(name, value, message) if message else None
    if hint is int and (isinstance(value, bool) or not isinstance(value, int)):
        return Problem(name, value, f"an integer{_range_text(meta)}")
    if hint is float and (isinstance(value, bool) or not isinstance(value, (int, float))):
        return Problem(name, value, f"a number{_range_text(meta)}")
    if hint in (int, float):
        if not math.isfinite(value):
            return Problem(name, value, f"a finite number{_range_text(meta)}")
        lo, hi = meta.get("lo"), meta.get("hi")
        if lo is not None and (value < lo or (meta["lo_open"] and value == lo)):
            return Problem(name, value, f"must be{_range_text(meta)}")
        if hi is not None and (value > hi or (meta["hi_open"] and value == hi)):
            return Problem(name, value, f"must be{_range_text(meta)}")
    return None


def _range_text(meta: Mapping[str, Any]) -> str:
    lo, hi = meta.get("lo"), meta.get("hi")
    if lo is None and hi is None:
        return ""
    left = "(" if meta.get("lo_open") else "["
    right = ")" if meta.get("hi_open") else "]"
    return f" in {left}{_fmt(lo)}, {_fmt(hi)}{right}"


def _fmt(x: float | None) -> str:
    if x is None:
        return "inf"
    return f"{x:g}"


def _check_section(obj: Any, prefix: str) -> list[Problem]:
    problems: list[Problem] = []
    hints = _type_hints(type(obj))
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        hint = hints[f.name]
        if dataclasses.is_dataclass(hint):
            if not isinstance(value, hint):
                problems.append(Problem(f"{prefix}{f.name}", value, f"a {hint.__name__} section"))
            continue
        problem = _check_value(f"{prefix}{f.name}", value, hint, f.metadata)
        if problem:
            problems.append(problem)
    return problems


def validate(scenario: Scenario) -> list[Problem]:
    """Every problem with a scenario: per-field ranges and types, then cross-field rules."""
    problems = _check_section(scenario, "")
    for f in dataclasses.fields(scenario):
        value = getattr(scenario, f.name)
        if dataclasses.is_dataclass(value):
            problems.extend(_check_section(value, f"{f.name}."))
    if problems:
        return problems
    cal, leads, sales = scenario.calendar, scenario.leads, scenario.sales
    if cal.workday_end_hour <= cal.workday_start_hour:
        problems.append(
            Problem(
                "calendar.workday_end_hour", cal.workday_end_hour, f"must be after calendar.workday_start_hour ({cal.workday_start_hour:g})"
            )
        )
    if leads.nurture_max_days < leads.nurture_min_days:
        problems.append(
            Problem("leads.nurture_max_days", leads.nurture_max_days, f"must be >= leads.nurture_min_days ({leads.nurture_min_days:g})")
        )
    if sales.reps == 0 and scenario.inbound.base_rate_per_day > 0:
        problems.append(Problem("sales.reps", 0, "at least 1 while inbound.base_rate_per_day > 0 (nobody would follow up the leads)"))
    if scenario.deals.discount_mean > scenario.deals.discount_max:
        problems.append(
            Problem("deals.discount_mean", scenario.deals.discount_mean, f"must be <= deals.discount_max ({scenario.deals.discount_max:g})")
        )
    return problems


def describe(cls: type = Scenario, prefix: str = "") -> list[tuple[str, Any, str, str, str]]:
    """Rows of (dotted name, default, allowed range, description, source) for docs and ``orgsim init``."""
    rows = []
    hints = _type_hints(cls)
    instance = cls() if cls is not Scenario else None
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        if dataclasses.is_dataclass(hint):
            rows.extend(describe(hint, f"{prefix}{f.name}."))
            continue
        default = f.default if f.default is not dataclasses.MISSING else getattr(instance, f.name, None)
        rows.append(
            (f"{prefix}{f.name}", default, _range_text(f.metadata).strip(), f.metadata.get("doc", ""), f.metadata.get("source", ""))
        )
    return rows


__all__ = [
    "Calendar",
    "Costs",
    "Deals",
    "DecayTable",
    "Inbound",
    "Leads",
    "Mechanisms",
    "Sales",
    "Scenario",
    "describe",
    "read_toml",
    "validate",
]
