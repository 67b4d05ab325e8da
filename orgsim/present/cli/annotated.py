"""The scenario file ``orgsim init`` writes: every field with a comment, and the legend of its sources.

Each default names its source, graded by how firm it is (the grades of the project's
calibration notes). :data:`SOURCE_GRADES` and :func:`source_legend` are the one definition of
those grades: the file ``orgsim init`` writes opens with them, and ``docs/parameters.md`` is
generated with them (``docs/scripts/gen_parameters.py``).
"""

from __future__ import annotations

from orgsim.config.scenario import Scenario, describe

#: The grades of a default's source, firmest first: (letter, what it stands for).
SOURCE_GRADES: tuple[tuple[str, str], ...] = (
    ("P", "a peer-reviewed study"),
    ("H", "a management journal written by academics, such as HBR"),
    ("I", "an analyst or consultancy report"),
    ("V", "a vendor study: a prior to start from, not a measured truth"),
    ("D", "a software library's documentation"),
    ("A", "our own assumption, sized for a plausible mid-market company, not fitted to data"),
)

#: What the other names in a source stand for.
SOURCE_NAMES: tuple[str, ...] = (
    '"seed 000" to "seed 004": the five practitioner essays the project started from.',
    '"MODEL.md": the project\'s design document (docs/model.md describes the model as built).',
)


def source_legend(*, markdown: bool = False) -> list[str]:
    """The legend of the sources, one line per grade and name (a Markdown list with ``markdown=True``)."""
    if markdown:
        return [*(f"- **{letter}**: {meaning}" for letter, meaning in SOURCE_GRADES), *(f"- {name}" for name in SOURCE_NAMES)]
    return [*(f"  {letter}  {meaning}" for letter, meaning in SOURCE_GRADES), *SOURCE_NAMES]


def annotated_toml(scenario: Scenario) -> str:
    """The scenario as TOML with the legend of the sources at the top and a comment above every
    field: its meaning, allowed range and source."""
    import tomli_w

    notes = {name: (allowed, doc, source) for name, _, allowed, doc, source in describe()}
    lines = [
        "# orgsim scenario. Every field is optional; missing ones take the default shown.",
        "# Check it with `orgsim validate FILE`; run it with `orgsim compare FILE`.",
        "#",
        "# Above each field: its meaning; the allowed range; and the source of the default, graded",
        "# by how firm it is (a grade in brackets, such as (V), grades the figure before it):",
        *(f"# {line}" for line in source_legend()),
        "",
    ]
    section = ""
    for raw in tomli_w.dumps(scenario.to_dict()).splitlines():
        stripped = raw.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped.strip("[]") + "."
            lines.append(raw)
            continue
        if "=" in stripped:
            key = stripped.split("=", 1)[0].strip()
            name = f"{section}{key}" if section else key
            if name in notes:
                allowed, doc, source = notes[name]
                comment = doc + (f"; {allowed}" if allowed else "") + (f". Source: {source}" if source else "")
                lines.append(f"# {comment}")
        lines.append(raw)
    return "\n".join(lines) + "\n"


__all__ = ["SOURCE_GRADES", "SOURCE_NAMES", "annotated_toml", "source_legend"]
