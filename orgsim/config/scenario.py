"""Scenario configuration: a frozen dataclass of sections, validated in one place, TOML in and out.

A :class:`Scenario` is the complete, immutable description of a company and its market. It
is grouped in sections (``calendar``, ``inbound``, ``leads``, ``sales``, ``deals``, ``costs``,
``market``, ``marketing``, ``leadership``, ``growth``, ``mechanisms``; declared in
:mod:`orgsim.config.sections` and :mod:`orgsim.config.marketing`), each a frozen dataclass
whose fields carry units in their names, a one-line description and the allowed range in their
metadata (:mod:`orgsim.config.params`).

All validation lives in :func:`validate`, which reports every invalid field at once as an
:class:`~orgsim.config.ValidationError` before any simulation starts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orgsim.config import params
from orgsim.config.budget import Budget
from orgsim.config.checks import MAX_HORIZON_DAYS, unknown_key
from orgsim.config.customers import Customers
from orgsim.config.errors import Problem, ValidationError
from orgsim.config.files import read_toml, write_toml
from orgsim.config.marketing import STOCKS, Market, Marketing, ProjectKind, StockParams, default_project_kinds
from orgsim.config.params import DecayTable, Section, field_rows, param, to_plain
from orgsim.config.sections import Calendar, Costs, Deals, Growth, Inbound, Leadership, Leads, Mechanisms, Sales
from orgsim.config.workforce import Workforce

INF = math.inf


@dataclass(frozen=True)
class Scenario(Section):
    """A complete, validated description of a company and its market.

    Build one with defaults (``Scenario()``), change fields with :meth:`replace`
    (``scenario.replace(sales={"reps": 12})`` or ``scenario.replace(**{"sales.reps": 12})``),
    and save or load it with :meth:`to_toml` / :meth:`from_toml`.
    """

    name: str = param("default", doc="a label for reports")
    horizon_days: float = param(365.0, 0.0, MAX_HORIZON_DAYS, "default simulated horizon in days", lo_open=True, source="A: one year")
    period_days: int = param(7, 1, 365, "length of one row of RunResult.series, days", source="A: weekly")
    calendar: Calendar = field(default_factory=Calendar)
    inbound: Inbound = field(default_factory=Inbound)
    leads: Leads = field(default_factory=Leads)
    sales: Sales = field(default_factory=Sales)
    deals: Deals = field(default_factory=Deals)
    costs: Costs = field(default_factory=Costs)
    market: Market = field(default_factory=Market)
    marketing: Marketing = field(default_factory=Marketing)
    leadership: Leadership = field(default_factory=Leadership)
    growth: Growth = field(default_factory=Growth)
    workforce: Workforce = field(default_factory=Workforce)
    budget: Budget = field(default_factory=Budget)
    customers: Customers = field(default_factory=Customers)
    mechanisms: Mechanisms = field(default_factory=Mechanisms)

    def _problems(self) -> list[Problem]:
        """Checked on construction: every field, then the cross-field rules (:func:`validate`)."""
        return validate(self)

    # -- changing ---------------------------------------------------------------------------
    def replace(self, **changes: Any) -> Scenario:
        """A copy with changes. Keys are top-level fields, section names with a dict (merged)
        or dataclass (replacing), or dotted paths like ``"sales.reps"``."""
        data = self.to_dict()
        for key, value in changes.items():
            _set_path(data, key, to_plain(value))
        return Scenario.from_dict(data)

    # -- (de)serialisation --------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "") -> Scenario:
        """Build from a nested mapping (as read from TOML). Unknown keys and wrong types are
        reported together with range errors, each naming the field (after ``"source: "``)."""
        return params.build(cls, data, source=source)  # type: ignore[no-any-return]

    @classmethod
    def from_toml(cls, path: str | Path) -> Scenario:
        """Load a scenario from a TOML file; missing keys take their defaults. An
        ``[uncertain]`` table (declared uncertainties, see :mod:`orgsim.uncertainty`) is skipped."""
        data = read_toml(path)
        if isinstance(data.get("uncertain"), Mapping):
            del data["uncertain"]
        return cls.from_dict(data, source=str(path))

    def to_toml(self, path: str | Path | None = None) -> str:
        """The scenario as TOML text; also written atomically to ``path`` when given."""
        return write_toml(self.to_dict(), path)


def _set_path(data: dict[str, Any], key: str, value: Any) -> None:
    """Set ``value`` at a dotted ``key`` of nested plain data; a dict is merged into a table."""
    parts = key.split(".")
    target = data
    for i, part in enumerate(parts[:-1]):
        if part not in target or not isinstance(target[part], dict):
            known = [k for k, v in target.items() if isinstance(v, dict)]
            raise ValidationError(unknown_key(".".join(parts[: i + 1]), part, known, known_label="known keys"))
        target = target[part]
    last = parts[-1]
    if last not in target:
        raise ValidationError(unknown_key(key, last, target, known_label="known keys", value=value))
    if isinstance(target[last], dict) and isinstance(value, dict):
        for sub_key, sub_value in value.items():
            _set_path(target[last], sub_key, sub_value)
    else:
        target[last] = value


# -- cross-field rules -------------------------------------------------------------------------
def validate(scenario: Scenario) -> list[Problem]:
    """Every problem with a scenario: per-field ranges and types, then cross-field rules."""
    problems = params.check_section(scenario, "")
    if problems:
        return problems
    problems.extend(_check_marketing(scenario))
    cal, leads, sales, deals = scenario.calendar, scenario.leads, scenario.sales, scenario.deals
    if cal.workday_end_hour <= cal.workday_start_hour:
        after = f"must be after calendar.workday_start_hour ({cal.workday_start_hour:g})"
        problems.append(Problem("calendar.workday_end_hour", cal.workday_end_hour, after))
    if leads.nurture_max_days < leads.nurture_min_days:
        at_least = f"must be >= leads.nurture_min_days ({leads.nurture_min_days:g})"
        problems.append(Problem("leads.nurture_max_days", leads.nurture_max_days, at_least))
    if sales.reps == 0 and scenario.inbound.base_rate_per_day > 0:
        problems.append(Problem("sales.reps", 0, "at least 1 while inbound.base_rate_per_day > 0 (nobody would follow up the leads)"))
    problems.extend(_check_reps(sales))
    if deals.discount_mean > deals.discount_max:
        problems.append(Problem("deals.discount_mean", deals.discount_mean, f"must be <= deals.discount_max ({deals.discount_max:g})"))
    return problems


def _check_reps(sales: Any) -> list[Problem]:
    """Rep skills must be a proper Beta; quota shares one per rep, adding up to the plan."""
    problems = []
    mean, sd = sales.rep_skill, sales.rep_skill_sd
    limit = math.sqrt(mean * (1.0 - mean))  # compared without squaring sd: tiny values underflow
    if sd > 0 and sd >= limit:
        problems.append(Problem("sales.rep_skill_sd", sd, f"must be < {limit:.3g} (sqrt(rep_skill x (1 - rep_skill))), or 0"))
    shares = sales.quota_shares
    if shares:
        if len(shares) != sales.reps:
            problems.append(Problem("sales.quota_shares", shares, f"one share per rep: {sales.reps} (sales.reps), got {len(shares)}"))
        elif abs(math.fsum(shares) - 1.0) > 1e-9:
            total = math.fsum(shares)
            problems.append(Problem("sales.quota_shares", shares, f"shares of the plan must add up to 1 (they add up to {total:.6g})"))
    return problems


def _check_marketing(scenario: Scenario) -> list[Problem]:
    kinds = scenario.marketing.kinds
    problems = []
    names = [k.name for k in kinds]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        problems.append(Problem("marketing.kinds", duplicates, "project kind names must be unique"))
    for term in ("short", "long"):
        if scenario.marketing.marketers and not any(k.term == term and k.weight > 0 for k in kinds):
            problems.append(Problem("marketing.kinds", names, f"at least one {term}-term kind with weight > 0"))
    return problems


def describe(cls: type = Scenario, prefix: str = "") -> list[tuple[str, Any, str, str, str]]:
    """Rows of (dotted name, default, allowed range, description, source) for docs and ``orgsim init``."""
    return field_rows(cls, prefix)


__all__ = [
    "INF",
    "STOCKS",
    "Calendar",
    "Costs",
    "Deals",
    "DecayTable",
    "Growth",
    "Inbound",
    "Leadership",
    "Leads",
    "Market",
    "Marketing",
    "Mechanisms",
    "ProjectKind",
    "Sales",
    "Scenario",
    "StockParams",
    "default_project_kinds",
    "describe",
    "param",
    "read_toml",
    "validate",
]
