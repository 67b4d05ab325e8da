"""The model documentation cannot go stale: docs/parameters.md and the generated tables of
docs/model.md are what the generator produces from the code now, and model.md names every
mechanism switch, every random stream and only parameters that exist."""

from __future__ import annotations

import dataclasses
import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

from orgsim.config import Mechanisms, describe, presets
from orgsim.config.structure import Leader
from orgsim.model.streams import STREAM_NAMES

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = ROOT / "docs" / "scripts" / "gen_parameters.py"
MODEL_MD = ROOT / "docs" / "model.md"
PARAMETERS_MD = ROOT / "docs" / "parameters.md"
REGENERATE = "regenerate with `.venv/bin/python docs/scripts/gen_parameters.py` (from the repository root)"
SECTIONS = ("calendar", "inbound", "leads", "sales", "deals", "costs", "market", "marketing", "leadership", "growth", "mechanisms")


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_parameters", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def model_md() -> str:
    return MODEL_MD.read_text(encoding="utf-8")


def test_parameters_md_is_exactly_what_the_generator_produces_from_the_code(gen: ModuleType) -> None:
    expected = gen.render_parameters() + "\n"
    assert PARAMETERS_MD.read_text(encoding="utf-8") == expected, f"docs/parameters.md is stale: {REGENERATE}"


def test_outcomes_md_is_exactly_what_the_generator_produces_from_the_registry(gen: ModuleType) -> None:
    expected = gen.render_outcomes() + "\n"
    assert (ROOT / "docs" / "outcomes.md").read_text(encoding="utf-8") == expected, f"docs/outcomes.md is stale: {REGENERATE}"


def test_the_generated_tables_of_model_md_are_current(gen: ModuleType, model_md: str) -> None:
    assert model_md == gen.render_model(model_md), f"a generated table in docs/model.md is stale: {REGENERATE}"


def test_parameters_md_lists_every_scenario_field_and_leader_attribute() -> None:
    text = PARAMETERS_MD.read_text(encoding="utf-8")
    names = [name for name, *_ in describe()] + [f.name for f in dataclasses.fields(Leader)]
    missing = [name for name in names if f"| `{name}` |" not in text]
    assert not missing, f"docs/parameters.md has no row for {missing}: {REGENERATE}"


def test_model_md_names_every_mechanism_switch(model_md: str) -> None:
    missing = [f.name for f in dataclasses.fields(Mechanisms) if f"`mechanisms.{f.name}`" not in model_md]
    assert not missing, f"docs/model.md does not describe the switches {missing} (name each as `mechanisms.<switch>`)"


def _streams_used_in_code() -> set[str]:
    """Every literal stream name the model indexes its Streams with (``streams["name"]``)."""
    used = set()
    for path in (ROOT / "orgsim").rglob("*.py"):
        used.update(re.findall(r"""streams\[\s*["']([A-Za-z0-9_/]+)["']\s*\]""", path.read_text(encoding="utf-8")))
    return used


def test_model_md_names_every_stream_the_code_draws_from(model_md: str) -> None:
    used = _streams_used_in_code() | set(STREAM_NAMES)
    assert len(_streams_used_in_code()) >= 10, "the scan for streams[...] found almost nothing: has the access pattern changed?"
    missing = sorted(name for name in used if f"`{name}`" not in model_md)
    assert not missing, f"docs/model.md (section 4, Stochasticity) does not name the streams {missing}"


def test_model_md_stream_table_lists_exactly_the_registered_streams(model_md: str) -> None:
    table = model_md.split("| stream | drives |", 1)[1].split("\n\n", 1)[0]
    documented = set(re.findall(r"^\| `([^`]+)` \|", table, flags=re.MULTILINE))
    assert documented == set(STREAM_NAMES), (
        f"stream table differs from orgsim.model.streams.STREAM_NAMES: extra {sorted(documented - set(STREAM_NAMES))}, "
        f"missing {sorted(set(STREAM_NAMES) - documented)}"
    )


def _preset_table(model_md: str) -> tuple[list[str], dict[str, list[str]]]:
    """The first table of model.md's presets block (presets x attributes): column names and row cells."""
    block = model_md.split("<!-- generated:presets:start", 1)[1].split("<!-- generated:presets:end", 1)[0]
    table = next(chunk for chunk in block.split("\n\n") if chunk.lstrip().startswith("|"))
    lines = table.strip().splitlines()
    header = [c.strip().strip("`") for c in lines[0].strip("|").split("|")][1:]
    rows = {}
    for line in lines[2:]:
        cells = [c.strip().strip("`") for c in line.strip("|").split("|")]
        rows[cells[0]] = cells[1:]
    return header, rows


def test_preset_attribute_values_quoted_in_model_md_match_presets_py(model_md: str) -> None:
    header, rows = _preset_table(model_md)
    structures = presets.all()
    assert header == list(structures)
    for f in dataclasses.fields(Leader):
        assert f.name in rows, f"model.md's preset table has no row for {f.name}"
        for label, quoted in zip(header, rows[f.name], strict=True):
            actual = getattr(structures[label].integrator, f.name)
            if isinstance(actual, bool):
                assert quoted == str(actual).lower(), (label, f.name, quoted)
            else:
                assert float(quoted) == pytest.approx(actual, rel=1e-12), (label, f.name, quoted, actual)
    assert rows["integrator role"] == [s.integrator_role for s in structures.values()]


