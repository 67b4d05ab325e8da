"""Lead generation (MODEL.md 3.1-3.4): arrivals, scoring, nurture and the hand-off to sales.

:class:`LeadFlow` is the mechanism; :class:`~orgsim.model.leadsource.LeadSource` draws its
leads. Arrivals are drawn one day at a time, in batches from the named streams:

* **Inbound** is a non-homogeneous Poisson process whose rate changes from day to day
  (the stocks) and, within the week, follows the working-hours profile
  (:class:`~orgsim.model.arrivals.ArrivalProfile`: ``inbound.working_hours_share`` of the leads
  arrive in working hours).
  Candidates are drawn from a homogeneous process at the rate's upper bound and thinned with
  a uniform per candidate. Every candidate carries its own quality, readiness, score noise and
  downstream uniforms whether or not it is accepted, so two runs that differ only in the rate
  (for example through brand) share the same candidates: the run with the higher rate sees a
  superset of the other's leads, each with the same luck (common random numbers).
* **Outbound** leads are meetings booked by reps in their prospecting time: attempts at
  ``sales.outbound_attempts_per_hour``, thinned to conversations and meetings; a meeting is held
  on the next working day by the rep who booked it, so it suffers no response-delay decay.
* **Channel** and **campaign** leads are inbound candidates in their own rate bands.

Marketing scores each lead (``score = q + noise``); an MQL goes to sales, unless sales ignores
it, and the rest go to nurture, which recycles a share of them once, readier, to be scored again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from orgsim.config import Scenario
from orgsim.model.batch import (
    EMPTY_BATCH,
    QUALITY,
    READINESS,
    SCORE,
    TIME,
    U_IGNORE,
    U_RECYCLE,
    Z_SCORE,
    DayBatch,
    Lead,
    make_leads,
)
from orgsim.model.call import Call
from orgsim.model.leadsource import Candidates, LeadSource
from orgsim.model.outcomes import CAMPAIGN, CHANNEL, INBOUND, OUTBOUND, SOURCE_FLOWS
from orgsim.model.recorder import NURTURE, OPEN, UNFOLLOWED

if TYPE_CHECKING:
    import simpy

    from orgsim.model.calendar import WorkCalendar
    from orgsim.model.customers import ReferralLeads
    from orgsim.model.recorder import Counters, LeadLog
    from orgsim.model.streams import Streams


#: A day's referral leads up to this many go through the lead flow one by one in Python floats
#: (LeadFlow._referral_arrivals); more are merged into the day's inbound batch.
FEW_REFERRALS = 8
#: Without a lead log, a day's inbound candidates go through one by one in Python floats
#: (LeadFlow._inbound_few); ``False`` sends them as a numpy batch, as with the log (the same bits).
INBOUND_IN_PYTHON = True
#: The rows a candidate's fate at arrival reads (LeadFlow._inbound_few).
_FATE_ROWS = np.array([QUALITY, Z_SCORE, U_IGNORE, U_RECYCLE])


class LeadFlow:
    """Lead generation, scoring, nurture and hand-off (MODEL.md 3.1-3.4): one step a day.

    Each day :meth:`start_day` fixes the day's constants (the stocks' effects on rates, quality,
    readiness and scoring noise; the share of MQLs sales ignores; the nurture recycling share),
    and :meth:`arrive` draws the day's leads and decides, for all of them at once, what happens
    at their arrival (:meth:`_release`). MQLs go to sales through ``submit`` (the follow-up
    desk), outbound meetings through ``touch_outbound`` (the rep who booked them);
    ``prospecting_hours()`` is the reps' prospecting time since it was last asked.
    """

    def __init__(
        self,
        env: simpy.Environment,
        counters: Counters,
        log: LeadLog | None,
        scenario: Scenario,
        streams: Streams,
        calendar: WorkCalendar,
        *,
        horizon_days: float,
        criteria_cut: float,
        prospecting_hours: Callable[[], float],
        attempts_per_hour: float,
        submit: Callable[[Lead], None],
        touch_outbound: Callable[[list[Lead]], None],
    ):
        self.env = env
        self.counters = counters
        self.log = log
        self.calendar = calendar
        self.horizon_days = horizon_days
        self.source = LeadSource(scenario, streams, calendar)
        self.lead_params = leads = scenario.leads
        self.market = market = scenario.market
        self.crm_params = scenario.leadership
        self.criteria_cut = criteria_cut  # agreed scoring criteria: the share of scoring noise cut
        self._prospecting_hours = prospecting_hours
        self._attempts_per_hour = attempts_per_hour
        self._submit = submit
        self._touch_outbound = touch_outbound
        self._recycling_on = scenario.mechanisms.nurture_recycling
        self._base_rate = scenario.inbound.base_rate_per_day
        self._channel_rate = scenario.growth.channel_leads_per_day if scenario.mechanisms.growth_stage else 0.0
        # The thinning bound comes from parameters only (never from switches or state), so the
        # inbound candidates are the same whatever the mechanisms and the stocks do.
        self.rate_bound = (
            self._base_rate * (1.0 + market.brand_inbound_lift + market.content_inbound_lift)
            + market.campaign_rate_per_day_max
            + scenario.growth.channel_leads_per_day
        )
        self._mql_threshold = leads.mql_threshold
        self._recycle_min = leads.nurture_min_days
        self._recycle_span = leads.nurture_max_days - leads.nurture_min_days
        # The day's constants, set by start_day.
        self.ignore_share = 0.0
        self._quality_lift = self._readiness_lift = self._noise_sd = self._recycle_share = 0.0
        self._rates: tuple[tuple[int, float], ...] = ()
        # customers' referral leads (orgsim.model.customers; wired after build)
        self.referrals: ReferralLeads | None = None
        self.open_market = 1.0  # share of the addressable market not yet won (orgsim.model.workforce)
        self._returning: dict[int, list[tuple[float, Lead]]] = {}  # recycled leads by the day they return, with the instant

    def set_levers(self, criteria_cut: float, attempts_per_hour: float) -> None:
        """A reorganisation: the interface's scoring criteria and the sales leader's outbound
        productivity, from the next day on (called before the day's :meth:`start_day`)."""
        self.criteria_cut = criteria_cut
        self._attempts_per_hour = attempts_per_hour

    def start_day(self, effect: Mapping[str, float], crm: float, ignore_share: float) -> None:
        """Today's constants from the stocks' effects, CRM learning and the unfollowed share."""
        market, crm_params = self.market, self.crm_params
        quality_gap_kept = (1.0 - market.targeting_quality_lift * effect["targeting"]) * (1.0 - crm_params.crm_learning_quality_lift * crm)
        self._quality_lift = 1.0 - quality_gap_kept
        self._readiness_lift = market.content_readiness_lift * effect["content"]
        self._noise_sd = (
            self.lead_params.score_noise_sd
            * (1.0 - market.automation_noise_cut * effect["automation"])
            * (1.0 - self.criteria_cut)
            * (1.0 - crm_params.crm_learning_noise_cut * crm)
        )
        self.ignore_share = ignore_share
        recycle = self.lead_params.nurture_recycle_share + market.automation_recycle_lift * effect["automation"]
        self._recycle_share = min(1.0, recycle) if self._recycling_on else 0.0
        inbound = self._base_rate * (1.0 + market.brand_inbound_lift * effect["brand"] + market.content_inbound_lift * effect["content"])
        campaign = market.campaign_rate_per_day_max * effect["campaign"]
        open_market = self.open_market  # the thinning bound stays: the same candidates, fewer accepted
        self._rates = ((INBOUND, inbound * open_market), (CAMPAIGN, campaign * open_market), (CHANNEL, self._channel_rate * open_market))

    def arrive(self, day: int) -> None:
        """Draw and release the leads of ``[day, day + 1)`` (outbound ones on working days only).

        Without a lead log and with at most ``FEW_REFERRALS`` referral leads, the day's inbound
        candidates are thinned and scored one by one in Python floats (:meth:`_inbound_few`) and
        the referral leads go through on their own; otherwise as one numpy batch
        (:meth:`_inbound_arrivals`), the referral leads merged into it. The same bits either way
        (``tests/test_performance.py``)."""
        calendar = self.calendar
        referrals = self.referrals
        n = referrals.count(day) if referrals is not None else 0
        separate = self.log is None and n <= FEW_REFERRALS  # the referral leads go on their own
        in_python = separate and INBOUND_IN_PYTHON
        candidates = self.source.candidates(float(day), self.rate_bound) if in_python else None
        inbound = EMPTY_BATCH if in_python else self.source.inbound_day(float(day), self._rates, self.rate_bound)
        referred = None
        if n:
            if separate:
                referred = referrals.leads(day, n)  # type: ignore[union-attr]
            else:
                inbound = inbound.merge(referrals.batch(day, n))  # type: ignore[union-attr]
        outbound: list[Lead] = []
        if calendar.is_workday(day):
            # Meetings held today were booked in the prospecting time since the last working day.
            hours = self._prospecting_hours()
            if hours > 0:
                source = self.source
                per_hour = self._attempts_per_hour * self.open_market  # attempts that reach an account not yet won
                outbound = source.outbound_day(float(day), day + calendar.start_fraction, day + calendar.end_fraction, hours, per_hour)
                c = self.counters
                c.outbound_attempts += source.funnel[0]
                c.outbound_conversations += source.funnel[1]
        if in_python:
            outbound = _before(outbound, self.horizon_days)
            if outbound:
                self._outbound_arrivals(outbound)
            if candidates is not None:
                self._inbound_few(candidates, day)
        else:
            self._release(inbound, outbound)
        if referred is not None:
            self._referral_arrivals(_before(referred, self.horizon_days))
        if day in self._returning:
            self._returns(self._returning.pop(day))

    def _release(self, inbound: DayBatch, outbound: list[Lead]) -> None:
        """Create the day's leads.

        What happens to a lead at its arrival (scoring, the MQL threshold, whether sales ignores
        it, whether nurture recycles it, an outbound lead's first touch) depends only on the
        lead's own draws and on constants fixed for the day by :meth:`start_day`. So it is
        decided here for the whole day at once with numpy (the same float operations as for one
        lead at a time, so the same bits), and counted and logged at the start of the day: the
        counters are read only at day boundaries (period snapshots, the next day's effects).
        Only leads that start something in time become ``Lead`` objects: a recycled lead's
        return and a qualified outbound lead's close are scheduled now, and so is an MQL's
        arrival, when it joins the follow-up queue (a plain callback, no process). The other
        leads (most of them: nurtured for good, ignored by sales, disqualified at the first
        touch) cost no event and no object.

        Events are scheduled ahead for the instant they would get if scheduled at the lead's
        arrival: ``now + (T - now) == T`` in floating point for ``0 <= now <= T``. Only the
        order of events at exactly the same instant could differ, and arrival times are
        continuous draws.
        """
        horizon = self.horizon_days
        inbound = inbound.before(horizon)
        outbound = _before(outbound, horizon)
        rows_in = None
        if self.log is not None:
            rows_in, rows_out = self._log_rows(inbound, [lead.arrived_at for lead in outbound])
            for lead, row in zip(outbound, rows_out.tolist(), strict=True):
                lead.row = row
        if outbound:
            self._outbound_arrivals(outbound)
        self._inbound_arrivals(inbound, rows_in)

    def _log_rows(self, inbound: DayBatch, outbound_times: list[float]) -> tuple[np.ndarray, np.ndarray]:
        """Lead-log rows (lead ids) for the day's inbound and outbound leads, numbered in arrival order."""
        n_in = len(inbound.times)
        n_out = len(outbound_times)
        first = self.log.new_rows(n_in + n_out)  # type: ignore[union-attr]
        if n_out == 0:
            return np.arange(first, first + n_in), np.empty(0, dtype=np.int64)
        order = np.argsort(np.concatenate([inbound.times, outbound_times]), kind="stable")
        rows = np.empty(n_in + n_out, dtype=np.int64)
        rows[order] = np.arange(first, first + n_in + n_out)
        return rows[:n_in], rows[n_in:]

    def _inbound_arrivals(self, b: DayBatch, rows: np.ndarray | None) -> None:
        """Score the day's inbound leads; schedule the arrivals of MQLs and the returns of recycled leads."""
        n = len(b.times)
        if n == 0:
            return
        log = self.log
        v = b.values
        # readiness is lifted here for the log's every lead, else in _send for the few that go on
        self._score(v, self._readiness_lift if log is not None else None)
        mql = v[SCORE] >= self._mql_threshold
        # the leads that start something: MQLs sales follows up, and nurtured leads nurture recycles
        starts = np.where(mql, v[U_IGNORE] >= self.ignore_share, v[U_RECYCLE] < self._recycle_share)
        self._count_sources(b.source, n)
        if log is not None:
            unfollowed = mql & (v[U_IGNORE] < self.ignore_share)
            queued = mql ^ unfollowed  # unfollowed leads are MQLs
            nurtured = ~mql
            _log_scored(log, rows, b)
            log.mql[rows] = mql
            log.queued_at[rows[queued]] = b.times[queued]  # type: ignore[index]
            log.outcome[rows[nurtured]] = NURTURE  # type: ignore[index]
            log.outcome[rows[unfollowed]] = UNFOLLOWED  # type: ignore[index]
        index = starts.nonzero()[0]  # np.flatnonzero of a 1-D mask, without its Python wrapper
        n_queued, n_recycled = self._send(b.leads(index, rows), None if log is not None else self._readiness_lift) if len(index) else (0, 0)
        self._count_fates(n, int(np.count_nonzero(mql)), n_queued, n_recycled)

    def _inbound_few(self, candidates: Candidates, day: int) -> None:
        """The day's inbound candidates thinned, scored and sent on one by one in Python floats
        (no lead log): what :meth:`LeadSource.inbound_day` and :meth:`_inbound_arrivals` do as a
        numpy batch, which costs more in numpy's calls (about 20 a day) than the arithmetic on
        the day's 40-50 candidates does in Python.

        The same float operations and decisions, so the same bits: a candidate's rate band is
        the first cumulative rate above its uniform (``searchsorted(..., side="right")``); its
        quality, if accepted, ``q + (1 - q) * lift`` (a channel lead's its own draw's); its score
        ``z * sd + q``. Only the leads that start something become ``Lead`` objects."""
        v, u_accept, channel_quality = candidates
        if day + 1 > self.horizon_days:  # the run's last day: the candidates before the horizon
            n = int(v[TIME].searchsorted(self.horizon_days))
            v, u_accept, channel_quality = v[:, :n], u_accept[:n], channel_quality[:n]
        quality, z_score, u_ignore, u_recycle = v.take(_FATE_ROWS, 0).tolist()  # take: v[_FATE_ROWS]'s values, in fewer microseconds
        rates = self._rates
        (code0, rate0), (code1, rate1), (code2, rate2) = rates  # the inbound, campaign and channel bands (start_day)
        c0 = rate0  # the cumulative rates: the sums of LeadSource.inbound_day's accumulate
        c1 = c0 + rate1
        c2 = c1 + rate2
        channel_q = channel_quality.tolist() if code2 == CHANNEL and rate2 > 0 else None
        lift, noise_sd, threshold = self._quality_lift, self._noise_sd, self._mql_threshold
        ignore_share, recycle_share = self.ignore_share, self._recycle_share
        n0 = n1 = n2 = mqls = 0
        starting: list[int] = []
        fates: list[tuple[int, float, float]] = []  # (source, quality, score) of the leads that start something
        for i, u in enumerate(u_accept.tolist()):
            # the rate band: the first cumulative rate above u (searchsorted(..., side="right"))
            if u < c0:
                n0 += 1
                source, q = code0, quality[i]
            elif u < c1:
                n1 += 1
                source, q = code1, quality[i]
            elif u < c2:
                n2 += 1
                source, q = code2, channel_q[i] if channel_q is not None else quality[i]
            else:
                continue  # above the day's total rate: thinned out
            q = q + (1.0 - q) * lift
            score = z_score[i] * noise_sd + q
            if score >= threshold:
                mqls += 1
                if u_ignore[i] < ignore_share:
                    continue  # an MQL sales does not follow up
            elif u_recycle[i] >= recycle_share:
                continue  # nurtured for good
            starting.append(i)
            fates.append((source, q, score))
        counts = ((code0, n0), (code1, n1), (code2, n2))
        accepted = n0 + n1 + n2
        c = self.counters
        c.created += accepted
        for code, count in counts:
            if count:
                name = SOURCE_FLOWS[code]
                setattr(c, name, getattr(c, name) + count)
        queued = recycled = 0
        if starting:
            records = v.take(starting, 1).T.tolist()  # the starting leads' columns (take: v[:, starting]'s values)
            for record, (_, q, score) in zip(records, fates, strict=True):
                record[QUALITY], record[SCORE] = q, score
            leads = make_leads(records, [source for source, _, _ in fates], [0] * len(fates))
            queued, recycled = self._send(leads, self._readiness_lift)
        self._count_fates(accepted, mqls, queued, recycled)

    def _referral_arrivals(self, leads: list[Lead]) -> None:
        """A few referral leads (at most ``FEW_REFERRALS``, no lead log): what
        :meth:`_inbound_arrivals` does for a batch, lead by lead in Python floats, which cost
        less than numpy's calls on so few and than merging them into the inbound batch.

        The same float operations as :meth:`_score` and the same decisions, so the same bits.
        Their events are scheduled after the inbound leads' rather than among them, which
        could change only the order of events at exactly the same instant (arrival times are
        continuous draws)."""
        c = self.counters
        c.created += len(leads)
        c.leads_referral += len(leads)
        lift, noise_sd, threshold = self._quality_lift, self._noise_sd, self._mql_threshold
        n_mql = 0
        for lead in leads:
            q = lead.quality
            lead.quality = q = q + (1.0 - q) * lift
            lead.score = lead.score * noise_sd + q  # the batch's score row holds the noise draw
            if lead.score >= threshold:
                n_mql += 1
        self._count_fates(len(leads), n_mql, *self._send(leads, self._readiness_lift))

    def _send(self, leads: list[Lead], readiness_lift: float | None) -> tuple[int, int]:
        """Scored leads on their way, in arrival order: an MQL that sales follows up joins the
        queue at its arrival (an event); a nurtured lead that nurture recycles comes back on the
        day it returns (:meth:`_returns`), if before the horizon. The others (unfollowed MQLs,
        leads nurtured for good) start nothing. Returns how many were queued and recycled.

        ``readiness_lift``: today's lift of readiness, applied here lead by lead (the bits of
        :meth:`_score`'s) unless it was applied to the whole batch (``None``)."""
        threshold, ignore_share, recycle_share = self._mql_threshold, self.ignore_share, self._recycle_share
        recycle_min, recycle_span, horizon, returning = self._recycle_min, self._recycle_span, self.horizon_days, self._returning
        env, on_arrival = self.env, self._queue_mql
        now = env.now
        queued = recycled = 0
        for lead in leads:
            if readiness_lift is not None:
                r = lead.readiness
                lead.readiness = r + (1.0 - r) * readiness_lift
            if lead.score >= threshold:
                if lead.u_ignore >= ignore_share:
                    queued += 1
                    Call(env, lead.arrived_at - now, on_arrival, lead)
            elif lead.u_recycle < recycle_share:
                recycled += 1
                returns_at = lead.arrived_at + (recycle_min + lead.recycle_days * recycle_span)
                if returns_at < horizon:
                    returning.setdefault(int(returns_at), []).append((returns_at, lead))
        return queued, recycled

    def _count_fates(self, n: int, mqls: int, queued: int, recycled: int) -> None:
        """Count ``n`` scored leads: ``mqls`` of them MQLs, ``queued`` of those followed up (the
        rest unfollowed, missing the SLA), and ``recycled`` of the others back from nurture once."""
        c = self.counters
        c.mqls += mqls
        c.unfollowed += mqls - queued
        c.sla_missed += mqls - queued
        c.queued += queued
        c.nurtured += n - mqls
        c.waiting_nurture += recycled
        c.final_nurture += n - mqls - recycled

    def _outbound_arrivals(self, leads: list[Lead]) -> None:
        """The day's rep-sourced leads: scored, then touched at once by the rep who found them.

        A few a day, so lead by lead in Python floats rather than numpy (whose calls cost more
        than the arithmetic on so few): the same float operations as :meth:`_score`, so the
        same bits (IEEE sums and products are commutative)."""
        c, log = self.counters, self.log
        lift, noise_sd = self._quality_lift, self._noise_sd
        for lead in leads:
            q = lead.quality
            lead.quality = q = q + (1.0 - q) * lift
            lead.score = lead.score * noise_sd + q  # the batch's score row holds the noise draw
            if log is not None:
                row = lead.row
                log.source[row], log.quality[row], log.readiness[row] = OUTBOUND, q, lead.readiness
                log.score[row], log.arrived_at[row] = lead.score, lead.arrived_at
        c.created += len(leads)
        c.leads_outbound += len(leads)
        self._touch_outbound(leads)

    def _count_sources(self, source: np.ndarray, n: int) -> None:
        c = self.counters
        c.created += n
        for code, count in enumerate(np.bincount(source, minlength=len(SOURCE_FLOWS)).tolist()):
            if count:
                name = SOURCE_FLOWS[code]
                setattr(c, name, getattr(c, name) + count)

    def _score(self, v: np.ndarray, readiness_lift: float | None) -> None:
        """Today's quality, readiness (``None``: lifted later, lead by lead: see _send) and score, in place in the rows of ``v``.

        The bits are those of ``q + lift * (1 - q)`` and ``q + sd * z`` (IEEE products and sums
        are commutative); in place, the day's batch costs no temporary arrays per attribute."""
        q = v[QUALITY]
        gap = 1.0 - q
        gap *= self._quality_lift
        q += gap
        if readiness_lift is not None:
            r = v[READINESS]
            gap = 1.0 - r
            gap *= readiness_lift
            r += gap
        s = v[SCORE]
        s *= self._noise_sd
        s += q

    # -- one lead at a time (plain callbacks on the hot path) ----------------------------------
    def _queue_mql(self, event: simpy.Event) -> None:
        """An MQL arrives and joins the follow-up queue."""
        lead: Lead = event.value
        lead.queued_at = lead.arrived_at
        self._submit(lead)

    def _returns(self, due: list[tuple[float, Lead]]) -> None:
        """Nurtured leads back today: readier, scored again with today's noise; an MQL is handed
        off at its return (an event only if sales will follow it up), the rest stay in nurture.

        Decided at the day step for all of the day's returns, with today's constants (as
        :meth:`_release` decides arrivals): the same float operations, lead by lead, as at each
        return, and the counters and the log are read only at day boundaries."""
        c, log, env = self.counters, self.log, self.env
        gain, noise_sd = self.lead_params.nurture_readiness_gain, self._noise_sd
        threshold, ignore_share = self._mql_threshold, self.ignore_share
        now, on_hand_off = env.now, self._queue_returned
        c.waiting_nurture -= len(due)
        c.leads_recycled += len(due)
        for returns_at, lead in due:
            lead.readiness += gain * (1.0 - lead.readiness)
            lead.score = lead.quality + noise_sd * lead.z_rescore
            mql = lead.score >= threshold
            if log is not None:
                row = lead.row
                log.readiness[row], log.score[row], log.mql[row] = lead.readiness, lead.score, mql
                log.outcome[row] = OPEN
            if not mql:  # back to nurture for good: a lead is recycled at most once
                c.nurtured += 1
                c.final_nurture += 1
                if log is not None:
                    log.outcome[row] = NURTURE
            elif lead.u_ignore < ignore_share:  # an MQL sales never follows up
                c.mqls += 1
                c.unfollowed += 1
                c.sla_missed += 1
                if log is not None:
                    log.outcome[row] = UNFOLLOWED
            else:
                c.mqls += 1
                c.queued += 1
                Call(env, returns_at - now, on_hand_off, lead)

    def _queue_returned(self, event: simpy.Event) -> None:
        """A recycled lead handed off to sales joins the follow-up queue at its return."""
        lead: Lead = event.value
        lead.queued_at = self.env.now
        if self.log is not None:
            self.log.queued_at[lead.row] = lead.queued_at
        self._submit(lead)


def _before(leads: list[Lead], horizon: float) -> list[Lead]:
    """The leads (in arrival order) arriving before ``horizon``: all but on the last day of a run."""
    if not leads or leads[-1].arrived_at < horizon:
        return leads
    return [lead for lead in leads if lead.arrived_at < horizon]


def _log_scored(log: LeadLog, rows: Any, b: DayBatch) -> None:
    """Write a scored batch's arrival, source and latent values into the lead log."""
    v = b.values
    log.source[rows] = b.source
    log.quality[rows] = v[QUALITY]
    log.readiness[rows] = v[READINESS]
    log.score[rows] = v[SCORE]
    log.arrived_at[rows] = b.times
