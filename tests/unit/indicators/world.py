"""A small SYNTHETIC world for the indicator rules: seven cities, every figure chosen by hand so
that each rule of docs/METHODOLOGY.md has a case that passes and a case that fails.

The staging inputs of `staging_measures.sql` are built from these rows, then the real SQL runs
(staging.measures and every indicator mart, in the pipeline's order). Boundary types are the real
`data/reference/boundary_types.csv` (the unit-type vocabulary under test).

Cities (registry pilot unit in brackets):
  a  KHM  [municipality "A municipality"]  2018: 100,000 on 50 km2; 2022: 140,000 on 50 km2
  b  KHM  [municipality "B municipality"]  2020: 300,000 on 100 km2, and 310,000 without area
  c  THA  [city_proper "C city"]           2020: 150,000 (no area); "C greater" 900,000 on 300
  d  LAO  [regency "D Regency"]            2020: 1,000,000 on 2,000 km2
  e  VNM  [municipality "E municipality"]  year not stated: 50,001 on 20 km2
  f  MYS  [city_proper "F city"]           2016: 49,999 on 35 km2
  g  IDN  [city_proper "G city"]           no figure at all (registry names a unit not in sources)
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import duckdb
import pandas as pd

from assets.indicators.catalogue import COLUMNS, load_catalogue
from assets.indicators.marts import build_marts
from pipelines.settings import REPO_ROOT
from warehouse.db import run_sql_file

STAGING_MEASURES = REPO_ROOT / "assets" / "indicators" / "sql" / "staging_measures.sql"
BOUNDARY_TYPES = REPO_ROOT / "data" / "reference" / "boundary_types.csv"

CITIES = [
    # city_id, country, pilot boundary type, pilot unit name, confirmed
    ("a", "KHM", "municipality", "A municipality", True),
    ("b", "KHM", "municipality", "B municipality", True),
    ("c", "THA", "city_proper", "C city", True),
    ("d", "LAO", "regency", "D Regency", True),
    ("e", "VNM", "municipality", "E municipality", False),
    ("f", "MYS", "city_proper", "F city", True),
    ("g", "IDN", "city_proper", "G city", True),
]

# city_id, year, population, area_km2, boundary_type, unit_name, source_id, unit_ref
FIGURES = [
    ("a", 2018, 100_000, 50.0, "municipality", "A municipality", "census_city", None),
    ("a", 2022, 140_000, 50.0, "municipality", "A municipality", "census_city", None),
    ("b", 2020, 300_000, 100.0, "municipality", "B municipality", "census_city", None),
    ("b", 2020, 310_000, None, "municipality", "B municipality", "census_city", None),
    ("c", 2020, 150_000, None, "city_proper", "C city", "census_city", None),
    ("c", 2020, 900_000, 300.0, "city_proper", "C greater", "census_city", None),
    ("d", 2020, 1_000_000, 2000.0, "regency", "D Regency", "census_city", None),
    ("e", None, 50_001, 20.0, "municipality", "E municipality", "census_city", None),
    ("f", 2016, 49_999, 35.0, "city_proper", "F city", "census_city", None),
    # GHSL urban centres 2015 (unit id ghsl_ucdb2015:<uc_id>)
    ("a", 2015, 300_000, 100.0, "urban_centre", "A", "ghsl_ucdb2015", "1"),
    ("b", 2015, 250_000, 50.0, "urban_centre", "B", "ghsl_ucdb2015", "2"),
    ("c", 2015, 400_000, 80.0, "urban_centre", "C", "ghsl_ucdb2015", "3"),
    ("d", 2015, 200_000, 40.0, "urban_centre", "D", "ghsl_ucdb2015", "4"),
    ("f", 2015, 210_000, 42.0, "urban_centre", "F", "ghsl_ucdb2015", "6"),
    # g's urban centre: 167,113 on 40 km2 (own density 4,177.8), and a second source that
    # gives 500,000 for the same urban centre (500,000 / 40 = 12,500: implausible)
    ("g", 2015, 167_113, 40.0, "urban_centre", "G", "ghsl_ucdb2015", "7"),
    ("g", 2015, 500_000, None, "urban_centre", "G", "aaa_other_source", "7"),
]

PILOT = {c: f"census_city:{c}:{bt}:{name}" for c, _, bt, name, _ in CITIES}
PILOT["d"] = "regency:d"  # an admin region: the regency that contains the city


def _metric(city, metric, year, value, boundary_type, ref, unit_id=None, note=None):
    return {
        "city_id": city, "metric_id": metric, "value": value, "unit": None,
        "boundary_type": boundary_type, "boundary_ref": ref, "osm_timestamp": None,
        "year": year, "reference_period": str(year), "source_id": "test",
        "source_uri": "synthetic", "provenance": f"raw.synthetic#{city}/{metric}/{year}/{ref}",
        "notes": None, "unit_id": unit_id, "implausible": note is not None,
        "plausibility_note": note,
    }  # fmt: skip


METRICS = [
    # hospitals: a interpolated 2018-2022 in the pilot unit; b observed; c too old; d a district
    # list (no population of that unit) and a regency list of 1,200 (implausible: > 100 per
    # 100,000); f a fractional count (implausible)
    _metric("a", "hospitals", 2018, 10.0, "municipality", "A", PILOT["a"]),
    _metric("a", "hospitals", 2022, 14.0, "municipality", "A", PILOT["a"]),
    _metric("b", "hospitals", 2020, 30.0, "municipality", "B", PILOT["b"]),
    _metric("c", "hospitals", 2010, 5.0, "city_proper", "C", PILOT["c"]),
    _metric("d", "hospitals", 2020, 5.0, "district", "D district"),
    _metric("d", "hospitals", 2020, 1200.0, "regency", "D Regency"),
    _metric("f", "hospitals", 2020, 7.5, "city_proper", "F", PILOT["f"]),
    # an urban-centre metric, lower is better: 5 cities (ranked), ties share a rank
    *[
        _metric(c, "pm", 2015, v, "urban_centre", f"GHSL urban centre {uc} ({c})")
        for c, uc, v in [
            ("a", 1, 10.0),
            ("b", 2, 20.0),
            ("c", 3, 20.0),
            ("d", 4, 30.0),
            ("f", 6, 40.0),
        ]
    ],  # fmt: skip
    # street length in the urban centre (2020 network / 2015 polygon area: a unit attribute)
    _metric("a", "street_len", 2020, 500.0, "urban_centre", "GHSL urban centre 1 (A)"),
    # an urban-extent metric: only 4 cities (too few to rank); b has two UN cities (tie)
    _metric("a", "ext", 2020, 30.0, "urban_extent", "UN SDG city 'A'"),
    _metric("b", "ext", 2020, 50.0, "urban_extent", "UN SDG city 'B2'"),
    _metric("b", "ext", 2020, 40.0, "urban_extent", "UN SDG city 'B1'"),
    _metric("c", "ext", 2020, 60.0, "urban_extent", "UN SDG city 'C'"),
    _metric("d", "ext", 2020, 70.0, "urban_extent", "UN SDG city 'D'"),
    # roads in the standard 5 km ring (78.5 km2): zero roads for e (50,001 people) is
    # implausible, for f (49,999 people) it is not
    *[
        m
        for c, road in [("a", 314.0), ("e", 0.0), ("f", 0.0)]
        for m in (
            _metric(c, "road_length_total", 2026, road, "ring_5km", "5 km ring"),
            _metric(c, "land_area_km2", 2026, 78.5, "ring_5km", "5 km ring"),
        )
    ],
    # c's ring: the infrastructure family flagged its road length (its own OSM range check)
    _metric("c", "road_length_total", 2026, 10.0, "ring_5km", "5 km ring", note="synthetic note"),
    _metric("c", "land_area_km2", 2026, 78.5, "ring_5km", "5 km ring"),
    # a share: a 150 % (implausible), b 2017 carried forward 3 years
    _metric("a", "share", 2020, 150.0, "municipality", "A", PILOT["a"]),
    _metric("b", "share", 2017, 40.0, "municipality", "B", PILOT["b"]),
]

# National series, 6 countries: IDN 90 > MYS 80 > THA 70 > VNM 60 > KHM 50 > LAO 40
NATIONAL = {"IDN": 90.0, "MYS": 80.0, "THA": 70.0, "VNM": 60.0, "KHM": 50.0, "LAO": 40.0}

# indicator_id, numerator, unit_type, denominator, scale, direction, focus, level, ref, gap, extra
INDICATORS = [
    ("population", "population", "pilot", "", 1, "neutral", "civic", "city", 2020, 6, {}),
    ("population_density", "population", "pilot", "land_area_km2", 1, "neutral", "built",
     "city", 2020, 6, {"density_check": "own_unit", "unit": "persons per km2"}),
    ("uc_density", "population", "urban_centre", "land_area_km2", 1, "neutral", "built",
     "city", 2015, 0, {"density_check": "own_unit", "unit": "persons per km2"}),
    ("hospitals_per_100k", "hospitals", "", "population", 100_000, "higher_better", "health",
     "city", 2020, 5, {"numerator_is_count": "yes", "plausible_max": "100"}),
    ("pm", "pm", "urban_centre", "", 1, "lower_better", "health", "city", 2015, 0,
     {"unit": "micrograms per m3"}),
    ("street_density", "street_len", "urban_centre", "land_area_km2", 1, "higher_better",
     "built", "city", 2020, 6, {"denominator_alignment": "unit_attribute",
                                "unit": "km per km2"}),
    ("ext", "ext", "urban_extent", "", 1, "higher_better", "built", "city", 2020, 6,
     {"unit": "percent"}),
    ("road_density", "road_length_total", "measurement_area", "land_area_km2", 1,
     "higher_better", "built", "city", 2026, 1,
     {"zero_implausible_above_population": "50000", "unit": "km per km2"}),
    ("share_pct", "share", "pilot", "", 1, "higher_better", "civic", "city", 2020, 5,
     {"unit": "percent", "plausible_max": "100"}),
    ("national_x", "country.X", "nation", "", 1, "higher_better", "civic", "national", 2020, 3,
     {"unit": "percent"}),
    ("active_projects_per_100k", "projects_active", "pilot", "population", 100_000, "neutral",
     "civic", "city", 2026, 1, {"unit": "projects per 100,000 population"}),
]  # fmt: skip

# Projects: a's register as of 2025 (one active project), b's a 2013 snapshot (too old for 2026)
PROJECTS = [("a", 2025, "p1"), ("b", 2013, "p2")]


def write_catalogue(path: Path) -> pd.DataFrame:
    rows = []
    for ind, num, ut, den, scale, direction, focus, level, ref, gap, extra in INDICATORS:
        row = dict.fromkeys(COLUMNS, "")
        row.update(
            indicator_id=ind, name=ind.replace("_", " ").capitalize(), numerator_measure=num,
            unit_type=ut, denominator=den, scale=str(scale), unit="per 100,000 population",
            direction=direction, direction_rationale=f"synthetic: {direction}",
            focus_area_id=focus, level=level, reference_year=str(ref), max_year_gap=str(gap),
            plausible_min="0", plausible_max="1000000000",
        )  # fmt: skip
        row.update(extra)
        rows.append(row)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return load_catalogue(path, {"civic", "health", "built"}, set())


def frames(shuffle_seed: int | None = None) -> dict[str, pd.DataFrame]:
    """The staging inputs; with a seed, every frame's rows in a shuffled order."""
    cities = pd.DataFrame(
        [
            {
                "city_id": c,
                "name": c.upper(),
                "country_iso3": iso,
                "country_name": iso,
                "pilot_boundary_type": bt,
                "pilot_unit_name": name,
                "pilot_unit_confirmed": ok,
            }
            for c, iso, bt, name, ok in CITIES
        ]  # fmt: skip
    )
    figures = pd.DataFrame(
        [
            {
                "city_id": c,
                "year": y,
                "population": float(p),
                "area_km2": a,
                "boundary_type": bt,
                "unit_name": name,
                "is_projection": False,
                "source_id": src,
                "unit_ref": ref or name,
                "figure_kind": "census",
                "row_key": f"{c}/{bt}/{y}/{p}",
                "provenance": f"raw.synthetic#{c}/{bt}/{y}/{p}",
                "vintage": "synthetic",
                "source_ref": "synthetic",
            }
            for c, y, p, a, bt, name, src, ref in FIGURES
        ]  # fmt: skip
    ).astype({"year": "Int64"})
    metrics = pd.DataFrame(METRICS).astype({"year": "Int64", "unit_id": "string"})
    national = pd.DataFrame(
        [
            {
                "country_iso3": iso,
                "indicator_code": "X",
                "year": 2020,
                "value": v,
                "vintage": "synthetic",
                "source_file": "synthetic.csv",
            }
            for iso, v in NATIONAL.items()
        ]  # fmt: skip
    )
    out = {"cities": cities, "population_figures": figures, "infrastructure_metrics": metrics,
           "country_indicators": national}  # fmt: skip
    if shuffle_seed is not None:
        rng = random.Random(shuffle_seed)
        for name, frame in out.items():
            order = list(range(len(frame)))
            rng.shuffle(order)
            out[name] = frame.iloc[order].reset_index(drop=True)
    return out


