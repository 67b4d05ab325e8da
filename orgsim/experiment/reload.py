"""Reading an experiment back: from an ``orgsim compare --out`` folder or from a result store.

:func:`load` (``Experiment.load``) gives back an :class:`~orgsim.experiment.Experiment` with the
same ``summary``, ``differences``, ``crossover``, ``verdict`` and figures as the one that wrote
the files; nothing is simulated.

* An **output folder** (it holds ``orgsim-output.json``, written by ``orgsim compare``): the
  totals come from ``totals.csv``, the per-period series from ``series.csv.gz`` (both tidy, one
  value a row, written with every digit, so the numbers are the same to the last bit), and the
  scenario, the structures, the seed and the package versions from ``run.json``. A replication
  that failed has no rows, and is a failed replication again.
* A **result store** (it holds ``manifest.json``): the experiment its manifest describes (the
  scenario, every structure, the seeds and, for a sweep, the points), each replication read from
  its Parquet file after its checksum is verified. A replication the store does not hold (the
  run was interrupted) counts as failed; run the same ``compare`` with ``store=`` to finish it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from orgsim.config.errors import Problem, ValidationError
from orgsim.experiment.results import Experiment

#: The files of an output folder that :func:`load` reads.
OUTPUT_FILES = ("run.json", "totals.csv", "series.csv.gz")
#: pandas 3 reads every float back exactly by default (and deprecates the option); pandas 2 needs asking.
_EXACT_FLOATS: dict[str, Any] = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}
#: What a spreadsheet-safe CSV puts in front of a text that could start a formula (see ``orgsim.present.cli.output``).
_CSV_QUOTE = "'"


def load(path: str | os.PathLike[str]) -> Experiment:
    """The experiment in an ``orgsim compare --out`` folder or a result store (see the module docstring).

    Raises:
        ValidationError: ``path`` is neither, or misses a file it needs.
    """
    folder = Path(path)
    if (folder / "manifest.json").is_file():
        return load_store(folder)
    if (folder / "run.json").is_file():
        return load_output(folder)
    allowed = "an `orgsim compare --out` folder (with run.json, totals.csv, series.csv.gz) or a result store (with manifest.json)"
    raise ValidationError(Problem("path", str(folder), allowed))


# -- an output folder ------------------------------------------------------------------------------


def load_output(folder: Path) -> Experiment:
    """The experiment in an ``orgsim compare --out`` folder."""
    missing = [name for name in OUTPUT_FILES if not (folder / name).is_file()]
    if missing:
        raise ValidationError(
            Problem("path", str(folder), f"an `orgsim compare --out` folder; {', '.join(missing)} missing (a sweep's folder has no series)")
        )
    meta = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    labels = list(meta.get("structures") or {})
    totals = _read_tidy(folder / "totals.csv", labels)
    series = _read_tidy(folder / "series.csv.gz", labels)
    labels = labels or list(dict.fromkeys(totals["structure"]))
    replications = int(meta.get("replications") or totals["replication"].max() + 1)
    total_names = list(dict.fromkeys(totals["metric"]))
    columns = list(dict.fromkeys(series["metric"]))
    n_periods = int(series["period"].max()) + 1 if len(series) else 0
    total_array = np.full((1, len(labels), replications, len(total_names)), np.nan)
    series_array = np.full((1, len(labels), replications, n_periods, len(columns)), np.nan)
    s = _codes(totals["structure"], labels)
    total_array[0, s, totals["replication"].to_numpy(), _codes(totals["metric"], total_names)] = totals["value"].to_numpy()
    s = _codes(series["structure"], labels)
    where = (0, s, series["replication"].to_numpy(), series["period"].to_numpy(), _codes(series["metric"], columns))
    series_array[where] = series["value"].to_numpy()
    ok = np.zeros((1, len(labels), replications), dtype=bool)
    ok[0, _codes(totals["structure"], labels), totals["replication"].to_numpy()] = True
    meta.pop("seeds", None)
    meta.pop("failed_replications", None)
    meta["loaded_from"] = str(folder)
    return Experiment(
        labels=labels,
        totals=total_array,
        total_names=total_names,
        series=series_array,
        columns=columns,
        ok=ok,
        seed=int(meta.get("seed", 0)),
        meta=meta,
    )


def _read_tidy(path: Path, labels: list[str]) -> pd.DataFrame:
    """A tidy CSV with every float read back exactly, and structure names un-quoted."""
    frame = pd.read_csv(path, dtype={"structure": str, "metric": str}, **_EXACT_FLOATS)
    if "point" in frame.columns:
        raise ValidationError(Problem("path", str(path.parent), "an `orgsim compare --out` folder (this one is a sweep's)"))
    quoted = {_CSV_QUOTE + label: label for label in labels}
    frame["structure"] = frame["structure"].map(lambda name: quoted.get(name, name))
    return frame


def _codes(values: pd.Series, names: list[str]) -> np.ndarray:
    """The position of each value in ``names``; a value not there is a ValidationError."""
    index = {name: i for i, name in enumerate(names)}
    unknown = sorted(set(values) - set(index))
    if unknown:
        raise ValidationError(Problem("path", unknown[:3], f"names that run.json lists: {', '.join(names)}"))
    return values.map(index).to_numpy(dtype=np.int64)


# -- a result store ------------------------------------------------------------------------------


def load_store(folder: Path) -> Experiment:
    """The experiment a result store's manifest describes, every replication read from the store."""
    from orgsim.config.population import LeaderPopulation
    from orgsim.config.reorganization import Reorganization, structure_from_dict
    from orgsim.config.scenario import Scenario
    from orgsim.config.structure import Structure
    from orgsim.experiment.options import RunOptions
    from orgsim.experiment.store import ResultStore
    from orgsim.experiment.store_manifest import read_manifest
    from orgsim.experiment.study import _assemble, _load_stored, _prepare

    manifest = read_manifest(folder)
    scenario = Scenario.from_dict(manifest["scenario"])
    structures: dict[str, Structure | Reorganization | None] = {}
    held: dict[str, Any] = {"leaders": "fixed", "population": None}  # stores written before sampled leaders
    for entry in manifest["structures"]:  # a label registered again with a changed structure: the latest
        data = entry.get("structure")
        if data is not None:
            data = dict(data)
            held = data.pop("holders", held)
        structures[entry["label"]] = None if data is None else structure_from_dict(data)
    population = None if held.get("population") is None else LeaderPopulation.from_dict(held["population"])
    if not structures or not manifest["replication_seeds"]:
        raise ValidationError(Problem("path", str(folder), "a result store that holds an experiment (this one is empty)"))
    changes = [p.get("changes") or {} for p in manifest["points"]]
    kind, grid = ("sweep", pd.DataFrame(changes)) if any(changes) else ("compare", None)
    options = RunOptions(
        len(manifest["replication_seeds"]), manifest["seed"], manifest["horizon_days"], "serial", False, None, held["leaders"], population
    )
    plan = _prepare(kind, scenario, structures, grid, options)
    with ResultStore(folder, read_only=True) as store:
        horizon, versions = manifest["horizon_days"], manifest["versions"]
        store.open(scenario=manifest["scenario"], seed=manifest["seed"], horizon_days=horizon, versions=versions)
        records = _load_stored(plan, store)
        report = store.report.as_dict()
    meta: dict[str, Any] = {
        "scenario": plan.scenario.to_dict(),
        "horizon_days": plan.horizon_arg if plan.horizon_arg is not None else plan.horizons[0],
        "seed": plan.seed,
        "replications": plan.replications,
        "structures": {label: None if s is None else s.to_dict() for label, s in plan.structures.items()},
        **plan.holders_record(),
        "versions": manifest["versions"],
        "loaded_from": str(folder),
    }
    return _assemble(plan, records, {}, meta, report)


__all__ = ["OUTPUT_FILES", "load", "load_output", "load_store"]
