"""Reorganising mid-run (MODEL.md 3: reorganisation): the switch and its transition.

At the start of day ``at_day`` of a run built in ``start`` (see
:class:`~orgsim.config.Reorganization`), :class:`Switch` makes ``to`` the run's structure: the
position mechanisms are worked out for the new lines and seats (:func:`~orgsim.model.positions.positions`)
and every component that reads them takes the new values through the engine's
:meth:`~orgsim.model.wiring.Wiring.retarget`, computed by the same functions as at build. Then the
:class:`~orgsim.config.Transition` is charged:

* productivity: reps' effectiveness (through the sales leader's coaching) falls by
  ``productivity_dip`` and recovers linearly over ``recovery_days``; marketers lose the same
  share of their person-days over the recovery, as seats held out of the team from the day of
  the switch (the team's work is a preemptive pool, so a lost share of a seat is a lost seat-time);
* attrition: each rep and marketer leaves at once with probability ``attrition_spike`` (an
  extra hazard on the workforce's resilience clocks, ``mechanisms.attrition``), backfilled as any
  leaver is;
* CRM learning keeps ``1 - crm_reset`` of what was logged; sales' trust moves ``trust_reset`` of
  the way back to neutral;
* ``one_off_cost_usd`` goes into the costs and the ``transition_costs_usd`` flow.

A switch at day 0 happens before any process starts, so with :meth:`Transition.none` the run is
the target structure's from the start, bit for bit (tested).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orgsim.model.positions import positions

if TYPE_CHECKING:
    from orgsim.config import Reorganization


class Switch:
    """The reorganisation of one run: applied once, then the transition's dip, day by day."""

    def __init__(self, model: Any, reorganization: Reorganization):
        self.model = model
        self.reorganization = reorganization
        self.at_day = int(reorganization.at_day)
        self.transition = reorganization.transition
        self.applied = False
        self._coaching = 1.0  # the new sales leader's coaching, before the dip

    def start_day(self, day: int) -> None:
        """The day step's hook: switch on ``at_day``, then apply the day's dip while it lasts."""
        if day == self.at_day and not self.applied:
            self.apply()
        if self.applied and self.transition.productivity_dip > 0.0:
            self._dip(day - self.at_day)

    def apply(self) -> None:
        """Make ``to`` the run's structure and charge the transition."""
        m, to, t = self.model, self.reorganization.to, self.transition
        scenario = m.scenario
        m.structure = to
        m.leader = to.integrator
        m.positions = positions(to, scenario.mechanisms, scenario.leadership)
        m.retarget()
        self.applied = True
        self._coaching = m.sales.coaching
        if t.one_off_cost_usd > 0.0:
            m.costs.charge(t.one_off_cost_usd)
            m.counters.transition_costs_usd += t.one_off_cost_usd
        if t.crm_reset > 0.0 and m.crm is not None:
            m.crm.forget(t.crm_reset)
        if t.trust_reset > 0.0:
            m.discipline.trust.reset_towards_neutral(t.trust_reset)
        if t.attrition_spike > 0.0:
            m.workforce.attrition_spike(t.attrition_spike)
        if t.productivity_dip > 0.0 and t.recovery_days > 0.0:
            self._marketers_dip()

    def _dip(self, days_since: int) -> None:
        m = self.model
        lost = self.transition.dip_at(float(days_since))
        if lost <= 0.0 and m.sales.coaching == self._coaching:
            return
        m.sales.set_coaching(self._coaching * (1.0 - lost))

    def _marketers_dip(self) -> None:
        """Marketers lose the dip's person-days (``marketers x dip x recovery_days / 2``, the area
        of the linear recovery) as seats held out of the team from the day of the switch."""
        m, t = self.model, self.transition
        marketers = m.scenario.marketing.marketers
        lost_days = marketers * t.productivity_dip * t.recovery_days / 2.0
        if lost_days <= 0.0:
            return
        seats = max(1, round(t.productivity_dip * marketers))
        for _ in range(seats):
            m.marketing.vacancy(lost_days / seats)


__all__ = ["Switch"]
