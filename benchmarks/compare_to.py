"""Cost per lead of the working tree against a git ref, paired and interleaved.

Run from the repository root::

    .venv/bin/python benchmarks/compare_to.py HEAD~1            # 7 paired repeats
    .venv/bin/python benchmarks/compare_to.py main --repeats 11 --horizon-days 730
    .venv/bin/python benchmarks/compare_to.py HEAD~1 --study --horizon-days 1095   # as in a study's worker

The ref is checked out into a temporary git worktree; each repeat runs one fresh interpreter per
tree (the ref's, then the working tree's, alternating which goes first), each simulating the
default scenario under every preset for ``--horizon-days`` with seeds 1-2, and reports its CPU time
(``time.process_time``) per lead simulated (``leads_created`` of the runs; the warm-up's leads are
simulated too and counted by neither side, so the ratio compares like with like when both sides
have a warm start). It prints min/median/max of each side's microseconds per lead and of the
paired ratio (working tree / ref).

``--study`` runs the same simulations the way an experiment's worker does: the structures of a
seed one after another through ``orgsim.model.simulate.simulate_sharing`` (which shares the warm-up
and the inbound candidates among them), on a ref that has it (plain ``simulate`` on an older one,
which then shares the warm-up only). Nothing here is a test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json, sys, time
import orgsim
import orgsim.model.simulate
presets = orgsim.presets.all()
structures = list(presets.values()) if isinstance(presets, dict) else list(presets)
scenario = orgsim.Scenario()
study = {study}
run = getattr(orgsim.model.simulate, "simulate_sharing", orgsim.simulate) if study else orgsim.simulate
run(scenario, structures[0], seed=0, horizon_days=30)  # warm the imports
start = time.process_time()
leads = 0.0
pairs = [(structure, seed) for seed in (1, 2) for structure in structures] if study else [
    (structure, seed) for structure in structures for seed in (1, 2)
]
for structure, seed in pairs:
    leads += run(scenario, structure, seed=seed, horizon_days={horizon}).totals["leads_created"]
print(json.dumps({{"seconds": time.process_time() - start, "leads": leads}}))
"""


def _probe(tree: Path, horizon_days: float, study: bool = False) -> tuple[float, float]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(horizon=horizon_days, study=study)],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    data = json.loads(out.strip().splitlines()[-1])
    return data["seconds"], data["leads"]


def _spread(values: list[float]) -> str:
    return f"min {min(values):.2f}  median {statistics.median(values):.2f}  max {max(values):.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ref", help="a git ref to compare the working tree with (e.g. HEAD~1, main)")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--horizon-days", type=float, default=365.0)
    parser.add_argument("--study", action="store_true", help="run as an experiment's worker does (simulate_sharing, seed by seed)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="orgsim-ref-") as tmp:
        ref_tree = Path(tmp) / "ref"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(ref_tree), args.ref], cwd=ROOT, check=True)
        try:
            ref_us, work_us, ratios = [], [], []
            for i in range(args.repeats):
                order = [("ref", ref_tree), ("work", ROOT)] if i % 2 == 0 else [("work", ROOT), ("ref", ref_tree)]
                got = {name: _probe(tree, args.horizon_days, args.study) for name, tree in order}
                r = got["ref"][0] / got["ref"][1] * 1e6
                w = got["work"][0] / got["work"][1] * 1e6
                ref_us.append(r)
                work_us.append(w)
                ratios.append(w / r)
                print(f"repeat {i + 1}: ref {r:.2f} us/lead, working tree {w:.2f} us/lead, ratio {w / r:.3f}", flush=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(ref_tree)], cwd=ROOT, check=False)
    print(f"\nper lead, {args.ref}: {_spread(ref_us)} us")
    print(f"per lead, working tree: {_spread(work_us)} us")
    print(f"ratio working tree / {args.ref}: {_spread(ratios)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
