"""Generate docs/parameters.md (and the generated tables of docs/model.md) from the code.

Every row comes from the code: Scenario fields from :func:`orgsim.config.describe` (names,
defaults, ranges, descriptions, sources), their types and choices from the dataclass metadata,
the leader attributes from the declarations of :class:`orgsim.config.Leader` (the same ``param()``
metadata: range, meaning, source, defaults by background), and the presets from
:mod:`orgsim.config.presets`.
Units are read off the field names (``_days``, ``_usd_per_year``, ...), as the style guide
puts them there.

Usage (from the repository root)::

    .venv/bin/python docs/scripts/gen_parameters.py           # rewrite the generated files
    .venv/bin/python docs/scripts/gen_parameters.py --check   # exit 1 if they are stale

``tests/test_docs_model.py`` fails when the files differ from what this script produces.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import math
import sys
import typing
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from orgsim.config import (  # noqa: E402
    DecayTable,
    ProjectKind,
    Scenario,
    describe,
    presets,
)
from orgsim.config.params import allowed_range, type_hints  # noqa: E402
from orgsim.config.structure import Leader  # noqa: E402
from orgsim.model.leadership import LeaderAllocation, unfollowed_share  # noqa: E402
from orgsim.present.cli.annotated import source_legend  # noqa: E402

PARAMETERS_MD = ROOT / "docs" / "parameters.md"
MODEL_MD = ROOT / "docs" / "model.md"
OUTCOMES_MD = ROOT / "docs" / "outcomes.md"

# Units read off a field's name: the longest matching suffix wins.
_UNIT_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("_usd_per_rep_per_year", "USD per rep per year"),
    ("_usd_per_year", "USD per year"),
    ("_usd_per_day", "USD per day"),
    ("_usd", "USD"),
    ("_per_hour", "per rep-hour"),
    ("_per_day", "per day"),
    ("_per_week", "per week"),
    ("_person_days", "person-days"),
    ("_days", "days"),
    ("_hours", "hours"),
    ("_hour", "hour of day"),
    ("_logit", "logit"),
)
# Fields whose unit is not in their name.
_UNIT_OVERRIDES: dict[str, str] = {
    "reps": "reps",
    "marketers": "marketers",
    "rep_hires_per_quarter": "reps per quarter",
    "workdays_per_week": "days per week",
    "contact_decay": "(hours, multiplier) knots",
    "qualify_decay": "(hours, multiplier) knots",
    "win_rep_weight": "logit per unit of effectiveness",
    "win_discount_weight": "logit per unit of discount",
    "win_logit_offset": "logit",
    "mql_threshold": "score (units of q)",
    "output": "stock units",
    "crm_half_saturation": "logged outcomes",
    "half_saturation": "stock units",
}

_SECTION_TITLES: dict[str, str] = {
    "": "Scenario (top level)",
    "calendar": "calendar",
    "inbound": "inbound",
    "leads": "leads",
    "sales": "sales",
    "deals": "deals",
    "costs": "costs",
    "market": "market",
    "marketing": "marketing",
    "leadership": "leadership",
    "growth": "growth",
    "mechanisms": "mechanisms",
}


# -- helpers ---------------------------------------------------------------------------------
def fmt(value: Any) -> str:
    """A value as it would be written in TOML, compactly."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        short = format(value, "g")
        return short if float(short) == value else repr(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(fmt(v) for v in value) + "]"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


def cell(text: Any) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def field_of(dotted: str, root: type = Scenario) -> tuple[Any, dict[str, Any]]:
    """The type hint and metadata of a dotted Scenario field, e.g. ``market.brand.lag_days``."""
    cls: Any = root
    hint: Any = None
    meta: dict[str, Any] = {}
    for part in dotted.split("."):
        fields = {f.name: f for f in dataclasses.fields(cls)}
        hint = type_hints(cls)[part]
        meta = dict(fields[part].metadata)
        if dataclasses.is_dataclass(hint):
            cls = hint
    return hint, meta


def type_name(hint: Any) -> str:
    if hint == DecayTable:
        return "list of [float, float]"
    if hint == tuple[float, ...]:
        return "list of float"
    if hint == tuple[ProjectKind, ...]:
        return "list of ProjectKind"
    return getattr(hint, "__name__", str(hint))


def unit_of(dotted: str, hint: Any) -> str:
    leaf = dotted.rsplit(".", 1)[-1].split("[")[0]
    if hint in (bool, str) or (typing.get_origin(hint) is tuple and hint not in (DecayTable, tuple[float, ...])):
        return ""
    if leaf in _UNIT_OVERRIDES:
        return _UNIT_OVERRIDES[leaf]
    for suffix, unit in _UNIT_SUFFIXES:
        if leaf.endswith(suffix):
            return unit
    return "dimensionless"


def allowed(range_text: str, hint: Any, meta: dict[str, Any]) -> str:
    """The allowed values: describe()'s range, else the choices or the field's own rule."""
    if range_text:
        return range_text.removeprefix("in ")
    if hint is bool:
        return "true or false"
    if "choices" in meta:
        return "one of " + ", ".join(f'"{c}"' for c in meta["choices"])
    if "check" in meta:
        rule = meta["check"](None)  # a field's own check states its rule for any invalid value
        return rule or ""
    return "any string" if hint is str else ""


def _rows_table(rows: list[tuple[str, Any, str, str, str]], root: type = Scenario) -> list[str]:
    out = [
        "| parameter | type | default | unit | allowed | description | source |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, default, range_text, doc, source in rows:
        hint, meta = field_of(name.replace("marketing.kinds[i].", ""), root)
        shown = f"{len(Scenario().marketing.kinds)} kinds (below)" if hint == tuple[ProjectKind, ...] else f"`{cell(fmt(default))}`"
        out.append(
            f"| `{name}` | {cell(type_name(hint))} | {shown} | {cell(unit_of(name, hint))} "
            f"| {cell(allowed(range_text, hint, meta))} | {cell(doc)} | {cell(source or '—')} |"
        )
    return out


# -- leaders -------------------------------------------------------------------------------
def leader_table() -> list[str]:
    """One row per Leader attribute, from its declaration: range, meaning, the defaults at three
    backgrounds and the source of the default."""
    at_sales, at_mid, at_marketing = Leader(background=0.0).to_dict(), Leader().to_dict(), Leader(background=1.0).to_dict()
    out = [
        "| attribute | type | allowed | meaning | default at background 0 (sales) | at 0.5 | at 1 (marketing) | source of the default |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for f in dataclasses.fields(Leader):
        name, meta = f.name, f.metadata
        hint = type_hints(Leader)[name]
        tname = "float" if hint == (float | None) else type_name(hint)
        rng = allowed(allowed_range(meta), hint, dict(meta))
        source = meta["source"] + (" (linear in background)" if "by_background" in meta else "")
        out.append(
            f"| `{name}` | {tname} | {rng} | {cell(meta['doc'])} | `{fmt(at_sales[name])}` | `{fmt(at_mid[name])}` "
            f"| `{fmt(at_marketing[name])}` | {cell(source)} |"
        )
    return out


# -- presets -------------------------------------------------------------------------------
def preset_attribute_table() -> list[str]:
    """Presets (columns) x integrator attributes (rows), values from presets.py (``profile="background"``)."""
    structures = presets.all()
    names = list(structures)
    out = ["| | " + " | ".join(f"`{n}`" for n in names) + " |", "| --- |" + " --- |" * len(names)]
    out.append("| integrator role | " + " | ".join(f"`{s.integrator_role}`" for s in structures.values()) + " |")
    out.append(
        "| reporting lines | "
        + " | ".join(", ".join(f"{role} → {boss}" for role, boss in s.reports_to.items() if boss is not None) for s in structures.values())
        + " |"
    )
    out.append("| carries the number | " + " | ".join(f"`{s.quota_owner_role}`" for s in structures.values()) + " |")
    out.append(
        "| seat backgrounds | "
        + " | ".join(", ".join(f"{role} {fmt(b)}" for role, b in s.backgrounds.items()) for s in structures.values())
        + " |"
    )
    profiles = {n: s.integrator.to_dict() for n, s in structures.items()}
    for f in dataclasses.fields(Leader):
        out.append(f"| `{f.name}` | " + " | ".join(f"`{fmt(profiles[n][f.name])}`" for n in names) + " |")
    return out


def preset_derived_table() -> list[str]:
    """What the default Leadership coefficients make of each preset's attributes, computed by the
    model's own code at time 0 (no structure: the base behaviour)."""
    from orgsim.model.costs import leadership_cost_per_year
    from orgsim.model.engine import Model

    scenario = Scenario()
    params = scenario.leadership
    structures: dict[str, Any] = {"no structure": None, **presets.all()}
    rows: dict[str, list[str]] = {}
    for structure in structures.values():
        model = Model(scenario, structure, seed=0, horizon_days=1.0)
        pos = model.positions
        leader = pos.sales if pos is not None else None  # the sales function's daily profile
        policy = model.marketing.policy
        if isinstance(policy, LeaderAllocation):
            share_now = policy.long_term_share(model.marketing.context())
            share_pressed = policy.long_term_share(model.marketing.context(quota_pressure=1.0))
        else:  # the fixed split
            share_now = share_pressed = scenario.marketing.long_term_share
        neutral_ignore = model.discipline.share if leader is None else unfollowed_share(scenario.sales.ignore_share, 0.5, 0, leader, params)
        values = {
            "long-term share of marketing effort chosen at time 0": fmt(round(share_now, 4)),
            "the same under full quota pressure (shortfall 1)": fmt(round(share_pressed, 4)),
            "coaching factor on every rep's skill": fmt(round(model.sales.coaching, 4)),
            "mean rep effectiveness (skill x coaching)": fmt(round(model.counters.rep_effectiveness, 4)),
            "factor on reps' queue-check intervals (SLA enforcement)": fmt(round(model.sales.desk.check_factor, 4)),
            "factor on outbound attempts per prospecting hour": fmt(round(model.outbound_productivity, 4)),
            "mean discount before pressure": fmt(round(model.pipeline.discount_mean, 4)),
            "scoring-noise factor from agreed criteria": fmt(round(1.0 - model.leadflow.criteria_cut, 4)),
            "unfollowed MQL share at neutral trust, no disputes": fmt(round(neutral_ignore, 4)),
            "quota sensitivity the allocator feels (rush campaigns, horizon)": "—"
            if pos is None
            else fmt(round(pos.allocator.quota_sensitivity, 4)),
            "quota sensitivity behind pressure discounts (the quota owner's)": "—"
            if pos is None
            else fmt(round(pos.discount_sensitivity, 4)),
            "integrator's attention left for the interface": "—" if pos is None else fmt(round(pos.interface.attention, 4)),
            "reporting lines a dispute travels": "—" if pos is None else fmt(pos.dispute_levels),
            "dispute service time, days": "—" if model.escalation is None else fmt(round(model.escalation.handling_days, 4)),
            "P(dispute resolved for sales)": "—" if pos is None else fmt(round((1.0 - pos.interface.bias) / 2.0, 4)),
            "leadership cost charged, USD per year": fmt(
                round(leadership_cost_per_year(structure, scenario.costs.head_cost_usd_per_year, scenario.mechanisms))
            ),
        }
        for label, value in values.items():
            rows.setdefault(label, []).append(value)
    out = ["| at the default scenario | " + " | ".join(f"`{n}`" if structures[n] else n for n in structures) + " |"]
    out.append("| --- |" + " --- |" * len(structures))
    out.extend(f"| {label} | " + " | ".join(values) + " |" for label, values in rows.items())
    return out


def preset_block() -> list[str]:
    """The presets block of docs/model.md: both preset tables."""
    return [
        "Integrator attributes of each preset (`orgsim/config/presets.py`; unset attributes come from `background`):",
        "",
        *preset_attribute_table(),
        "",
        "What the default `leadership` coefficients make of them (computed by `orgsim.model.Model` at time 0; "
        "trust 0.5 is its starting value):",
        "",
        *preset_derived_table(),
    ]


def stock_block() -> list[str]:
    """The stocks block of docs/model.md: each stock's dynamics and its level at time 0."""
    import math

    from orgsim.config import STOCKS
    from orgsim.model.market import MarketStocks
    from orgsim.model.marketing import steady_state_levels

    scenario = Scenario()
    initial = MarketStocks(scenario.market, steady_state_levels(scenario, scenario.marketing.initial_long_term_share))
    feeders: dict[str, list[str]] = {name: [] for name in STOCKS}
    for kind in scenario.marketing.kinds:
        feeders[kind.stock].append(f"`{kind.name}` ({kind.term}, {kind.delivery})")
    out = [
        "| stock | fed by (default kinds) | `weekly_retention` | daily retention | half-life, days | `lag_days` "
        "| `half_saturation` | `hill_shape` | level at time 0 | effect at time 0 |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name in STOCKS:
        p = getattr(scenario.market, name)
        daily = p.weekly_retention ** (1.0 / 7.0)
        half_life = math.log(0.5) / math.log(daily) if 0 < daily < 1 else math.inf
        out.append(
            f"| `{name}` | {', '.join(feeders[name]) or '—'} | {fmt(p.weekly_retention)} | {daily:.4f} | {half_life:.1f} "
            f"| {fmt(p.lag_days)} | {fmt(p.half_saturation)} | {fmt(p.hill_shape)} | {initial.level[name]:.3f} "
            f"| {initial.saturation[name]:.3f} |"
        )
    return out


def decay_block() -> list[str]:
    """The decay block of docs/model.md: the knots of the response-delay decay tables."""
    sales = Scenario().sales
    out = ["| table | knots: delay in hours -> multiplier |", "| --- | --- |"]
    for name in ("contact_decay", "qualify_decay"):
        knots = ", ".join(f"{fmt(h)} h -> {fmt(m)}" for h, m in getattr(sales, name))
        out.append(f"| `sales.{name}` | {knots} |")
    return out


#: The generated blocks of docs/model.md, by name.
BLOCKS = {"presets": preset_block, "stocks": stock_block, "decay": decay_block}


def block_markers(name: str) -> tuple[str, str]:
    return (
        f"<!-- generated:{name}:start (docs/scripts/gen_parameters.py; do not edit by hand) -->",
        f"<!-- generated:{name}:end -->",
    )


# -- parameters.md -------------------------------------------------------------------------
def render_parameters() -> str:
    rows = describe()
    groups: dict[str, list[tuple[str, Any, str, str, str]]] = {}
    for row in rows:
        section = row[0].split(".", 1)[0] if "." in row[0] else ""
        groups.setdefault(section, []).append(row)
    out = [
        "# Parameters",
        "",
        "<!-- Generated by docs/scripts/gen_parameters.py from the code; do not edit by hand. -->",
        "",
        "Every field of `orgsim.Scenario`, by its dotted name (the key in TOML, in `Scenario.replace(**{...})` and in sweeps), "
        "with its type, default, unit, allowed range, description and the source of the default. "
        "Units are read off the field names. How each parameter acts is in [the model description](model.md); "
        "regenerate this file with `.venv/bin/python docs/scripts/gen_parameters.py`.",
        "",
        "## Sources and their grades",
        "",
        "The source of each default is graded by how firm it is; a grade in brackets, such as (V), grades the figure "
        "before it. The file `orgsim init` writes opens with the same legend.",
        "",
        *source_legend(markdown=True),
        "",
    ]
    for section, section_rows in groups.items():
        title = _SECTION_TITLES.get(section, section)
        out.append(f"## {title}")
        out.append("")
        if section:
            hint, _ = field_of(section)
            doc = inspect.getdoc(hint) or ""
            out.append(doc.split("\n\n")[0].replace("\n", " "))
            out.append("")
        if section == "mechanisms":
            out.append("| switch | default | what it turns on |")
            out.append("| --- | --- | --- |")
            out.extend(f"| `{name}` | `{fmt(default)}` | {cell(doc)} |" for name, default, _, doc, _ in section_rows)
        else:
            out.extend(_rows_table(section_rows))
        if section == "marketing":
            out.extend(["", *kinds_section()])
        out.append("")
    out.extend(["## Leader attributes (`orgsim.Leader`)", ""])
    out.append(
        "A leader profile belongs to a role of a `Structure`; the model reads only the integrator's profile (the lowest common "
        "manager of the two heads). Unset attributes (`None`) take a value interpolated linearly between the default at "
        "background 0 and at background 1. Range violations raise `ValidationError` naming `leader.<attribute>`."
    )
    out.extend(["", *leader_table(), ""])
    out.extend(["## Presets (`orgsim.presets`)", ""])
    out.append("The four presets are data: a custom `Structure` with the same roles and profiles gives bit-identical results.")
    out.extend(["", *preset_attribute_table(), "", *preset_derived_table(), ""])
    return "\n".join(out)


def kinds_section() -> list[str]:
    kinds = Scenario().marketing.kinds
    columns = [f.name for f in dataclasses.fields(ProjectKind)]
    out = [
        "### marketing.kinds",
        "",
        "`marketing.kinds` is a list of `ProjectKind` tables (`[[marketing.kinds]]` in TOML); the defaults "
        "(`orgsim.config.default_project_kinds`) are:",
        "",
        "| " + " | ".join(columns) + " |",
        "|" + " --- |" * len(columns),
    ]
    out.extend("| " + " | ".join(f"`{cell(fmt(getattr(k, c)))}`" for c in columns) + " |" for k in kinds)
    out.extend(["", "Fields of one kind:", ""])
    out.extend(_rows_table(describe(ProjectKind, "marketing.kinds[i]."), ProjectKind))
    return out


# -- writing -------------------------------------------------------------------------------
def render_model(model_text: str) -> str:
    """docs/model.md with each generated block replaced by the current one."""
    for name, build in BLOCKS.items():
        start_marker, end_marker = block_markers(name)
        start, end = model_text.find(start_marker), model_text.find(end_marker)
        if start < 0 or end < start:
            raise RuntimeError(f"{MODEL_MD} has no generated block {name!r} ({start_marker!r} ... {end_marker!r})")
        body = "\n".join([start_marker, "", *build(), "", end_marker])
        model_text = model_text[:start] + body + model_text[end + len(end_marker) :]
    return model_text


def render_outcomes() -> str:
    """docs/outcomes.md: every declared outcome, from the registry the recorder, the totals, the
    plots and sensitivity analysis read (:mod:`orgsim.model.outcomes`)."""
    from orgsim.model.outcomes import END, FAMILIES, outcomes

    def parts(o: Any) -> str:
        if o.kind == "ratio":
            return f"`{o.numerator}` / ({' + '.join(f'`{d}`' for d in o.denominator)})"
        if o.sum_of:
            return " + ".join(f"`{d}`" for d in o.sum_of)
        return ""

    def feasible(o: Any) -> str:
        low, high = o.feasible
        if low == -math.inf and high == math.inf:
            return "any"
        if high == math.inf:
            return f"≥ {low:g}"
        return f"[{low:g}, {high:g}]"

    out = [
        "# Outcomes",
        "",
        "<!-- generated by docs/scripts/gen_parameters.py from orgsim/model/outcomes.py; do not edit -->",
        "",
        "Every column of `RunResult.series` and every entry of `RunResult.totals`, declared once in",
        "`orgsim/model/outcomes.py`. A **flow** is counted within each period and summed over the run;",
        "a **level** is read at the end of each period, and its total is its value at the end of the run",
        f"(`{END.format('<level>')}`); a **ratio** is computed from its parts, per period and over the run.",
        "Look one up with `orgsim.model.outcomes.outcome(name)`. Its **range** is where every",
        "interval and band of it is kept (`Outcome.lower`, `Outcome.upper`): no run can report a",
        "value outside it, so a 95% interval that would reach past it is clipped.",
        "",
        "| outcome | kind | unit | range | in | what it measures | computed as |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for o in outcomes():
        out.append(f"| `{o.name}` | {o.kind} | {o.unit} | {feasible(o)} | {o.where} | {o.description} | {parts(o)} |")
    out += ["", "## Families", "", "One outcome per project kind or market stock:", ""]
    out += ["| pattern | kind | unit | what it measures |", "| --- | --- | --- | --- |"]
    for family in FAMILIES:
        member = "<kind>" if "effort" in family.pattern else "<stock>"
        text = family.description.replace("{!r}", f"`{member}`").replace("{}", f"`{member}`")
        out.append(f"| `{family.pattern.replace('{}', member)}` | {family.kind} | {family.unit} | {text} |")
    return "\n".join(out)


def outputs() -> dict[Path, str]:
    """Each generated file with the text it should have now."""
    return {
        PARAMETERS_MD: render_parameters() + "\n",
        MODEL_MD: render_model(MODEL_MD.read_text(encoding="utf-8")),
        OUTCOMES_MD: render_outcomes() + "\n",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a generated file is stale, without writing")
    args = parser.parse_args(argv)
    stale = []
    for path, text in outputs().items():
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(path)
        if not args.check:
            from orgsim.config.files import atomic_write_text

            atomic_write_text(path, text)
    for path in stale:
        print(f"{'stale' if args.check else 'wrote'}: {path.relative_to(ROOT)}")
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    raise SystemExit(main())
