"""Named random streams: one ``numpy.random.Generator`` per stochastic process.

Each stream is keyed by a stable hash of its *name* appended to the run's ``SeedSequence``
spawn key, so a stream's draws depend only on (seed, name). Adding, removing or reordering
streams never changes another stream's draws, which is stronger than spawning children over a
sorted list of names (where inserting a name shifts every later child). Two runs with the same
seed therefore see the same market wherever the mechanisms agree: common random numbers.

The streams the model uses are listed in :data:`STREAM_NAMES` and documented in docs/model.md.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np

#: Every stream the model draws from, with the process it feeds.
STREAM_NAMES: dict[str, str] = {
    "inbound_arrivals": "candidate arrival times and thinning of inbound leads",
    "inbound_quality": "latent quality q of inbound leads",
    "inbound_readiness": "buying-journey readiness of inbound leads",
    "scoring_noise": "noise in marketing's lead score (first and recycled scoring)",
    "nurture": "whether and when a nurtured lead returns",
    "follow_up": "whether sales follows up an MQL",
    "follow_up_time": "rep time each MQL follow-up takes",
    "outbound_arrivals": "times and downstream draws of rep-sourced (outbound) leads",
    "outbound_quality": "latent quality of outbound leads",
    "outbound_readiness": "readiness of outbound leads",
    "contact": "whether a touched lead is contacted and qualified",
    "deal": "sales-cycle length, win draw, account size and discount of an opportunity",
    "marketing": "progress of the projects already under way at time 0",
    "channel_quality": "latent quality of channel (inside-sales, affiliate) leads",
    "disputes": "arrival times and resolution of cross-functional disputes",
    "reps": "each rep's skill, queue-check interval and phase (drawn without the warm-up's prefix: the same people)",
    "routing": "each inbound candidate's territory draw (its owning rep under territory routing)",
    "attrition": "each rep's resilience against turnover (an exponential draw per person, in id order: when they leave)",
    "marketer_attrition": "each marketer's resilience against turnover (as attrition, for marketers)",
    "customers": "each new customer's churn clock (a unit exponential at the win)",
    "customer_base": "the installed base at time 0: the number of past wins, their ages, account sizes and churn clocks",
    "referrals": "the number of referral leads each day, their times, quality, readiness and all their downstream draws",
}

Seed = int | np.random.SeedSequence


def as_seed_sequence(seed: Seed) -> np.random.SeedSequence:
    """Accept an int or a SeedSequence (as spawned by :func:`orgsim.compare`)."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        from orgsim.config.errors import Problem, ValidationError

        raise ValidationError(Problem("seed", seed, "a non-negative integer or a numpy SeedSequence"))
    return np.random.SeedSequence(int(seed))


def stream_key(name: str) -> tuple[int, int]:
    """A stable two-word key for a stream name (independent of Python's hash seed)."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest[:4], "little"), int.from_bytes(digest[4:], "little")


def named_generator(seed: Seed, name: str) -> np.random.Generator:
    """The generator for stream ``name`` of a run with ``seed``."""
    root = as_seed_sequence(seed)
    child = np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, *stream_key(name)))
    return np.random.Generator(np.random.PCG64(child))


class Streams:
    """The named generators of one run. ``streams["inbound_quality"]`` is a Generator."""

    def __init__(self, seed: Seed, names: Iterable[str] = STREAM_NAMES, *, prefix: str = ""):
        self.seed = as_seed_sequence(seed)
        # a prefix (e.g. "warmup/") gives a separate family of streams for a spin-up run
        self._generators = {name: named_generator(self.seed, prefix + name) for name in sorted(names)}

    def __getitem__(self, name: str) -> np.random.Generator:
        return self._generators[name]

    def __contains__(self, name: object) -> bool:
        return name in self._generators

    @property
    def names(self) -> list[str]:
        """The stream names, sorted."""
        return list(self._generators)
