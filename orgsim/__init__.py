"""orgsim: how should a B2B company arrange its sales and marketing teams?

A SimPy discrete-event model of lead flow, marketing work and revenue under different
reporting structures, with the experiment machinery to compare them.
"""

from typing import TYPE_CHECKING, Any

from orgsim import presets, scenarios
from orgsim.config import Calendar, Costs, Deals, Inbound, Leads, Mechanisms, Sales, Scenario
from orgsim.errors import ValidationError
from orgsim.leadership import Leader, Structure
from orgsim.results import RunResult
from orgsim.simulate import simulate

# The experiment machinery, calibration and sensitivity analysis need pandas and scipy, which
# take longer to import than simpy and numpy together; they load on first use (PEP 562), so
# `import orgsim` stays light (issue 7). `from orgsim import compare` works as before.
_LAZY: dict[str, str] = {
    "Experiment": "orgsim.experiment",
    "LatinHypercube": "orgsim.experiment",
    "compare": "orgsim.experiment",
    "sweep": "orgsim.experiment",
    "Uncertain": "orgsim.uncertainty",
    "Uncertainties": "orgsim.uncertainty",
}
_LAZY_MODULES = ("calibrate", "sensitivity")

if TYPE_CHECKING:
    from orgsim import calibrate, sensitivity
    from orgsim.experiment import Experiment, LatinHypercube, compare, sweep
    from orgsim.uncertainty import Uncertain, Uncertainties


def __getattr__(name: str) -> Any:
    import importlib

    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name in _LAZY_MODULES:
        value = importlib.import_module(f"orgsim.{name}")
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
    "Leads",
    "Mechanisms",
    "RunResult",
    "Sales",
    "Scenario",
    "Structure",
    "Uncertain",
    "Uncertainties",
    "ValidationError",
    "calibrate",
    "compare",
    "presets",
    "scenarios",
    "sensitivity",
    "simulate",
    "sweep",
]
