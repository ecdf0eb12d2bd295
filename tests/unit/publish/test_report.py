"""The visual report: written by the pipeline, escaped and self-contained.

The pipeline-level tests use the session run of `conftest.published`; the browser tests are in
test_report_browser.py, the shared helpers in report_helpers.py.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.publish import report as report_mod
from assets.publish.charts import STRIP_LEFT, STRIP_RIGHT, format_number
from assets.publish.report import render_report
from assets.publish.report_data import file_stem
from tests.unit.publish.report_helpers import EVIL, KHMER_BATTAMBANG, parse_links, tiny_db

# --- pure functions ----------------------------------------------------------------------------


def test_format_number() -> None:
    assert format_number(119251.0) == "119,251"
    assert format_number(407.4) == "407"
    assert format_number(26.594785) == "26.6"
    assert format_number(7.98) == "7.98"
    assert format_number(2.0) == "2"
    assert format_number(0.0) == "0"
    assert format_number(0.01234) == "0.0123"
    assert format_number(None) == ""
    assert format_number(float("nan")) == ""


def test_city_id_cannot_escape_the_city_folder() -> None:
    with pytest.raises(ValueError, match="city_id"):
        file_stem("../../etc/passwd")


# --- hand-made database --------------------------------------------------------------------------


def test_escapes_everything_from_data(tmp_path: Path) -> None:
    index = render_report(tiny_db(tmp_path / "tiny.duckdb"), tmp_path / "reports")
    pages = [index, *sorted((tmp_path / "reports" / "city").glob("*.html"))]
    assert [p.name for p in pages] == [
        "index.html",
        "khm-battambang.html",
        "vnm-big.html",
        "xxx-evil.html",
    ]
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert EVIL not in html, page
        assert "<img src=x" not in html, page
        assert parse_links(page).scripts == 0, page
    evil_page = (tmp_path / "reports" / "city" / "xxx-evil.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in evil_page
    assert "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in evil_page  # provenance, in the table


def test_tiny_report_content(tmp_path: Path) -> None:
    """A hand-checkable page: navigation order, one chart per focus area, gaps, real zeros."""
    render_report(tiny_db(tmp_path / "tiny.duckdb"), tmp_path / "reports")
    html = (tmp_path / "reports" / "city" / "khm-battambang.html").read_text(encoding="utf-8")
    # Battambang is first in navigation (after "All cities" and "Downloads"), then by name.
    nav = re.search(r'<nav class="cities".*?</nav>', html, re.S).group(0)
    assert re.findall(r">([^<>]+)</a>", nav) == [
        "All cities",
        "Downloads",
        "Battambang",
        "&lt;script&gt;alert(1)&lt;/script&gt;",  # "<" sorts before "B"
        "Big City",
    ]
    assert f'lang="km">{KHMER_BATTAMBANG}<' in html
    # One strip chart per focus area with indicators, plus the summary's standing chart and the
    # locator map.
    assert html.count('<svg class="chart"') == 2
    assert 'id="chart-built_infrastructure"' in html and 'id="chart-civic_social"' in html
    assert 'id="standing"' in html and 'id="locator"' in html
    # Density 10, 20, 30 (neutral: low to high): Battambang at the left end, the middle city in
    # the middle; all three are in one comparison set (city units, 2020).
    lo, hi = STRIP_LEFT, STRIP_RIGHT
    assert f'class="dot-city" cx="{float(lo)}"' in html
    assert f'class="dot-peer" cx="{(lo + hi) / 2}"' in html
    assert f'class="dot-peer" cx="{float(hi)}"' in html
    # Battambang has no 'stops' value: a gap with its reason, never a zero.
    stops_row = re.search(r"<th scope=\"row\">Public-transport stops.*?</tr>", html, re.S).group(0)
    assert "no data: no source data for Battambang" in stops_row
    assert ">0<" not in stops_row
    # The evil city's 0.0 is a real zero and is shown as such.
    evil = (tmp_path / "reports" / "city" / "xxx-evil.html").read_text(encoding="utf-8")
    assert '<td class="num" data-label="Value">0</td>' in evil
    # National value flagged as context and never ranked among cities; the focus-area score's
    # set of 1 is too few to rank, so no rank is shown.
    assert "national context" in html and "national, not ranked" in html
    assert "55.5" in html and "1/1" not in html and "rank 1 of 1" not in html
    index = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    heat = re.search(r'<table class="heatmap" id="coverage-heatmap">.*?</table>', index, re.S)
    assert heat is not None
    assert heat.group(0).count('class="cell filled"') == 6
    assert heat.group(0).count('class="cell missing"') == 3
    assert 'title="Battambang, Public-transport stops: no data: no source data for' in index


def test_failed_render_keeps_the_previous_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tiny_db(tmp_path / "tiny.duckdb")
    out = tmp_path / "reports"
    index = render_report(db, out)
    before = index.read_text(encoding="utf-8")
    broken = tmp_path / "broken.duckdb"
    con = duckdb.connect(str(broken))
    con.execute("create schema marts; create table marts.city_peer_groups (city_id varchar)")
    con.close()
    with pytest.raises(duckdb.Error):
        render_report(broken, out)
    assert index.read_text(encoding="utf-8") == before
    # A render that fails half-way (after some city pages were written) leaves it untouched too.
    real_city_page = report_mod._city_page

    def failing_city_page(data: dict, scales: object, city: dict, today: object) -> dict:
        if city["city_id"] == "vnm-big":
            raise RuntimeError("disk full")
        return real_city_page(data, scales, city, today)

    monkeypatch.setattr(report_mod, "_city_page", failing_city_page)
    with pytest.raises(RuntimeError, match="disk full"):
        render_report(db, out)
    assert index.read_text(encoding="utf-8") == before
    assert sorted(p.name for p in (out / "city").iterdir()) == [
        "khm-battambang.html",
        "vnm-big.html",
        "xxx-evil.html",
    ]
    monkeypatch.undo()
    render_report(db, out)  # the next render cleans up the half-written folder
    assert not out.with_name("reports.new").exists()


# --- the real pipeline ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def real_report(published: Path) -> Path:
    """The reports folder the nightly run wrote next to the published warehouse."""
    return published / "reports"


def test_pipeline_writes_report(real_report: Path, published: Path) -> None:
    index = real_report / "index.html"
    battambang = real_report / "city" / "khm-battambang.html"
    assert index.is_file() and battambang.is_file()
    con = duckdb.connect(str(published / "ascn.duckdb"), read_only=True)
    try:
        cities = [
            r[0] for r in con.execute("select city_id from marts.city_peer_groups").fetchall()
        ]
        areas = {
            r[0]
            for r in con.execute(
                "select distinct focus_area_id from marts.indicator_catalogue"
            ).fetchall()
        }
        gaps = con.execute(
            "select count(*) from marts.coverage where city_id = 'khm-battambang' and not filled"
        ).fetchall()[0][0]
        n_indicators = con.execute("select count(*) from marts.indicator_catalogue").fetchall()[0][
            0
        ]
    finally:
        con.close()
    assert sorted(p.stem for p in (real_report / "city").glob("*.html")) == sorted(cities)

    html = battambang.read_text(encoding="utf-8")
    assert "<h1>Battambang" in html and KHMER_BATTAMBANG in html
    assert html.count('<svg class="chart" id="chart-') == len(areas)
    for area in areas:
        assert f'id="chart-{area}"' in html
    # Every SVG (charts, standing chart, trends, maps) has an accessible title.
    assert html.count("<svg") == html.count("<title id=") > len(areas)
    # Every gap of Battambang is a "no data: <reason>" row of its indicator tables.
    assert html.count('<td class="gap" colspan="6">no data: ') == gaps > 0
    assert 'id="summary"' in html and 'id="projects"' in html and 'id="trends"' in html
    nav = re.search(r'<nav class="cities".*?</nav>', html, re.S).group(0)
    assert re.findall(r">([^<>]+)</a>", nav)[:3] == ["All cities", "Downloads", "Battambang"]
    assert (real_report / "downloads" / "city" / "khm-battambang.csv").is_file()
    assert (real_report / "downloads" / "tables" / "indicator_values.csv").is_file()

    summary = index.read_text(encoding="utf-8")
    assert "Battambang" in summary and KHMER_BATTAMBANG in summary
    heat = re.search(r'<table class="heatmap" id="coverage-heatmap">.*?</table>', summary, re.S)
    assert heat is not None
    assert heat.group(0).count('<td class="cell ') == len(cities) * n_indicators
    assert 'id="scores-table"' in summary and 'id="cities-table"' in summary
    assert 'id="map"' in summary


def test_every_source_of_the_build_has_a_name(published: Path) -> None:
    from assets.publish.sources import SourceLookup

    con = duckdb.connect(str(published / "ascn.duckdb"), read_only=True)
    try:
        ids = {
            r[0]
            for r in con.execute(
                "select source_id from marts.indicator_values union "
                "select source_id from marts.projects union "
                "select headline_population_source from marts.city_peer_groups"
            ).fetchall()
            if r[0]
        }
    finally:
        con.close()
    assert ids and SourceLookup.bundled().unknown(ids) == set()


def test_report_is_self_contained(real_report: Path) -> None:
    pages = [real_report / "index.html", *sorted((real_report / "city").glob("*.html"))]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "synthetic" not in text.lower(), page
        assert "not city values" in text, page
        assert 'href="../index.html#sources"' in text or 'href="index.html#sources"' in text
        links = parse_links(page)
        assert links.scripts == 0, page
        for ref in links.refs:
            if re.match(r"^https?://", ref):  # a source's page, for the reader: never loaded
                assert f'href="{ref}" rel="noopener noreferrer"' in text, f"{page}: {ref}"
                continue
            assert not re.match(r"^[a-z]+:|^//|^/", ref), f"{page}: non-relative link {ref}"
            target = ref.split("#")[0]
            if target:
                assert (page.parent / target).resolve().is_file(), f"{page}: broken link {ref}"


def test_asset_metadata_links_report(published: Path, tmp_path: Path) -> None:
    from assets.publish.assets import published_warehouse
    from pipelines.resources import WarehouseResource

    (tmp_path / "build").mkdir()
    shutil.copy(published / "build" / "ascn_build.duckdb", tmp_path / "build")
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize(
            [published_warehouse],
            resources={"warehouse": WarehouseResource(output_dir=str(tmp_path))},
            instance=instance,
        )
    assert result.success
    (mat,) = result.asset_materializations_for_node("publish__warehouse")
    index = tmp_path / "reports" / "index.html"
    assert mat.metadata["report"] == dg.MetadataValue.url("file://" + str(index))
    assert mat.metadata["report_path"] == dg.MetadataValue.path(str(index))
    assert index.is_file() and (tmp_path / "reports" / "city" / "khm-battambang.html").is_file()


@pytest.mark.parametrize("chosen_last", [False, True])
def test_population_figure_of_a_year_does_not_depend_on_row_order(
    published: Path, tmp_path: Path, chosen_last: bool
) -> None:
    """Jakarta has two city-proper figures for 2020 from one source (10,562,088 with its area,
    10,644,986 without): the report shows the one staging.measures uses, whatever the file's
    row order."""
    from assets.publish.report_data import load_report_data
    from assets.publish.trends import city_trends

    db = tmp_path / "ascn.duckdb"
    shutil.copy(published / "ascn.duckdb", db)
    con = duckdb.connect(str(db))
    try:
        jakarta = (
            "city_id = 'idn-dki-jakarta' and year = 2020 and boundary_type = 'city_proper' "
            "and population {} 10562088"
        )
        first, last = (">", "=") if chosen_last else ("=", ">")
        con.execute("create temp table moved as select * from staging.population_figures")
        con.execute(f"delete from staging.population_figures where {jakarta.format('>=')}")  # noqa: S608
        for op in (first, last):  # insertion order is the scan order of a fresh table
            con.execute(
                f"insert into staging.population_figures select * from moved "  # noqa: S608
                f"where {jakarta.format(op)}"
            )
        measures = con.execute(
            "select value from staging.measures where city_id = 'idn-dki-jakarta' "
            "and measure_id = 'population' and year = 2020 and source_id = 'census_city'"
        ).fetchall()
    finally:
        con.close()
    assert measures == [(10562088.0,)]
    data = load_report_data(db)
    city = next(c for c in data["cities"] if c["city_id"] == "idn-dki-jakarta")
    shown = [
        r["value"]
        for r in city_trends(data, city)["units"]["rows"]
        if r["unit"] == "city proper" and r["year"] == 2020
    ]
    assert shown == [10562088.0]
