"""What every estimator is given and what it gives back.

An estimator reads a :class:`~orgsim.experiment.calibrate.inputs.LeadTable` and a
:class:`Context` and returns :class:`Findings`: its report rows (:class:`Estimate`, each with a
95% interval and the method behind it), the scenario fields its estimates set, its notes (what
it could not estimate, and why) and its problems (bad input only it can see).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from orgsim.config.errors import Problem
from orgsim.config.scenario import Scenario
from orgsim.experiment.calibrate.factors import BaseFactors
from orgsim.experiment.calibrate.intervals import wilson_ci


@dataclass
class Context:
    """What estimators know besides the lead table."""

    base: Scenario  # the scenario calibrated from: its team and mechanisms map rates onto fields
    factors: BaseFactors  # what the table cannot show, from the base scenario's own runs
    rng: np.random.Generator  # the bootstrap stream, shared: estimators draw from it in their fixed order
    settle_days: float  # MQLs younger than this at the export are left out of the follow-up share
    price_list: dict[str, float] | None = None  # product -> list price (opportunity exports)


@dataclass
class Estimate:
    """One row of the report (its ``base_value`` is filled in when the report is built)."""

    parameter: str
    field: str  # the scenario field it sets, or ""
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    n: int  # rows used
    method: str
    note: str


@dataclass
class Findings:
    """What one estimator found, in the order it found it."""

    estimates: list[Estimate] = field(default_factory=list)
    fields: dict[str, float | str] = field(default_factory=dict)  # scenario field -> value to set (a family is a string)
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # detail tables (family fits, reps)

    def add(
        self,
        parameter: str,
        estimate: float,
        lo: float,
        hi: float,
        n: int,
        method: str,
        note: str = "",
        *,
        se: float = math.nan,
        sets: str = "",
    ) -> None:
        """Report an estimate with its 95% interval ``[lo, hi]``; with ``sets``, it sets that scenario field."""
        self.estimates.append(Estimate(parameter, sets, estimate, se, lo, hi, n, method, note))
        if sets:
            self.fields[sets] = estimate

    def add_exp(self, parameter: str, log_estimate: float, log_se: float, n: int, method: str, note: str = "", *, sets: str = "") -> None:
        """Report ``exp`` of an estimate made on the log scale: interval ``exp(log +- 1.96 se)``, delta-method se."""
        value = math.exp(log_estimate)
        lo, hi = math.exp(log_estimate - 1.96 * log_se), math.exp(log_estimate + 1.96 * log_se)
        self.add(parameter, value, lo, hi, n, method, note, se=value * log_se, sets=sets)

    def add_proportion(self, parameter: str, hits: np.ndarray, note: str) -> None:
        """Report the share of ``hits`` with its Wilson interval (nothing if there are no rows)."""
        n = len(hits)
        if n == 0:
            return
        k = int(np.sum(hits))
        lo, hi = wilson_ci(k, n)
        self.add(parameter, k / n, lo, hi, n, "proportion, Wilson interval", note)

    def choose(self, field: str, value: str) -> None:
        """Set a scenario field that is a choice (a distribution family), not an estimate: no report row."""
        self.fields[field] = value

    def note(self, text: str) -> None:
        self.notes.append(text)
