"""A day's leads as data: :class:`Lead` (one lead in flight) and :class:`DayBatch` (all leads
that arrive in one day, their floats as the rows of one array, :data:`ROWS`).

:mod:`~orgsim.model.leadflow` draws and releases them; the sales desk, the pipeline and the
customers' referrals read their rows by the names defined here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np


class Lead:
    """One lead in flight. Attributes are plain floats; finished leads are dropped."""

    __slots__ = (
        "arrived_at",
        "deal_demand",
        "follow_up_days",
        "owner",
        "quality",
        "queued_at",
        "readiness",
        "recycle_days",
        "row",
        "score",
        "source",
        "u_contact",
        "u_ignore",
        "u_owner",
        "u_qualify",
        "u_recycle",
        "u_win",
        "z_cycle",
        "z_discount",
        "z_rescore",
        "z_size",
    )


#: The rows of ``DayBatch.values``: arrival time, quality, readiness, then the downstream draws
#: every candidate carries. A lead's record is one column, in the order of ``Lead``'s floats.
ROWS: tuple[str, ...] = (
    "time",
    "quality",
    "readiness",
    "z_score",
    "z_rescore",
    "u_recycle",
    "u_recycle_delay",
    "u_ignore",
    "follow_up_hours",
    "u_contact",
    "u_qualify",
    "z_cycle",
    "u_win",
    "z_size",
    "z_discount",
    "u_owner",
)
(
    TIME,
    QUALITY,
    READINESS,
    Z_SCORE,
    Z_RESCORE,
    U_RECYCLE,
    U_RECYCLE_DELAY,
    U_IGNORE,
    FOLLOW_UP_HOURS,
    U_CONTACT,
    U_QUALIFY,
    Z_CYCLE,
    U_WIN,
    Z_SIZE,
    Z_DISCOUNT,
    U_OWNER,
) = range(len(ROWS))
assert (Z_RESCORE, U_RECYCLE_DELAY, U_QUALIFY, Z_DISCOUNT) == (Z_SCORE + 1, U_RECYCLE + 1, U_CONTACT + 1, Z_SIZE + 1)  # drawn in pairs
SCORE = Z_SCORE  # a batch's score noise row holds the score once the batch is scored (LeadFlow._score)


#: Batched per-candidate draws, each from its own stream so that a parameter feeding one
#: distribution (a Beta's shape, a Gamma's shape) never shifts another's draws.
@dataclass
class DayBatch:
    """All leads that arrive in one day: their source codes, and their floats as the rows of
    one 2-D array (``values[U_WIN]`` is every lead's win draw, ``values[:, i]`` lead i's record).

    One array rather than one per attribute so that selecting leads, or copying a few leads'
    records into Python objects, is one numpy call: the number of numpy calls a day costs, not
    the arithmetic, dominates the time per lead (docs/performance.md)."""

    source: np.ndarray  # int8 source codes
    values: np.ndarray  # shape (len(ROWS), n)

    @property
    def times(self) -> np.ndarray:
        return self.values[TIME]

    def select(self, keep: np.ndarray) -> DayBatch:
        """The leads at ``keep`` (a boolean mask or indices)."""
        return DayBatch(self.source[keep], self.values[:, keep])

    def before(self, horizon: float) -> DayBatch:
        """The leads arriving before ``horizon`` (all but on the last day of a run; times are sorted)."""
        times = self.values[TIME]
        if len(times) == 0 or times[-1] < horizon:
            return self
        return self.select(times < horizon)

    def merge(self, other: DayBatch) -> DayBatch:
        """This batch and ``other`` (both in arrival order) as one batch in arrival order, this
        batch's leads first at equal times."""
        merged = DayBatch(np.concatenate([self.source, other.source]), np.concatenate([self.values, other.values], axis=1))
        return merged.select(np.argsort(merged.values[TIME], kind="stable"))

    def leads(self, index: np.ndarray, rows: np.ndarray | None) -> list[Lead]:
        """``Lead`` objects for the (scored) batch's leads at ``index``, with their floats as plain
        floats; ``rows``: the batch's lead-log rows (``None`` without a log)."""
        # One fancy index and one tolist for all of a lead's floats (its column of the batch),
        # rather than a numpy call per attribute: the calls, not the arithmetic, cost the time.
        floats = self.values.take(index, 1).T.tolist()  # take: values[:, index]'s values, in fewer microseconds
        sources = self.source[index].tolist()
        row_ids = rows[index].tolist() if rows is not None else [0] * len(index)
        return make_leads(floats, sources, row_ids)


def make_leads(records: Iterable[Sequence[float]], sources: Iterable[int], rows: Iterable[int]) -> list[Lead]:
    """``Lead`` objects from their records (a lead's floats in the order of :data:`ROWS`, the
    score row holding the score or, unscored, its noise draw), source codes and log rows."""
    out = []
    for values, source, row in zip(records, sources, rows, strict=True):
        lead = Lead()
        lead.source, lead.row = source, row
        (
            lead.arrived_at,
            lead.quality,
            lead.readiness,
            lead.score,
            lead.z_rescore,
            lead.u_recycle,
            lead.recycle_days,
            lead.u_ignore,
            hours,
            lead.u_contact,
            lead.u_qualify,
            lead.z_cycle,
            lead.u_win,
            lead.z_size,
            lead.z_discount,
            lead.u_owner,
        ) = values
        lead.follow_up_days = hours / 24.0
        out.append(lead)
    return out


#: The batch of a day with no leads, shared: its arrays are empty and read-only (operations on a batch return new ones).
EMPTY_BATCH = DayBatch(np.empty(0, dtype=np.int8), np.empty((len(ROWS), 0)))
EMPTY_BATCH.source.flags.writeable = EMPTY_BATCH.values.flags.writeable = False


def beta_params(mean: float, concentration: float) -> tuple[float, float]:
    """Beta shape parameters from a mean and a concentration a + b."""
    return mean * concentration, (1.0 - mean) * concentration
