"""Calibration from an opportunity (deal) export: :func:`from_opportunities`.

One row per deal, as CRMs' opportunity and deal reports have them (columns in
:mod:`.deal_columns`, reading rules in :mod:`.deal_inputs`, estimators in :mod:`.dealflow`).
It returns the same :class:`~.report.Calibration` as :func:`~orgsim.experiment.calibrate.from_leads`,
plus detail tables: every distribution family's fit (``tables["fits"]``) and each rep's win rate,
raw and shrunk (``tables["reps"]``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from orgsim.config.checks import check_range, is_bool, is_real, raise_problems
from orgsim.config.errors import Problem
from orgsim.config.scenario import Scenario
from orgsim.experiment.calibrate.deal_columns import DEAL_COLUMNS, check_deal_stage_map
from orgsim.experiment.calibrate.deal_inputs import read_deals
from orgsim.experiment.calibrate.dealflow import DEAL_ESTIMATORS
from orgsim.experiment.calibrate.factors import base_factors
from orgsim.experiment.calibrate.findings import Context
from orgsim.experiment.calibrate.report import Calibration, build_calibration
from orgsim.experiment.calibrate.times import check_date_format
from orgsim.model.streams import named_generator

#: The optional deal columns whose absence is noted in a calibration.
_NOTED_COLUMNS = ("closed_at", "amount", "owner", "manager", "product")


def from_opportunities(
    source: str | Path | pd.DataFrame,
    mapping: str | Mapping[str, str] | None = None,
    *,
    price_list: Mapping[str, float] | None = None,
    start: Any = None,
    end: Any = None,
    dayfirst: bool | None = None,
    base: Scenario | None = None,
    stage_map: Mapping[str, str] | None = None,
    base_runs: int = 4,
    seed: int = 0,
    date_format: str | None = None,
) -> Calibration:
    """Estimate a Scenario from an opportunity export (one row per deal).

    Args:
        source: a ``.csv`` / ``.csv.gz`` / ``.parquet`` path, or a DataFrame.
        mapping: export column -> orgsim column (``opportunity_id``, ``created_at``, ``closed_at``,
            ``stage``, ``won``, ``amount``, ``owner``, ``manager``, ``product``, ``account``,
            ``source``; ``created_at`` and one of ``stage``/``won`` are required), or a preset:
            ``"salesforce"``, ``"hubspot"``, ``"maven"``, ``"orgsim"`` (typical names: check them).
            ``None`` picks the preset with the most columns present.
        price_list: product -> list price; product names are matched ignoring case, spaces and
            punctuation. With it, the realised discounts are estimated; products it lacks are
            named in the notes.
        start: start of the window (a date/time, or a day number for day numbers). Deals created
            before it are left out. Default: midnight of the earliest creation date inside the
            bulk of the data (see ``docs/calibration.md``), day 0 for day numbers.
        end: the export date: deals open then (or closed after it) are right-censored there.
            Default: the latest time inside the bulk of the data.
        dayfirst: how to read a date column whose day/month order its cells leave open
            (``05/03/2024``): True day first, False month first; ``None`` refuses such a column.
        base: the scenario to start from (default ``Scenario()``); the factors a deal table cannot
            show (readiness, discounts, opportunities per inbound lead) come from its runs.
        stage_map: extra stage labels -> ``won``, ``lost`` or ``open``.
        base_runs: simulated runs of ``base`` for those factors.
        seed: seed of those runs and of the bootstraps (named streams, never global state).
        date_format: the format of every date/time cell (overrides ``dayfirst``).

    Raises:
        ValidationError: naming the row and column of a bad value, the missing columns and the
            mapping used, a bad argument, or the file that is missing, empty or of the wrong type.
    """
    base = Scenario() if base is None else base
    prices = _check_arguments(base, price_list, dayfirst, stage_map, base_runs, seed, date_format)
    deals = read_deals(source, mapping, start=start, end=end, stage_map=stage_map, date_format=date_format, dayfirst=dayfirst)
    factors = base_factors(base, deals.end_day, int(base_runs), int(seed))
    context = Context(base, factors, named_generator(seed, "calibrate/bootstrap"), 0.0, prices)
    sections = []
    for estimator in DEAL_ESTIMATORS:
        found = estimator(deals, context)
        raise_problems(found.problems)
        sections.append(found)
    return build_calibration(base, deals, sections, optional=_NOTED_COLUMNS)


def _check_arguments(
    base: Any, price_list: Any, dayfirst: Any, stage_map: Any, base_runs: Any, seed: Any, date_format: Any
) -> dict[str, float] | None:
    """The price list as a dict; raise listing every argument that is not allowed (before reading anything)."""
    problems: list[Problem | None] = []
    if not isinstance(base, Scenario):
        problems.append(Problem("base", type(base).__name__, "an orgsim.Scenario"))
    problems.append(check_dayfirst(dayfirst))
    problems.append(check_deal_stage_map(stage_map))
    problems.append(check_range("base_runs", base_runs, 1, integer=True))
    problems.append(check_range("seed", seed, 0, integer=True))
    problems.append(check_date_format(date_format))
    prices, problem = _price_list(price_list)
    problems.append(problem)
    raise_problems(problems)
    return prices


def check_dayfirst(value: Any) -> Problem | None:
    """None, or a Problem for a ``dayfirst`` that is not None, True or False."""
    return None if value is None or is_bool(value) else Problem("dayfirst", value, "None, True (05/03 is 5 March) or False (May 3)")


def _price_list(value: Any) -> tuple[dict[str, float] | None, Problem | None]:
    allowed = "None or a dict of product name -> list price (a finite number > 0)"
    if value is None:
        return None, None
    if isinstance(value, pd.Series):
        value = value.to_dict()
    if not isinstance(value, Mapping) or not value:
        return None, Problem("price_list", type(value).__name__ if not isinstance(value, Mapping) else value, allowed)
    for product, price in value.items():
        if not (is_real(price) and math.isfinite(float(price)) and float(price) > 0):
            return None, Problem(f"price_list[{product!r}]", price, "a list price: a finite number > 0")
    return {str(k): float(v) for k, v in value.items()}, None


__all__ = ["DEAL_COLUMNS", "from_opportunities"]
