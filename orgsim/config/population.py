"""A declared distribution of leader profiles for one seat (:class:`LeaderPopulation`).

A :class:`~orgsim.config.Leader` built from its ``background`` alone is the *typical* leader of
that background. Real leaders differ: some are better at both functions than others, and each
has quirks. A :class:`LeaderPopulation` states how much they differ, so that an experiment can
fill a seat with a leader drawn at random instead of the typical one.

A seat's random numbers (:class:`SeatDraw`) are drawn apart from the background they are
turned into a profile for. The experiment draws one :class:`SeatDraw` per replication and seat
and turns it into the profile of every structure compared: replication ``r`` then puts a leader
of the same talent quantile, with the same quirks, into the integrator seat of each structure
(common random numbers), so the structures differ only in what they are.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Self

import numpy as np

from orgsim.config.checks import check_range, is_finite, raise_problems, unknown_keys
from orgsim.config.errors import Problem, ValidationError
from orgsim.config.params import Section, build_section, param
from orgsim.config.structure import _RANGES, Leader

#: The attributes the shared latent talent moves together (each also gets its own noise).
TALENT_ATTRIBUTES: tuple[str, ...] = ("sales_understanding", "marketing_understanding", "sla_enforcement", "crm_discipline", "attention")

#: The attributes in (0, 1) that vary on the logit scale: the talent attributes, then three
#: moved by their own noise only.
SHARE_ATTRIBUTES: tuple[str, ...] = (*TALENT_ATTRIBUTES, "quota_sensitivity", "discount_authority", "delegation")

#: The order of :attr:`SeatDraw.noise`: one standard normal per attribute, fixed so that the
#: same draw means the same leader whatever the background. Append new attributes at the end.
NOISE_ATTRIBUTES: tuple[str, ...] = (*SHARE_ATTRIBUTES, "horizon_days", "bias")

#: How many random numbers one seat takes: the talent, one noise per attribute of
#: :data:`NOISE_ATTRIBUTES`, and the uniform of the agreed-criteria coin.
SEAT_DRAW_SIZE = 1 + len(NOISE_ATTRIBUTES) + 1

#: A share attribute's default is kept this far from 0 and 1 before its logit is taken.
SHARE_CLIP = (0.01, 0.99)


@dataclass(frozen=True)
class SeatDraw:
    """The random numbers of one seat, independent of the seat's background and of the population.

    Args:
        talent: the leader's shared latent talent, a standard normal.
        noise: one standard normal per attribute, in the order of :data:`NOISE_ATTRIBUTES`.
        u_criteria: a uniform on [0, 1): the leader works to agreed scoring criteria when it
            falls below :meth:`LeaderPopulation.agreed_criteria_probability`.
    """

    talent: float
    noise: tuple[float, ...]
    u_criteria: float

    def __post_init__(self) -> None:
        problems: list[Problem | None] = [check_range("seat_draw.talent", self.talent)]
        try:  # a tuple, a list or a numpy array
            noise = tuple(self.noise)
        except TypeError:
            noise = ()
        if len(noise) != len(NOISE_ATTRIBUTES) or not all(is_finite(x) for x in noise):
            problems.append(
                Problem("seat_draw.noise", self.noise, f"{len(NOISE_ATTRIBUTES)} finite numbers, one per {', '.join(NOISE_ATTRIBUTES)}")
            )
        problems.append(check_range("seat_draw.u_criteria", self.u_criteria, 0.0, 1.0, hi_open=True))
        raise_problems(problems)
        object.__setattr__(self, "talent", float(self.talent))
        object.__setattr__(self, "noise", tuple(float(x) for x in noise))
        object.__setattr__(self, "u_criteria", float(self.u_criteria))

    def noise_of(self, attribute: str) -> float:
        """The noise of one attribute of :data:`NOISE_ATTRIBUTES`."""
        return self.noise[NOISE_ATTRIBUTES.index(attribute)]

    @property
    def numbers(self) -> tuple[float, ...]:
        """The :data:`SEAT_DRAW_SIZE` numbers in one row: talent, the noise, ``u_criteria``."""
        return (self.talent, *self.noise, self.u_criteria)

    @classmethod
    def from_numbers(cls, numbers: Sequence[float]) -> SeatDraw:
        """Inverse of :attr:`numbers` (a row of a stored table of draws, say)."""
        if len(numbers) != SEAT_DRAW_SIZE:
            raise ValidationError(
                Problem("seat_draw", numbers, f"{SEAT_DRAW_SIZE} numbers: talent, {len(NOISE_ATTRIBUTES)} noises, u_criteria")
            )
        return cls(numbers[0], tuple(numbers[1:-1]), numbers[-1])


@dataclass(frozen=True)
class LeaderPopulation(Section, prefix="population.", noun="parameter"):
    """How leaders of one background differ from the typical leader of that background.

    Each share attribute (a number in 0..1) is varied on the logit scale around its default ``d``
    at the background: ``expit(logit(d) + talent_loading * talent + spread * noise)``, with ``d``
    first kept in [0.01, 0.99] and ``talent`` and ``noise`` standard normals (:class:`SeatDraw`).
    One shared talent moves ``sales_understanding``, ``marketing_understanding``,
    ``sla_enforcement``, ``crm_discipline`` and ``attention`` together, so a leader good at one
    tends to be good at all; ``quota_sensitivity``, ``discount_authority`` and ``delegation`` get
    their own noise only. ``horizon_days`` varies log-normally around its default, ``bias``
    normally (clipped to [-1, 1]); the salary keeps its default. Whether the leader works to
    agreed scoring criteria is a coin with probability ``agreed_criteria_rate`` at average talent,
    moved on the logit scale by the same talent.

    Every number here is an assumption (grade A) except the rate of agreed criteria, a prior
    read off a qualitative source (H); see each field's ``source``. With every loading and
    spread 0, :meth:`profile` gives the background's defaults exactly.

    Example::

        rng = numpy.random.default_rng(7)
        population = LeaderPopulation(spread=0.5)
        draw = population.draw_seat(rng)           # the same numbers ...
        sales_led = population.profile(0.0, draw)  # ... as a sales-background leader
        shared = population.profile(0.5, draw)     # ... and as a shared leader of equal talent
        leader = population.sample(0.2, rng)       # draw and profile in one step
    """

    talent_loading: float = param(
        0.5,
        0.0,
        5.0,
        "logit units per SD of the shared latent talent, moving the five talent attributes together",
        source="A: stated assumption; +1 SD of talent moves a 0.5 attribute to about 0.62",
    )
    """Logit units per SD of the shared talent, on each of the five talent attributes."""
    spread: float = param(
        0.35,
        0.0,
        5.0,
        "sd of each share attribute's own noise, logit scale",
        source="A: stated assumption; +-1 SD moves a 0.5 attribute to about 0.41..0.59",
    )
    """Sd of each share attribute's own noise on the logit scale."""
    horizon_spread: float = param(
        0.3,
        0.0,
        3.0,
        "sd of log(horizon_days) around the background's default",
        source="A: stated assumption; +-1 SD multiplies the horizon by about 0.74..1.35",
    )
    """Sd of the logarithm of ``horizon_days`` around its default."""
    bias_spread: float = param(
        0.15,
        0.0,
        2.0,
        "sd of bias around the background's default (result clipped to [-1, 1])",
        source="A: stated assumption; small beside the 1.2 between a sales and a marketing leader's defaults",
    )
    """Sd of ``bias`` around its default; the result is clipped to [-1, 1]."""
    agreed_criteria_rate: float = param(
        0.3,
        0.0,
        1.0,
        "probability that a leader of average talent works to agreed scoring criteria",
        source="H (prior): Kotler, Rackham & Krishnaswamy 2006 (HBR, 'Ending the war between sales and marketing'): "
        "most firms sit at the 'undefined' or 'defined' stages, a minority 'aligned' or 'integrated'; 0.3 is A",
    )
    """Probability that a leader of average talent works to agreed scoring criteria."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Inverse of :meth:`to_dict`; missing keys take their defaults, problems are named ``population.<key>``."""
        problems: list[Problem] = []
        built = build_section(cls, data, cls._prefix.rstrip("."), problems)
        raise_problems(problems)
        return built  # type: ignore[no-any-return]

    @staticmethod
    def draw_seat(rng: np.random.Generator) -> SeatDraw:
        """One seat's random numbers: the talent, then a noise per attribute, then the uniform.

        Always :data:`SEAT_DRAW_SIZE` numbers in three calls, whatever the population's
        parameters, so setting a spread to 0 never shifts the draws that follow.
        """
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy.random.Generator, not {type(rng).__name__}")
        talent = float(rng.standard_normal())
        noise = tuple(float(x) for x in rng.standard_normal(len(NOISE_ATTRIBUTES)))
        return SeatDraw(talent, noise, float(rng.random()))

    def profile(self, background: float, draw: SeatDraw, **fixed: Any) -> Leader:
        """The leader of ``background`` that ``draw`` describes; ``fixed`` sets attributes outright.

        Raises ValidationError naming ``background`` when it is not a number in [0, 1] (a seat
        with no background is refused), and naming ``leader.<attribute>`` for an unknown or
        invalid attribute in ``fixed``.
        """
        b = _checked_background(background)
        if not isinstance(draw, SeatDraw):
            raise TypeError(f"draw must be a SeatDraw (from draw_seat), not {type(draw).__name__}")
        known = [f.name for f in dataclasses.fields(Leader) if f.name != "background"]
        raise_problems(unknown_keys(Leader._prefix, fixed, known, "attribute", known_label="known attributes"))
        defaults = Leader(background=b).to_dict()  # the typical leader of the background
        values: dict[str, Any] = {}
        for name in SHARE_ATTRIBUTES:
            shift = self.spread * draw.noise_of(name)
            if name in TALENT_ATTRIBUTES:
                shift += self.talent_loading * draw.talent
            values[name] = _shifted_share(defaults[name], shift)
        values["horizon_days"] = _scaled_horizon(defaults["horizon_days"], self.horizon_spread * draw.noise_of("horizon_days"))
        values["bias"] = _shifted_bias(defaults["bias"], self.bias_spread * draw.noise_of("bias"))
        values["agreed_scoring_criteria"] = draw.u_criteria < self.agreed_criteria_probability(draw.talent)
        values.update(fixed)
        return Leader(background=b, **values)

    def sample(self, background: float, rng: np.random.Generator, **fixed: Any) -> Leader:
        """``profile(background, draw_seat(rng), **fixed)``; a refused background draws nothing."""
        _checked_background(background)
        return self.profile(background, self.draw_seat(rng), **fixed)

    def agreed_criteria_probability(self, talent: float) -> float:
        """The chance a leader of ``talent`` (in SDs) works to agreed scoring criteria.

        A rate of exactly 0 or 1 stays 0 or 1 whatever the talent (no logit of 0 is taken).
        """
        rate = self.agreed_criteria_rate
        shift = self.talent_loading * talent
        if rate <= 0.0 or rate >= 1.0 or shift == 0.0:
            return rate
        return _expit(_logit(rate) + shift)


