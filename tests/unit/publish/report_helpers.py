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
               'observed' as estimate_method, unit_type, unit_type || '/2020' as comparison_set_id,
               pos as rank_position, size as rank_set_size,
               case when size >= 5 then pos || '/' || size else 'too few to rank' end
                 as rank_label,
               'too few to rank' as peer_rank_label, '50k_200k' as peer_group,
               flags::varchar[] as quality_flags, 'src' as source_id, 'v2024' as vintage,
               prov as provenance
        from (values
          ('khm-battambang', 'density', 10.0, 'persons per km2', '2020', 'city', 3, 3, [], 'p1'),
          ('xxx-evil', 'density', 20.0, 'persons per km2', '2020', 'city', 2, 3, [], $prov),
          ('vnm-big', 'density', 30.0, 'persons per km2', '2020', 'city', 1, 3, [], 'p3'),
          ('xxx-evil', 'stops', 0.0, 'per km2', '2020', 'city', 1, 1, ['estimated'], 'p4'),
          ('khm-battambang', 'slums', 40.0, 'percent', '2018', 'country', null, null,
           ['national_context'], 'p5'),
          ('vnm-big', 'slums', 50.0, 'percent', '2018', 'country', null, null,
           ['national_context'], 'p6')
        ) t(city_id, indicator_id, value, unit, data_year, unit_type, pos, size, flags, prov)
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
               pos as rank_position, size as rank_set_size, 'too few to rank' as rank_label,
               reason as not_scored_reason
        from (values
          ('khm-battambang', 'built_infrastructure', 'Built Infrastructure', 55.5, 1, 1, null),
          ('khm-battambang', 'civic_social', 'Civic & Social', null, null, null, 'too few'),
          ('xxx-evil', 'built_infrastructure', 'Built Infrastructure', null, null, null, $evil),
          ('xxx-evil', 'civic_social', 'Civic & Social', null, null, null, 'too few'),
          ('vnm-big', 'built_infrastructure', 'Built Infrastructure', null, null, null, 'too few'),
          ('vnm-big', 'civic_social', 'Civic & Social', null, null, null, 'too few')
        ) t(city_id, focus_area_id, focus_area_name, score, pos, size, reason)
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


BRIEF_CITIES = [  # city_id, name, country, size class, headline population, lat, lon
    ("khm-battambang", "Battambang", "KHM", "50k_200k", 119251.0, 13.1, 103.2),
    ("khm-siem-reap", "Siem Reap", "KHM", "200k_500k", 245494.0, 13.36, 103.86),
    ("tha-a", "Town A", "THA", "50k_200k", 90000.0, 13.75, 100.5),
    ("vnm-b", "Town B", "VNM", "1.5m_plus", 2000000.0, 21.0, 105.8),
    ("lao-c", "Town C", "LAO", "200k_500k", 300000.0, 17.97, 102.6),
    ("idn-d", "Town D", "IDN", "500k_1.5m", 800000.0, -6.9, 107.6),
]


