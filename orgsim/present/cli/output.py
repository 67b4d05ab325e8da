"""Writing a command's results: tables as CSV, figures as PNG, run metadata as JSON.

Every file is written atomically (a temporary file, then a rename), so an interrupted command
never leaves a half-written file behind; a results folder as a whole is written through
:func:`orgsim.present.cli.outputset.output_set`. Every CSV goes through :func:`write_csv`,
which defuses spreadsheet formulas: a text cell or label that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return (a structure named ``=HYPERLINK(...)``) is written with a
single quote in front (OWASP's advice against CSV injection); numbers are never changed.
Figures are drawn with the non-interactive Agg backend: the command line never opens a window.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: What a spreadsheet reads as the start of a formula (OWASP, CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def write_csv(path: Path, frame: Any, **to_csv: Any) -> Path:
    """``frame.to_csv(path, **to_csv)``, atomically, with every text that could start a formula escaped."""
    from orgsim.config.files import atomic_write

    safe = csv_safe_frame(frame)
    atomic_write(path, lambda tmp: safe.to_csv(tmp, **to_csv))
    return path


def csv_safe(value: Any) -> Any:
    """A string that a spreadsheet would run as a formula, with ``'`` in front; anything else as it is."""
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_START) else value


def csv_safe_frame(frame: Any) -> Any:
    """A DataFrame or Series with :func:`csv_safe` applied to its text cells, labels and names."""
    import pandas as pd

    out = frame.copy(deep=False)
    if isinstance(out, pd.Series):
        out = _safe_values(out)
        out.name = csv_safe(out.name)
    else:
        for i in range(out.shape[1]):
            column = out.iloc[:, i]
            safe = _safe_values(column)
            if safe is not column:
                out.isetitem(i, safe)
        out.columns = _safe_index(out.columns)
    out.index = _safe_index(out.index)
    return out


def _safe_index(index: Any) -> Any:
    import pandas as pd

    if isinstance(index, pd.MultiIndex):
        levels = [_safe_values(index.get_level_values(i)) for i in range(index.nlevels)]
        return pd.MultiIndex.from_arrays(levels, names=[csv_safe(n) for n in index.names])
    safe = _safe_values(index)
    return safe.rename(csv_safe(index.name))


def _safe_values(values: Any) -> Any:
    """``values`` (a Series or an Index) itself if no text in it needs escaping, else an escaped copy."""
    import pandas as pd

    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = list(values.dtype.categories)
        if not any(csv_safe(c) is not c for c in categories):
            return values
        renamed = [csv_safe(c) for c in categories]
        return values.cat.rename_categories(renamed) if isinstance(values, pd.Series) else values.rename_categories(renamed)
    if not (values.dtype == object or pd.api.types.is_string_dtype(values.dtype)):
        return values
    try:
        unsafe = {v: csv_safe(v) for v in pd.unique(values) if csv_safe(v) is not v}
    except TypeError:  # unhashable cells: look at each
        return values.map(csv_safe)
    return values.map(lambda v: unsafe.get(v, v)) if unsafe else values


def pyplot() -> Any:
    """pyplot on the Agg backend (files only)."""
    import matplotlib

    matplotlib.use("Agg")  # files only; the command line never opens a window
    import matplotlib.pyplot as plt

    return plt


def save_figure(figure: Any, path: Path) -> Path:
    """The figure as a 150 dpi PNG at ``path``, written atomically; the figure is closed."""
    from orgsim.config.files import atomic_write_bytes
    from orgsim.present.figures import png

    pyplot()  # the Agg backend
    atomic_write_bytes(path, png(figure, dpi=150))
    return path


def pngs_in(paths: list[Path]) -> dict[str, bytes]:
    """The PNG files among ``paths``, by stem (the figures :func:`write_results` wrote, for the report)."""
    return {p.stem: p.read_bytes() for p in paths if p.suffix == ".png"}


def write_results(experiment: object, out: Path, baseline: str | None) -> list[Path]:
    """Tidy results, the summary, paired differences, run metadata and figures into ``out``, each written atomically."""
    import json

    from orgsim.config.files import atomic_write_bytes
    from orgsim.present.figures import draw, wanted

    pyplot()  # the Agg backend before anything is drawn
    ex: Any = experiment
    written = [
        write_csv(out / "summary.csv", ex.summary()),
        write_csv(out / "totals.csv", ex.to_frame("totals"), index=False),
        write_csv(out / "series.csv.gz", ex.to_frame(), index=False, compression="gzip"),
    ]
    structures = list(ex.labels)
    if baseline is not None and len(structures) > 1:
        written.append(write_csv(out / "differences.csv", ex.differences(baseline)))
    meta = {**ex.meta, "failed_replications": ex.n_failed, "seeds": ex.seeds.reset_index().to_dict("records")}
    atomic_write_bytes(out / "run.json", json.dumps(meta, indent=2, default=str).encode())
    written.append(out / "run.json")
    for name in wanted(baseline, structures):  # the figures of orgsim.present.figures.FIGURES
        written.append(save_figure(draw(name, ex, baseline), out / "figures" / f"{name}.png"))
    return written

