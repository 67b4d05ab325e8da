"""The HTML report: one self-contained page with the verdict, the tables and every figure.

The page is parsed with the standard library's ``html.parser``, so no browser is needed.
"""

from __future__ import annotations

import base64
from html.parser import HTMLParser
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest

import orgsim
from orgsim.present import figures

PRESETS = orgsim.presets.all()


class Page(HTMLParser):
    """What a reader (or a printer) gets from the page: headings, tables, images, anything loaded from elsewhere."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.tables = 0
        self.images: list[str] = []
        self.scripts = 0
        self.external: list[str] = []
        self.classes: list[str] = []
        self.pre: list[str] = []
        self._heading: list[str] | None = None
        self._pre: list[str] | None = None
        self.styles: list[str] = []
        self._style = False
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.classes += (found.get("class") or "").split()
        if tag in ("h1", "h2", "h3"):
            self._heading = []
        elif tag == "table":
            self.tables += 1
        elif tag == "img":
            self.images.append(found.get("src") or "")
        elif tag == "script":
            self.scripts += 1
        elif tag == "pre":
            self._pre = []
        elif tag == "style":
            self._style = True
        for key in ("src", "href"):
            value = found.get(key) or ""
            if value and not value.startswith(("data:", "#")):
                self.external.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2", "h3") and self._heading is not None:
            self.headings.append("".join(self._heading).strip())
            self._heading = None
        elif tag == "pre" and self._pre is not None:
            self.pre.append("".join(self._pre))
            self._pre = None
        elif tag == "style":
            self._style = False

    def handle_data(self, data: str) -> None:
        for bucket in (self._heading, self._pre):
            if bucket is not None:
                bucket.append(data)
        if self._style:
            self.styles.append(data)


@pytest.fixture(scope="module")
def experiment() -> orgsim.Experiment:
    structures = {name: PRESETS[name] for name in ("siloed", "shared_leader", "marketing_under_sales")}
    return orgsim.compare(None, structures, replications=3, seed=2, horizon_days=200, executor="serial", progress=False)


@pytest.fixture(scope="module")
def page(experiment: orgsim.Experiment, tmp_path_factory: pytest.TempPathFactory) -> Page:
    path = experiment.report(tmp_path_factory.mktemp("report") / "report.html", baseline="siloed")
    assert path.name == "report.html"
    return Page(path.read_text(encoding="utf-8"))


def test_the_report_opens_with_the_verdict(page: Page, experiment: orgsim.Experiment) -> None:
    assert page.headings[1] == "Verdict"
    (text,) = [p for p in page.pre if "Ranked on" in p]
    assert str(experiment.verdict("bookings_usd", "siloed")) == text


def test_the_report_holds_the_summary_and_the_differences_from_the_baseline_as_tables(page: Page) -> None:
    assert {"Summary", "Differences from siloed"} <= set(page.headings)
    assert page.tables >= 2


def test_every_figure_is_embedded_as_a_png(page: Page, experiment: orgsim.Experiment) -> None:
    assert len(page.images) == len(figures.wanted("siloed", experiment.labels)) == len(figures.FIGURES)
    for src in page.images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(b"\x89PNG\r\n\x1a\n")


def test_the_report_loads_nothing_from_elsewhere(page: Page) -> None:
    assert page.scripts == 0 and page.external == []


def test_the_report_records_the_inputs_seeds_and_versions(page: Page, experiment: orgsim.Experiment) -> None:
    assert {"How this was run", "Scenario", "Structures", *experiment.labels} <= set(page.headings)
    settings = "\n".join(page.pre)
    assert "sales.sla_hours = " in settings and "marketing_head = " in settings
    assert "(run from Python)" in settings


def test_the_report_prints_on_paper(page: Page) -> None:
    css = "".join(page.styles)
    assert "@media print" in css and "@page" in css and "break-inside: avoid" in css


def test_fewer_than_five_replications_are_flagged_on_the_page(page: Page) -> None:
    assert "warning" in page.classes


def test_names_from_the_experiment_are_escaped(tmp_path: Path) -> None:
    hostile = "<script>alert(1)</script>"
    experiment = orgsim.compare(
        None,
        {hostile: PRESETS["siloed"], "shared_leader": PRESETS["shared_leader"]},
        replications=2,
        seed=0,
        horizon_days=30,
        executor="serial",
        progress=False,
    )
    from orgsim.present.report import report_html

    text = report_html(experiment, figures={})
    assert hostile not in text and Page(text).scripts == 0


def test_compare_with_report_writes_the_page_with_the_figures_it_wrote(tmp_path: Path) -> None:
    from orgsim.present.cli import main

    out = tmp_path / "out"
    argv = ["compare", "--structures", "siloed", "shared_leader", "--replications", "2", "--horizon-days", "45"]
    code = main([*argv, "--workers", "1", "--no-progress", "--out", str(out), "--report"])
    assert code == 0
    page = Page((out / "report.html").read_text(encoding="utf-8"))
    written = sorted((out / "figures").glob("*.png"))
    assert len(page.images) == len(written)
    assert base64.b64decode(page.images[0].split(",", 1)[1]) == (out / "figures" / "dashboard.png").read_bytes()
    assert any("orgsim compare --structures siloed shared_leader" in p for p in page.pre)
