"""What the columns of an opportunity (deal) export are called, and what its stage labels mean.

An opportunity export has one row per deal. orgsim's names for its columns are
:data:`DEAL_COLUMNS`; a ``mapping`` (a dict or a preset of :data:`DEAL_PRESETS`) says which
column of the export holds each. The presets carry *typical* report column names of Salesforce
(an opportunity report), HubSpot (a deals export), the Maven Analytics "CRM sales opportunities"
sample data and orgsim's own deal table (:func:`~orgsim.experiment.calibrate.synthetic.deals_from_run`);
CRM admins rename fields, so check them against the export.

Stage labels are matched after normalising them (lower case, letters and digits only, as source
labels are) against :data:`DEFAULT_DEAL_STAGE_MAP`: ``won``, ``lost`` or ``open``. Product names
of a price list are matched the same way, so ``"GTX Pro"`` and ``"GTXPro"`` are one product.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from orgsim.config.errors import Problem, ValidationError
from orgsim.experiment.calibrate.columns import normalise

#: orgsim's names for the columns of a deal; ``mapping`` maps an export's names onto these.
DEAL_COLUMNS: tuple[str, ...] = (
    "opportunity_id",
    "created_at",
    "closed_at",
    "stage",
    "won",
    "amount",
    "owner",
    "manager",
    "product",
    "account",
    "source",
)
#: The time columns of a deal.
DEAL_TIME_COLUMNS: tuple[str, ...] = ("created_at", "closed_at")
#: A deal's outcome, from its stage label.
DEAL_STAGES: tuple[str, ...] = ("open", "won", "lost")

#: Column presets, export name -> orgsim name. *Typical* names only: check them against your export.
DEAL_PRESETS: dict[str, dict[str, str]] = {
    "orgsim": {name: name for name in DEAL_COLUMNS},
    "salesforce": {
        "Opportunity ID": "opportunity_id",
        "Created Date": "created_at",
        "Close Date": "closed_at",
        "Stage": "stage",
        "Won": "won",
        "Amount": "amount",
        "Opportunity Owner": "owner",
        "Owner Manager": "manager",
        "Product Name": "product",
        "Account Name": "account",
        "Lead Source": "source",
    },
    "hubspot": {
        "Record ID": "opportunity_id",
        "Create Date": "created_at",
        "Close Date": "closed_at",
        "Deal Stage": "stage",
        "Is Closed Won": "won",
        "Amount": "amount",
        "Deal owner": "owner",
        "HubSpot Team": "manager",  # the owner's team: the nearest a deals export has to a manager
        "Product": "product",
        "Associated Company": "account",
        "Original Source Type": "source",
    },
    # Maven Analytics' "CRM Sales Opportunities" sample (sales_pipeline.csv; manager joined from sales_teams.csv)
    "maven": {
        "opportunity_id": "opportunity_id",
        "engage_date": "created_at",
        "close_date": "closed_at",
        "deal_stage": "stage",
        "close_value": "amount",
        "sales_agent": "owner",
        "manager": "manager",
        "product": "product",
        "account": "account",
    },
}


def _words(text: str) -> list[str]:
    return text.split()


#: Typical stage labels (normalised) and what they mean. Salesforce's default opportunity stages,
#: HubSpot's default deal pipeline, the Maven sample's stages and common custom ones.
DEFAULT_DEAL_STAGE_MAP: dict[str, str] = {
    **dict.fromkeys(_words("won closedwon win wins customer booked signed"), "won"),
    **dict.fromkeys(_words("lost closedlost lose loss closeddisqualified disqualified closednodecision nodecision dead"), "lost"),
    **dict.fromkeys(
        _words(
            "open engaging engaged prospecting prospect qualification qualified qualifying needsanalysis discovery demo "
            "valueproposition iddecisionmakers decisionmakers perceptionanalysis proposal proposalpricequote proposalsent "
            "proposalunderstood negotiation negotiationreview negotiating contractsent commit closing evaluation "
            "appointmentscheduled qualifiedtobuy presentationscheduled decisionmakerboughtin pipeline new"
        ),
        "open",
    ),
}


def deal_stage_labels(stage_map: Mapping[str, str] | None) -> dict[str, str]:
    """Normalised stage label -> won/lost/open: the defaults and the caller's extras."""
    return {**DEFAULT_DEAL_STAGE_MAP, **{normalise(k): v for k, v in (stage_map or {}).items()}}


