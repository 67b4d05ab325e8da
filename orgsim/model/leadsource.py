"""Drawing the leads (MODEL.md 3.1): :class:`LeadSource` draws each day's inbound candidates and
outbound meetings from the named streams, and :class:`CandidateTape` keeps the inbound
candidates of one seed and candidate key for the next run that needs them (the structures of a
study, and its points that differ only in what the candidates do not read).
:mod:`orgsim.model.leadflow` describes the processes and decides what the leads become.
"""

from __future__ import annotations

from itertools import accumulate
from typing import TYPE_CHECKING, Any

import numpy as np

from orgsim.config import Scenario
from orgsim.model.arrivals import ArrivalProfile
from orgsim.model.batch import (
    EMPTY_BATCH,
    FOLLOW_UP_HOURS,
    QUALITY,
    READINESS,
    ROWS,
    TIME,
    U_CONTACT,
    U_IGNORE,
    U_OWNER,
    U_QUALIFY,
    U_RECYCLE,
    U_RECYCLE_DELAY,
    U_WIN,
    Z_CYCLE,
    Z_DISCOUNT,
    Z_RESCORE,
    Z_SCORE,
    Z_SIZE,
    DayBatch,
    Lead,
    beta_params,
    make_leads,
)
from orgsim.model.outcomes import CHANNEL, OUTBOUND

if TYPE_CHECKING:
    from orgsim.model.calendar import WorkCalendar
    from orgsim.model.streams import Streams


#: A day's inbound candidates: their rows (``DayBatch.values``), their thinning uniforms times
#: the bound, and the quality each would have as a channel lead.
Candidates = tuple[np.ndarray, np.ndarray, np.ndarray]
MISSING: Any = object()  # a day the tape does not hold


class CandidateTape:
    """The inbound candidates of one seed and candidate key, day by day, as the first run drew them.

    The candidates depend on the seed and a few inputs of the scenario only
    (:meth:`LeadSource.candidate_key`), never on the structure (common random numbers). The
    runs of a study that share them (its structures, and its points that differ only in what
    the candidates do not read) run one after the other in a worker
    (:func:`orgsim.model.simulate.simulate_sharing` keeps one tape per process), so the first
    run records its candidates and the next ones replay them: the same arrays, so the same bits.
    A run that needs a day past the tape takes over the streams' state where the recording
    stopped, draws on, and records. At most ``max_days`` days are
    kept (about 7 kB a day at the default rates); then the streams' state is kept instead.
    """

    def __init__(self, max_days: int):
        self.days: list[Candidates | None] = []
        self.max_days = max_days
        self._streams: tuple[np.random.Generator, ...] | None = None  # the recording run's, at the end of the tape
        self._states: list[dict[str, Any]] | None = None  # their state at the end of a full tape

    def replay(self, day: int, streams: tuple[np.random.Generator, ...]) -> Candidates | None:
        """Day ``day``'s candidates from the tape, or ``MISSING`` (the caller then draws them,
        from ``streams`` set to the state the tape ends in, if this run has replayed so far)."""
        if day < len(self.days):
            return self.days[day]
        if day == len(self.days) and day > 0 and self._streams is not streams:  # this run replayed the tape: go on from its end
            states = self._states if self._states is not None else [g.bit_generator.state for g in self._streams or ()]
            for generator, state in zip(streams, states, strict=True):
                generator.bit_generator.state = state
        return MISSING

    def record(self, day: int, candidates: Candidates | None, streams: tuple[np.random.Generator, ...]) -> None:
        """Put a day drawn from ``streams`` on the tape (days come in order; none past ``max_days``)."""
        if day != len(self.days) or self._states is not None:
            return
        self.days.append(candidates)
        self._streams = streams
        if len(self.days) == self.max_days:  # full: keep where the streams are, not the recording run's streams
            self._states = [g.bit_generator.state for g in streams]
            self._streams = None


