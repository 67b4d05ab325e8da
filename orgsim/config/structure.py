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
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orgsim.config.errors import Problem, ValidationError

# Defaults by background: (value at background 0 = sales, value at background 1 = marketing),
# interpolated linearly. Sources: the seeds and CALIBRATION.md "Pressure, pricing, hierarchy".
_BACKGROUND_DEFAULTS: dict[str, tuple[float, float]] = {
    # a 90-day quota mindset (seed 004) vs a multi-year brand view (Binet & Field, I)
    "horizon_days": (90.0, 730.0),
    # ~80% of executives would cut discretionary spend to hit a quarter (Graham et al. 2005, P)
    "quota_sensitivity": (0.9, 0.3),
    # "how can a marketing specialist truly understand the nature of a sales approach?" (seed 001)
    "sales_understanding": (0.95, 0.55),
    # sales "very focused on the short-term tangibles" (seed 000); departmental view (Dearborn & Simon 1958)
    "marketing_understanding": (0.45, 0.95),
    # "you're not following up on all leads within 24hrs" (seed 000): marketing enforces the SLA
    "sla_enforcement": (0.2, 0.85),
    # the sales lead "ignored my need to have all sales conversations logged" (seed 000)
    "crm_discipline": (0.35, 0.8),
    # marketing "empowered to offer discounts and bundles through 'their' sales force" (seed 000)
    "discount_authority": (0.35, 0.75),
    # a functional head gives the other function's disputes moderate attention
    "attention": (0.5, 0.5),
    # disputes resolved for the function the leader comes from (-1 sales .. +1 marketing)
    "bias": (-0.6, 0.6),
}

_RANGES: dict[str, tuple[float, float, str]] = {
    "background": (0.0, 1.0, "0 = pure sales .. 1 = pure marketing"),
    "horizon_days": (1.0, 36_500.0, "planning horizon over which delayed payoffs count, days"),
    "quota_sensitivity": (0.0, 1.0, "how strongly a quarter's shortfall changes decisions"),
    "sales_understanding": (0.0, 1.0, "coaching, outbound support, deal strategy"),
    "marketing_understanding": (0.0, 1.0, "judging campaigns, scoring and brand"),
    "sla_enforcement": (0.0, 1.0, "how hard follow-up of every MQL is enforced"),
    "crm_discipline": (0.0, 1.0, "how hard outcome logging is enforced"),
    "discount_authority": (0.0, 1.0, "how freely price is traded for wins"),
    "attention": (0.0, 1.0, "share of time for cross-functional disputes"),
    "bias": (-1.0, 1.0, "side disputes are resolved for: -1 sales .. +1 marketing"),
    "salary_usd_per_year": (0.0, 1e8, "salary charged to sales and marketing"),
}