def build_world(
    con: duckdb.DuckDBPyConnection, catalogue: pd.DataFrame, shuffle_seed: int | None = None
) -> None:
    """Create the staging inputs in `con`, then staging.measures and every indicator mart."""
    run_sql_file(con, "schema.sql")
    for name, frame in frames(shuffle_seed).items():  # noqa: B007 - frame is read by DuckDB
        con.execute(f"create or replace table staging.{name} as select * from frame")  # noqa: S608
    con.execute(
        "create or replace table staging.boundary_types as select boundary_type, "
        "precedence::integer as precedence, unit_type, description from read_csv($p)",
        {"p": str(BOUNDARY_TYPES)},
    )
    con.execute(
        "create or replace table staging.focus_areas as select * from (values "
        "('civic', 'Civic'), ('health', 'Health'), ('built', 'Built')) t(focus_area_id, name)"
    )
    projects = pd.DataFrame(  # noqa: F841 - read by DuckDB
        [
            {
                "city_id": c,
                "is_primary": True,
                "status": "active",
                "as_of_year": y,
                "status_is_current": True,
                "match_level": "site_in_city",
                "project_key": k,
                "vintage": f"register {y}",
                "cost_usd": None,
                "focus_area_id": None,
            }
            for c, y, k in PROJECTS
        ]  # fmt: skip
    ).astype({"cost_usd": "float64", "focus_area_id": "string"})
    con.execute("create or replace table staging.projects as select * from projects")
    con.execute("create or replace table staging.indicator_catalogue as select * from catalogue")
    run_sql_file(con, STAGING_MEASURES)
    build_marts(con)
