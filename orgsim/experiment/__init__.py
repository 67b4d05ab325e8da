"""Layer 3, experiments: many runs, compared with common random numbers.

Runners and executors, the result store, designs (grids, Latin hypercubes, declared
uncertainties), statistics, :class:`Experiment`, sensitivity analysis and calibration. Imports
from :mod:`orgsim.model` and :mod:`orgsim.config`, never from a mechanism's internals.
"""

from orgsim.experiment.designs import LatinHypercube, scaled_points
from orgsim.experiment.results import Crossover, Experiment, ReplicationsNeeded
from orgsim.experiment.store import ResultStore
from orgsim.experiment.store_manifest import StoreError, StorePathError
from orgsim.experiment.study import compare, sweep

__all__ = [
    "Crossover",
    "Experiment",
    "LatinHypercube",
    "ReplicationsNeeded",
    "ResultStore",
    "StoreError",
    "StorePathError",
    "compare",
    "scaled_points",
    "sweep",
]