@dataclass(frozen=True)
class Leader:
    """A leader's profile. Unset attributes (``None``) take their defaults from ``background``.

    Example: ``Leader(background=0.0)`` is a sales-background leader; ``Leader(background=0.0,
    horizon_days=365)`` the same with a one-year planning horizon.
    """

    background: float = 0.5
    """0 = pure sales .. 1 = pure marketing; sets the defaults of the attributes below."""
    horizon_days: float | None = None
    """Planning horizon: how far ahead payoffs count when allocating marketing work (days)."""
    quota_sensitivity: float | None = None
    """How strongly quarter-to-date shortfall turns into preemption and discounts (0..1)."""
    sales_understanding: float | None = None
    """Coaching, outbound support, deal strategy: scales rep effectiveness (0..1)."""
    marketing_understanding: float | None = None
    """Judgement of campaigns, scoring and brand: accuracy of allocation (0..1)."""
    sla_enforcement: float | None = None
    """How hard follow-up of every MQL within the SLA is enforced (0..1)."""
    crm_discipline: float | None = None
    """How hard logging of lead outcomes in the CRM is enforced (0..1)."""
    discount_authority: float | None = None
    """How freely price is traded for wins: discounts and bundles (0..1)."""
    attention: float | None = None
    """Share of time given to cross-functional disputes (0..1)."""
    bias: float | None = None
    """Which side disputes are resolved for: -1 sales .. +1 marketing."""
    agreed_scoring_criteria: bool = False
    """Whether sales and marketing work to jointly agreed lead-scoring criteria."""
    salary_usd_per_year: float = 250_000.0
    """Salary charged to sales and marketing (0 for a CEO whose cost is not attributable)."""

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        b = self.background
        if not _is_number(b) or not 0.0 <= b <= 1.0:
            raise ValidationError(Problem("leader.background", b, "a number in [0, 1] (0 = sales, 1 = marketing)"))
        for name, (at_sales, at_marketing) in _BACKGROUND_DEFAULTS.items():
            if getattr(self, name) is None:
                object.__setattr__(self, name, at_sales * (1.0 - b) + at_marketing * b)
        for name, (lo, hi, meaning) in _RANGES.items():
            value = getattr(self, name)
            if not _is_number(value) or not lo <= value <= hi:
                problems.append(Problem(f"leader.{name}", value, f"a number in [{lo:g}, {hi:g}] ({meaning})"))
        if not isinstance(self.agreed_scoring_criteria, bool):
            problems.append(Problem("leader.agreed_scoring_criteria", self.agreed_scoring_criteria, "true or false"))
        if problems:
            raise ValidationError(problems)

    def replace(self, **changes: Any) -> Leader:
        """A copy with some attributes changed; an unknown attribute is a ValidationError with a suggestion."""
        _check_names("leader", changes, [f.name for f in dataclasses.fields(self)])
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """All attributes, resolved (no ``None``)."""
        return dataclasses.asdict(self)


