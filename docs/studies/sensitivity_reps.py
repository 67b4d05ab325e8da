"""A small sensitivity study of the reps'-time parameters, for docs/sensitivity.md.

Does the ranking of the structures on the default company depend on the new parameters of the
reps'-time model: how often reps look at the lead queue (``sales.queue_check_hours``, its spread
``sales.queue_check_spread``), how much SLA enforcement shortens that
(``leadership.sla_check_cut``), how many outbound attempts a prospecting hour makes
(``sales.outbound_attempts_per_hour``), when inbound leads arrive
(``inbound.working_hours_share``) and how much reps differ (``sales.rep_skill_sd``)?

1. Morris screening (8 trajectories, 3 replications, one year) of the paired bookings gaps of
   the shared leader and of sales-under-marketing from marketing-under-sales.
2. Winners (16 Latin hypercube points, 3 replications) on bookings over one quarter, two quarters
   and one year: how often each structure is best.

Small on purpose (about two minutes on two cores): a screening, not a study; raise the sizes
for conclusions.

Run from the repository root: ``.venv/bin/python docs/studies/sensitivity_reps.py``.
"""

from __future__ import annotations

import pandas as pd

import orgsim
from orgsim import Uncertain, Uncertainties, sensitivity

SEED = 2024
REPLICATIONS = 3
TRAJECTORIES = 8
SAMPLES = 16
HORIZON_DAYS = 364
MUS, SUM, SHARED = "marketing_under_sales", "sales_under_marketing", "shared_leader"
UNCERTAIN = Uncertainties(
    [
        Uncertain("sales.queue_check_hours", 0.25, 8.0),  # from near-continuous to one CRM pull a day
        Uncertain("sales.queue_check_spread", 0.0, 5.0),  # from identical habits to beyond the calibrated 3.5
        Uncertain("leadership.sla_check_cut", 0.0, 0.9),  # how much SLA enforcement shortens the interval
        Uncertain("sales.outbound_attempts_per_hour", 5.0, 20.0),
        Uncertain("inbound.working_hours_share", 0.3, 0.9),
        Uncertain("sales.rep_skill_sd", 0.0, 0.2),
    ]
)


def main() -> None:
    presets = orgsim.presets.all()
    print(UNCERTAIN)
    trio = {name: presets[name] for name in (MUS, SUM, SHARED)}
    screen = sensitivity.morris(
        None,
        trio,
        UNCERTAIN,
        trajectories=TRAJECTORIES,
        replications=REPLICATIONS,
        seed=SEED,
        horizon_days=HORIZON_DAYS,
        progress=False,
    )
    print(screen)
    with pd.option_context("display.width", 200, "display.float_format", "{:,.0f}".format):
        for other in (SHARED, SUM):
            gaps = screen.outputs("bookings", (other, MUS))
            print(f"\nbookings gap {other} - {MUS} over {HORIZON_DAYS} days (USD) at the design points:")
            print(f"  mean {gaps.mean():,.0f}, min {gaps.min():,.0f}, max {gaps.max():,.0f}, share of points > 0: {(gaps > 0).mean():.2f}")
            indices = screen.indices("bookings", (other, MUS))[["mu_star", "mu_star_conf", "mu", "sigma"]]
            print(indices.sort_values("mu_star", ascending=False))
            for name in ("leadership.sla_check_cut", "sales.queue_check_hours"):
                by_level = gaps.groupby(screen.points[name].round(2)).agg(["mean", "min", "max", "size"])
                by_level.index = [f"{value:g}" for value in by_level.index]
                print(f"  the gap by {name} (mean, min and max over the design points at each level):")
                print(by_level.to_string())

    contest = sensitivity.winners(
        None,
        presets,
        UNCERTAIN,
        metric="bookings",
        samples=SAMPLES,
        at_days=[91, 182, HORIZON_DAYS],
        replications=REPLICATIONS,
        seed=SEED,
        progress=False,
    )
    print()
    print(contest)
    with pd.option_context("display.width", 200, "display.max_columns", 10):
        print(contest.probabilities().round(2))
        print(contest.probabilities(by="replications").round(2))
        by_point = contest.by_point
        print(by_point.groupby("horizon_days")["clear"].mean().rename("share of points with a clear winner").round(2))
        print(by_point.groupby(["horizon_days", "best"])["clear"].agg(["size", "sum"]))


if __name__ == "__main__":
    main()
