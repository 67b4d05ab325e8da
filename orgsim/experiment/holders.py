"""Who holds the seats in each replication: sampled leaders, paired across structures.

``compare(..., leaders="sampled")`` (the default) draws each seat's holder per replication from a
:class:`~orgsim.LeaderPopulation`, around the seat's background. The random numbers come from
the stream ``leaders`` of the replication's seed, one :class:`~orgsim.config.SeatDraw` per seat
kind in a fixed order (integrator, head of marketing, head of sales), so replication *r* puts
the same talent quantile and the same idiosyncrasies in the integrator's seat of every
structure, and likewise for each head: a paired, equal-talent comparison. A role that holds two
seats (a CSO who integrates and heads sales) is drawn as the integrator. A seat whose holder is
a hand-set profile (``presets.all("seed")``, a structure file's ``[leaders.<role>]`` with
attributes of its own) keeps that person: sampling fills the seats nobody chose a holder for.

``leaders="fixed"`` runs the structures' profiles as given (the presets' ``profile=`` choice).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from orgsim.config import Leader, LeaderPopulation, Reorganization, SeatDraw, Structure
from orgsim.config.errors import Problem
from orgsim.model.streams import named_generator

#: How the seats are held: drawn per replication, or the structures' profiles as given.
LEADERS_MODES = ("sampled", "fixed")
#: The seat kinds, in the order their draws are taken from the stream ``leaders``.
SEAT_ORDER = ("integrator", "marketing_head", "sales_head")
#: The stream the holders are drawn from (not one the model draws from).
STREAM = "leaders"


def check_leaders(leaders: Any, population: Any) -> list[Problem]:
    """Problems with the ``leaders`` and ``population`` arguments of a study."""
    problems = []
    if not isinstance(leaders, str) or leaders not in LEADERS_MODES:
        problems.append(Problem("leaders", leaders, "'sampled' (holders drawn per replication, paired) or 'fixed' (the profiles as given)"))
    if population is not None and not isinstance(population, LeaderPopulation):
        problems.append(Problem("population", type(population).__name__, "None (the default population) or an orgsim.LeaderPopulation"))
    return problems


def seat_draws(seed: int, replication: int) -> dict[str, SeatDraw]:
    """The random numbers of each seat kind in replication ``replication`` of a study with root ``seed``."""
    rng = named_generator(np.random.SeedSequence(seed, spawn_key=(replication,)), STREAM)
    return {kind: LeaderPopulation.draw_seat(rng) for kind in SEAT_ORDER}


def is_hand_set(profile: Leader | None) -> bool:
    """Whether ``profile`` is a chosen person: any attribute other than the salary set away from
    its background's default (``Leader(background=b)`` and no profile are not)."""
    if profile is None:
        return False
    return profile.replace(salary_usd_per_year=Leader().salary_usd_per_year) != Leader(background=profile.background)


def hold_seats(structure: Structure, population: LeaderPopulation, draws: dict[str, SeatDraw], head_cost_usd_per_year: float) -> Structure:
    """``structure`` with a holder drawn for each seat around the seat's background, except
    seats held by a hand-set profile (:func:`is_hand_set`), which keep it.

    A seat's salary stays the position's: its given profile's, else ``head_cost_usd_per_year``
    (what a head without a profile costs), so sampling changes people, not pay.
    """
    leaders = dict(structure.leaders)
    held: set[str] = set()
    for kind, role in structure.seats().items():
        if role in held:
            continue
        held.add(role)
        if is_hand_set(structure.leaders.get(role)):
            continue  # a chosen person stays: sampling fills the seats nobody chose a holder for
        salary = structure.leaders[role].salary_usd_per_year if role in structure.leaders else head_cost_usd_per_year
        leaders[role] = population.profile(structure.seat_background(role), draws[kind], salary_usd_per_year=salary)
    return structure.replace(leaders=leaders)


def holders(
    structure: Structure | Reorganization | None,
    leaders: str,
    population: LeaderPopulation | None,
    seed: int,
    replication: int,
    head_cost_usd_per_year: float,
) -> Structure | Reorganization | None:
    """The structure as run in one replication: its holders drawn (``"sampled"``) or as given.

    A :class:`~orgsim.Reorganization` has the holders of both its structures drawn from the same
    seat draws: whoever sits in a seat of a kind before the switch sits in it after."""
    if structure is None or leaders == "fixed":
        return structure
    draws, people = seat_draws(seed, replication), population or LeaderPopulation()
    if isinstance(structure, Reorganization):
        return structure.replace(
            start=hold_seats(structure.start, people, draws, head_cost_usd_per_year),
            to=hold_seats(structure.to, people, draws, head_cost_usd_per_year),
        )
    return hold_seats(structure, people, draws, head_cost_usd_per_year)


__all__ = ["LEADERS_MODES", "SEAT_ORDER", "check_leaders", "hold_seats", "holders", "is_hand_set", "seat_draws"]
