"""The house's rules (docs/architecture.md): four layers that import only downward, small
files, short functions. Checked with ``ast`` on the source, so nothing is imported or run."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "orgsim"
#: The layers from the bottom up; a module may import its own layer and the ones below.
LAYERS = ("config", "model", "experiment", "present")
MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 80
#: The declared exceptions: a module of a lower layer that loads one of a higher layer by name at
#: run time. ``Sensitivity.plot()`` and ``Winners.plot()`` load their figures on demand from the
#: presentation layer, as pandas loads its plotting backend, and ``Experiment.report()`` loads the
#: HTML report's writer the same way, and ``Backtest.plot()`` its figure; nothing else may.
PLUGIN_POINTS = {
    ("orgsim/experiment/sample_runs.py", "orgsim.present.sensitivity_plots"),
    ("orgsim/experiment/results.py", "orgsim.present.report"),
    ("orgsim/experiment/calibrate/backtest.py", "orgsim.present.calibrate_plots"),
}


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "orgsim" or len(parts) < 2 or parts[1] not in LAYERS:
        return None
    return LAYERS.index(parts[1])


def _dotted(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(tree: ast.AST, here: str, is_package: bool) -> list[tuple[int, str]]:
    """Every module this file imports (at any depth: function-level imports count too)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            found.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names)
    return found


def test_every_module_sits_in_a_layer() -> None:
    outside = [p.name for p in PACKAGE.glob("*.py") if p.name not in ("__init__.py", "__main__.py")]
    assert not outside, f"modules outside the four layers: {outside}"
    assert sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()) == sorted(LAYERS)


def test_no_layer_imports_from_a_layer_above_it() -> None:
    upward = []
    for path in _modules():
        here = _dotted(path)
        mine = _layer(here)
        if mine is None:
            continue  # orgsim/__init__.py and __main__.py stand above every layer
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for line, module in _imports(tree, here, path.name == "__init__.py"):
            theirs = _layer(module)
            if theirs is not None and theirs > mine:
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {module}")
    assert not upward, "imports that run up the layers:\n" + "\n".join(upward)


def test_no_layer_loads_a_higher_layer_by_name_except_the_declared_plugin_points() -> None:
    """importlib with a module name in a string is an import the first test cannot see."""
    hidden = []
    for path in _modules():
        mine = _layer(_dotted(path))
        if mine is None:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("orgsim."):
                theirs = _layer(node.value)
                where = str(path.relative_to(PACKAGE.parent))
                if theirs is not None and theirs > mine and (where, node.value) not in PLUGIN_POINTS:
                    hidden.append(f"{where}:{node.lineno} names {node.value}")
    assert not hidden, "modules that load a higher layer by name:\n" + "\n".join(hidden)


def test_the_scan_sees_imports() -> None:
    """Guard against a scan that finds nothing: the engine imports the config layer."""
    path = PACKAGE / "model" / "engine.py"
    modules = {m for _, m in _imports(ast.parse(path.read_text()), "orgsim.model.engine", False)}
    assert any(m.startswith("orgsim.config") for m in modules)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE.parent)))
def test_no_file_is_over_600_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_FILE_LINES, f"{path.name} has {lines} lines: split it by mechanism or concern"


def test_no_function_is_over_80_lines() -> None:
    long = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1  # type: ignore[operator]
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.name} ({length} lines)")
    assert not long, "functions over 80 lines:\n" + "\n".join(long)


def test_the_model_engine_stays_short() -> None:
    lines = len((PACKAGE / "model" / "engine.py").read_text(encoding="utf-8").splitlines())
    assert lines <= 300, f"model/engine.py has {lines} lines: it builds, wires, runs and collects; mechanisms live in their own modules"


def test_the_module_table_of_architecture_md_is_current() -> None:
    script = PACKAGE.parent / "docs" / "scripts" / "gen_architecture.py"
    done = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
