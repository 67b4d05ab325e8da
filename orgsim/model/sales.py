"""The sales side: the follow-up desk (MQL queue served by reps) and opportunities (MODEL.md 3.5-3.6).

The desk is a multi-server FIFO queue on SimPy's event queue. Reps are not processes: a
follow-up is one ``Timeout`` whose callback frees the rep and starts the next lead, and
dispatching is a plain call. A followed-up lead therefore costs one event on the desk (and one
more if it becomes an opportunity, for its close), which keeps the per-lead cost low.
Reps take new leads only while on duty (working hours); a rep finishes the lead in hand after
the shift ends.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from simpy.events import Timeout

if TYPE_CHECKING:
    import simpy

    from orgsim.model.leadflow import Lead


class FollowUpDesk:
    """MQLs wait here, first come first served, for one of ``servers`` reps on follow-up duty."""

    __slots__ = ("_done_callbacks", "_start", "busy", "env", "on_duty", "queue", "servers")

    def __init__(self, env: simpy.Environment, start: Callable[[Lead], float], servers: int, on_duty: bool):
        self.env = env
        self.queue: deque[Lead] = deque()
        self.servers = servers
        self.busy = 0
        self.on_duty = on_duty
        self._start = start  # plain call: touches the lead, returns the follow-up time in days
        self._done_callbacks = [self._done]

    def submit(self, lead: Lead) -> None:
        """Hand an MQL to sales: start now if a rep is free and on duty, else queue it."""
        if self.on_duty and self.busy < self.servers:
            self._serve(lead)
        else:
            self.queue.append(lead)

    def _serve(self, lead: Lead) -> None:
        self.busy += 1
        event = Timeout(self.env, self._start(lead))
        event.callbacks = list(self._done_callbacks)

    def _done(self, _event: simpy.Event) -> None:
        self.busy -= 1
        if self.on_duty and self.queue and self.busy < self.servers:
            self._serve(self.queue.popleft())

    def dispatch(self) -> None:
        """Start queued leads on every free rep (at a shift start or when servers change)."""
        queue = self.queue
        while self.on_duty and queue and self.busy < self.servers:
            self._serve(queue.popleft())

    def open_shift(self) -> None:
        self.on_duty = True
        self.dispatch()

    def close_shift(self) -> None:
        self.on_duty = False

    def set_servers(self, servers: int) -> None:
        """Change the number of reps on follow-up duty; busy reps above it finish first."""
        self.servers = servers
        self.dispatch()


def logistic(x: float) -> float:
    """The logistic function, safe for large |x|."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def logit(p: float) -> float:
    """log(p / (1 - p)) with p clipped away from 0 and 1."""
    p = min(max(p, 1e-6), 1.0 - 1e-6)
    return math.log(p / (1.0 - p))
