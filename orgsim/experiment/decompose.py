"""What separates two structures, split into reporting lines, seat backgrounds and talent (a Shapley decomposition).

A difference between structures ``a`` and ``b`` in an experiment mixes three things that a
structure is made of:

* ``reporting_lines``: the graph: roles, who reports to whom, the two heads, the role that
  carries the number, the roles outside the seats, and what each seat is paid (a position's
  pay is the position's, not its holder's);
* ``background``: the background of each seat (integrator, head of marketing, head of sales);
* ``talent``: how each seat's holder departs from the typical leader of the seat's background.

A *hybrid* ``H(lines=X, background=Y, talent=Z)`` (each of ``X``, ``Y``, ``Z`` is ``a`` or ``b``)
is ``X``'s graph whose seats, matched by kind (integrator first; a role already filled is
skipped), are held by a leader with ``Y``'s background for that seat kind and ``Z``'s talent for
it, paid ``X``'s salary for the position. Talent is, under sampled leaders, the replication's
:class:`~orgsim.config.SeatDraw` that ``Z`` drew for that seat (a role holding two seats is
drawn as the integrator, so ``Z``'s talent for each of its seats is that one draw); under fixed
leaders, each numeric attribute's departure from the default of ``Z``'s seat background, added
to the default of ``Y``'s and clipped to the attribute's range (agreed scoring criteria travel
with talent). Where ``Y``'s seat background equals ``Z``'s, the seat is held by ``Z``'s holder
as is (no round trip through the defaults), so ``H(a, a, a)`` is exactly
``exp.structure_as_run(a, r)`` and ``H(b, b, b)`` exactly ``b``'s: they repeat the experiment's
own runs bit for bit.

``v(S)``, for a set ``S`` of factors, is the metric's total in replication ``r`` of the hybrid
that takes ``S``'s factors from ``b`` and the others from ``a``, run with the replication's seed
(common random numbers). A factor's component is its Shapley value: its contribution
``v(S + i) - v(S)`` averaged over the 3! orders in which the three factors can be switched from
``a``'s to ``b``'s, computed per replication; the components add up to ``v(all) - v(none)``, the
replication's paired difference ``b - a``. The estimates are means over replications with
t-intervals, as :meth:`Experiment.differences`.

Limits: an interaction between factors (a background that matters only under some reporting
lines) is split equally between the factors involved, not attributed to either; seats are
matched by kind, so a dual-role seat (a CSO who integrates and heads sales) gives the
integrator's background and talent to the other structure's head of sales; and under sampled
leaders the talent component is exactly zero in every replication where the two structures
draw their seats as the same kinds (the same draw holds the same seat kind in both), while
where one of them has a dual role, the other's separate head is held in the hybrids by either
its own draw or the integrator's twin: each is one draw of the same population, so the
component is zero in expectation for that seat alone, and what remains measures the correlation
of the twin (one person's talent in two seats), not better or worse people. It costs six runs
per replication (the hybrids other than ``a`` and ``b``, whose runs the experiment holds).
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from orgsim.config.checks import raise_problems
from orgsim.config.errors import Problem, ValidationError
from orgsim.config.population import LeaderPopulation, SeatDraw
from orgsim.config.scenario import Scenario
from orgsim.config.structure import _RANGES, Leader, Structure
from orgsim.experiment.feasible import warn_if_few
from orgsim.experiment.holders import SEAT_ORDER, seat_draws
from orgsim.experiment.runner import TaskFailure, check_executor, check_progress, run_tasks
from orgsim.experiment.stats import confidence_problem, t_interval
from orgsim.experiment.study import _run_task, _Task

if TYPE_CHECKING:
    from orgsim.experiment.results import Experiment

#: The three factors, in the order of the bits of a coalition (bit i set: factor i from ``b``).
FACTORS = ("reporting_lines", "background", "talent")
#: The rows of :func:`decompose`: a component per factor, then their sum.
COMPONENTS = (*FACTORS, "total")
#: Attributes a hybrid's holder does not take from the talent: the seat's background and the position's pay.
_NOT_TALENT = ("background", "salary_usd_per_year")


@dataclass(frozen=True)
class _Setting:
    """What every hybrid of one experiment shares: how the seats are held and what it costs to hold one."""

    scenario: Scenario
    horizon_days: float
    sampled: bool
    population: LeaderPopulation
    head_cost_usd_per_year: float


def _setting(exp: Experiment) -> _Setting:
    meta = exp.meta
    scenario = Scenario.from_dict(meta["scenario"])
    population = meta.get("population")
    return _Setting(
        scenario=scenario,
        horizon_days=float(meta.get("horizon_days") or scenario.horizon_days),
        sampled=meta.get("leaders", "fixed") == "sampled",
        population=LeaderPopulation() if population is None else LeaderPopulation.from_dict(population),
        head_cost_usd_per_year=scenario.costs.head_cost_usd_per_year,
    )


# -- hybrids -------------------------------------------------------------------------------------


def drawn_as(structure: Structure, kind: str) -> str:
    """The seat kind whose draw holds ``structure``'s seat ``kind`` under sampled leaders: the
    first kind in :data:`~orgsim.experiment.holders.SEAT_ORDER` its role holds (a dual role is
    drawn as the integrator)."""
    seats = structure.seats()
    return next(k for k in SEAT_ORDER if seats[k] == seats[kind])


def moved_holder(held: Leader, background: float, salary_usd_per_year: float) -> Leader:
    """``held``'s talent on a seat of ``background``: each numeric attribute's departure from the
    default of ``held``'s background, added to the default of ``background`` and clipped to the
    attribute's range; booleans as ``held``'s; the salary given (the position's)."""
    typical_then, typical_now = Leader(background=held.background), Leader(background=background)
    values: dict[str, Any] = {}
    for f in dataclasses.fields(Leader):
        if f.name in _NOT_TALENT:
            continue
        value = getattr(held, f.name)
        if isinstance(value, bool) or f.name not in _RANGES:
            values[f.name] = value
            continue
        lo, hi, _ = _RANGES[f.name]
        values[f.name] = min(hi, max(lo, getattr(typical_now, f.name) + (value - getattr(typical_then, f.name))))
    return Leader(background=background, salary_usd_per_year=salary_usd_per_year, **values)


def _seat_holder(
    background: float, talent: Structure, kind: str, salary: float, setting: _Setting, draws: dict[str, SeatDraw] | None
) -> Leader:
    """The holder of seat ``kind`` with ``background``, ``talent``'s talent for that kind and ``salary``."""
    held = talent.holder(talent.seats()[kind])
    if held.background == background:  # talent's own holder, no round trip through the defaults
        return held.replace(salary_usd_per_year=salary)
    if setting.sampled and draws is not None:  # a drawn holder moves as its draw; a kept hand-set one as under fixed leaders
        draw = draws[drawn_as(talent, kind)]
        if held == setting.population.profile(held.background, draw, salary_usd_per_year=held.salary_usd_per_year):  # drawn, not kept
            return setting.population.profile(background, draw, salary_usd_per_year=salary)
    return moved_holder(held, background, salary)


def build_hybrid(
    lines: Structure, background: Structure, talent: Structure, setting: _Setting, draws: dict[str, SeatDraw] | None
) -> Structure:
    """``lines``' graph with each seat held by ``background``'s seat background and ``talent``'s talent
    (the structures as run in one replication; ``draws``: its seat draws under sampled leaders).
    With all three the same object, ``lines`` itself."""
    if lines is background and lines is talent:
        return lines
    leaders, backgrounds, filled = dict(lines.leaders), dict(lines.backgrounds), set()
    for kind, role in lines.seats().items():  # integrator first: a dual role takes the integrator's seat
        if role in filled:
            continue
        filled.add(role)
        salary = lines.leaders[role].salary_usd_per_year if role in lines.leaders else setting.head_cost_usd_per_year
        seat_background = background.seat_background(background.seats()[kind])
        leaders[role] = _seat_holder(seat_background, talent, kind, salary, setting, draws)
        backgrounds[role] = seat_background
    return lines.replace(leaders=leaders, backgrounds=backgrounds)


def hybrid(exp: Experiment, lines: str, background: str, talent: str, replication: int) -> Structure:
    """The hybrid structure of replication ``replication``: ``lines``' reporting lines, ``background``'s
    seat backgrounds and ``talent``'s talent (each a structure label of ``exp``).

    ``hybrid(exp, a, a, a, r)`` is ``exp.structure_as_run(a, r)``."""
    runs = {label: exp.structure_as_run(label, replication) for label in dict.fromkeys((lines, background, talent))}
    for what, label in (("lines", lines), ("background", background), ("talent", talent)):
        if runs[label] is None:
            raise ValidationError(Problem(what, label, "a structure label that ran with a structure (not None)"))
    draws = seat_draws(exp.seed, int(replication)) if exp.meta.get("leaders", "fixed") == "sampled" else None
    return build_hybrid(runs[lines], runs[background], runs[talent], _setting(exp), draws)


# -- the decomposition ---------------------------------------------------------------------------


def shapley(values: np.ndarray) -> np.ndarray:
    """Shapley values of the three factors from ``values[..., S]``, the value of coalition ``S``
    (bit i set: factor i from ``b``): ``phi_i = sum over S without i of |S|! (2 - |S|)! / 3!
    (v(S + i) - v(S))``. Shape (..., 8) -> (..., 3); they add up to ``v[..., 7] - v[..., 0]``."""
    n = len(FACTORS)
    phi = np.zeros((*values.shape[:-1], n))
    for i in range(n):
        for s in range(2**n):
            if s & (1 << i):
                continue
            size = s.bit_count()
            weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
            phi[..., i] += weight * (values[..., s | (1 << i)] - values[..., s])
    return phi


def _coalition(a: str, b: str, s: int) -> tuple[str, str, str]:
    """(lines, background, talent) labels of coalition ``s``."""
    return tuple(b if s & (1 << i) else a for i in range(len(FACTORS)))  # type: ignore[return-value]


def _check(exp: Experiment, a: Any, b: Any, metric: Any, confidence: Any, executor: Any, progress: Any) -> tuple[str, list[int]]:
    """The metric's name and the replications to use; a ValidationError naming the argument otherwise."""
    if exp.is_sweep:
        raise ValidationError(Problem("experiment", "a sweep", "decompose needs a compare experiment (one point)"))
    exp._label(a, "a")
    exp._label(b, "b")
    if a == b:
        raise ValidationError(Problem("b", b, "a structure other than a"))
    name = exp._metric(metric, exp.total_names)
    structures = exp.meta.get("structures", {})
    problems = [
        Problem(what, label, "a structure label that ran with a structure (not None)")
        for what, label in (("a", a), ("b", b))
        if structures.get(label) is None
    ]
    problems += [confidence_problem(confidence), check_executor(executor), check_progress(progress)]  # type: ignore[list-item]
    raise_problems(problems)
    failed = exp.failures
    dropped = set(failed.loc[failed["structure"].isin([a, b]), "replication"].astype(int)) if len(failed) else set()
    reps = [r for r in range(exp.replications) if r not in dropped]
    if not reps:
        raise ValidationError(Problem("b", b, f"a structure whose replications ran together with {a!r}'s (all of them failed)"))
    return name, reps


def _plan(exp: Experiment, a: str, b: str, metric: str, reps: list[int]) -> tuple[np.ndarray, list[_Task], list[tuple[int, int]]]:
    """``v`` (replications used, 8) by coalition, with the experiment's own runs for none and all
    filled in; the tasks of the six other hybrids per replication and where each one's value goes."""
    setting = _setting(exp)
    totals = exp.totals(metric)
    values = np.full((len(reps), 2 ** len(FACTORS)), np.nan)
    values[:, 0] = totals[a].to_numpy()[reps]
    values[:, -1] = totals[b].to_numpy()[reps]
    tasks, where = [], []
    for i, r in enumerate(reps):
        runs = {label: exp.structure_as_run(label, r) for label in (a, b)}
        draws = seat_draws(exp.seed, r) if setting.sampled else None
        for s in range(1, values.shape[1] - 1):
            x, y, z = (runs[label] for label in _coalition(a, b, s))
            tasks.append(_Task(setting.scenario, build_hybrid(x, y, z, setting, draws), exp.seed, (r,), setting.horizon_days))
            where.append((i, s))
    return values, tasks, where


def _collect(values: np.ndarray, where: list[tuple[int, int]], results: list[Any], reps: list[int], metric: str) -> np.ndarray:
    """``values`` with the hybrids' totals; a replication with a failed hybrid is left out (NaN), with a warning."""
    for (i, s), result in zip(where, results, strict=True):
        if not isinstance(result, TaskFailure):
            values[i, s] = dict(zip(result.total_names, result.total_values, strict=True)).get(metric, np.nan)
    failed = sorted({i for (i, _), result in zip(where, results, strict=True) if isinstance(result, TaskFailure)})
    if failed:
        values[failed] = np.nan
        first = next(res for res in results if isinstance(res, TaskFailure))
        warnings.warn(
            f"decompose: hybrid runs of replications {[reps[i] for i in failed]} failed ({first.error}: {first.message}); "
            "those replications are left out",
            RuntimeWarning,
            stacklevel=4,  # the caller of Experiment.decompose
        )
    return values


def hybrid_values(
    exp: Experiment, a: str, b: str, metric: str = "bookings_usd", *, executor: Any = None, progress: bool | None = None
) -> pd.DataFrame:
    """``v`` per replication: the metric's total of each of the eight hybrids, one column per
    hybrid named by its (``reporting_lines``, ``background``, ``talent``) labels; the columns
    (a, a, a) and (b, b, b) are the experiment's own runs. Validated and run as :func:`decompose`
    (whose replications it lists), without its ``confidence``."""
    name, reps = _check(exp, a, b, metric, 0.95, executor, progress)
    values, tasks, where = _plan(exp, a, b, name, reps)
    results = run_tasks(_run_task, tasks, executor=executor, progress=progress, desc="orgsim decompose")
    return _values_frame(a, b, reps, _collect(values, where, results, reps, name))


def _values_frame(a: str, b: str, reps: list[int], values: np.ndarray) -> pd.DataFrame:
    columns = pd.MultiIndex.from_tuples([_coalition(a, b, s) for s in range(values.shape[1])], names=list(FACTORS))
    return pd.DataFrame(values, index=pd.Index(reps, name="replication"), columns=columns)


def decompose(
    exp: Experiment,
    a: str,
    b: str,
    metric: str = "bookings_usd",
    *,
    confidence: float = 0.95,
    executor: Any = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """What separates structure ``b`` from ``a`` in ``exp`` (``b`` minus ``a``, the sign of
    ``exp.differences(baseline=a)``), split into ``reporting_lines``, ``background`` and
    ``talent`` by the method of the module docstring.

    Returns:
        a DataFrame indexed by ``component`` (``reporting_lines``, ``background``, ``talent``,
        ``total``) with columns ``estimate`` (the mean over replications of the per-replication
        components), ``ci_low``, ``ci_high`` (its t-interval at ``confidence``), ``se`` and
        ``n`` (replications used). ``attrs`` records ``a``, ``b``, ``metric`` and ``confidence``;
        :func:`hybrid_values` gives the values behind it, per replication.

    Replications in which ``a`` or ``b`` failed in the experiment are not run, and those in
    which a hybrid fails are dropped with a RuntimeWarning (the left-out rule of every other
    statistic); ``n`` counts those used. Raises ValidationError, before anything runs, for a
    sweep, an unknown label, ``a == b``, a label run without a structure, an unknown metric,
    a confidence outside (0, 1), a bad ``executor`` or ``progress``, or no replication left.
    """
    name, reps = _check(exp, a, b, metric, confidence, executor, progress)
    values, tasks, where = _plan(exp, a, b, name, reps)
    # run here, one call below Experiment.decompose, so that run_tasks' warnings name the caller's line
    results = run_tasks(_run_task, tasks, executor=executor, progress=progress, desc="orgsim decompose")
    values = _collect(values, where, results, reps, name)
    per_replication = np.column_stack([shapley(values), values[:, -1] - values[:, 0]])
    n, mean, _, se, half = t_interval(per_replication, axis=0, confidence=confidence)
    warn_if_few(len(reps), stacklevel=4)  # the caller of Experiment.decompose
    index = pd.Index(list(COMPONENTS), name="component")
    frame = pd.DataFrame({"estimate": mean, "ci_low": mean - half, "ci_high": mean + half, "se": se, "n": n.astype(int)}, index=index)
    frame.attrs.update(a=a, b=b, metric=name, confidence=float(confidence))
    return frame


__all__ = ["COMPONENTS", "FACTORS", "build_hybrid", "decompose", "drawn_as", "hybrid", "hybrid_values", "moved_holder", "shapley"]
