"""Leaders and reporting structures (MODEL.md section 4).

A :class:`Leader` is a profile of attributes. Its ``background`` (0 = pure sales .. 1 = pure
marketing) sets sensible defaults for every other attribute; any attribute given explicitly
overrides its default. A :class:`Structure` names the heads of marketing and sales, who each
role reports to, and each role's leader profile; the *integrator* is the lowest common manager
of the two heads, and the organisational mechanisms read the integrator's attributes.

Nothing in the model looks at a structure's name: a preset is data, and a custom structure
with the same roles and profiles gives bit-identical results.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orgsim.config.checks import MAX_HORIZON_DAYS, problems_under, raise_problems, unknown_keys
from orgsim.config.errors import Problem, ValidationError
from orgsim.config.files import read_toml, write_toml
from orgsim.config.params import Section, check_field, param

#: The most levels a reporting chain may have, counting the role and the top. Real companies
#: have well under 20; the bound keeps checking and walking a structure cheap and its messages short.
MAX_REPORTING_LEVELS = 100


def _by_background(at_sales: float, at_marketing: float, doc: str, *, lo: float = 0.0, hi: float = 1.0, source: str) -> Any:
    """A leader attribute in ``[lo, hi]`` whose default (``None``) is set by ``background``:
    interpolated linearly between its value at background 0 (sales) and at 1 (marketing)."""
    return param(None, lo, hi, doc, source=source, extra={"by_background": (at_sales, at_marketing)})


@dataclass(frozen=True)
class Leader(Section, prefix="leader.", noun="attribute"):
    """A leader's profile. Unset attributes (``None``) take their defaults from ``background``.

    Example: ``Leader(background=0.0)`` is a sales-background leader; ``Leader(background=0.0,
    horizon_days=365)`` the same with a one-year planning horizon. The defaults by background
    and their sources are the seeds and CALIBRATION.md "Pressure, pricing, hierarchy".
    """

    background: float = param(0.5, 0.0, 1.0, "0 = pure sales .. 1 = pure marketing", source="the profile's choice")
    """0 = pure sales .. 1 = pure marketing; sets the defaults of the attributes below."""
    horizon_days: float | None = _by_background(
        90.0,
        730.0,
        "planning horizon over which delayed payoffs count, days",
        lo=1.0,
        hi=MAX_HORIZON_DAYS,
        source="a 90-day quota mindset (seed 004) vs a multi-year brand view (Binet & Field, I)",
    )
    """Planning horizon: how far ahead payoffs count when allocating marketing work (days)."""
    quota_sensitivity: float | None = _by_background(
        0.9,
        0.3,
        "how strongly a quarter's shortfall changes decisions",
        source="~80% of executives would cut discretionary spend to hit a quarter (Graham et al. 2005, P)",
    )
    """How strongly quarter-to-date shortfall turns into preemption and discounts (0..1)."""
    sales_understanding: float | None = _by_background(
        0.95,
        0.55,
        "coaching, outbound support, deal strategy",
        source='"how can a marketing specialist truly understand the nature of a sales approach?" (seed 001)',
    )
    """Coaching, outbound support, deal strategy: scales rep effectiveness (0..1)."""
    marketing_understanding: float | None = _by_background(
        0.45,
        0.95,
        "judging campaigns, scoring and brand",
        source='sales "very focused on the short-term tangibles" (seed 000); departmental view (Dearborn & Simon 1958)',
    )
    """Judgement of campaigns, scoring and brand: accuracy of allocation (0..1)."""
    sla_enforcement: float | None = _by_background(
        0.2,
        0.85,
        "how hard follow-up of every MQL is enforced",
        source='"you\'re not following up on all leads within 24hrs" (seed 000): marketing enforces the SLA',
    )
    """How hard follow-up of every MQL within the SLA is enforced (0..1)."""
    crm_discipline: float | None = _by_background(
        0.35,
        0.8,
        "how hard outcome logging is enforced",
        source='the sales lead "ignored my need to have all sales conversations logged" (seed 000)',
    )
    """How hard logging of lead outcomes in the CRM is enforced (0..1)."""
    discount_authority: float | None = _by_background(
        0.35,
        0.75,
        "how freely price is traded for wins",
        source="marketing \"empowered to offer discounts and bundles through 'their' sales force\" (seed 000)",
    )
    """How freely price is traded for wins: discounts and bundles (0..1)."""
    attention: float | None = _by_background(
        0.5,
        0.5,
        "share of time for cross-functional disputes",
        source="a functional head gives the other function's disputes moderate attention",
    )
    """Share of time given to cross-functional disputes (0..1)."""
    bias: float | None = _by_background(
        -0.6,
        0.6,
        "side disputes are resolved for: -1 sales .. +1 marketing",
        lo=-1.0,
        source="disputes resolved for the function the leader comes from (-1 sales .. +1 marketing)",
    )
    """Which side disputes are resolved for: -1 sales .. +1 marketing."""
    delegation: float | None = _by_background(
        0.5,
        0.5,
        "how much a function's daily decisions are left to its own head",
        source="A: an even split between the integrator and the head below (stated assumption)",
    )
    """How much the leader leaves each function's daily decisions to the head below (0..1)."""
    agreed_scoring_criteria: bool = param(
        False, doc="sales and marketing work to jointly agreed lead-scoring criteria", source="A: fixed default, not set by background"
    )
    """Whether sales and marketing work to jointly agreed lead-scoring criteria."""
    salary_usd_per_year: float = param(
        250_000.0, 0.0, 1e8, "salary charged to sales and marketing", source="A: fixed default, not set by background"
    )
    """Salary charged to sales and marketing (0 for a CEO whose cost is not attributable)."""

    def __post_init__(self) -> None:
        if check_field(self, "background", self._prefix) is not None:  # every default below depends on it
            raise_problems(self._problems())  # report it with every other bad attribute given
        b = self.background
        for name, (at_sales, at_marketing) in _BACKGROUND_DEFAULTS.items():
            if getattr(self, name) is None:
                object.__setattr__(self, name, at_sales * (1.0 - b) + at_marketing * b)
        super().__post_init__()