def brief_db(path: Path) -> Path:
    """Six cities with the comparison-set columns of the marts (integer rank position and set
    size, set id), projects with as-of dates and an opportunities table: the summary's input.
    Synthetic test data, made up for these tests."""
    con = duckdb.connect(str(path))
    con.execute("create schema marts; create schema staging; create schema meta")
    con.execute(
        "create table staging.cities (city_id varchar, name varchar, local_name varchar, "
        "country_iso3 varchar, country_name varchar, lat double, lon double)"
    )
    con.execute(
        "create table marts.city_peer_groups (city_id varchar, name varchar, country_iso3 "
        "varchar, size_class varchar, headline_population double, headline_population_year "
        "integer, headline_boundary_type varchar, headline_population_source varchar)"
    )
    for cid, name, iso3, size, pop, lat, lon in BRIEF_CITIES:
        con.execute(
            "insert into staging.cities values ($1, $2, null, $3, $3 || ' land', $4, $5)",
            [cid, name, iso3, lat, lon],
        )
        con.execute(
            "insert into marts.city_peer_groups values ($1, $2, $3, $4, $5, 2019, "
            "'municipality', 'census_city')",
            [cid, name, iso3, size, pop],
        )
    con.execute(
        """
        create table marts.indicator_catalogue as select * from (values
          ('co2', 'Transport CO2', 'quality_environment', 'city', 't per capita', 'lower_better',
           2015, null),
          ('streets', 'Street density', 'built_infrastructure', 'city', 'km per km2',
           'higher_better', 2020, null),
          ('density', 'Population density', 'built_infrastructure', 'city', 'persons per km2',
           'neutral', 2020, null),
          ('shops', 'Shops per 100,000', 'built_infrastructure', 'city', 'per 100,000',
           'higher_better', 2020, 'OSM count for the city boundary'),
          ('gdp', 'GDP per capita (national)', 'industry_innovation', 'national', 'int. $',
           'higher_better', 2020, null),
          ('small', 'Small set', 'civic_social', 'city', 'percent', 'higher_better', 2020, null),
          ('pt', 'Public transport access', 'civic_social', 'city', 'percent', 'higher_better',
           2020, 'UN SDG 11.2.1 city value')
        ) t(indicator_id, name, focus_area_id, level, unit, direction, reference_year, min_data)
        """
    )
    # value rows: city, indicator, value, set, rank position, set size, flags
    con.execute(
        """
        create table marts.indicator_values as
        select city_id, indicator_id, value, u.unit, 2020 as year, '2020' as data_year,
               'observed' as method, set_id as comparison_set_id, pos as rank_position,
               size as rank_set_size, flags::varchar[] as quality_flags,
               'ghsl_ucdb2015' as source_id, '2015' as vintage, 'p' as provenance,
               'urban_centre' as unit_type
        from (values
          ('khm-battambang', 'co2', 0.05, 'c1', 2, 6, []),
          ('khm-siem-reap', 'co2', 0.02, 'c1', 1, 6, []),
          ('tha-a', 'co2', 0.08, 'c1', 3, 6, []),
          ('vnm-b', 'co2', 0.10, 'c1', 4, 6, []),
          ('lao-c', 'co2', 0.12, 'c1', 5, 6, []),
          ('idn-d', 'co2', 0.20, 'c1', 6, 6, []),
          ('khm-battambang', 'streets', 8.0, 's1', 4, 5, []),
          ('khm-siem-reap', 'streets', 2.0, 's1', 5, 5, []),
          ('tha-a', 'streets', 10.0, 's1', 3, 5, []),
          ('vnm-b', 'streets', 12.0, 's1', 2, 5, []),
          ('lao-c', 'streets', 15.0, 's1', 1, 5, []),
          ('idn-d', 'streets', 20.0, 's2', null, 1, []),
          ('khm-battambang', 'density', 500.0, 'd1', null, null, []),
          ('khm-siem-reap', 'density', 50.0, 'd1', null, null, []),
          ('tha-a', 'density', 5000.0, 'd1', null, null, []),
          ('vnm-b', 'density', 27000.0, 'd1', null, null, []),
          ('lao-c', 'density', 100.0, 'd1', null, null, []),
          ('idn-d', 'density', 1000.0, 'd1', null, null, []),
          ('khm-battambang', 'gdp', 6000.0, null, null, null, ['national_context']),
          ('khm-siem-reap', 'gdp', 6000.0, null, null, null, ['national_context']),
          ('khm-battambang', 'small', 40.0, 'm1', 1, 3, [])
        ) t(city_id, indicator_id, value, set_id, pos, size, flags)
        join marts.indicator_catalogue u using (indicator_id)
        """
    )
    con.execute(
        """
        create table marts.coverage as
        select c.city_id, k.indicator_id, k.focus_area_id, v.value is not null as filled,
               case when v.value is null then
                 case k.indicator_id when 'pt' then 'no SDG 11.2.1 value for the city'
                      else 'no source data for this city' end end as gap_reason
        from marts.city_peer_groups c cross join marts.indicator_catalogue k
        left join marts.indicator_values v using (city_id, indicator_id)
        """
    )
    con.execute(
        """
        create table marts.focus_area_scores as
        select 'khm-battambang' as city_id, fa as focus_area_id, name as focus_area_name,
               2 as indicators_in_area, scored as indicators_scored, score, pos as rank_position,
               size as rank_set_size
        from (values
          ('quality_environment', 'Quality Environment', 1, 62.8, 3, 6),
          ('built_infrastructure', 'Built Infrastructure', 1, null, null, null),
          ('civic_social', 'Civic & Social', 1, null, null, null),
          ('industry_innovation', 'Industry & Innovation', 0, null, null, null)
        ) t(fa, name, scored, score, pos, size)
        """
    )
    con.execute(
        """
        create table marts.projects as select * from (values
          ('P1', 'worldbank_projects', 'khm-battambang', 'Water supply', 'World Bank', 'active',
           date '2025-03-31', 10000000.0, 'site in the city'),
          ('P2', 'worldbank_projects', 'khm-battambang', 'Old roads', 'World Bank', 'active',
           date '2013-10-31', null, 'province containing the city'),
          ('P3', 'worldbank_projects', 'khm-battambang', 'Done drains', 'ADB', 'closed',
           date '2025-03-31', 5000000.0, 'admin unit of the city')
        ) t(source_project_id, source_id, city_id, title, financier, status, status_as_of,
            cost_usd, match_level)
        """
    )
    con.execute(
        """
        create table marts.opportunities as select * from (values
          ('khm-battambang', 'built_infrastructure', 'Street density rank 4 of 5; no active
           project in Built Infrastructure')
        ) t(city_id, focus_area_id, evidence)
        """
    )
    con.execute(
        """
        create table meta.source_loads as select * from (values
          ('osm', 'offline: no OSM measurement (set ASCN_MODE=live or ASCN_OSM_PBF)', null)
        ) t(source, source_uri, vintage)
        """
    )
    con.close()
    return path