class LeadSource:
    """Draws each day's inbound and outbound leads from the named streams."""

    def __init__(self, scenario: Scenario, streams: Streams, calendar: WorkCalendar | None = None):
        self.scenario = scenario
        self.profile = ArrivalProfile(calendar, scenario.inbound.working_hours_share) if calendar is not None else None
        leads = scenario.leads
        self.inbound_beta = beta_params(leads.inbound_quality_mean, leads.inbound_quality_concentration)
        self.outbound_beta = beta_params(leads.outbound_quality_mean, leads.outbound_quality_concentration)
        self.readiness_beta = beta_params(leads.readiness_mean, leads.readiness_concentration)
        self.channel_beta = beta_params(scenario.growth.channel_quality_mean, scenario.growth.channel_quality_concentration)
        cv = scenario.sales.follow_up_hours_cv
        self.follow_up_shape = 1.0 / (cv * cv)
        self.follow_up_scale = scenario.sales.follow_up_hours_mean * cv * cv
        self.arrivals = streams["inbound_arrivals"]
        self.quality = streams["inbound_quality"]
        self.channel_quality = streams["channel_quality"]
        self.readiness = streams["inbound_readiness"]
        self.scoring = streams["scoring_noise"]
        self.nurture = streams["nurture"]
        self.follow_up = streams["follow_up"]
        self.follow_up_time = streams["follow_up_time"]
        self.contact = streams["contact"]
        self.deal = streams["deal"]
        self.outbound_arrivals = streams["outbound_arrivals"]
        self.outbound_quality = streams["outbound_quality"]
        self.outbound_readiness = streams["outbound_readiness"]
        self.routing = streams["routing"]
        #: Every stream only the inbound candidates draw from (a tape's replay hands their state on).
        self._inbound_streams = (
            self.arrivals,
            self.quality,
            self.channel_quality,
            self.readiness,
            self.scoring,
            self.nurture,
            self.follow_up,
            self.follow_up_time,
            self.contact,
            self.deal,
            self.routing,
        )
        self.tape: CandidateTape | None = None  # set by simulate_sharing for the runs of a study
        self._code_arrays: dict[tuple[int, ...], np.ndarray] = {}
        self.funnel = (0, 0)  # the last outbound day's attempts and conversations

    def candidate_key(self, rate_bound: float) -> tuple[Any, ...]:
        """Every input of the inbound candidates but the seed: two runs with the same seed and
        the same key draw the same candidates, whatever else their scenarios set (a Sobol
        study's points that differ only in, say, the churn hazard share a tape). The thinning
        bound, the arrival profile, the three Beta shapes and the follow-up Gamma: what
        :meth:`_candidates` and :meth:`_attributes` read (``tests/test_performance.py`` changes
        every scenario field in turn and checks that a field which leaves the key alone leaves
        the candidates alone)."""
        p = self.profile
        profile = None if p is None else (p.start, p.end, p.inside, p.outside, p.calendar.workdays_per_week)
        return (
            rate_bound,
            profile,
            self.inbound_beta,
            self.channel_beta,
            self.readiness_beta,
            self.follow_up_shape,
            self.follow_up_scale,
        )

    def _attributes(self, v: np.ndarray) -> None:
        """Downstream draws per candidate, into the rows of ``v``, each from its own stream.

        Draws fill the rows in place (``out=``: the same numbers as returning new arrays), in
        the same order on each stream as always. Adjacent rows drawn in turn from one stream and
        distribution take one call (``out=v[i : i + 2]`` fills row after row: the same numbers)."""
        self.scoring.standard_normal(out=v[Z_SCORE : Z_RESCORE + 1])
        self.nurture.random(out=v[U_RECYCLE : U_RECYCLE_DELAY + 1])
        self.follow_up.random(out=v[U_IGNORE])
        v[FOLLOW_UP_HOURS] = self.follow_up_time.gamma(self.follow_up_shape, self.follow_up_scale, v.shape[1])
        self.contact.random(out=v[U_CONTACT : U_QUALIFY + 1])
        deal = self.deal
        deal.standard_normal(out=v[Z_CYCLE])
        deal.random(out=v[U_WIN])
        deal.standard_normal(out=v[Z_SIZE : Z_DISCOUNT + 1])
        self.routing.random(out=v[U_OWNER])

    def _codes(self, codes: tuple[int, ...]) -> np.ndarray:
        """Source code of each rate band, then -1 for a rejected candidate (one array per run)."""
        array = self._code_arrays.get(codes)
        if array is None:
            array = self._code_arrays[codes] = np.array([*codes, -1], dtype=np.int8)
        return array

    def inbound_day(self, day: float, rates: tuple[tuple[int, float], ...], rate_bound: float) -> DayBatch:
        """Inbound leads arriving in ``[day, day + 1)``.

        ``rates`` are the day's ``(source code, rate per day)`` pairs, summing to at most
        ``rate_bound``, the upper bound used for thinning (constant over a run, so that the
        candidates do not depend on the rates). The candidates come from :attr:`tape` when it
        holds the day (another run with the same seed and candidate key drew them), else from the
        streams (and go on the tape, if there is one).
        """
        candidates = self.candidates(day, rate_bound)
        if candidates is None:
            return EMPTY_BATCH
        v, u_accept, channel_quality = candidates
        # Thinning: which source's rate band each candidate's uniform falls in (none past the last).
        cuts = np.array(list(accumulate(rate for _, rate in rates)))  # the same sums as np.cumsum
        index = cuts.searchsorted(u_accept, side="right")
        source = self._codes(tuple(code for code, _ in rates))[index]
        keep = index < len(rates)
        batch = DayBatch(source, v).select(keep)  # a copy: the candidates stay as drawn
        if any(rate > 0 for code, rate in rates if code == CHANNEL):  # else no candidate is a channel lead
            np.copyto(batch.values[QUALITY], channel_quality[keep], where=batch.source == CHANNEL)
        return batch

    def candidates(self, day: float, rate_bound: float) -> Candidates | None:
        """The inbound candidates of ``[day, day + 1)`` at the thinning bound ``rate_bound``, not
        thinned (:meth:`inbound_day` thins them as a batch, ``LeadFlow._inbound_few`` one by one):
        from :attr:`tape` when it holds the day, else drawn (and put on the tape, if there is
        one); ``None`` for a day with none. The arrays are the tape's: read them, never write."""
        tape = self.tape
        candidates = tape.replay(int(day), self._inbound_streams) if tape is not None else MISSING
        if candidates is MISSING:
            candidates = self._candidates(day, rate_bound)
            if tape is not None:
                tape.record(int(day), candidates, self._inbound_streams)
        return candidates

    def _candidates(self, day: float, rate_bound: float) -> Candidates | None:
        """The day's inbound candidates, drawn: their rows, their thinning uniforms (times the
        bound) and their quality were they channel leads; ``None`` for a day with none."""
        profile = self.profile
        mass = profile.mass(int(day)) if profile is not None else 1.0
        n = int(self.arrivals.poisson(rate_bound * mass)) if rate_bound > 0 else 0
        if n == 0:  # a draw of size 0 leaves its stream where it is: skip them all
            return None
        v = np.empty((len(ROWS), n))
        times = v[TIME]
        self.arrivals.random(out=times)
        times.sort()
        if profile is not None:
            profile.place(int(day), times)
        times += day
        u_accept = self.arrivals.random(n)
        u_accept *= rate_bound
        a, b = self.inbound_beta
        v[QUALITY] = self.quality.beta(a, b, n)
        ca, cb = self.channel_beta
        channel_quality = self.channel_quality.beta(ca, cb, n)
        ra, rb = self.readiness_beta
        v[READINESS] = self.readiness.beta(ra, rb, n)
        self._attributes(v)
        return v, u_accept, channel_quality

    def outbound_day(self, day: float, start: float, end: float, prospecting_rep_hours: float, attempts_per_hour: float) -> list[Lead]:
        """Outbound meetings held in the working window ``[start, end)`` of ``day``, booked in
        ``prospecting_rep_hours``: attempts (Poisson), conversations and meetings (binomial
        thinning, so the meetings are Poisson too). Returns the meetings as ``Lead`` objects in
        time order, unscored (``score`` holds the noise draw), with no log row; the funnel's
        counts are in :attr:`funnel`.

        Every draw comes from the stream ``outbound_arrivals`` (quality and readiness from their
        own), in the order of an inbound candidate's rows. A few meetings a day, so their floats
        are drawn as arrays but built in Python: one call per distribution where rows follow one
        another (a generator's consecutive draws of one distribution are the numbers of one
        call), rather than an array of rows and a copy per lead. An outbound lead has no
        follow-up time (it is touched at its meeting)."""
        sales = self.scenario.sales
        rng = self.outbound_arrivals
        rate = prospecting_rep_hours * attempts_per_hour
        attempts = int(rng.poisson(rate)) if rate > 0 else 0
        conversations = int(rng.binomial(attempts, sales.outbound_conversation_rate)) if attempts else 0
        n = int(rng.binomial(conversations, sales.outbound_meeting_rate)) if conversations else 0
        self.funnel = (attempts, conversations)
        if n == 0:  # as in inbound_day: no meeting, no draw
            return []
        u = rng.random(n)
        u.sort()
        width = end - start
        times = [t * width + start for t in u.tolist()]  # the bits of times *= width; times += start
        a, b = self.outbound_beta
        quality = self.outbound_quality.beta(a, b, n).tolist()
        ra, rb = self.readiness_beta
        readiness = self.outbound_readiness.beta(ra, rb, n).tolist()
        score = rng.standard_normal(2 * n).tolist()  # z_score, z_rescore
        touch = rng.random(5 * n).tolist()  # u_recycle, u_recycle_delay, u_ignore, u_contact, u_qualify
        z_cycle = rng.standard_normal(n).tolist()
        u_win = rng.random(n).tolist()
        size = rng.standard_normal(2 * n).tolist()  # z_size, z_discount
        u_owner = rng.random(n).tolist()
        records = zip(
            times,
            quality,
            readiness,
            score[:n],
            score[n:],
            touch[:n],
            touch[n : 2 * n],
            touch[2 * n : 3 * n],
            [0.0] * n,  # follow-up hours
            touch[3 * n : 4 * n],
            touch[4 * n :],
            z_cycle,
            u_win,
            size[:n],
            size[n:],
            u_owner,
            strict=True,
        )
        return make_leads(records, [OUTBOUND] * n, [0] * n)
