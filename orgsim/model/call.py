"""A callback at a later instant: the event the model schedules most (docs/performance.md).

The model's hot paths (an MQL joining the queue, a rep's follow-up ending, a look at the queue,
a deal closing, the next day's step) each schedule one event with one plain callback. A
:class:`simpy.events.Timeout` does that in two steps, its constructor and then
``event.callbacks.append(callback)``; :class:`Call` is the same event built in one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from simpy.events import NORMAL, Timeout

if TYPE_CHECKING:
    import simpy


class Call(Timeout):
    """``callback(event)`` at ``delay`` days from now, with ``event.value`` set to ``value``.

    It is the ``Timeout`` that ``Timeout(env, delay, value=value).callbacks.append(callback)``
    makes: triggered (``ok``, with its value), scheduled with normal priority at
    ``env.now + delay``, so it takes its place among the other events exactly as that one
    would, and a run gives the same bits (``tests/test_call.py``). Built by one constructor
    with the callback in hand, it saves about a fifth of the cost of scheduling and firing
    an event. Processes still yield plain ``Timeout`` events.
    """

    def __init__(self, env: simpy.Environment, delay: float, callback: Callable[[Any], None], value: Any = None):
        if delay < 0:
            raise ValueError(f"Negative delay {delay}")
        # Timeout's own constructor, inlined with the callback list made whole
        self.env = env
        self.callbacks = [callback]
        self._value = value
        self._ok = True
        self._delay = delay
        env.schedule(self, NORMAL, delay)
