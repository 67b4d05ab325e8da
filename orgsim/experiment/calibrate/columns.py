"""What the columns of a lead table are called, and what their labels mean.

The canonical columns are orgsim's names for what calibration reads; a ``mapping`` (a dict or a
preset) says which column of a CRM export holds each. The presets carry *typical* export names
of HubSpot, Salesforce and orgsim's own lead log (``RunResult.leads``): CRMs let admins rename
fields, so they are a starting point to check against an export, not a guarantee.

Source and stage labels are matched after normalising them (lower case, letters and digits
only) against :data:`DEFAULT_SOURCE_MAP` and :data:`DEFAULT_STAGE_MAP`, extended by the caller's
``source_map`` and ``stage_map``. The tables are assumptions, written from the labels the CRMs
ship with (HubSpot's original sources, Salesforce's lead sources and statuses); the model's
sources are :data:`orgsim.model.recorder.SOURCES`.

A bad cell is named as the user sees it in the file: :func:`first_bad` gives its row (1-based;
CSV rows also give the file line, counting the header), its column and its text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from orgsim.config.errors import Problem, ValidationError
from orgsim.model.recorder import SOURCES

#: The columns calibration understands (orgsim's names); ``mapping`` maps a CRM's names onto these.
CANONICAL_COLUMNS: tuple[str, ...] = (
    "lead_id",
    "created_at",
    "source",
    "first_touch_at",
    "stage",
    "mql",
    "qualified",
    "opportunity_at",
    "closed_at",
    "won",
    "amount",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("created_at", "source")
TIME_COLUMNS: tuple[str, ...] = ("created_at", "first_touch_at", "opportunity_at", "closed_at")
#: The model's lead sources (the lead log's, :data:`orgsim.model.recorder.SOURCES`).
MODEL_SOURCES: tuple[str, ...] = SOURCES
#: Lifecycle stages in order; a row's stage is the furthest it reached.
STAGES: tuple[str, ...] = ("lead", "mql", "opportunity", "won")

#: Column presets, CRM name -> canonical name. These are *typical* export names; check them
#: against your own export (CRMs let admins rename fields, and reports name columns freely).
PRESETS: dict[str, dict[str, str]] = {
    "orgsim": {
        "lead_id": "lead_id",
        "arrived_at": "created_at",
        "source": "source",
        "first_touch_at": "first_touch_at",
        "mql": "mql",
        "qualified": "qualified",
        "opportunity_at": "opportunity_at",
        "closed_at": "closed_at",
        "won": "won",
        "value": "amount",
    },
    "hubspot": {
        "Record ID": "lead_id",
        "Create Date": "created_at",
        "Original Source": "source",
        "First Engagement Date": "first_touch_at",
        "Lifecycle Stage": "stage",
        "Became an Opportunity Date": "opportunity_at",
        "Close Date": "closed_at",
        "Is Closed Won": "won",
        "Amount": "amount",
    },
    "salesforce": {
        "Lead ID": "lead_id",
        "Created Date": "created_at",
        "Lead Source": "source",
        "First Activity Date": "first_touch_at",
        "Lead Status": "stage",
        "Converted Date": "opportunity_at",
        "Close Date": "closed_at",
        "Won": "won",
        "Amount": "amount",
    },
}


def normalise(label: Any) -> str:
    """A label reduced to lower-case letters and digits ("Paid Search" -> "paidsearch")."""
    return re.sub(r"[^a-z0-9]", "", str(label).lower())


def _words(text: str) -> list[str]:
    return text.split()


#: Typical source labels (normalised) and the model source they are taken as. An assumption to
#: check: "Offline Sources" in HubSpot are contacts created by hand or imported, usually by sales.
DEFAULT_SOURCE_MAP: dict[str, str] = {
    **dict.fromkeys(
        _words(
            "inbound organicsearch directtraffic referrals referral socialmedia organicsocial web website webform contactus "
            "content seo blog organic direct wordofmouth"
        ),
        "inbound",
    ),
    **dict.fromkeys(
        _words(
            "campaign campaigns paidsearch paidsocial emailmarketing othercampaigns email event events webinar tradeshow "
            "advertisement advertising ppc display conference"
        ),
        "campaign",
    ),
    **dict.fromkeys(
        _words("outbound offlinesources coldcall coldemail prospecting salesgenerated salessourced sdr bdr outreach"), "outbound"
    ),
    **dict.fromkeys(_words("channel partner partners partnerreferral affiliate affiliates reseller insidesales"), "channel"),
}

#: Typical lifecycle / lead-status labels (normalised) and the stage they mean.
DEFAULT_STAGE_MAP: dict[str, str] = {
    **dict.fromkeys(_words("lead subscriber new open opennotcontacted raw other nurture nurturing"), "lead"),
    **dict.fromkeys(
        _words(
            "mql marketingqualifiedlead marketingqualified sal salesacceptedlead accepted contacted working workingcontacted "
            "unqualified disqualified closednotconverted recycled"
        ),
        "mql",
    ),
    **dict.fromkeys(
        _words(
            "sql salesqualifiedlead qualified opportunity converted closedconverted prospecting qualification proposal "
            "negotiation closedlost lost"
        ),
        "opportunity",
    ),
    **dict.fromkeys(_words("customer won closedwon evangelist"), "won"),
}


class _DefaultDict(dict):
    """A label table with a fallback for unknown labels."""

    def __init__(self, table: Mapping[str, str], default: str):
        super().__init__(table)
        self.default = default

    def get(self, key: Any, default: Any = None) -> Any:
        return super().get(key, self.default)


def check_label_maps(source_map: Any, stage_map: Any) -> list[Problem]:
    """A Problem for a ``source_map`` or ``stage_map`` that is not a dict onto the model's names."""
    problems: list[Problem] = []
    for name, table, targets in (("source_map", source_map, MODEL_SOURCES), ("stage_map", stage_map, STAGES)):
        allowed = f"None or a dict of label -> one of {', '.join(targets)}"
        if table is None:
            continue
        if not isinstance(table, Mapping):
            problems.append(Problem(name, type(table).__name__, allowed))
            continue
        bad = [v for v in table.values() if not (isinstance(v, str) and v in targets)]
        if bad:
            problems.append(Problem(name, bad[0], f"values must be one of {', '.join(targets)}"))
    return problems


