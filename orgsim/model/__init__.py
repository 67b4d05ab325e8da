"""Layer 2, the model: one SimPy run of a scenario under a structure.

:mod:`~orgsim.model.engine` builds the environment, wires one component per mechanism
(:mod:`~orgsim.model.leadflow` lead generation, :mod:`~orgsim.model.sales` the reps and the
follow-up desk, :mod:`~orgsim.model.pipeline` opportunities, :mod:`~orgsim.model.marketing`
marketing work, :mod:`~orgsim.model.market` market stocks, :mod:`~orgsim.model.quota` quarters,
:mod:`~orgsim.model.leadership` the leader's mechanisms, :mod:`~orgsim.model.costs` costs,
:mod:`~orgsim.model.recorder` observation), runs it and collects the results;
:func:`simulate` is the entry point. Every outcome a run reports is declared in
:mod:`~orgsim.model.outcomes` (``from orgsim.model import outcomes``). Imports only from
:mod:`orgsim.config`.
"""

from orgsim.model.engine import Model
from orgsim.model.results import RunResult
from orgsim.model.simulate import simulate

__all__ = ["Model", "RunResult", "simulate"]