def check_deal_stage_map(stage_map: Any) -> Problem | None:
    """None, or a Problem for a ``stage_map`` that is not a dict onto won/lost/open."""
    allowed = f"None or a dict of stage label -> one of {', '.join(DEAL_STAGES)}"
    if stage_map is None:
        return None
    if not isinstance(stage_map, Mapping):
        return Problem("stage_map", type(stage_map).__name__, allowed)
    bad = [v for v in stage_map.values() if v not in DEAL_STAGES]
    return Problem("stage_map", bad[0], allowed) if bad else None


def resolve_deal_mapping(frame: pd.DataFrame, mapping: str | Mapping[str, str] | None) -> tuple[dict[str, str], str]:
    """The mapping (export column -> orgsim name) and its name for messages."""
    columns = [str(c) for c in frame.columns]
    if mapping is None:
        return _detect(columns)
    if isinstance(mapping, str):
        if mapping not in DEAL_PRESETS:
            raise ValidationError(Problem("mapping", mapping, f"one of {', '.join(map(repr, DEAL_PRESETS))} or a dict"))
        return {k: v for k, v in DEAL_PRESETS[mapping].items() if k in columns or v == "created_at"}, f"preset {mapping!r}"
    if not isinstance(mapping, Mapping):
        raise ValidationError(Problem("mapping", type(mapping).__name__, "a preset name or a dict of export column -> orgsim name"))
    bad = [(k, v) for k, v in mapping.items() if v not in DEAL_COLUMNS]
    if bad:
        raise ValidationError([Problem(f"mapping[{k!r}]", v, f"one of {', '.join(DEAL_COLUMNS)}") for k, v in bad])
    targets = list(mapping.values())
    dup = sorted({t for t in targets if targets.count(t) > 1})
    if dup:
        raise ValidationError(Problem("mapping", dup, "each orgsim column mapped from one export column"))
    resolved = dict(mapping)
    for c in DEAL_COLUMNS:  # orgsim's names present in the file and not mapped from elsewhere are used as they are
        if c in columns and c not in resolved.values() and c not in resolved:
            resolved[c] = c
    return resolved, "the mapping given"


def _detect(columns: list[str]) -> tuple[dict[str, str], str]:
    """With no mapping: the preset with the most of its columns present (orgsim's names first)."""
    best, best_hits = None, 0
    for name, preset in DEAL_PRESETS.items():
        if not any(crm in columns for crm, canon in preset.items() if canon == "created_at"):
            continue
        hits = sum(1 for crm in preset if crm in columns)
        if hits > best_hits:
            best, best_hits = name, hits
    if best is None:
        raise ValidationError(
            Problem(
                "mapping",
                None,
                f"could not recognise the columns ({', '.join(columns[:12])}); pass mapping= one of "
                f"{', '.join(map(repr, DEAL_PRESETS))} or a dict of export column -> one of {', '.join(DEAL_COLUMNS)}",
            )
        )
    return {k: v for k, v in DEAL_PRESETS[best].items() if k in columns}, f"preset {best!r} (auto-detected)"


def check_deal_columns(columns: list[str], resolved: Mapping[str, str], mapping_name: str) -> dict[str, str]:
    """orgsim name -> export column for the columns present; raise if ``created_at`` or both of
    ``stage`` and ``won`` are missing, naming what was looked for under the mapping used."""
    by_canon = {v: k for k, v in resolved.items() if k in columns}
    expected = {v: k for k, v in resolved.items()}
    missing = [] if "created_at" in by_canon else [f"{expected.get('created_at', 'created_at')!r} (for created_at)"]
    if "stage" not in by_canon and "won" not in by_canon:
        missing.append(f"{expected.get('stage', 'stage')!r} (for stage) or {expected.get('won', 'won')!r} (for won)")
    if missing:
        raise ValidationError(
            Problem(
                "columns",
                sorted(columns),
                f"missing required column(s) {' and '.join(missing)} under {mapping_name}; pass mapping= to name them",
            )
        )
    return by_canon
