"""The HTML report of a comparison: one self-contained page to hand to a board.

:func:`write_report` writes ``report.html``: the verdict, the summary and the paired
differences as tables, every figure of :mod:`orgsim.present.figures` embedded as a base64 PNG,
the scenario and the structures as TOML, the seeds, the package versions and the command line.
Nothing is loaded from elsewhere (no script, no stylesheet, no font), so the file can be
mailed, archived or opened offline, and a print stylesheet lays it out on A4 or Letter paper:
each figure and table kept on one page, the figures as wide as the text. Every text that
comes from the experiment (a structure's name, a scenario's name) is escaped.

``orgsim compare --report`` writes it into ``--out``; ``Experiment.report(path)`` writes it
from Python (it loads this module on demand, the experiment layer's one other plugin point).
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import math
import shlex
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

#: The totals of the summary table: (total, label). The intervals are 95% t-intervals over replications.
SUMMARY_ROWS = (
    ("bookings_usd", "bookings"),
    ("profit_usd", "profit"),
    ("costs_usd", "costs"),
    ("wins", "deals won"),
    ("win_rate", "win rate"),
    ("mean_discount", "mean discount"),
    ("sla_compliance", "SLA compliance"),
    ("unfollowed_mql_share", "MQLs never followed up"),
    ("long_term_effort_share", "long-term marketing effort"),
    ("brand_stock_end", "brand stock at the end"),
)
#: The totals of the differences table.
DIFFERENCE_ROWS = (("bookings_usd", "bookings"), ("profit_usd", "profit"), ("sla_compliance", "SLA compliance"))

_CSS = """
body { font: 10.5pt/1.45 -apple-system, "Segoe UI", "DejaVu Sans", Arial, sans-serif; color: #111; max-width: 62rem;
       margin: 2rem auto; padding: 0 1.5rem; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; } h2 { font-size: 1.2rem; border-bottom: 1px solid #ccc; margin-top: 2rem; }
.meta { color: #555; margin-top: 0; }
.warning { border-left: 4px solid #D55E00; background: #fdf0e6; padding: 0.5rem 0.8rem; }
pre { background: #f5f5f5; padding: 0.6rem 0.8rem; font-size: 9pt; white-space: pre-wrap; overflow-wrap: anywhere; }
table { border-collapse: collapse; margin: 0.6rem 0; font-size: 9.5pt; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
thead th { border-bottom: 2px solid #888; }
td small { color: #555; white-space: nowrap; }
figure { margin: 1.2rem 0; } figure img { max-width: 100%; height: auto; display: block; }
figcaption { color: #444; font-size: 9pt; margin-top: 0.3rem; }
pre.settings { columns: 2 24rem; column-gap: 1.5rem; font-size: 8pt; white-space: pre; overflow-x: auto; }
@page { margin: 14mm 12mm; }
@media print {
  body { margin: 0; padding: 0; max-width: none; font-size: 9.5pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  figure, tr, .keep, pre.verdict { break-inside: avoid; page-break-inside: avoid; }
  pre.verdict { font-size: 7.5pt; }
  pre.settings { columns: 2; white-space: pre-wrap; font-size: 7pt; }
  figure img { max-height: 235mm; width: auto; max-width: 100%; }
  a { color: inherit; text-decoration: none; }
}
"""


def write_report(
    experiment: Any,
    path: str | Path,
    *,
    baseline: str | None = None,
    metric: str = "bookings_usd",
    command: str | Sequence[str] | None = None,
    figures: Mapping[str, bytes] | None = None,
) -> Path:
    """Write the report of ``experiment`` to ``path`` (atomically) and return the path.

    Args:
        experiment: an :class:`~orgsim.experiment.Experiment` from :func:`~orgsim.compare`.
        path: the HTML file to write (``report.html``).
        baseline: the structure the differences are taken from (default: the verdict's, else the first).
        metric: the total the verdict ranks on.
        command: the command line that ran the experiment, recorded in the report.
        figures: PNG bytes by figure name, when they are drawn already (the command line's);
            otherwise every figure is drawn here.
    """
    from orgsim.config.files import atomic_write_text

    target = Path(path)
    atomic_write_text(target, report_html(experiment, baseline=baseline, metric=metric, command=command, figures=figures))
    return target


def report_html(
    experiment: Any,
    *,
    baseline: str | None = None,
    metric: str = "bookings_usd",
    command: str | Sequence[str] | None = None,
    figures: Mapping[str, bytes] | None = None,
) -> str:
    """The report as one HTML document (see :func:`write_report`)."""
    from orgsim.config.errors import Problem, ValidationError
    from orgsim.experiment.feasible import MIN_RELIABLE_REPLICATIONS, few_replications_text

    if experiment.is_sweep:
        raise ValidationError(Problem("experiment", "a sweep", "a comparison (orgsim.compare); for a sweep, report one point's comparison"))
    labels = list(experiment.labels)
    verdict_text, verdict_baseline = _verdict(experiment, metric, baseline)
    baseline = baseline or verdict_baseline or labels[0]
    if figures is None:
        figures = dict(_draw_figures(experiment, baseline))
    meta = experiment.meta
    name = meta.get("scenario", {}).get("name", "")
    title = f"orgsim report: {name}" if name else "orgsim report"
    parts = [
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">{len(labels)} structures x {experiment.replications} replications, '
        f"{_number(meta.get('horizon_days', math.nan))} days, root seed {experiment.seed}; "
        f"baseline {_e(baseline)}; written {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}</p>",
    ]
    if 1 < experiment.replications < MIN_RELIABLE_REPLICATIONS:
        parts.append(f'<p class="warning"><strong>Unreliable intervals:</strong> {_e(few_replications_text(experiment.replications))}.</p>')
    if experiment.n_failed:
        parts.append(f'<p class="warning">{experiment.n_failed} replication(s) failed and are left out of every statistic.</p>')
    parts += ["<h2>Verdict</h2>", f'<pre class="verdict">{_e(verdict_text)}</pre>']
    parts += _summary_section(experiment)
    if len(labels) > 1:
        parts += _differences_section(experiment, baseline)
    parts += _figures_section(figures)
    parts += _inputs_section(experiment, command)
    body = "\n".join(parts)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def _verdict(experiment: Any, metric: str, baseline: str | None) -> tuple[str, str | None]:
    """The verdict's text and baseline, or why there is none."""
    from orgsim.config.errors import ValidationError

    if len(experiment.labels) < 2:
        return "One structure only: there is nothing to rank.", None
    try:
        found = experiment.verdict(metric, baseline)
    except ValidationError as err:
        return f"No verdict: {err}", None
    return str(found), getattr(found, "baseline", None)


def _draw_figures(experiment: Any, baseline: str | None) -> Iterable[tuple[str, bytes]]:
    """Every figure as PNG bytes; each figure is closed once drawn, so none shows in a notebook."""
    from orgsim.present import figures

    return figures.pngs(experiment, baseline, dpi=110)


def _summary_section(experiment: Any) -> list[str]:
    names = [m for m, _ in SUMMARY_ROWS if m in experiment.total_names]
    summary = experiment.summary(names)
    labels = list(experiment.labels)
    rows = []
    for metric, label in SUMMARY_ROWS:
        if metric not in names:
            continue
        cells = []
        for structure in labels:
            r = summary.loc[(structure, metric)]
            cells.append(f"{_value(r['mean'], metric)}<br><small>{_range(r['ci_low'], r['ci_high'], metric)}</small>")
        rows.append((label, cells))
    return [
        "<h2>Summary</h2>",
        "<p>Mean over replications over the whole horizon, and below it the 95% t-interval over "
        "replications, clipped to what the metric can be (never below $0, never above 100%).</p>",
        _table(["", *labels], rows),
    ]


def _differences_section(experiment: Any, baseline: str) -> list[str]:
    names = [m for m, _ in DIFFERENCE_ROWS if m in experiment.total_names]
    diff = experiment.differences(baseline, names)
    others = [s for s in experiment.labels if s != baseline]
    rows = []
    for metric, label in DIFFERENCE_ROWS:
        if metric not in names:
            continue
        cells = []
        for structure in others:
            r = diff.loc[(structure, metric)]
            cells.append(f"{_value(r['mean'], metric, signed=True)}<br><small>{_range(r['ci_low'], r['ci_high'], metric, True)}</small>")
        rows.append((label, cells))
    return [
        f"<h2>Differences from {_e(baseline)}</h2>",
        "<p>Each structure minus the baseline, replication by replication (the same seeds: common "
        "random numbers), with the 95% interval of the mean difference. An interval that includes "
        "0 means the two cannot be told apart at this number of replications.</p>",
        _table(["", *others], rows),
    ]


def _figures_section(figures: Mapping[str, bytes]) -> list[str]:
    from orgsim.present.figures import FIGURES

    captions = dict(FIGURES)
    parts = ["<h2>Figures</h2>"]
    for name, data in figures.items():
        caption = captions.get(name, name)
        encoded = base64.b64encode(data).decode("ascii")
        parts.append(
            f'<figure><img src="data:image/png;base64,{encoded}" alt="{_e(caption)}">'
            f"<figcaption>{_e(caption)} (<code>{_e(name)}</code>)</figcaption></figure>"
        )
    return parts


def _inputs_section(experiment: Any, command: str | Sequence[str] | None) -> list[str]:
    meta = experiment.meta
    line = command if isinstance(command, str) else "(run from Python)" if command is None else shlex.join(["orgsim", *command])
    seeds = experiment.seeds.reset_index()
    seed_rows = [(str(r["replication"]), [f"SeedSequence({r['entropy']}, spawn_key={tuple(r['spawn_key'])})"]) for _, r in seeds.iterrows()]
    versions = [(str(k), [_e(str(v))]) for k, v in sorted(meta.get("versions", {}).items())]
    parts = [
        "<h2>How this was run</h2>",
        f'<p class="keep">Command line:</p><pre>{_e(line)}</pre>',
        f"<p>Horizon {_number(meta.get('horizon_days', math.nan))} days; root seed {experiment.seed}; "
        f"replication <em>r</em> of every structure uses the seed below. Elapsed {_number(meta.get('elapsed_s', math.nan))} s.</p>",
        _table(["replication", "seed"], seed_rows),
        _table(["package", "version"], versions),
        "<h2>Scenario</h2>",
        "<p>Every setting of the scenario, as in its TOML file (<code>section.key = value</code>).</p>",
        f'<pre class="settings">{_e(_settings(meta.get("scenario", {})))}</pre>',
        "<h2>Structures</h2>",
    ]
    for label, structure in meta.get("structures", {}).items():
        text = "(no structure: the model's base behaviour)" if structure is None else _settings(structure)
        parts.append(f'<div class="keep"><h3>{_e(label)}</h3><pre class="settings">{_e(text)}</pre></div>')
    return parts


def _settings(data: Mapping[str, Any]) -> str:
    """Every setting on one line, ``dotted.key = value`` (values in TOML/JSON notation): the
    same data as the TOML file, compact enough to print in two columns."""
    return "\n".join(f"{key} = {json.dumps(value, default=str)}" for key, value in _flatten(data, ""))


def _flatten(value: Any, prefix: str) -> Iterable[tuple[str, Any]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _flatten(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list | tuple) and value and all(isinstance(v, Mapping) for v in value):
        for i, item in enumerate(value):
            yield from _flatten(item, f"{prefix}[{i}]")
    else:
        yield prefix, value


def _table(header: Sequence[str], rows: Sequence[tuple[str, Sequence[str]]]) -> str:
    """An HTML table: ``header`` escaped; each row's label escaped, its cells as given (already HTML)."""
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join(f"<tr><td>{_e(label)}</td>{''.join(f'<td>{c}</td>' for c in cells)}</tr>" for label, cells in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _unit(metric: str) -> str:
    from orgsim.model.outcomes import outcome

    try:
        return outcome(metric).unit
    except KeyError:
        return ""


def _value(value: float, metric: str, *, signed: bool = False) -> str:
    """A number as the report shows it: money as $1.5M, shares as 61.2%, others with separators."""
    from orgsim.present.plot import money

    if value != value:
        return "n/a"
    unit = _unit(metric)
    sign = "+" if signed and value > 0 else ""
    if unit == "usd":
        return sign + money(float(f"{value:.3g}"))
    if unit == "share":
        return f"{sign}{value * 100:.1f}{' pts' if signed else '%'}"
    return f"{sign}{value:,.3g}" if abs(value) < 100 else f"{sign}{value:,.0f}"


def _range(low: float, high: float, metric: str, signed: bool = False) -> str:
    if low != low or high != high:
        return "no interval"
    return f"[{_value(low, metric, signed=signed)}, {_value(high, metric, signed=signed)}]"


def _number(value: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return _e(str(value))
    return "?" if number != number else f"{number:,.4g}"


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


__all__ = ["DIFFERENCE_ROWS", "SUMMARY_ROWS", "report_html", "write_report"]
