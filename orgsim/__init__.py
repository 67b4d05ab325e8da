"""orgsim: how should a B2B company arrange its sales and marketing teams?

A SimPy discrete-event model of lead flow, marketing work and revenue under different
reporting structures, with the experiment machinery to compare them.
"""

from typing import TYPE_CHECKING, Any

from orgsim.config import (
    Calendar,
    Costs,
    Deals,
    Inbound,
    Leader,
    LeaderPopulation,
    Leads,
    Mechanisms,
    Reorganization,
    Sales,
    Scenario,
    Structure,
    Transition,
    ValidationError,
    presets,
    scenarios,
)
from orgsim.model import RunResult, simulate

# The experiment machinery, calibration and sensitivity analysis need pandas and scipy, which
# take longer to import than simpy and numpy together; they load on first use (PEP 562), so
# `import orgsim` stays light. `from orgsim import compare` works as before.
_LAZY: dict[str, str] = {
    "Experiment": "orgsim.experiment.study",
    "LatinHypercube": "orgsim.experiment.study",
    "compare": "orgsim.experiment.study",
    "sweep": "orgsim.experiment.study",
    "Uncertain": "orgsim.experiment.uncertainty",
    "Uncertainties": "orgsim.experiment.uncertainty",
}
# public modules that live in a layer: orgsim.calibrate, orgsim.sensitivity, orgsim.plot
_LAZY_MODULES = {
    "calibrate": "orgsim.experiment.calibrate",
    "sensitivity": "orgsim.experiment.sensitivity",
    "plot": "orgsim.present.plot",
}

if TYPE_CHECKING:
    from orgsim.experiment import calibrate, sensitivity
    from orgsim.experiment.study import Experiment, LatinHypercube, compare, sweep
    from orgsim.experiment.uncertainty import Uncertain, Uncertainties
    from orgsim.present import plot


def __getattr__(name: str) -> Any:
    import importlib

    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name in _LAZY_MODULES:
        value = importlib.import_module(_LAZY_MODULES[name])
        if name == "sensitivity":
            # The sensitivity figures live in the presentation layer; the documented names
            # orgsim.sensitivity.plot_morris/plot_sobol/plot_winners stay as aliases here, at the
            # top of the house, where importing from every layer is allowed.
            plots = importlib.import_module("orgsim.present.sensitivity_plots")
            for plot_name in ("plot_morris", "plot_sobol", "plot_winners"):
                setattr(value, plot_name, getattr(plots, plot_name))
    else:
        raise AttributeError(f"module 'orgsim' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY, *_LAZY_MODULES})


__version__ = "0.1.0"

__all__ = [
    "Calendar",
    "Costs",
    "Deals",
    "Experiment",
    "Inbound",
    "LatinHypercube",
    "Leader",
    "LeaderPopulation",
    "Leads",
    "Mechanisms",
    "Reorganization",
    "RunResult",
    "Sales",
    "Scenario",
    "Structure",
    "Transition",
    "Uncertain",
    "Uncertainties",
    "ValidationError",
    "calibrate",
    "compare",
    "plot",
    "presets",
    "scenarios",
    "sensitivity",
    "simulate",
    "sweep",
]