def _checked_background(background: Any) -> float:
    """``background`` as a float, or a ValidationError naming it."""
    problem = check_range("background", background, 0.0, 1.0)
    if problem is not None:
        raise ValidationError(problem)
    return float(background)


def _shifted_share(default: float, shift: float) -> float:
    """``expit(logit(default) + shift)``, the default kept within :data:`SHARE_CLIP`; no shift
    gives the default itself (not its round trip through the logit)."""
    if shift == 0.0:
        return default
    lo, hi = SHARE_CLIP
    return _expit(_logit(min(hi, max(lo, default))) + shift)


def _scaled_horizon(default: float, log_shift: float) -> float:
    """``default * exp(log_shift)`` within the range of ``Leader.horizon_days`` (no overflow)."""
    if log_shift == 0.0:
        return default
    lo, hi, _ = _RANGES["horizon_days"]
    log_shift = min(math.log(hi / default), max(math.log(lo / default), log_shift))
    return min(hi, max(lo, default * math.exp(log_shift)))


def _shifted_bias(default: float, shift: float) -> float:
    """``default + shift`` clipped to [-1, 1]; no shift gives the default itself."""
    return default if shift == 0.0 else min(1.0, max(-1.0, default + shift))


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def _expit(x: float) -> float:
    """The logistic function, without overflow for large ``|x|``."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


__all__ = [
    "NOISE_ATTRIBUTES",
    "SEAT_DRAW_SIZE",
    "SHARE_ATTRIBUTES",
    "TALENT_ATTRIBUTES",
    "LeaderPopulation",
    "SeatDraw",
]
