"""Layer 2, the model: one SimPy run of a scenario under a structure.

:mod:`~orgsim.model.engine` builds the environment, wires one component per mechanism
(lead generation, the sales desk, marketing work, market stocks, leadership, costs, the
recorder), runs it and collects the results; :func:`simulate` is the entry point. Imports only
from :mod:`orgsim.config`.
"""

from orgsim.model.engine import Model
from orgsim.model.results import RunResult
from orgsim.model.simulate import simulate

__all__ = ["Model", "RunResult", "simulate"]
