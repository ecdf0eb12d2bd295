"""Helpers of the report tests: a hand-made published file, an HTML link parser, headless
Chromium (`/usr/bin/chromium`, installed by `.ci/run`; the browser tests fail, not skip, when it
is missing, unless ASCN_ALLOW_NO_BROWSER=1 says so explicitly)."""

from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

KHMER_BATTAMBANG = "បាត់ដំបង"
EVIL = "<script>alert(1)</script>"
EVIL_PROV = '"><img src=x onerror=alert(2)>'


class Links(HTMLParser):
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


def parse_links(path: Path) -> Links:
    parser = Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def tiny_db(path: Path, evil_name: str = EVIL) -> Path:
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


def chromium() -> str:
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    if found:
        return found
    if os.environ.get("ASCN_ALLOW_NO_BROWSER") == "1":
        pytest.skip("chromium not installed and ASCN_ALLOW_NO_BROWSER=1")
    pytest.fail("chromium is required: apt-get install -y --no-install-recommends chromium")


def browse(page: Path, tmp: Path, *extra: str) -> tuple[str, list[str]]:
    """Load `page` from file:// in headless Chromium: (dumped DOM, console messages)."""
    profile = tmp / f"profile-{page.stem}"
    profile.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(  # noqa: S603
        [
            chromium(),
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
