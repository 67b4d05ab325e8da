"""Draw the package's layers and components (docs/figures/architecture.png) and write the module
table of docs/architecture.md, both read from the code with ``ast`` (nothing is imported).

Usage (from the repository root)::

    .venv/bin/python docs/scripts/gen_architecture.py           # rewrite the figure and the table
    .venv/bin/python docs/scripts/gen_architecture.py --check   # exit 1 if the table is stale

``tests/test_docs_model.py`` fails when the table differs from what this script produces (the
figure is not compared pixel by pixel; regenerate it with the table).
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "orgsim"
PAGE = ROOT / "docs" / "architecture.md"
FIGURE = ROOT / "docs" / "figures" / "architecture.png"
LAYERS = ("config", "model", "experiment", "present")
TITLES = {
    "config": "config/: what to simulate",
    "model": "model/: one run",
    "experiment": "experiment/: many runs",
    "present": "present/: figures and the command line",
}
BEGIN, END = "<!-- BEGIN generated module table -->", "<!-- END generated module table -->"


def modules() -> list[tuple[str, Path]]:
    """(dotted name, path) of every module in a layer, packages as one entry per file."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if len(parts) < 3 or parts[1] not in LAYERS:
            continue
        if parts[-1] == "__init__":
            parts.pop()
        found.append((".".join(parts), path))
    return found


def summary(path: Path) -> str:
    """The first sentence of the module's docstring, in Markdown."""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    paragraph = " ".join(doc.strip().split("\n\n")[0].split())
    sentence = re.split(r"(?<=[a-z)])\. ", paragraph, maxsplit=1)[0].rstrip(".")
    sentence = re.sub(r":\w+:`~?([^`]+)`", r"`\1`", sentence)
    return sentence.replace("``", "`")


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def imports(path: Path, here: str) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("orgsim"):
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("orgsim"))
    out.discard(here)
    return out


def table() -> str:
    rows = ["| module | lines | what it holds |", "| --- | ---: | --- |"]
    for name, path in modules():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        shown = name.removeprefix("orgsim.")
        rows.append(f"| `{shown}` | {lines} | {summary(path).replace('|', '/')} |")
    return "\n".join(rows)


def render(page: str) -> str:
    head, rest = page.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{table()}\n{END}{tail}"


def _boxes() -> tuple[dict[str, list[tuple[str, int]]], Counter[tuple[str, str]]]:
    """Each layer's modules (a subpackage below a layer as one box) and the imports between layers."""
    by_layer: dict[str, dict[str, int]] = {layer: {} for layer in LAYERS}
    edges: Counter[tuple[str, str]] = Counter()
    for name, path in modules():
        layer = layer_of(name)
        assert layer is not None
        parts = name.split(".")[2:]
        if parts:
            box = parts[0] + ("/" if (PACKAGE / layer / parts[0]).is_dir() else "")
            by_layer[layer][box] = by_layer[layer].get(box, 0) + len(path.read_text(encoding="utf-8").splitlines())
        for target in imports(path, name):
            other = layer_of(target)
            if other is not None and other != layer:
                edges[(layer, other)] += 1
    return {layer: sorted(boxes.items()) for layer, boxes in by_layer.items()}, edges


def draw() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    by_layer, edges = _boxes()
    per_row, box_w, box_h, gap = 5, 1.95, 0.36, 0.48
    heights = {layer: 0.62 + gap * -(-len(by_layer[layer]) // per_row) for layer in LAYERS}
    band_y, y = {}, 0.2
    for layer in LAYERS:
        band_y[layer] = y
        y += heights[layer] + 0.35
    fig, ax = plt.subplots(figsize=(13, 1.1 * y + 0.4))
    ax.set_xlim(0, 13.2)
    ax.set_ylim(0, y)
    ax.axis("off")
    colours = {"config": "#E8F0F8", "model": "#EAF5EA", "experiment": "#FBF1E3", "present": "#F3E9F5"}
    for layer in LAYERS:
        y0, h = band_y[layer], heights[layer]
        ax.add_patch(FancyBboxPatch((0.2, y0), 10.4, h, boxstyle="round,pad=0.02", fc=colours[layer], ec="#555555", lw=1.2))
        ax.text(0.35, y0 + h - 0.22, TITLES[layer], fontsize=12, fontweight="bold", va="center")
        for k, (box, lines) in enumerate(by_layer[layer]):
            row, col = divmod(k, per_row)
            x, yy = 0.35 + col * (box_w + 0.08), y0 + h - 0.48 - box_h - row * gap
            ax.add_patch(FancyBboxPatch((x, yy), box_w, box_h, boxstyle="round,pad=0.01", fc="white", ec="#888888", lw=0.8))
            ax.text(x + 0.08, yy + box_h / 2, f"{box}  ({lines})", fontsize=8.5, va="center")
    for i, ((src, dst), n) in enumerate(sorted(edges.items(), key=lambda e: (LAYERS.index(e[0][0]), -LAYERS.index(e[0][1])))):
        up = LAYERS.index(dst) > LAYERS.index(src)
        x = 10.95 + 0.36 * i
        y0 = band_y[src] + (heights[src] if up else 0.0)
        y1 = band_y[dst] + (0.0 if up else heights[dst])
        ax.annotate("", xy=(x, y1), xytext=(x, y0), arrowprops={"arrowstyle": "->", "color": "red" if up else "#333333", "lw": 1.2})
        ax.text(x + 0.05, y0 - 0.1, f"{src} \u2192 {dst} ({n})", fontsize=7.5, rotation=90, ha="left", va="top")
    ax.set_title("orgsim: four layers, each importing only the ones below (lines in brackets; right: imports between layers)", fontsize=11)
    FIGURE.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(FIGURE, dpi=110, bbox_inches="tight")
    plt.close(fig)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/architecture.md's table is stale")
    args = parser.parse_args()
    page = PAGE.read_text(encoding="utf-8")
    if args.check:
        if render(page) != page:
            print("docs/architecture.md's module table is stale: run docs/scripts/gen_architecture.py", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(render(page), encoding="utf-8")
    draw()
    print(f"wrote {PAGE.relative_to(ROOT)} and {FIGURE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
