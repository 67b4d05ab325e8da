"""The outcome registry: every series column and every total a run reports, declared once.

After the EMA Workbench, outcomes are declared, not scraped: each has a name, a kind, a unit
and a one-line description, and a ratio names its parts. The recorder builds the series and the
totals from these declarations; plots, sensitivity analysis and the docs read them here rather
than parsing meaning out of a suffix.

Kinds:

* ``flow``: an amount per period (the series shows each period's increase); its total is the
  sum over the run.
* ``level``: a value at an instant (the series shows it at each period's end); its total is
  ``<level>_end``, the value at the end of the run.
* ``ratio``: ``numerator / sum(denominator)`` of flows, NaN where there is nothing to measure;
  recomputed from the summed flows (never averaged) in the series and in the totals.

Families are declared once as templates and resolved by :func:`outcome`: the effort per project
kind (``effort_<kind>_days``, kinds are the scenario's), each market stock's level and effect
(``<stock>_stock``, ``<stock>_effect`` for :data:`orgsim.config.STOCKS`) and the end-of-run
value of every recorded level (``<level>_end``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal

from orgsim.config import STOCKS
from orgsim.config.checks import did_you_mean

Kind = Literal["flow", "level", "ratio"]
Where = Literal["series", "totals", "both"]

#: Lead sources, in the order of their integer codes (the lead log's ``source`` column, a
#: ``DayBatch``'s source codes); each has a flow ``leads_<source>``.
SOURCES: tuple[str, ...] = ("inbound", "campaign", "outbound", "channel", "referral")  # new sources go at the end: codes are kept
INBOUND, CAMPAIGN, OUTBOUND, CHANNEL, REFERRAL = range(len(SOURCES))
#: The flow counter of each source, indexed by source code.
SOURCE_FLOWS: tuple[str, ...] = tuple(f"leads_{source}" for source in SOURCES)


@dataclass(frozen=True)
class Outcome:
    """One reported outcome: a series column, a total, or both (``where``)."""

    name: str
    kind: Kind
    unit: str  # usd, leads, days, hours, share, count, index, reps
    description: str
    numerator: str | None = None  # ratios only
    denominator: tuple[str, ...] = ()  # ratios only: the sum of these names
    where: Where = "both"  # a level's total is its ``<name>_end``, so levels are "series"
    sum_of: tuple[str, ...] = ()  # a derived flow: the sum of these flows
    #: The feasible range: no run can report less than ``lower`` or more than ``upper`` (None:
    #: no bound). Every outcome counts or measures something, so ``lower`` is 0 unless declared
    #: otherwise (profit can be negative); shares and indices in [0, 1] declare ``upper=1``.
    lower: float | None = 0.0
    upper: float | None = None

    @property
    def feasible(self) -> tuple[float, float]:
        """``(lower, upper)`` with -inf/inf for a missing bound: where intervals and bands are clipped."""
        return (-math.inf if self.lower is None else self.lower, math.inf if self.upper is None else self.upper)


def _flow(name: str, unit: str, description: str, where: Where = "both") -> Outcome:
    return Outcome(name, "flow", unit, description, where=where)


def _level(name: str, unit: str, description: str, where: Where = "series", upper: float | None = None) -> Outcome:
    return Outcome(name, "level", unit, description, where=where, upper=upper)


def _ratio(
    name: str, numerator: str, denominator: tuple[str, ...], unit: str, description: str, where: Where = "both", upper: float | None = None
) -> Outcome:
    return Outcome(name, "ratio", unit, description, numerator, denominator, where, upper=upper)


_SOURCE_TEXT = {
    "inbound": "inbound leads that arrived (organic, at the brand- and content-lifted rate)",
    "campaign": "leads that arrived from campaigns (the campaign stock's rate)",
    "outbound": "outbound meetings held: booked by reps in their prospecting time (the end of the outbound funnel)",
    "channel": "leads that arrived from channels and affiliates (growth stage)",
    "referral": "leads referred by active customers (orgsim.model.customers)",
}

#: Flows counted by :class:`~orgsim.model.recorder.Counters`, in the order of the series columns.
_COUNTER_FLOWS: tuple[Outcome, ...] = (
    *(_flow(flow, "leads", _SOURCE_TEXT[source]) for source, flow in zip(SOURCES, SOURCE_FLOWS, strict=True)),
    _flow("leads_recycled", "leads", "nurtured leads that returned from nurture to be scored again"),
    _flow("mqls", "leads", "leads handed to sales: scored at or above the MQL threshold, on arrival or on return from nurture"),
    _flow("nurtured", "leads", "leads sent to nurture (scored below the MQL threshold), each time they are"),
    _flow("unfollowed", "leads", "MQLs sales never follows up"),
    _flow("queued", "leads", "MQLs that joined the follow-up queue"),
    _flow("follow_ups", "leads", "MQLs a rep took from the follow-up queue (first touches)"),
    _flow("contacted", "leads", "touched leads (followed-up MQLs and outbound leads) that were contacted"),
    _flow("disqualified", "leads", "touched leads that did not qualify (not contacted, or contacted and not qualified)"),
    _flow("opportunities", "count", "opportunities opened (qualified leads)"),
    _flow("sla_met", "leads", "MQLs followed up within the SLA"),
    _flow("sla_missed", "leads", "MQLs followed up after the SLA, or never"),
    _flow("response_hours_sum", "hours", "hours from hand-off to first touch, summed over the MQLs followed up"),
    _flow("wins", "count", "opportunities won (deals carried in from the warm start included)"),
    _flow("losses", "count", "opportunities lost (deals carried in from the warm start included)"),
    _flow("bookings_usd", "usd", "value of the deals won: list price x account size x (1 - discount)"),
    _flow("discount_sum", "share", "discounts of the deals won, summed"),
    _flow("costs_usd", "usd", "all costs: headcount, leaders, programme spend and dispute rework"),
    _flow("program_spend_usd", "usd", "marketing programme spend (each project's cost when it starts)"),
    _flow("projects_started", "count", "marketing projects started (rush projects included)"),
    _flow("projects_completed", "count", "marketing projects completed"),
    _flow("projects_preempted", "count", "preemptions of marketing projects (a project may be preempted more than once)"),
    _flow("projects_cancelled", "count", "preempted projects whose work was lost (``marketing.preempted_work = 'lose'``)"),
    _flow("rush_projects", "count", "rush short-term projects launched under quota pressure or after a dispute won by sales"),
    _flow("mql_follow_ups", "leads", "MQL follow-ups that trust and the qualification rate learn from (equal to follow_ups)"),
    _flow("mql_qualified", "leads", "followed-up MQLs that qualified"),
    _flow("disputes", "count", "cross-functional disputes that arose"),
    _flow("disputes_resolved", "count", "disputes the integrator resolved"),
    _flow("disputes_dropped", "count", "disputes dropped unresolved after waiting ``leadership.dispute_patience_days``"),
    _flow("disputes_for_sales", "count", "disputes resolved in sales' favour"),
    _flow("dispute_wait_days", "days", "days disputes waited for the integrator, summed over the disputes served or dropped"),
    _flow("rework_usd", "usd", "rework cost of waiting disputes (part of costs_usd)"),
    _flow("leader_costs_usd", "usd", "cost of the structure's roles (part of costs_usd)"),
    _flow("rep_hours_on_duty", "hours", "rep-hours on duty (working hours x reps); the four rep_hours_* activities sum to it"),
    _flow("rep_hours_follow_up", "hours", "rep-hours on duty spent following up MQLs"),
    _flow("rep_hours_deals", "hours", "rep-hours on duty spent working open opportunities"),
    _flow("rep_hours_prospecting", "hours", "rep-hours on duty spent prospecting (whatever follow-ups and deals leave)"),
    _flow("rep_hours_idle", "hours", "rep-hours on duty with nothing to do (only when prospecting is off)"),
    _flow("outbound_attempts", "count", "outbound attempts (calls, personal e-mails) made in prospecting time"),
    _flow("outbound_conversations", "count", "outbound attempts that reached a live conversation"),
    _flow("responses_within_1h", "leads", "MQLs first touched within 1 hour of the hand-off"),
    _flow("responses_1h_to_24h", "leads", "MQLs first touched after 1 and within 24 hours of the hand-off"),
    # programme budgets (orgsim.model.budget, docs/model.md 7.27)
    _flow("program_spend_short_usd", "usd", "programme spend on short-term project kinds (part of program_spend_usd)"),
    _flow("program_spend_long_usd", "usd", "programme spend on long-term project kinds (part of program_spend_usd)"),
    _flow("budget_usd", "usd", "new programme money made available at budget period starts (0 with an unlimited budget or no budget)"),
    _flow("budget_cut_usd", "usd", "long-term programme money cut under quota pressure (never spent, so never a cost)"),
    _flow("budget_lapsed_usd", "usd", "programme money left unspent at a budget period's end and lost (``budget.carry_over`` off)"),
    _flow("marketer_days_unfunded", "days", "marketer person-days without a project because no kind the shares want was affordable"),
    _flow("rush_projects_unfunded", "count", "rush projects not launched because the short-term money could not pay for them"),
    # reorganisation (orgsim.Reorganization)
    _flow("transition_costs_usd", "usd", "one-off costs of reorganising (``Transition.one_off_cost_usd``; part of costs_usd)"),
    # workforce (orgsim.model.workforce, docs/model.md 7.26)
    _flow("reps_hired", "reps", "reps who started: backfills and the growth stage's planned hires, after the hiring lag"),
    _flow("reps_left", "reps", "reps who left (turnover); each opens a backfill requisition"),
    _flow("marketers_hired", "count", "marketers who started (backfills, after the hiring lag)"),
    _flow("marketers_left", "count", "marketers who left (turnover); each opens a backfill requisition"),
    # customers (orgsim.model.customers, docs/model.md 7.25)
    _flow("new_customers", "count", "deals won that became customers (equal to wins; the installed base at time 0 is not counted)"),
    _flow("churned_customers", "count", "customers who churned"),
    _flow("revenue_usd", "usd", "recognised revenue: the active customers' ARR accrued by the day, plus one-off parts at the win"),
    _flow("expansion_usd", "usd", "ARR added by the expansion of surviving customers"),
    _flow("churned_arr_usd", "usd", "ARR lost with the customers who churned (their ARR at the churn)"),
)

#: Marketing effort by term, recorded after the effort per kind (family ``effort_<kind>_days``).
_TERM_EFFORT: tuple[Outcome, ...] = (
    _flow("effort_short_days", "days", "person-days of marketing effort on short-term project kinds"),
    _flow("effort_long_days", "days", "person-days of marketing effort on long-term project kinds"),
)

#: Levels held by :class:`~orgsim.model.recorder.Counters`, in the order of the series columns.
_COUNTER_LEVELS: tuple[Outcome, ...] = (
    _level("queue_length", "leads", "MQLs waiting in the follow-up queue"),
    _level("open_opportunities", "count", "opportunities open (deals carried in from the warm start included)"),
    _level("reps", "reps", "sales reps employed"),
    _level("trust", "index", "sales' trust in marketing's leads, in [0, 1]; 0.5 at the neutral qualification rate", upper=1.0),
    _level("unfollowed_share", "share", "share of MQLs sales does not follow up, as of the last day", upper=1.0),
    _level("rep_effectiveness", "index", "mean over the reps employed of skill times the leader's coaching (times ramp productivity)"),
    _level("quota_pressure", "share", "shortfall of quarter-to-date bookings against the pro-rated quota at the last check", upper=1.0),
    _level("discount_target", "share", "mean discount sales aims at (pressure included)", upper=1.0),
    _level("crm_learning", "share", "what marketing has learnt from logged outcomes (saturation of the CRM log)", upper=1.0),
    _level("disputes_waiting", "count", "disputes waiting for the integrator"),
    # customers (orgsim.model.customers, docs/model.md 7.25)
    _level("customers", "count", "active customers (the installed base at time 0 included)"),
    _level("arr_usd", "usd", "annual recurring revenue of the active customers"),
    _level("delight", "index", "customers' delight: a slow stock of the enablement, content and pricing effects, in [0, 1)", upper=1.0),
    # workforce (orgsim.model.workforce, docs/model.md 7.26)
    _level("reps_ramping", "reps", "reps employed who are still in their ramp (productivity below full)"),
    _level("marketers", "count", "marketers employed"),
    _level("marketers_ramping", "count", "marketers employed who are still in their ramp"),
    _level("market_open_share", "share", "share of the addressable market's accounts not yet won (1 with the mechanism off)", upper=1.0),
)

#: Columns every series has: the period's bounds.
_PERIOD: tuple[Outcome, ...] = (
    _level("start_day", "days", "day the period starts"),
    _level("end_day", "days", "day the period ends"),
)

#: Derived by :func:`~orgsim.model.recorder.add_ratios` from their declared parts, in this
#: order, in the series and (overall) in the totals.
_DERIVED: tuple[Outcome, ...] = (
    Outcome("leads", "flow", "leads", "leads that arrived, every source (the sum of the `leads_<source>` flows)", sum_of=SOURCE_FLOWS),
    _ratio(
        "sla_compliance",
        "sla_met",
        ("sla_met", "sla_missed"),
        "share",
        "share of MQLs followed up within the SLA (unfollowed MQLs miss it)",
        upper=1.0,
    ),
    _ratio(
        "mean_response_hours",
        "response_hours_sum",
        ("follow_ups",),
        "hours",
        "mean hours from hand-off to first touch of the MQLs followed up",
    ),
    _ratio("mean_discount", "discount_sum", ("wins",), "share", "mean discount of the deals won", upper=1.0),
    _ratio(
        "prospecting_time_share",
        "rep_hours_prospecting",
        ("rep_hours_on_duty",),
        "share",
        "share of reps' time on duty spent prospecting",
        upper=1.0,
    ),
    _ratio(
        "response_within_1h_share",
        "responses_within_1h",
        ("follow_ups", "unfollowed"),
        "share",
        "share of MQLs (followed up or never) first touched within 1 hour, handed off at any hour "
        "(HBR 2011 audited working-hours inquiries: 37%)",
        upper=1.0,
    ),
    _ratio(
        "response_1h_to_24h_share",
        "responses_1h_to_24h",
        ("follow_ups", "unfollowed"),
        "share",
        "share of MQLs (followed up or never) first touched after 1 and within 24 hours, handed off at any hour "
        "(HBR 2011 audited working-hours inquiries: 16%)",
        upper=1.0,
    ),
    _ratio("mql_qualify_rate", "mql_qualified", ("mql_follow_ups",), "share", "share of followed-up MQLs that qualified", upper=1.0),
    _ratio(
        "mean_dispute_wait_days",
        "dispute_wait_days",
        ("disputes_resolved",),
        "days",
        "mean days a resolved dispute waited for the integrator",
    ),
    _ratio(
        "long_term_effort_share",
        "effort_long_days",
        ("effort_long_days", "effort_short_days"),
        "share",
        "share of marketing effort on long-term project kinds",
        upper=1.0,
    ),
)

_PROFIT = Outcome("profit_usd", "flow", "usd", "bookings x gross margin - costs", lower=None)

#: Totals only: overall ratios and the lead accounting of the leads created in the run
#: (``leads_created = outcome_won + outcome_lost + outcome_unfollowed + outcome_nurture + outcome_open``).
_TOTALS: tuple[Outcome, ...] = (
    _ratio("unfollowed_mql_share", "unfollowed", ("mqls",), "share", "share of MQLs sales never followed up", "totals", upper=1.0),
    _ratio("win_rate", "wins", ("wins", "losses"), "share", "share of closed opportunities won", "totals", upper=1.0),
    _level(
        "share_of_reps_at_quota",
        "share",
        "share of rep plan years (pro-rated at the ends) in which the rep booked at least their quota (CSO Insights: 57-60%)",
        "totals",
        upper=1.0,
    ),
    _flow("leads_created", "leads", "leads created in this run (deals carried in from the warm start are not its leads)", "totals"),
    _level("carried_in_deals", "count", "open deals carried in from the warm start at time 0", "totals"),
    _level("outcome_won", "leads", "leads of this run won by the end", "totals"),
    _level("outcome_lost", "leads", "leads of this run lost by the end: disqualified, or their opportunity lost", "totals"),
    _level("outcome_unfollowed", "leads", "leads of this run that sales never followed up", "totals"),
    _level("outcome_nurture", "leads", "leads of this run in nurture at the end (for good, or waiting to return)", "totals"),
    _level("outcome_open", "leads", "leads of this run still open at the end: queued for follow-up or an open opportunity", "totals"),
    # customers (orgsim.model.customers, docs/model.md 7.25): NaN for a run shorter than a year
    _level(
        "net_revenue_retention",
        "share",
        "ARR at the end of the customers active 365 days before the end, over their ARR then (churn and expansion; NaN under a year)",
        "totals",
    ),
    _level(
        "gross_revenue_retention",
        "share",
        "as net_revenue_retention with each customer's ARR capped at its ARR a year before (no expansion; at most 1)",
        "totals",
        upper=1.0,
    ),
)

_FIXED: dict[str, Outcome] = {o.name: o for o in (*_PERIOD, *_COUNTER_FLOWS, *_TERM_EFFORT, *_COUNTER_LEVELS, *_DERIVED, _PROFIT, *_TOTALS)}

#: The flow and level counters, by name, in the order the recorder snapshots them.
COUNTER_FLOWS: tuple[str, ...] = tuple(o.name for o in _COUNTER_FLOWS)
COUNTER_LEVELS: tuple[str, ...] = tuple(o.name for o in _COUNTER_LEVELS)
#: The derived series columns (``leads`` and the ratios), in the order they are added.
DERIVED: tuple[Outcome, ...] = _DERIVED


@dataclass(frozen=True)
class Family:
    """A template of outcomes, one per project kind or stock: ``pattern`` with ``{}`` for the member."""

    pattern: str
    kind: Kind
    unit: str
    description: str  # with ``{}`` for the member
    upper: float | None = None  # the members' feasible upper bound (their lower bound is 0)

    def name(self, member: str) -> str:
        return self.pattern.format(member)

    def member(self, name: str) -> str | None:
        """The member a name belongs to (``"brand"`` for ``"brand_stock"``), or ``None``."""
        head, tail = self.pattern.split("{}")
        if len(name) > len(head) + len(tail) and name.startswith(head) and name.endswith(tail):
            return name[len(head) : len(name) - len(tail)]
        return None

    def outcome(self, member: str) -> Outcome:
        return Outcome(
            self.name(member),
            self.kind,
            self.unit,
            self.description.format(member),
            where="both" if self.kind == "flow" else "series",
            upper=self.upper,
        )


#: Effort per project kind (the scenario's kinds, so any name resolves).
EFFORT = Family("effort_{}_days", "flow", "days", "person-days of marketing effort on projects of kind {!r}")
#: Each market stock's level and effect (members: :data:`orgsim.config.STOCKS`).
STOCK_LEVEL = Family("{}_stock", "level", "index", "level of the {} stock (units of finished projects' output, after decay)")
STOCK_EFFECT = Family("{}_effect", "level", "share", "effect of the {} stock: the Hill saturation of its lagged level, in [0, 1)", 1.0)
FAMILIES: tuple[Family, ...] = (EFFORT, STOCK_LEVEL, STOCK_EFFECT)
#: The end-of-run total of a level: ``<level>_end``.
END = "{}_end"


def flow_columns(kind_names: Iterable[str]) -> list[str]:
    """The recorded flows of a run with these project kinds, in series order."""
    return [*COUNTER_FLOWS, *(EFFORT.name(k) for k in kind_names), *(o.name for o in _TERM_EFFORT)]


def level_columns() -> list[str]:
    """The recorded levels, in series order (their totals are ``<level>_end``)."""
    return [*COUNTER_LEVELS, *(STOCK_LEVEL.name(s) for s in STOCKS), *(STOCK_EFFECT.name(s) for s in STOCKS)]


def _recorded_level(name: str) -> Outcome | None:
    """A level the recorder snapshots (so it has an ``_end`` total), or ``None``."""
    found = _FIXED.get(name)
    if found is not None:
        return found if found in _COUNTER_LEVELS else None
    for family in (STOCK_LEVEL, STOCK_EFFECT):
        member = family.member(name)
        if member in STOCKS:
            return family.outcome(member)
    return None


def outcome(name: str) -> Outcome:
    """The declared outcome called ``name``: any series column or total, families included.

    Raises:
        KeyError: for a name that is not declared (with a did-you-mean hint).
    """
    found = _FIXED.get(name)
    if found is not None:
        return found
    level = _recorded_level(name)
    if level is not None:
        return level
    if name.endswith(END.format("")):
        level = _recorded_level(name[: -len(END.format(""))])
        if level is not None:
            return replace(level, name=name, description=f"{level.description}, at the end of the run", where="totals")
    member = EFFORT.member(name)
    if member is not None:
        return EFFORT.outcome(member)
    known = [*_FIXED, *level_columns(), *(END.format(n) for n in level_columns())]
    raise KeyError(
        f"unknown outcome {name!r}; {did_you_mean(name, known)}known: {', '.join(sorted(_FIXED))}, and the families {_family_text()}"
    )


def _family_text() -> str:
    return ", ".join([*(f.pattern.replace("{}", "<kind>" if f is EFFORT else "<stock>") for f in FAMILIES), "<level>_end"])


def outcomes(kind: str | None = None) -> list[Outcome]:
    """The declared fixed outcomes (families not expanded), of one kind or all, in series order
    (period bounds, flows, levels, derived columns, profit) then the totals-only ones."""
    if kind is not None and kind not in ("flow", "level", "ratio"):
        raise ValueError(f"kind must be 'flow', 'level', 'ratio' or None, not {kind!r}")
    return [o for o in _FIXED.values() if kind is None or o.kind == kind]


__all__ = [
    "CAMPAIGN",
    "CHANNEL",
    "COUNTER_FLOWS",
    "COUNTER_LEVELS",
    "DERIVED",
    "EFFORT",
    "FAMILIES",
    "INBOUND",
    "OUTBOUND",
    "REFERRAL",
    "SOURCES",
    "SOURCE_FLOWS",
    "STOCK_EFFECT",
    "STOCK_LEVEL",
    "Family",
    "Outcome",
    "flow_columns",
    "level_columns",
    "outcome",
    "outcomes",
]
