"""The visual report: written by the pipeline, escaped, self-contained, and clean in a real browser.

The pipeline-level tests use the session run of `conftest.published`. The browser tests drive
headless Chromium (`/usr/bin/chromium`, installed by `.ci/run`); they fail, not skip, when it is
missing, unless ASCN_ALLOW_NO_BROWSER=1 says so explicitly.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.publish import report as report_mod
from assets.publish.report import format_number, render_report

KHMER_BATTAMBANG = "បាត់ដំបង"
EVIL = "<script>alert(1)</script>"
EVIL_PROV = '"><img src=x onerror=alert(2)>'


# --- helpers -----------------------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts += 1
        for name, value in attrs:
            if name in {"href", "src"} and value is not None:
                self.refs.append(value)


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _tiny_db(path: Path, evil_name: str = EVIL) -> Path:
    """Three cities, two focus areas, three indicators; one gap; values chosen to hand-check."""
    con = duckdb.connect(str(path))
    con.execute("create schema marts; create schema staging")
    con.execute(
        """
        create table marts.city_peer_groups as select * from (values
          ('khm-battambang', 'Battambang', 'KHM', '50k_200k', 119251.0, 2019, 'municipality',
           'census_city'),
          ('xxx-evil', $evil, 'THA', '50k_200k', 60000.0, 2020, 'city_proper', 'census_city'),
          ('vnm-big', 'Big City', 'VNM', '1.5m_plus', 2000000.0, 2020, 'city_proper',
           'census_city')
        ) t(city_id, name, country_iso3, size_class, headline_population,
            headline_population_year, headline_boundary_type, headline_population_source)
        """,
        {"evil": evil_name},
    )
    con.execute(
        """
        create table staging.cities as select * from (values
          ('khm-battambang', 'បាត់ដំបង'), ('xxx-evil', $evil), ('vnm-big', 'Thành phố')
        ) t(city_id, local_name)
        """,
        {"evil": evil_name},
    )
    con.execute(
        """
        create table marts.indicator_catalogue as select * from (values
          ('density', 'Population density', 'built_infrastructure', 'city', 'persons per km2',
           'neutral', 2020),
          ('stops', 'Public-transport stops', 'built_infrastructure', 'city', 'per km2',
           'higher_better', 2020),
          ('slums', 'Urban population in slums (national)', 'civic_social', 'national',
           'percent', 'lower_better', 2020)
        ) t(indicator_id, name, focus_area_id, level, unit, direction, reference_year)
        """
    )
    con.execute(
        """
        create table marts.indicator_values as
        select city_id, indicator_id, value, unit, 2020 as year, data_year, 0 as year_gap,
               'observed' as method, rank, peer_rank, '50k_200k' as peer_group,
               flags::varchar[] as quality_flags, 'src' as source_id, 'v2024' as vintage,
               prov as provenance
        from (values
          ('khm-battambang', 'density', 10.0, 'persons per km2', '2020', '3/3', '2/2', [], 'p1'),
          ('xxx-evil', 'density', 20.0, 'persons per km2', '2020', '2/3', '1/2', [], $prov),
          ('vnm-big', 'density', 30.0, 'persons per km2', '2020', '1/3', '1/1', [], 'p3'),
          ('xxx-evil', 'stops', 0.0, 'per km2', '2020', '1/1', '1/1', ['estimated'], 'p4'),
          ('khm-battambang', 'slums', 40.0, 'percent', '2018', '1/2', '1/1',
           ['national_context'], 'p5'),
          ('vnm-big', 'slums', 50.0, 'percent', '2018', '2/2', '1/1', ['national_context'], 'p6')
        ) t(city_id, indicator_id, value, unit, data_year, rank, peer_rank, flags, prov)
        """,
        {"prov": EVIL_PROV},
    )
    con.execute(
        """
        create table marts.coverage as
        select c.city_id, k.indicator_id, k.focus_area_id, v.value is not null as filled,
               case when v.value is null then 'no source data for ' || c.name end as gap_reason
        from marts.city_peer_groups c cross join marts.indicator_catalogue k
        left join marts.indicator_values v using (city_id, indicator_id)
        """
    )
    con.execute(
        """
        create table marts.focus_area_scores as
        select city_id, focus_area_id, focus_area_name, 2 as indicators_in_area,
               1 as indicators_scored, 0.5 as coverage, score, null::double as peer_score,
               rank, reason as not_scored_reason
        from (values
          ('khm-battambang', 'built_infrastructure', 'Built Infrastructure', 55.5, '1/1', null),
          ('khm-battambang', 'civic_social', 'Civic & Social', null, null, 'too few'),
          ('xxx-evil', 'built_infrastructure', 'Built Infrastructure', null, null, $evil),
          ('xxx-evil', 'civic_social', 'Civic & Social', null, null, 'too few'),
          ('vnm-big', 'built_infrastructure', 'Built Infrastructure', null, null, 'too few'),
          ('vnm-big', 'civic_social', 'Civic & Social', null, null, 'too few')
        ) t(city_id, focus_area_id, focus_area_name, score, rank, reason)
        """,
        {"evil": evil_name},
    )
    con.close()
    return path


def _chromium() -> str:
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    if found:
        return found
    if os.environ.get("ASCN_ALLOW_NO_BROWSER") == "1":
        pytest.skip("chromium not installed and ASCN_ALLOW_NO_BROWSER=1")
    pytest.fail("chromium is required: apt-get install -y --no-install-recommends chromium")


def _browse(page: Path, tmp: Path, *extra: str) -> tuple[str, list[str]]:
    """Load `page` from file:// in headless Chromium: (dumped DOM, console messages)."""
    profile = tmp / f"profile-{page.stem}"
    profile.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(  # noqa: S603
        [
            _chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--no-default-browser-check",
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            *extra,
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    # Chromium logs every console message (errors, uncaught exceptions, CSP violations) as
    # "...:INFO:CONSOLE:<line>] "<message>", source: <url> (<line>)".
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    return proc.stdout, console


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
        report_mod._file_stem("../../etc/passwd")


# --- hand-made database --------------------------------------------------------------------------


def test_escapes_everything_from_data(tmp_path: Path) -> None:
    index = render_report(_tiny_db(tmp_path / "tiny.duckdb"), tmp_path / "reports")
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
        assert _parse(page).scripts == 0, page
    evil_page = (tmp_path / "reports" / "city" / "xxx-evil.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in evil_page
    assert "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in evil_page  # provenance, in the table


def test_tiny_report_content(tmp_path: Path) -> None:
    render_report(_tiny_db(tmp_path / "tiny.duckdb"), tmp_path / "reports")
    html = (tmp_path / "reports" / "city" / "khm-battambang.html").read_text(encoding="utf-8")
    # Battambang is first in navigation (after "All cities"), then cities by name.
    nav = re.search(r'<nav class="cities".*?</nav>', html, re.S).group(0)
    assert re.findall(r">([^<>]+)</a>", nav) == [
        "All cities",
        "Battambang",
        "&lt;script&gt;alert(1)&lt;/script&gt;",  # "<" sorts before "B"
        "Big City",
    ]
    assert f'lang="km">{KHMER_BATTAMBANG}<' in html
    # One chart per focus area with indicators.
    assert html.count("<svg") == 2
    assert 'id="chart-built_infrastructure"' in html and 'id="chart-civic_social"' in html
    # Density 10, 20, 30: Battambang at the left end, the middle city at the middle of the strip.
    lo, hi = report_mod.STRIP_LEFT, report_mod.STRIP_RIGHT
    assert f'class="dot-city" cx="{float(lo)}"' in html
    assert f'class="dot-peer" cx="{(lo + hi) / 2}"' in html  # same size class as Battambang
    assert f'class="dot-other" cx="{float(hi)}"' in html  # Big City: another size class
    # Battambang has no 'stops' value: a gap with its reason, never a zero.
    assert "no data: no source data for Battambang" in html
    stops_row = re.search(r"<th scope=\"row\">Public-transport stops.*?</tr>", html, re.S).group(0)
    assert "no data: no source data for Battambang" in stops_row
    assert ">0<" not in stops_row
    # The evil city's 0.0 is a real zero and is shown as such.
    evil = (tmp_path / "reports" / "city" / "xxx-evil.html").read_text(encoding="utf-8")
    assert '<td class="num">0</td>' in evil
    # National value flagged as context; score and rank shown.
    assert "national context" in html
    assert "55.5" in html and "1/1" in html
    index = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    heat = re.search(r'<table class="heatmap" id="coverage-heatmap">.*?</table>', index, re.S)
    assert heat is not None
    assert heat.group(0).count('class="cell filled"') == 6
    assert heat.group(0).count('class="cell missing"') == 3
    assert 'title="Battambang, Public-transport stops: no data: no source data for' in index


def test_failed_render_keeps_the_previous_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = _tiny_db(tmp_path / "tiny.duckdb")
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

    def failing_city_page(data: dict, city: dict) -> dict:
        if city["city_id"] == "vnm-big":
            raise RuntimeError("disk full")
        return real_city_page(data, city)

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
    assert html.count("<svg") == len(areas)
    for area in areas:
        assert f'id="chart-{area}"' in html
    assert html.count("<title id=") == len(areas)  # every chart has an accessible title
    # Every gap of Battambang is a "no data: <reason>" row of its indicator tables.
    assert html.count('<td class="gap" colspan="7">no data: ') == gaps > 0
    nav = re.search(r'<nav class="cities".*?</nav>', html, re.S).group(0)
    assert re.findall(r">([^<>]+)</a>", nav)[:2] == ["All cities", "Battambang"]

    summary = index.read_text(encoding="utf-8")
    assert "Battambang" in summary and KHMER_BATTAMBANG in summary
    heat = re.search(r'<table class="heatmap" id="coverage-heatmap">.*?</table>', summary, re.S)
    assert heat is not None
    assert heat.group(0).count('<td class="cell ') == len(cities) * n_indicators
    assert 'id="scores-table"' in summary and 'id="cities-table"' in summary


def test_report_is_self_contained(real_report: Path) -> None:
    pages = [real_report / "index.html", *sorted((real_report / "city").glob("*.html"))]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "synthetic" not in text.lower(), page
        assert "not city values" in text or "not a measurement of the city" in text, page
        assert "Data vintage by source" in text, page
        links = _parse(page)
        assert links.scripts == 0, page
        for ref in links.refs:
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


# --- a real browser ------------------------------------------------------------------------------


def test_browser_console_detection_can_fail(tmp_path: Path) -> None:
    """The console check below must see errors when there are some."""
    page = tmp_path / "bad.html"
    page.write_text(
        "<!DOCTYPE html><title>bad</title><p>x</p>"
        "<script>console.error('boom'); undefinedFunction();</script>",
        encoding="utf-8",
    )
    _, console = _browse(page, tmp_path, "--dump-dom")
    assert any("boom" in line for line in console), console
    assert any("Uncaught ReferenceError" in line for line in console), console


def test_report_in_headless_chromium(real_report: Path, tmp_path: Path) -> None:
    dom, console = _browse(real_report / "index.html", tmp_path, "--dump-dom")
    assert console == []
    assert "Battambang" in dom and KHMER_BATTAMBANG in dom and "Phnom Penh" in dom
    assert 'id="coverage-heatmap"' in dom and "cell missing" in dom and "cell filled" in dom

    page = real_report / "city" / "khm-battambang.html"
    dom, console = _browse(page, tmp_path, "--dump-dom")
    assert console == []
    assert "Battambang" in dom and KHMER_BATTAMBANG in dom
    assert dom.count("<svg") == 6  # one chart per ASCN focus area
    assert dom.count('class="dot-city"') > 6  # the highlighted city: 6 legends and its values
    assert "no data: " in dom

    shot = tmp_path / "battambang.png"
    _, console = _browse(page, tmp_path, f"--screenshot={shot}", "--window-size=1280,2400")
    assert console == []
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000


def test_escaped_page_in_headless_chromium(tmp_path: Path) -> None:
    render_report(_tiny_db(tmp_path / "tiny.duckdb"), tmp_path / "reports")
    dom, console = _browse(tmp_path / "reports" / "city" / "xxx-evil.html", tmp_path, "--dump-dom")
    assert console == []  # nothing executed, nothing blocked: the name is text
    assert "<script" not in dom and "<img" not in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
