"""Ready-made scenarios, including reductions of the model used to verify it."""

from __future__ import annotations

from orgsim.config.scenario import Calendar, Inbound, Leads, Marketing, Mechanisms, Sales, Scenario


def default() -> Scenario:
    """The default mid-market B2B company (see docs/model.md for each default's source)."""
    return Scenario()


def mmc(arrival_rate_per_day: float, reps: int, mean_handle_days: float, *, horizon_days: float = 365.0) -> Scenario:
    """A scenario that reduces the follow-up queue to an M/M/c queue.

    Constant Poisson arrivals, every lead an MQL (no score noise, threshold 0), reps always on
    duty, exponential handling with mean ``mean_handle_days``, no prospecting, nobody ignored,
    no nurture, no response decay, no marketing (so no stocks and a constant rate). The wait ``first_touch_at - queued_at`` then has the
    Erlang C distribution.
    """
    return Scenario(
        name=f"mmc(lambda={arrival_rate_per_day:g}/day, c={reps}, 1/mu={mean_handle_days:g} days)",
        horizon_days=horizon_days,
        calendar=Calendar(business_hours=False),
        inbound=Inbound(base_rate_per_day=arrival_rate_per_day),
        leads=Leads(score_noise_sd=0.0, mql_threshold=0.0, nurture_recycle_share=0.0),
        sales=Sales(
            reps=reps,
            routing="pooled",
            follow_up_hours_mean=mean_handle_days * 24.0,
            follow_up_hours_cv=1.0,
            ignore_share=0.0,
        ),
        marketing=Marketing(marketers=0),
        mechanisms=Mechanisms(
            response_decay=False,
            unfollowed_mqls=False,
            outbound_prospecting=False,
            nurture_recycling=False,
            marketing_projects=False,
            brand_effect=False,
            content_effect=False,
            campaign_effect=False,
            automation_effect=False,
            enablement_effect=False,
            targeting_effect=False,
            pricing_effect=False,
            attrition=False,  # a fixed number of servers
            addressable_market=False,  # a constant arrival rate
        ),
    )