def source_labels(source_map: Mapping[str, str] | None, unknown_source: str | None) -> Mapping[str, str]:
    """Normalised source label -> model source: the defaults, the caller's extras, the fallback."""
    table: Mapping[str, str] = {**DEFAULT_SOURCE_MAP, **{normalise(k): v for k, v in (source_map or {}).items()}}
    if unknown_source is not None:
        table = _DefaultDict(table, unknown_source)
    return table


def stage_labels(stage_map: Mapping[str, str] | None) -> dict[str, str]:
    """Normalised stage label -> stage: the defaults and the caller's extras."""
    return {**DEFAULT_STAGE_MAP, **{normalise(k): v for k, v in (stage_map or {}).items()}}


def resolve_mapping(frame: pd.DataFrame, mapping: str | Mapping[str, str] | None) -> tuple[dict[str, str], str]:
    """The mapping (CRM column -> canonical) and its name for messages."""
    columns = [str(c) for c in frame.columns]
    if mapping is None:
        return _detect_mapping(columns)
    if isinstance(mapping, str):
        if mapping not in PRESETS:
            raise ValidationError(Problem("mapping", mapping, f"one of {', '.join(map(repr, PRESETS))} or a dict"))
        preset = PRESETS[mapping]
        # a preset's optional columns may be absent; required ones are checked below
        return {k: v for k, v in preset.items() if k in columns or v in REQUIRED_COLUMNS}, f"preset {mapping!r}"
    if not isinstance(mapping, Mapping):
        raise ValidationError(Problem("mapping", type(mapping).__name__, "a preset name or a dict of CRM column -> canonical name"))
    bad = [(k, v) for k, v in mapping.items() if v not in CANONICAL_COLUMNS]
    if bad:
        raise ValidationError([Problem(f"mapping[{k!r}]", v, f"one of {', '.join(CANONICAL_COLUMNS)}") for k, v in bad])
    targets = list(mapping.values())
    dup = sorted({t for t in targets if targets.count(t) > 1})
    if dup:
        raise ValidationError(Problem("mapping", dup, "each canonical column mapped from one CRM column"))
    resolved = dict(mapping)
    # canonical names present in the file and not mapped from elsewhere are used as they are
    for c in CANONICAL_COLUMNS:
        if c in columns and c not in resolved.values() and c not in resolved:
            resolved[c] = c
    return resolved, "the mapping given"


def _detect_mapping(columns: list[str]) -> tuple[dict[str, str], str]:
    """With no mapping given: canonical names if the required ones are there, else the best preset."""
    if all(c in columns for c in REQUIRED_COLUMNS):
        return {c: c for c in CANONICAL_COLUMNS if c in columns}, "canonical column names"
    best, best_hits = None, 0
    for name, preset in PRESETS.items():
        hits = sum(1 for crm, canon in preset.items() if canon in REQUIRED_COLUMNS and crm in columns)
        if hits > best_hits:
            best, best_hits = name, hits
    if best is None:
        raise ValidationError(
            Problem(
                "mapping",
                None,
                f"could not recognise the columns ({', '.join(columns[:12])}); pass mapping= one of "
                f"{', '.join(map(repr, PRESETS))} or a dict of CRM column -> one of {', '.join(CANONICAL_COLUMNS)}",
            )
        )
    return {k: v for k, v in PRESETS[best].items() if k in columns or v in REQUIRED_COLUMNS}, f"preset {best!r} (auto-detected)"


def check_required(columns: list[str], resolved: Mapping[str, str], mapping_name: str) -> None:
    """Raise naming the required columns the file lacks under the mapping used."""
    missing_cols = [canon for canon in REQUIRED_COLUMNS if not any(c in columns and v == canon for c, v in resolved.items())]
    if missing_cols:
        expected = {v: k for k, v in resolved.items()}
        wanted = ", ".join(f"{expected.get(c, c)!r} (for {c})" for c in missing_cols)
        raise ValidationError(
            Problem("columns", sorted(columns), f"missing required column(s) {wanted} under {mapping_name}; pass mapping= to name them")
        )


# ---------------------------------------------------------------------------------------------
# naming a cell


def row_name(i: int, label: str) -> str:
    """How a data row is named in messages: 1-based, and its line in a CSV with a header."""
    return f"row {i + 1} (line {i + 2})" if label.lower().endswith((".csv", ".gz")) else f"row {i + 1}"


def first_bad(raw: pd.Series, bad: np.ndarray, crm: str, label: str, allowed: str) -> Problem:
    """A Problem naming the first row ``bad`` marks in column ``crm``, its text, and how many more."""
    idx = np.flatnonzero(bad)
    more = f" ({len(idx) - 1} more rows like it)" if len(idx) > 1 else ""
    i = int(idx[0])
    return Problem(f"{row_name(i, label)}, column {crm!r}", raw.iloc[i], allowed + more)


def missing_cells(raw: pd.Series) -> np.ndarray:
    """The empty cells of a column: missing, or text of spaces only."""
    values = raw.astype(object)
    return np.asarray(values.isna() | values.map(lambda v: isinstance(v, str) and v.strip() == ""), dtype=bool)
