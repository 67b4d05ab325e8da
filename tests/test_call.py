"""``Call``, the model's callback event: the same event as a ``Timeout`` with its callback."""

from __future__ import annotations

import pytest
import simpy
from simpy.events import Timeout

from orgsim.model.call import Call


def _fire(make: str) -> list[tuple[float, str]]:
    """Events at equal and distinct instants, made as Calls or Timeouts, and the order they fire in."""
    env = simpy.Environment()
    fired: list[tuple[float, str]] = []

    def record(event: simpy.Event) -> None:
        fired.append((env.now, event.value))
        if event.value == "a":  # an event scheduled from a callback, at the same instant as others
            schedule(0.0, "a-then")

    def schedule(delay: float, name: str) -> None:
        if make == "call" or (make == "mixed" and name in {"b", "d", "a-then"}):
            Call(env, delay, record, name)
        else:
            Timeout(env, delay, value=name).callbacks.append(record)

    for delay, name in [(1.0, "a"), (1.0, "b"), (0.5, "c"), (1.0, "d"), (2.0, "e")]:
        schedule(delay, name)
    env.process(_process(env, fired))
    env.run()
    return fired


def _process(env: simpy.Environment, fired: list[tuple[float, str]]):
    yield Timeout(env, 1.0)
    fired.append((env.now, "process"))


@pytest.mark.parametrize("make", ["call", "mixed"])
def test_a_call_fires_when_and_in_the_order_a_timeout_would(make: str) -> None:
    assert _fire(make) == _fire("timeout")


def test_a_call_is_a_triggered_timeout_with_its_value() -> None:
    env = simpy.Environment()
    seen = []
    event = Call(env, 0.25, seen.append, value=("x", 1))
    assert isinstance(event, Timeout) and event.triggered and event.ok and event.value == ("x", 1)
    env.run()
    assert seen == [event] and env.now == 0.25 and event.processed


def test_a_negative_delay_is_refused() -> None:
    with pytest.raises(ValueError, match="Negative delay -1"):
        Call(simpy.Environment(), -1.0, print)