def test_every_parameter_named_in_model_md_exists(model_md: str) -> None:
    known = {name for name, *_ in describe()}
    prefixes = {name.rsplit(".", i)[0] for name in known for i in range(1, name.count(".") + 1)}
    pattern = r"`((?:" + "|".join(SECTIONS) + r")\.[a-z_]+(?:\.[a-z_]+)*)`"
    named = set(re.findall(pattern, model_md))
    assert len(named) > 50, "the scan for dotted parameter names found almost nothing"
    unknown = sorted(name for name in named if name not in known and name not in prefixes)
    assert not unknown, f"docs/model.md names parameters that do not exist: {unknown}"


def test_defaults_quoted_in_model_md_parameter_tables_match_the_code(model_md: str) -> None:
    """Rows like ``| `deals.discount_mean`, `discount_sd` | 0.10, 0.06 | source |``: each named
    parameter's default is the number at the same position in the second cell."""
    defaults = {name: default for name, default, *_ in describe()}
    checked, wrong = 0, []
    for line in model_md.splitlines():
        match = re.match(r"^\| (`[a-z]+\.[a-z_.]+`(?:, `[a-z_]+`)*) \| ([^|]+) \|", line)
        if not match:
            continue
        names = re.findall(r"`([a-z_.]+)`", match.group(1))
        section = names[0].rsplit(".", 1)[0]
        full = [names[0], *(f"{section}.{leaf}" if not leaf.startswith("_") else "" for leaf in names[1:])]
        numbers = [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", match.group(2))]
        for i, name in enumerate(full):
            default = defaults.get(name)
            if isinstance(default, bool) or not isinstance(default, (int, float)) or i >= len(numbers):
                continue
            checked += 1
            if numbers[i] != pytest.approx(default, rel=1e-9):
                wrong.append((name, numbers[i], default))
    assert checked >= 20, f"only {checked} quoted defaults found: has the table layout changed?"
    assert not wrong, f"docs/model.md quotes defaults that differ from the code (name, quoted, actual): {wrong}"


#: The model's modules, where model.md's code references point (never __main__, which runs the CLI).
def _orgsim_modules() -> dict[str, str]:
    """Every module of the package by its short name (``sales``) and its dotted name (``model.sales``)."""
    import pkgutil

    import orgsim

    names: dict[str, str] = {}
    for info in pkgutil.walk_packages(orgsim.__path__, "orgsim."):
        relative = info.name.removeprefix("orgsim.")
        if relative == "__main__":
            continue  # importing it runs the command line
        names[relative] = info.name
        names.setdefault(relative.rsplit(".", 1)[-1], info.name)
    return names


MODEL_MODULES = _orgsim_modules()


def _resolve(token: str) -> bool:
    """Whether a dotted code reference like ``Model._touch`` or ``management.stock_impacts`` exists."""
    import importlib
    import inspect

    import orgsim

    parts = token.split(".")
    if parts[0] == "orgsim":
        parts = parts[1:]
    dotted = next((".".join(parts[:n]) for n in range(len(parts), 0, -1) if ".".join(parts[:n]) in MODEL_MODULES), None)
    if dotted is not None:
        obj: object = importlib.import_module(MODEL_MODULES[dotted])
        parts = [dotted, *parts[dotted.count(".") + 1 :]]
    elif hasattr(orgsim, parts[0]):
        obj = getattr(orgsim, parts[0])
    else:  # a class named on its own: the model module that defines it
        owners = [m for m in MODEL_MODULES if inspect.isclass(getattr(importlib.import_module(MODEL_MODULES[m]), parts[0], None))]
        if not owners:
            return False
        obj = getattr(importlib.import_module(MODEL_MODULES[owners[0]]), parts[0])
    for part in parts[1:]:
        fields = getattr(obj, "__dataclass_fields__", {})
        if part in fields or part in getattr(obj, "__slots__", ()):
            return True  # an attribute of instances; nothing further to check
        if not hasattr(obj, part):
            return False
        obj = getattr(obj, part)
    return True


def test_code_objects_named_in_model_md_exist(model_md: str) -> None:
    """Module, class, function and method names quoted in model.md (``Model._inbound_arrivals``,
    ``management.LeaderAllocation``) still exist, so a refactor cannot leave the docs behind."""
    parameters = {name for name, *_ in describe()}
    prefixes = {name.rsplit(".", i)[0] for name in parameters for i in range(1, name.count(".") + 1)}
    modules = set(MODEL_MODULES)
    classes = {"Model", "MarketingTeam", "MarketStocks", "FollowUpDesk", "LeadSource", "Scenario", "Structure", "Leader", "RunResult"}
    tokens = set(re.findall(r"`((?:orgsim\.)?[A-Za-z_]\w*(?:\.\w+)+)`", model_md))
    code_refs = sorted(
        t
        for t in tokens
        if t not in parameters
        and t not in prefixes
        and (t.startswith("orgsim.") or t.split(".")[0] in modules or t.split(".")[0] in classes)
    )
    assert len(code_refs) >= 20, f"only {len(code_refs)} code references found: has the scan broken?"
    missing = [t for t in code_refs if not _resolve(t)]
    assert not missing, f"docs/model.md names code that does not exist (renamed or removed?): {missing}"
