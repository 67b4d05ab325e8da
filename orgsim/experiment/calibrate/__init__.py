"""Calibration from a CRM export: estimate a Scenario's observable parameters from a lead table.

:func:`from_leads` reads one row per lead (CSV, Parquet or a DataFrame) with, under whatever
names the CRM uses, the columns

* ``created_at`` (required): when the lead was created;
* ``source`` (required): where it came from, mapped onto the model's sources
  (``inbound``, ``campaign``, ``outbound``, ``channel``);
* ``first_touch_at``: sales' first touch (call, email, meeting);
* ``stage``: the furthest lifecycle stage reached (lead, MQL, opportunity, customer ...), or the
  boolean columns ``mql`` and ``qualified`` (as in orgsim's own lead log);
* ``opportunity_at``: when the lead became an opportunity;
* ``closed_at``, ``won``, ``amount``: when the opportunity closed, whether it was won, its value.

It estimates, each with its uncertainty, the arrival rate by source and weekday (Poisson), the
response-time distribution (order-statistic and bootstrap intervals), stage conversion rates
(Wilson intervals), the sales-cycle length and deal sizes (lognormal, gamma and Weibull fitted by
maximum likelihood, open deals right-censored, the family chosen by fit and written into the
scenario: ``deals.cycle_family``, ``deals.deal_size_family`` and their fields), and returns a
:class:`Calibration`: a validated
:class:`~orgsim.Scenario` with the fields that map cleanly replaced, a report of every estimate,
and the columns and estimates it could not use. ``docs/calibration.md`` explains the method
and its limits.

Some scenario fields are not what a lead table shows: the observed inbound rate is the base rate
times the lift of the brand and content stocks, an observed cycle mixes the scenario's cycle with
the buyers' readiness, an observed amount includes the discount. These are mapped by dividing
out the factor the *base* scenario's own simulated runs produce (``base_runs`` runs with named
seeds), and the report says so in each row.

The package, in the order a calibration runs: ``columns`` (names, presets, label tables, how a
bad cell is named), ``times`` (reading time columns, one format a column, and the window's start
and end), ``inputs`` (reading, parsing, the window's clock), ``factors`` (the base scenario's runs),
``leadflow`` and ``deals`` (one estimator per section of the scenario, run in the order of
:data:`ESTIMATORS`), ``intervals`` (the interval estimators they share) and ``report`` (the
:class:`Calibration` they are assembled into).

:func:`from_opportunities` reads an opportunity export instead (one row per deal: ``deal_columns``,
``deal_inputs``, estimators in ``dealflow`` with ``families`` and ``variance``), and
:func:`backtest` checks a calibration against what happened after it (``backtest``);
``synthetic`` makes deal exports with a known truth from simulated runs; ``window`` keeps the
default window robust to a few wrong dates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from orgsim.config.checks import check_range, raise_problems
from orgsim.config.errors import Problem
from orgsim.config.scenario import Scenario
from orgsim.experiment.calibrate.backtest import Backtest, backtest
from orgsim.experiment.calibrate.columns import (
    CANONICAL_COLUMNS,
    DEFAULT_SOURCE_MAP,
    DEFAULT_STAGE_MAP,
    MODEL_SOURCES,
    PRESETS,
    check_label_maps,
)

# importable from here as from the single module calibrate was (not in __all__, as before)
from orgsim.experiment.calibrate.columns import REQUIRED_COLUMNS as REQUIRED_COLUMNS
from orgsim.experiment.calibrate.columns import STAGES as STAGES
from orgsim.experiment.calibrate.columns import TIME_COLUMNS as TIME_COLUMNS
from orgsim.experiment.calibrate.deal_columns import DEAL_COLUMNS, DEAL_PRESETS, DEFAULT_DEAL_STAGE_MAP
from orgsim.experiment.calibrate.deals import estimate_deal_size, estimate_sales_cycle, estimate_win_rate
from orgsim.experiment.calibrate.factors import base_factors
from orgsim.experiment.calibrate.families import FAMILIES, fit_families
from orgsim.experiment.calibrate.findings import Context, Findings
from orgsim.experiment.calibrate.inputs import LeadTable, read_leads
from orgsim.experiment.calibrate.intervals import bootstrap_mean_ci, lognormal_censored_mle, poisson_ci, quantile_ci, wilson_ci
from orgsim.experiment.calibrate.leadflow import WEEKDAYS as WEEKDAYS
from orgsim.experiment.calibrate.leadflow import (
    estimate_arrivals,
    estimate_follow_up,
    estimate_lead_scoring,
    estimate_qualification,
    estimate_response_time,
)
from orgsim.experiment.calibrate.opportunities import check_dayfirst, from_opportunities
from orgsim.experiment.calibrate.report import Calibration, build_calibration
from orgsim.experiment.calibrate.synthetic import deals_from_run
from orgsim.experiment.calibrate.times import check_date_format
from orgsim.model.streams import named_generator

#: The estimators, in the order they run: the report's rows and the notes follow it, and the
#: response-time and deal-size bootstraps draw from one stream in this order.
ESTIMATORS: tuple[Callable[[LeadTable, Context], Findings], ...] = (
    estimate_arrivals,
    estimate_response_time,
    estimate_lead_scoring,
    estimate_follow_up,
    estimate_qualification,
    estimate_win_rate,
    estimate_sales_cycle,
    estimate_deal_size,
)


def from_leads(
    leads: str | Path | pd.DataFrame,
    mapping: str | Mapping[str, str] | None = None,
    *,
    start: Any = None,
    end: Any = None,
    base: Scenario | None = None,
    source_map: Mapping[str, str] | None = None,
    unknown_source: str | None = None,
    stage_map: Mapping[str, str] | None = None,
    settle_days: float = 14.0,
    base_runs: int = 4,
    seed: int = 0,
    date_format: str | None = None,
    dayfirst: bool | None = None,
) -> Calibration:
    """Estimate a Scenario from a lead-level CRM export.

    Args:
        leads: a ``.csv`` / ``.csv.gz`` / ``.parquet`` path, or a DataFrame (e.g. ``RunResult.leads``).
        mapping: CRM column -> canonical column (see :data:`CANONICAL_COLUMNS`), or a preset name
            (``"hubspot"``, ``"salesforce"``, ``"orgsim"``; typical names, check them against your
            export). ``None`` detects canonical names, orgsim's lead log or a preset.
        start: start of the observation window (a date/time, or a day number when the times are
            day numbers). Leads created before it are left out of every estimate (only the
            survivors of that period are in an export). Default: midnight of the earliest
            creation date, or day 0 for day numbers (orgsim's convention: day 0 is a Monday).
            With a time zone only if the table's times have one (it is converted to UTC, like
            them); without one it is read as UTC when they have one.
        end: when the export was taken; deals still open then are censored at it. Default: the
            latest time in any time column. At most ``MAX_HORIZON_DAYS`` (100 years) after
            ``start``; every time in the table must be within that of ``start`` too.
        base: the scenario to start from (default ``Scenario()``); fields the data cannot
            inform keep its values, and the factors the data cannot show come from its runs.
        source_map: extra source labels -> model source (``inbound``, ``campaign``,
            ``outbound``, ``channel``); case, spaces and punctuation are ignored.
        unknown_source: model source for labels no map knows (default: an error listing them).
        stage_map: extra stage labels -> ``lead``, ``mql``, ``opportunity`` or ``won``.
        settle_days: MQLs created later than this before ``end`` are left out of the follow-up
            share (a recent MQL may simply not have been touched yet).
        base_runs: simulated runs of ``base`` used for the factors a lead table cannot show.
        seed: seed of those runs and of the bootstrap (named streams, never global state).
        date_format: the format of every date/time cell (``"%d/%m/%Y %H:%M"``, ``"ISO8601"`` ...).
            Default ``None``: each column's one format is found from its cells; a column whose
            day/month order the cells leave open (``05/03/2024``) is refused, asking for it.
        dayfirst: settles that order instead: True reads ``05/03/2024`` as 5 March, False as May 3.

    Raises:
        ValidationError: naming the row and column of a bad value, the missing columns and
            the mapping used, or the file that is missing, empty or of an unsupported type.
    """
    base = Scenario() if base is None else base
    _check_arguments(base, unknown_source, source_map, stage_map, settle_days, base_runs, seed, date_format, dayfirst)
    table = read_leads(
        leads,
        mapping,
        start=start,
        end=end,
        source_map=source_map,
        unknown_source=unknown_source,
        stage_map=stage_map,
        date_format=date_format,
        dayfirst=dayfirst,
    )
    rng = named_generator(seed, "calibrate/bootstrap")
    context = Context(base, base_factors(base, table.end_day, int(base_runs), int(seed), settle_days), rng, settle_days)
    return build_calibration(base, table, _run(ESTIMATORS, table, context))


def _run(estimators: tuple[Callable[[Any, Context], Findings], ...], table: Any, context: Context) -> list[Findings]:
    """Every estimator's findings, in order; raise at the first with problems."""
    sections = []
    for estimator in estimators:
        found = estimator(table, context)
        raise_problems(found.problems)
        sections.append(found)
    return sections