#: Defaults by background: (value at background 0 = sales, value at background 1 = marketing),
#: interpolated linearly; read off the declarations above, where each names its source.
_BACKGROUND_DEFAULTS: dict[str, tuple[float, float]] = {
    f.name: f.metadata["by_background"] for f in dataclasses.fields(Leader) if "by_background" in f.metadata
}

#: The range and meaning of each numeric attribute, read off the declarations: name -> (lo, hi, meaning).
_RANGES: dict[str, tuple[float, float, str]] = {
    f.name: (f.metadata["lo"], f.metadata["hi"], f.metadata["doc"]) for f in dataclasses.fields(Leader) if f.metadata.get("lo") is not None
}


@dataclass(frozen=True)
class Structure:
    """A reporting structure: roles, who each reports to, and the leader profile of each.

    Args:
        name: a label for tables and plots (never read by the model).
        marketing_head: the role that heads marketing.
        sales_head: the role that heads sales.
        reports_to: each role's manager (``None`` for the top role). Every role named must
            appear as a key.
        leaders: the profile of each role whose holder is given (at least the integrator); a
            seat without one is held by ``Leader(background=<the seat's background>)``.
        quota_owner: the role that carries the bookings target (``None``: the sales head).
        backgrounds: each seat's background (0 = sales .. 1 = marketing), the position's and
            not the person's: what a sampled holder is drawn around
            (:class:`~orgsim.LeaderPopulation`). Unlisted seats take their profile's
            background, else 1 for the marketing head, 0 for the sales head and 0.5 otherwise.

    Roles outside sales and marketing (a CEO's other reports) may be listed: they count in the
    integrator's span of control and cost sales and marketing nothing.
    """

    name: str
    marketing_head: str
    sales_head: str
    reports_to: Mapping[str, str | None]
    leaders: Mapping[str, Leader] = field(default_factory=dict)
    quota_owner: str | None = None
    backgrounds: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        raise_problems(_check_shapes(self))
        # "" means nobody, as in TOML (which has no None)
        object.__setattr__(self, "reports_to", {role: (boss or None) for role, boss in self.reports_to.items()})
        object.__setattr__(self, "leaders", dict(self.leaders))
        object.__setattr__(self, "quota_owner", self.quota_owner or None)
        object.__setattr__(self, "backgrounds", dict(self.backgrounds))
        raise_problems(_check_structure(self))

    def chain(self, role: str) -> list[str]:
        """``role`` and its managers up to the top."""
        path = [role]
        while self.reports_to[path[-1]] is not None:
            path.append(self.reports_to[path[-1]])  # type: ignore[arg-type]
        return path

    @property
    def integrator_role(self) -> str:
        """The lowest common manager of the two heads (a head itself if one reports to the other)."""
        above_marketing = set(self.chain(self.marketing_head))
        for role in self.chain(self.sales_head):
            if role in above_marketing:
                return role
        raise AssertionError("validated structures always have a common manager")

    @property
    def integrator(self) -> Leader:
        """The integrator's leader profile."""
        return self.leaders[self.integrator_role]

    @property
    def quota_owner_role(self) -> str:
        """The role that carries the bookings target (the sales head unless ``quota_owner`` says otherwise)."""
        return self.quota_owner or self.sales_head

    def seats(self) -> dict[str, str]:
        """The three positions the model reads, by seat: ``integrator``, ``marketing_head`` and
        ``sales_head`` (one role may hold two: a CSO who integrates and heads sales)."""
        return {"integrator": self.integrator_role, "marketing_head": self.marketing_head, "sales_head": self.sales_head}

    def seat_background(self, role: str) -> float:
        """The background of ``role``'s seat: its holder's, else ``backgrounds``, else by function."""
        if role in self.leaders:
            return self.leaders[role].background
        if role in self.backgrounds:
            return self.backgrounds[role]
        return 1.0 if role == self.marketing_head else 0.0 if role == self.sales_head else 0.5

    def holder(self, role: str) -> Leader:
        """Who holds ``role``: its profile, or a profile of the seat's background."""
        return self.leaders[role] if role in self.leaders else Leader(background=self.seat_background(role))

    def direct_reports(self, role: str) -> list[str]:
        """The roles that report to ``role``, in the order listed."""
        return [r for r, boss in self.reports_to.items() if boss == role]

    def distance(self, a: str, b: str) -> int:
        """Reporting lines between two roles: up from each to their lowest common manager."""
        up_a = self.chain(a)
        up_b = self.chain(b)
        common = next(r for r in up_b if r in up_a)
        return up_a.index(common) + up_b.index(common)

    def replace(self, **changes: Any) -> Structure:
        """A copy with some fields changed."""
        names = [f.name for f in dataclasses.fields(self)]
        raise_problems(unknown_keys("structure.", changes, names, "attribute", known_label="known attributes"))
        return dataclasses.replace(self, **changes)

    def with_integrator(self, **changes: Any) -> Structure:
        """A copy whose integrator's profile has some attributes changed."""
        leaders = dict(self.leaders)
        leaders[self.integrator_role] = leaders[self.integrator_role].replace(**changes)
        return self.replace(leaders=leaders)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (for TOML, metadata and result stores)."""
        return {
            "name": self.name,
            "marketing_head": self.marketing_head,
            "sales_head": self.sales_head,
            "reports_to": {role: ("" if boss is None else boss) for role, boss in self.reports_to.items()},
            "leaders": {role: leader.to_dict() for role, leader in self.leaders.items()},
            "quota_owner": self.quota_owner or "",
            "backgrounds": dict(self.backgrounds),
        }

    @classmethod
    def from_toml(cls, path: str | Path) -> Structure:
        """Load a structure from a TOML file (the layout of :meth:`to_dict`)."""
        data = read_toml(path)  # its problems name the file already
        with problems_under(f"{path}: "):  # name the file, as Scenario.from_toml does
            return cls.from_dict(data)

    def to_toml(self, path: str | Path | None = None) -> str:
        """The structure as TOML text; also written atomically to ``path`` when given."""
        return write_toml(self.to_dict(), path)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Structure:
        """Inverse of :meth:`to_dict`; an empty string in ``reports_to`` means nobody."""
        if not isinstance(data, Mapping):
            raise ValidationError(Problem("structure", data, "a table with name, marketing_head, sales_head, reports_to and leaders"))
        raise_problems(unknown_keys("structure.", data, [f.name for f in dataclasses.fields(cls)], known_label="known keys"))
        missing = [k for k in ("name", "marketing_head", "sales_head", "reports_to") if k not in data]
        if missing:
            raise ValidationError([Problem(f"structure.{k}", "missing", "required") for k in missing])
        reports_to = data["reports_to"]
        if not isinstance(reports_to, Mapping):
            raise ValidationError(Problem("structure.reports_to", reports_to, "a table of role = manager"))
        leaders_data = data.get("leaders", {})
        if not isinstance(leaders_data, Mapping):
            raise ValidationError(Problem("structure.leaders", leaders_data, "a table of role = leader profile"))
        return cls(
            name=data["name"],
            marketing_head=data["marketing_head"],
            sales_head=data["sales_head"],
            reports_to=dict(reports_to),
            leaders={role: _leader_from_dict(role, profile) for role, profile in leaders_data.items()},
            quota_owner=data.get("quota_owner"),
            backgrounds=data.get("backgrounds", {}),
        )


def _leader_from_dict(role: str, profile: Any) -> Leader:
    """The profile of ``role`` from a table of attributes, its problems named ``structure.leaders.<role>.<attribute>``."""
    where = f"structure.leaders.{role}"
    if not isinstance(profile, Mapping):
        raise ValidationError(Problem(where, profile, "a table of leader attributes"))
    known = [f.name for f in dataclasses.fields(Leader)]
    raise_problems(unknown_keys(f"{where}.", profile, known, "leader attribute", list_known=False))
    with problems_under(f"{where}.", replacing=Leader._prefix):  # not the bare "leader.bias"
        return Leader(**profile)


def _check_shapes(s: Structure) -> list[Problem]:
    """Types first, so the checks of :func:`_check_structure` never stumble over odd input."""
    problems: list[Problem] = []
    if not isinstance(s.reports_to, Mapping):
        problems.append(Problem("structure.reports_to", s.reports_to, "a mapping {role: manager role, or None for the top}"))
    else:
        for role, boss in s.reports_to.items():
            if not isinstance(role, str) or not role:
                problems.append(Problem("structure.reports_to", role, "role names that are non-empty strings"))
            elif boss is not None and not isinstance(boss, str):
                problems.append(Problem(f"structure.reports_to.{role}", boss, "a role listed in reports_to, or None/'' for the top"))
    if not isinstance(s.leaders, Mapping):
        problems.append(Problem("structure.leaders", s.leaders, "a mapping {role: orgsim.Leader}"))
    for head in ("marketing_head", "sales_head"):
        role = getattr(s, head)
        if not isinstance(role, str):
            problems.append(Problem(f"structure.{head}", role, "a role name (a string) listed in reports_to"))
    if s.quota_owner is not None and not isinstance(s.quota_owner, str):
        problems.append(Problem("structure.quota_owner", s.quota_owner, "a role name (a string) listed in reports_to"))
    if not isinstance(s.backgrounds, Mapping):
        problems.append(Problem("structure.backgrounds", s.backgrounds, "a mapping {role: background in [0, 1]}"))
    else:
        for role, background in s.backgrounds.items():
            number = isinstance(background, (int, float)) and not isinstance(background, bool)
            if not number or not 0.0 <= background <= 1.0:  # NaN fails the range test too
                problems.append(Problem(f"structure.backgrounds.{role}", background, "a background in [0, 1] (0 = sales .. 1 = marketing)"))
    return problems


def _levels(roles: Mapping[str, str | None]) -> dict[str, int] | Problem:
    """How many levels each role's reporting chain has (1 for a top role), or the Problem of
    the first reporting cycle met. Linear in the number of roles: each role is walked once."""
    levels: dict[str, int] = {}
    for role in roles:
        path: dict[str, None] = {}  # the roles walked up from `role` whose levels are not known yet, in order
        boss: str | None = role
        while boss is not None and boss not in levels:
            if boss in path:
                cycle = _path_text([*path, boss])
                return Problem(f"structure.reports_to.{role}", roles[role], f"reporting lines must not form a cycle ({cycle})")
            path[boss] = None
            boss = roles[boss]
        above = 0 if boss is None else levels[boss]
        for i, walked in enumerate(reversed(path)):
            levels[walked] = above + i + 1
    return levels


def _path_text(path: list[str]) -> str:
    """``a -> b -> c``, with the middle of a long path left out."""
    if len(path) > 12:
        return " -> ".join([*path[:5], f"... ({len(path) - 10} more)", *path[-5:]])
    return " -> ".join(path)


def _check_structure(s: Structure) -> list[Problem]:
    problems: list[Problem] = []
    if not isinstance(s.name, str) or not s.name:
        problems.append(Problem("structure.name", s.name, "a non-empty string"))
    roles = s.reports_to
    for head in ("marketing_head", "sales_head"):
        role = getattr(s, head)
        if role not in roles:
            problems.append(Problem(f"structure.{head}", role, f"a role listed in reports_to ({', '.join(map(str, roles)) or 'none'})"))
    for role, boss in roles.items():
        if boss is not None and boss not in roles:
            problems.append(Problem(f"structure.reports_to.{role}", boss, "a role listed in reports_to, or None/'' for the top"))
    if s.quota_owner is not None and s.quota_owner not in roles:
        problems.append(Problem("structure.quota_owner", s.quota_owner, f"a role listed in reports_to ({', '.join(map(str, roles))})"))
    for role in s.backgrounds:
        if role not in roles:
            problems.append(Problem(f"structure.backgrounds.{role}", role, "a role listed in reports_to"))
    for role, leader in s.leaders.items():
        if role not in roles:
            problems.append(Problem(f"structure.leaders.{role}", role, "a role listed in reports_to"))
        if not isinstance(leader, Leader):
            problems.append(Problem(f"structure.leaders.{role}", leader, "an orgsim.Leader"))
    if problems:
        return problems
    levels = _levels(roles)
    if isinstance(levels, Problem):
        return [levels]
    deepest = max(levels, key=levels.__getitem__)
    if levels[deepest] > MAX_REPORTING_LEVELS:
        chain = _path_text(s.chain(deepest))
        allowed = f"reporting chains at most {MAX_REPORTING_LEVELS} levels deep (this one has {levels[deepest]} levels: {chain})"
        return [Problem(f"structure.reports_to.{deepest}", roles[deepest], allowed)]
    tops_marketing = s.chain(s.marketing_head)[-1]
    tops_sales = s.chain(s.sales_head)[-1]
    if tops_marketing != tops_sales:
        problems.append(
            Problem("structure.reports_to", dict(roles), f"the two heads need a common manager (tops: {tops_marketing}, {tops_sales})")
        )
        return problems
    if s.integrator_role not in s.leaders:
        problems.append(Problem(f"structure.leaders.{s.integrator_role}", "missing", "a Leader profile for the integrator"))
    return problems


__all__ = ["MAX_REPORTING_LEVELS", "Leader", "Structure"]
