"""Marketing work (MODEL.md 3.7-3.8): projects that hold marketers and feed the market stocks.

Marketers are a ``simpy.PreemptiveResource``; each project is a SimPy process that holds one
marketer until its effort is done. Work runs at ``workdays_per_week / 7`` person-days per
calendar day. A preempted project either waits to resume its remaining work or loses it
(``Marketing.preempted_work``). Gradual kinds (brand, content) feed their stock every day they
run; the others deliver their output on completion.

What to work on is decided by an *allocation policy* once per planning cycle: an object with
``shares(context) -> {kind name: share}``. :class:`FixedShares` is the researcher-set split; the
leadership model adds leader-driven policies on the same interface. The team keeps the long-run
effort of each kind at its share by starting, whenever a marketer is free, the kind that is
furthest behind its share of the effort committed so far.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import simpy
from simpy.events import Timeout
from simpy.resources.resource import Preempted, PriorityRequest, Release

from orgsim.config import STOCKS, Marketing, ProjectKind, Scenario
from orgsim.model.budget import spend_long_share

if TYPE_CHECKING:
    import numpy as np

    from orgsim.model.budget import ProgrammeBudget
    from orgsim.model.market import MarketStocks
    from orgsim.model.recorder import Counters

#: Priorities (lower runs first and preempts higher): rush work under pressure, short-term
#: work, long-term work. Rush requests therefore displace long-term projects first.
RUSH_PRIORITY, SHORT_PRIORITY, LONG_PRIORITY = 0, 1, 2
#: A marketer's vacant seat (orgsim.model.workforce) comes before any work: the leaver's work stops.
VACANCY_PRIORITY = -1


@dataclass
class PlanningContext:
    """What an allocation policy may look at when it decides."""

    now_days: float
    kinds: tuple[ProjectKind, ...]
    marketers: int
    stock_levels: Mapping[str, float]
    effective_levels: Mapping[str, float]
    saturation: Mapping[str, float]
    effort_by_kind: Mapping[str, float]
    extra: dict[str, Any] = field(default_factory=dict)


class AllocationPolicy(Protocol):
    """Decides the share of marketing effort per project kind, once per planning cycle."""

    def shares(self, context: PlanningContext) -> Mapping[str, float]:
        """Non-negative shares by kind name (normalised by the team)."""
        ...


def fixed_shares(kinds: tuple[ProjectKind, ...], long_term_share: float) -> dict[str, float]:
    """Shares with ``long_term_share`` of effort on long-term kinds, split by kind weight."""
    shares = {}
    for term, term_share in (("short", 1.0 - long_term_share), ("long", long_term_share)):
        group = [k for k in kinds if k.term == term]
        total = sum(k.weight for k in group)
        for k in group:
            shares[k.name] = term_share * k.weight / total if total > 0 else 0.0
    return shares


@dataclass(frozen=True)
class FixedShares:
    """The researcher-set split: ``long_term_share`` of effort on long-term kinds."""

    long_term_share: float

    def shares(self, context: PlanningContext) -> dict[str, float]:
        return fixed_shares(context.kinds, self.long_term_share)

    def budget_long_share(self, context: PlanningContext) -> float:
        """Programme money by the same rule as time (docs/model.md 7.27): ``long_term_share`` of the money."""
        return self.long_term_share


def steady_state_levels(scenario: Scenario, long_term_share: float) -> dict[str, float]:
    """Stock levels a team would reach after working at a constant split for ever.

    A kind with share ``s`` and effort ``e`` finishes ``s * marketers * workdays / 7 / e``
    projects a day, each adding ``output``; a stock with daily retention ``r`` fed ``I`` a day
    settles at ``I / (1 - r)``. Used for the initial stocks (the company's history).
    """
    marketing = scenario.marketing
    person_days_per_day = marketing.marketers * scenario.calendar.workdays_per_week / 7.0
    inflow = dict.fromkeys(STOCKS, 0.0)
    for kind in marketing.kinds:
        share = fixed_shares(marketing.kinds, long_term_share)[kind.name]
        inflow[kind.stock] += share * person_days_per_day / kind.effort_person_days * kind.output
    levels = {}
    for name in STOCKS:
        retention = getattr(scenario.market, name).weekly_retention ** (1.0 / 7.0)
        levels[name] = inflow[name] / (1.0 - retention)
    return levels


class WaitingLine:
    """The requests waiting for a marketer in the order of simpy's ``SortedQueue`` (by ``key``,
    ties in the order they came), kept as a heap: O(log n) to join or leave the front, where
    ``SortedQueue`` sorts the whole list on every append."""

    maxlen = None

    def __init__(self) -> None:
        self._heap: list[tuple[tuple[int, float, bool], int, PriorityRequest]] = []
        self._arrivals = itertools.count()

    def append(self, item: PriorityRequest) -> None:
        heapq.heappush(self._heap, (item.key, next(self._arrivals), item))

    def __len__(self) -> int:
        return len(self._heap)

    def __getitem__(self, index: int) -> PriorityRequest:
        return self._heap[0][2] if index == 0 else sorted(self._heap)[index][2]

    def __iter__(self) -> Iterator[PriorityRequest]:
        return (entry[2] for entry in sorted(self._heap))

    def pop(self, index: int = -1) -> PriorityRequest:
        entry = self._heap[0] if index == 0 else sorted(self._heap)[index]
        self.remove(entry[2])
        return entry[2]

    def remove(self, item: PriorityRequest) -> None:
        if self._heap and self._heap[0][2] is item:
            heapq.heappop(self._heap)
            return
        position = next((i for i, entry in enumerate(self._heap) if entry[2] is item), None)
        if position is None:
            raise ValueError("not waiting")
        self._heap[position] = self._heap[-1]
        self._heap.pop()
        heapq.heapify(self._heap)


class Marketers(simpy.PreemptiveResource):
    """simpy's ``PreemptiveResource`` with the same grants and preemptions, in time that does
    not grow with the team: a release is O(1), a preemption and a wait O(log n), not O(n).

    simpy keeps its users in a list (``list.remove`` on every release), preempts the first user
    in that list with the largest ``key`` (``max``) and sorts its waiting requests on every
    request. Here the users are an insertion-ordered dict and the candidates for preemption a
    heap of ``(-key, grant number)``, so the user preempted is the same one, the earliest
    granted of those with the largest key; entries of released users leave the heap lazily (it
    is rebuilt when they outnumber the users). The waiting requests are a :class:`WaitingLine`.
    """

    PutQueue = WaitingLine

    def __init__(self, env: simpy.Environment, capacity: int):
        super().__init__(env, capacity)
        self.users: dict[PriorityRequest, None] = {}  # type: ignore[assignment]
        self._heap: list[tuple[tuple[float, float, int], int, PriorityRequest]] = []
        self._grants = itertools.count()

    def _do_put(self, event: PriorityRequest) -> None:
        users = self.users
        if len(users) >= self.capacity and event.preempt:
            preempt = self._last_in_line()
            if preempt.key > event.key:
                del users[preempt]
                preempt.proc.interrupt(Preempted(by=event.proc, usage_since=preempt.usage_since, resource=self))
        if len(users) < self.capacity:
            users[event] = None
            priority, time, not_preempt = event.key
            heapq.heappush(self._heap, ((-priority, -time, -not_preempt), next(self._grants), event))
            if len(self._heap) > 2 * len(users) + 64:
                self._heap = [entry for entry in self._heap if entry[2] in users]
                heapq.heapify(self._heap)
            event.usage_since = self._env.now
            event.succeed()

    def _do_get(self, event: Release) -> None:
        self.users.pop(event.request, None)
        event.succeed()

    def _last_in_line(self) -> PriorityRequest:
        """The user simpy would preempt: the earliest granted of those with the largest key."""
        heap, users = self._heap, self.users
        while heap[0][2] not in users:
            heapq.heappop(heap)
        return heap[0][2]


class Project:
    """One project in the portfolio."""

    __slots__ = ("kind", "priority", "process", "remaining", "status")

    def __init__(self, kind: ProjectKind, remaining: float, priority: int):
        self.kind = kind
        self.remaining = remaining  # person-days of work left
        self.priority = priority
        self.status = "queued"  # queued, running, paused, done, cancelled
        self.process: simpy.Process | None = None


class MarketingTeam:
    """Marketers, the project portfolio and the planner."""

    def __init__(
        self,
        env: simpy.Environment,
        marketing: Marketing,
        workdays_per_week: int,
        stocks: MarketStocks,
        counters: Counters,
        rng: np.random.Generator,
        policy: AllocationPolicy,
        enabled: bool,
    ):
        self.env = env
        self.config = marketing
        self.kinds = {k.name: k for k in marketing.kinds}
        self.stocks = stocks
        self.counters = counters
        self.rng = rng
        self.policy = policy
        self.enabled = enabled and marketing.marketers > 0
        self.work_rate = workdays_per_week / 7.0  # person-days per calendar day
        self.marketers = Marketers(env, capacity=max(1, marketing.marketers))
        self.projects: dict[Project, None] = {}  # the live projects, in the order they were launched
        self.alive = 0  # live projects other than rush work: what _fill keeps at one per marketer
        self.shares: dict[str, float] = {}
        self.committed = dict.fromkeys(self.kinds, 0.0)  # person-days committed by kind
        self.effort = dict.fromkeys(self.kinds, 0.0)  # person-days worked by kind (cumulative)
        self.preempt_lose = marketing.preempted_work == "lose"
        self.budget: ProgrammeBudget | None = None  # programme money (7.27); None: no budget
        self.unfunded = False  # the last fill left marketers without work for lack of money

    # -- planning ----------------------------------------------------------------------------
    def run(self) -> Generator[simpy.Event, Any, None]:
        """The planning cycle (MODEL.md 3.8): every ``planning_cycle_days`` the allocation policy
        sets the shares, under the latest quota pressure, and the team fills its capacity."""
        cycle = self.config.planning_cycle_days
        self.start()
        while True:
            yield Timeout(self.env, cycle)
            self.plan(quota_pressure=self.counters.quota_pressure)

    def context(self, **extra: Any) -> PlanningContext:
        return PlanningContext(
            now_days=self.env.now,
            kinds=tuple(self.kinds.values()),
            marketers=self.config.marketers,
            stock_levels=dict(self.stocks.level),
            effective_levels=dict(self.stocks.effective),
            saturation=dict(self.stocks.saturation),
            effort_by_kind=dict(self.effort),
            extra=extra,
        )

    def plan(self, **extra: Any) -> None:
        """Ask the policy for new shares and keep every marketer busy."""
        if not self.enabled:
            return
        raw = self.policy.shares(self.context(**extra))
        total = sum(max(0.0, float(raw.get(name, 0.0))) for name in self.kinds)
        if total <= 0:
            raise ValueError("the allocation policy returned no positive share")
        self.shares = {name: max(0.0, float(raw.get(name, 0.0))) / total for name in self.kinds}
        self._fill()

    def start(self) -> None:
        """At time 0: plan, and give the projects already under way a random head start."""
        if not self.enabled:
            return
        if self.budget is not None:
            self.budget.open_period()
            self.env.process(self.budget.run())
        self.plan()
        if self.config.initial_stocks == "empty":
            return  # a new company: nothing under way
        for project in self.projects:
            done = float(self.rng.random())
            project.remaining *= 1.0 - done
            # only the part still to do is spent within the run
            self._charge(project.kind, -project.kind.cost_usd * done)

    def money_long_share(self, split_rule: str) -> float:
        """The long-term share of a budget period's programme money (7.27): by the policy's own rule
        applied to money (``budget_long_share``; ``split_rule`` "same_rule"), or the long-term share of
        what the policy's effort split costs ("fund_effort", and for a policy without such a rule)."""
        context = self.context()
        rule = getattr(self.policy, "budget_long_share", None)
        if split_rule == "same_rule" and rule is not None:
            return float(rule(context))
        return spend_long_share(context.kinds, self.policy.shares(context))

    def refill(self) -> None:
        """New money (a budget period's start): marketers waiting for money start work."""
        if self.enabled and self.shares:
            self._fill()

    def _next_kind(self) -> ProjectKind | None:
        """The kind furthest behind its share of the effort committed so far, among those the
        budget can pay for (None: nothing affordable)."""
        total = sum(self.committed.values())
        best, best_gap = None, -float("inf")
        budget = self.budget
        for name, kind in self.kinds.items():
            share = self.shares.get(name, 0.0)
            if share <= 0 or (budget is not None and not budget.affordable(kind)):
                continue
            gap = share * (total + kind.effort_person_days) - self.committed[name]
            if gap > best_gap:
                best, best_gap = kind, gap
        return best

    def rush(self, count: int) -> None:
        """Launch ``count`` rush short-term projects that preempt long-term work (quota pressure)."""
        if not self.enabled or count <= 0:
            return
        short = [k for k in self.kinds.values() if k.term == "short" and k.stock == "campaign"] or [
            k for k in self.kinds.values() if k.term == "short"
        ]
        kind = max(short, key=lambda k: k.weight)
        for _ in range(count):
            if self.budget is not None and not self.budget.affordable(kind):
                self.counters.rush_projects_unfunded += 1
                continue
            self.counters.rush_projects += 1
            self.launch(kind, RUSH_PRIORITY, preempt=True)

    def vacancy(self, days: float) -> None:
        """A marketer left (orgsim.model.workforce): one seat is out of the team for ``days`` (the
        hiring lag and the output a backfill loses while ramping); the work it held is preempted."""
        if self.enabled and days > 0:
            self.env.process(self._hold_seat(days))

    def _hold_seat(self, days: float) -> Generator[simpy.Event, Any, None]:
        request = self.marketers.request(priority=VACANCY_PRIORITY, preempt=True)
        try:
            yield request
            yield Timeout(self.env, days)
        finally:
            self.marketers.release(request)

    def _fill(self) -> None:
        """Launch projects until every marketer has one (queued, running or paused); rush work
        does not count, it displaces rather than adds."""
        self.unfunded = False
        while self.alive < self.config.marketers:
            kind = self._next_kind()
            if kind is None:
                self.unfunded = True  # no money for any kind the shares want: wait for the next budget period
                return
            self.launch(kind, LONG_PRIORITY if kind.term == "long" else SHORT_PRIORITY)

    def launch(self, kind: ProjectKind, priority: int, preempt: bool = False) -> Project:
        """Start a project of ``kind``; a rush project (``preempt``) may displace normal work."""
        project = Project(kind, kind.effort_person_days, priority)
        self.committed[kind.name] += kind.effort_person_days
        self.projects[project] = None
        if priority != RUSH_PRIORITY:
            self.alive += 1
        self.counters.projects_started += 1
        self._charge(kind, kind.cost_usd)
        project.process = self.env.process(self._run(project, preempt))
        return project

    def _charge(self, kind: ProjectKind, usd: float) -> None:
        """Programme spend (a refund if negative): in costs, by term and against the budget."""
        c = self.counters
        c.program_spend_usd += usd
        c.costs_usd += usd
        if kind.term == "long":
            c.program_spend_long_usd += usd
        else:
            c.program_spend_short_usd += usd
        if self.budget is not None:
            self.budget.spend(kind, usd)

    # -- a project's life ----------------------------------------------------------------------
    def _run(self, project: Project, preempt: bool) -> Generator[simpy.Event, Any, None]:
        env = self.env
        while project.remaining > 1e-9:
            request = self.marketers.request(priority=project.priority, preempt=preempt)
            started: float | None = None
            try:
                yield request
                project.status = "running"
                started = env.now
                yield Timeout(env, project.remaining / self.work_rate)
                project.remaining = 0.0
            except simpy.Interrupt:
                # Preempted: while working, or granted and displaced in the same instant.
                if started is not None:
                    project.remaining = max(0.0, project.remaining - (env.now - started) * self.work_rate)
                self.counters.projects_preempted += 1
                if self.preempt_lose:
                    project.status = "cancelled"
                    self.counters.projects_cancelled += 1
                    self.committed[project.kind.name] -= project.remaining
                    self._drop(project)
                    return
                project.status = "paused"
            finally:
                self.marketers.release(request)
        project.status = "done"
        self.counters.projects_completed += 1
        if project.kind.delivery == "completion":
            self.stocks.add(project.kind.stock, project.kind.output)
        self._drop(project)
        self._fill()

    def _drop(self, project: Project) -> None:
        """Forget a project that is done or cancelled."""
        del self.projects[project]
        if project.priority != RUSH_PRIORITY:
            self.alive -= 1

    def step_day(self) -> None:
        """A calendar day's effort accounting and gradual delivery (called once a day)."""
        rate = self.work_rate
        if self.unfunded and self.alive < self.config.marketers:
            self.counters.marketer_days_unfunded += (self.config.marketers - self.alive) * rate
        for project in self.projects:
            if project.status == "running":
                kind = project.kind
                self.effort[kind.name] += rate
                if kind.delivery == "gradual":
                    self.stocks.add(kind.stock, kind.output * rate / kind.effort_person_days)