def _check_names(prefix: str, changes: Mapping[str, Any], known: list[str]) -> None:
    """A ValidationError (with a did-you-mean) for any key of ``changes`` not in ``known``."""
    import difflib

    problems = []
    for name in changes:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            problems.append(Problem(f"{prefix}.{name}", changes[name], f"unknown attribute; {hint}known: {', '.join(sorted(known))}"))
    if problems:
        raise ValidationError(problems)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class Structure:
    """A reporting structure: roles, who each reports to, and the leader profile of each.

    Args:
        name: a label for tables and plots (never read by the model).
        marketing_head: the role that heads marketing.
        sales_head: the role that heads sales.
        reports_to: each role's manager (``None`` for the top role). Every role named must
            appear as a key.
        leaders: the profile of each role that manages someone (at least the integrator).
    """

    name: str
    marketing_head: str
    sales_head: str
    reports_to: Mapping[str, str | None]
    leaders: Mapping[str, Leader] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problems = _check_shapes(self)
        if problems:
            raise ValidationError(problems)
        # "" means nobody, as in TOML (which has no None)
        object.__setattr__(self, "reports_to", {role: (boss or None) for role, boss in self.reports_to.items()})
        object.__setattr__(self, "leaders", dict(self.leaders))
        problems = _check_structure(self)
        if problems:
            raise ValidationError(problems)

    def chain(self, role: str) -> list[str]:
        """``role`` and its managers up to the top."""
        path = [role]
        while self.reports_to[path[-1]] is not None:
            path.append(self.reports_to[path[-1]])  # type: ignore[arg-type]
        return path

    @property
    def integrator_role(self) -> str:
        """The lowest common manager of the two heads (a head itself if one reports to the other)."""
        above_marketing = self.chain(self.marketing_head)
        for role in self.chain(self.sales_head):
            if role in above_marketing:
                return role
        raise AssertionError("validated structures always have a common manager")

    @property
    def integrator(self) -> Leader:
        """The integrator's leader profile."""
        return self.leaders[self.integrator_role]

    def replace(self, **changes: Any) -> Structure:
        """A copy with some fields changed."""
        _check_names("structure", changes, [f.name for f in dataclasses.fields(self)])
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
        }

    @classmethod
    def from_toml(cls, path: str | Path) -> Structure:
        """Load a structure from a TOML file (the layout of :meth:`to_dict`)."""
        from orgsim.config.scenario import read_toml

        try:
            return cls.from_dict(read_toml(path))
        except ValidationError as err:
            # name the file, as Scenario.from_toml does (read_toml's own problems already do)
            problems = [p if p.field == str(path) else Problem(f"{path}: {p.field}", p.value, p.allowed) for p in err.problems]
            raise ValidationError(problems) from None

    def to_toml(self, path: str | Path | None = None) -> str:
        """The structure as TOML text; also written atomically to ``path`` when given."""
        import tomli_w

        text = tomli_w.dumps(self.to_dict())
        if path is not None:
            from orgsim.config.files import atomic_write_text

            atomic_write_text(Path(path), text)
        return text

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Structure:
        """Inverse of :meth:`to_dict`; an empty string in ``reports_to`` means nobody."""
        if not isinstance(data, Mapping):
            raise ValidationError(Problem("structure", data, "a table with name, marketing_head, sales_head, reports_to and leaders"))
        known = {"name", "marketing_head", "sales_head", "reports_to", "leaders"}
        unknown = sorted(set(data) - known)
        if unknown:
            import difflib

            close = difflib.get_close_matches(unknown[0], sorted(known), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ValidationError(
                Problem(f"structure.{unknown[0]}", data[unknown[0]], f"unknown key; {hint}known keys: {', '.join(sorted(known))}")
            )
        missing = [k for k in ("name", "marketing_head", "sales_head", "reports_to") if k not in data]
        if missing:
            raise ValidationError([Problem(f"structure.{k}", "missing", "required") for k in missing])
        reports_to = data["reports_to"]
        if not isinstance(reports_to, Mapping):
            raise ValidationError(Problem("structure.reports_to", reports_to, "a table of role = manager"))
        leaders_data = data.get("leaders", {})
        if not isinstance(leaders_data, Mapping):
            raise ValidationError(Problem("structure.leaders", leaders_data, "a table of role = leader profile"))
        leaders = {}
        leader_fields = {f.name for f in dataclasses.fields(Leader)}
        for role, profile in leaders_data.items():
            if not isinstance(profile, Mapping):
                raise ValidationError(Problem(f"structure.leaders.{role}", profile, "a table of leader attributes"))
            bad = sorted(set(profile) - leader_fields)
            if bad:
                import difflib

                close = difflib.get_close_matches(bad[0], sorted(leader_fields), n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                raise ValidationError(Problem(f"structure.leaders.{role}.{bad[0]}", profile[bad[0]], f"unknown leader attribute; {hint}"))
            try:
                leaders[role] = Leader(**profile)
            except ValidationError as err:
                # report "structure.leaders.cco.bias", not the bare "leader.bias"
                raise ValidationError(
                    [Problem(f"structure.leaders.{role}.{p.field.removeprefix('leader.')}", p.value, p.allowed) for p in err.problems]
                ) from None
        return cls(
            name=data["name"],
            marketing_head=data["marketing_head"],
            sales_head=data["sales_head"],
            reports_to=dict(reports_to),
            leaders=leaders,
        )


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
    return problems


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
    for role, leader in s.leaders.items():
        if role not in roles:
            problems.append(Problem(f"structure.leaders.{role}", role, "a role listed in reports_to"))
        if not isinstance(leader, Leader):
            problems.append(Problem(f"structure.leaders.{role}", leader, "an orgsim.Leader"))
    if problems:
        return problems
    for role in roles:
        seen = [role]
        boss = roles[role]
        while boss is not None:
            if boss in seen:
                return [
                    Problem(
                        f"structure.reports_to.{role}", roles[role], f"reporting lines must not form a cycle ({' -> '.join([*seen, boss])})"
                    )
                ]
            seen.append(boss)
            boss = roles[boss]
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


__all__ = ["Leader", "Structure"]