def _check_arguments(
    base: Any,
    unknown_source: Any,
    source_map: Any,
    stage_map: Any,
    settle_days: Any,
    base_runs: Any,
    seed: Any,
    date_format: Any,
    dayfirst: Any = None,
) -> None:
    """Raise listing every argument of :func:`from_leads` that is not allowed (before reading anything)."""
    problems: list[Problem | None] = []
    if not isinstance(base, Scenario):
        problems.append(Problem("base", type(base).__name__, "an orgsim.Scenario"))
    if unknown_source is not None and unknown_source not in MODEL_SOURCES:
        problems.append(Problem("unknown_source", unknown_source, f"one of {', '.join(MODEL_SOURCES)} or None"))
    problems.extend(check_label_maps(source_map, stage_map))
    problems.append(check_range("settle_days", settle_days, 0.0))
    problems.append(check_range("base_runs", base_runs, 1, integer=True))
    problems.append(check_range("seed", seed, 0, integer=True))
    problems.append(check_date_format(date_format))
    problems.append(check_dayfirst(dayfirst))
    raise_problems(problems)


__all__ = [
    "CANONICAL_COLUMNS",
    "DEAL_COLUMNS",
    "DEAL_PRESETS",
    "DEFAULT_DEAL_STAGE_MAP",
    "DEFAULT_SOURCE_MAP",
    "DEFAULT_STAGE_MAP",
    "FAMILIES",
    "PRESETS",
    "Backtest",
    "Calibration",
    "backtest",
    "bootstrap_mean_ci",
    "deals_from_run",
    "fit_families",
    "from_leads",
    "from_opportunities",
    "lognormal_censored_mle",
    "poisson_ci",
    "quantile_ci",
    "wilson_ci",
]
