"""How an experiment's replications are run: the options every study shares.

:func:`~orgsim.experiment.compare`, :func:`~orgsim.experiment.sweep` and the sensitivity
studies take the same keyword arguments (``replications``, ``seed``, ``horizon_days``,
``executor``, ``progress``, ``store``, ``leaders``, ``population``, ``keep_series``); inside
the layer they travel together as one :class:`RunOptions` and are checked in one place,
:meth:`RunOptions.problems`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from orgsim.config.checks import check_bool, check_horizon, check_number
from orgsim.config.errors import Problem
from orgsim.experiment.holders import check_leaders
from orgsim.experiment.runner import check_executor, check_progress

#: The most replications one study may ask for (per structure and point).
MAX_REPLICATIONS = 1_000_000

@dataclass(frozen=True)
class RunOptions:
    """The run arguments of a study, as the public functions received them.

    Built without checks, so that a study can report every bad argument at once (its own and
    these): the studies add :meth:`problems` to their own before anything runs.

    Attributes:
        replications: replications per structure (and point), an integer in [1, 10^6].
        seed: the root seed, an integer >= 0; replication r uses ``SeedSequence(seed).spawn(replications)[r]``.
        horizon_days: days to simulate; None for the scenario's own horizon.
        executor: where the replications run (see :mod:`orgsim.experiment.runner`).
        progress: None (a bar in a terminal or notebook), True or False.
        store: None, or a folder to save each replication in as it finishes.
        leaders: ``"sampled"`` (each seat's holder drawn per replication, paired across
            structures; see :mod:`orgsim.experiment.holders`) or ``"fixed"`` (the profiles as given).
        population: the :class:`~orgsim.LeaderPopulation` sampled holders come from (None: the default).
        keep_series: keep every run's per-period series (True), or its totals only (False: a
            study's memory and transfers no longer grow with the horizon).
    """

    replications: Any
    seed: Any
    horizon_days: Any = None
    executor: Any = None
    progress: Any = None
    store: Any = None
    leaders: Any = "sampled"
    population: Any = None
    keep_series: Any = True

    def problems(self) -> list[Problem]:
        """Every bad option, in argument order (empty when all are fine)."""
        found = [
            check_number("replications", self.replications, 1, MAX_REPLICATIONS, integer=True),
            check_number(
                "seed", self.seed, 0, integer=True, allowed="an integer >= 0 (replication r uses SeedSequence(seed).spawn(replications)[r])"
            ),
            check_horizon("horizon_days", self.horizon_days, allow_none=True),
            check_executor(self.executor),
            check_progress(self.progress),
        ]
        if self.store is not None and not isinstance(self.store, (str, os.PathLike)):
            found.append(Problem("store", self.store, "None or a folder path (str or pathlib.Path)"))
        found.append(check_bool("keep_series", self.keep_series))
        found.extend(check_leaders(self.leaders, self.population))
        return [p for p in found if p is not None]

    @property
    def horizon(self) -> float | None:
        """``horizon_days`` as a float (None: the scenario's)."""
        return None if self.horizon_days is None else float(self.horizon_days)


__all__ = ["MAX_REPLICATIONS", "RunOptions"]
