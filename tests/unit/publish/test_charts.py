"""Charts, map, downloads and the projects section on the hand-made file of
report_helpers.brief_db. Positions are computed by hand from the chart's geometry constants:
x = STRIP_LEFT + fraction * (STRIP_RIGHT - STRIP_LEFT), the fraction reversed where lower is
better and taken on log10 values for a log row."""

from __future__ import annotations

import csv
import math
from datetime import date
from pathlib import Path

import pytest

from assets.publish.charts import STRIP_LEFT, STRIP_RIGHT, IndicatorScales, strip_chart
from assets.publish.map import map_layers
from assets.publish.report import render_report
from assets.publish.report_data import load_report_data
from tests.unit.publish.report_helpers import brief_db

W = STRIP_RIGHT - STRIP_LEFT


@pytest.fixture
def rows(tmp_path: Path) -> dict:
    data = load_report_data(brief_db(tmp_path / "brief.duckdb"))
    scales = IndicatorScales.build(data)
    city = data["city_by_id"]["khm-battambang"]
    out = {}
    for fa in data["focus_areas"]:
        ks = [k for k in data["catalogue"] if k["focus_area_id"] == fa["id"]]
        for k, row in zip(ks, strip_chart(data, scales, city, fa, ks).rows, strict=True):
            out[k["indicator_id"]] = row
    return out


def test_lower_is_better_runs_right_to_the_lowest(rows: dict) -> None:
    co2 = rows["co2"]  # 0.02 .. 0.20, Battambang 0.05, lower is better: 0.20 on the left
    assert (co2.left_label, co2.right_label) == ("0.2", "0.02")
    city = next(d for d in co2.dots if d.kind == "city")
    assert city.x == round(STRIP_LEFT + (1 - (0.05 - 0.02) / 0.18) * W, 1)
    # Median of the six comparable values (0.08 + 0.10) / 2 = 0.09.
    assert co2.median_x == round(STRIP_LEFT + (1 - (0.09 - 0.02) / 0.18) * W, 1)
    assert co2.rank_label == "rank 2 of 6" and co2.end_note == ""


def test_other_units_are_rings_and_leave_the_median(rows: dict) -> None:
    streets = rows["streets"]  # set s1: 2, 8, 10, 12, 15; Town D's 20 is another set
    kinds = sorted((d.kind, d.x) for d in streets.dots)
    assert ("other", float(STRIP_RIGHT)) in kinds
    assert [k for k, _ in kinds].count("peer") == 4
    assert streets.median_x == round(STRIP_LEFT + (10 - 2) / 18 * W, 1)
    assert streets.rank_label == "rank 4 of 5"


def test_neutral_row_on_a_log_scale(rows: dict) -> None:
    density = rows["density"]  # 50 .. 27,000: max/min = 540 >= 100 -> log scale
    assert density.end_note == "neutral, log scale"
    assert density.rank_label == "neutral"
    city = next(d for d in density.dots if d.kind == "city")
    expected = STRIP_LEFT + math.log10(500 / 50) / math.log10(27000 / 50) * W
    assert city.x == round(expected, 1)


def test_ranks_only_where_shown(rows: dict) -> None:
    assert rows["small"].rank_label == "too few to rank"  # a set of 3
    assert rows["gdp"].rank_label == "national, not ranked"
    # One dot per country for a national row (two Cambodian cities, one Cambodian dot).
    assert len(rows["gdp"].dots) == 1
    assert not rows["shops"].has_value and rows["shops"].value_label.startswith("no data: ")


def test_map_shows_gaps_as_gaps(tmp_path: Path) -> None:
    data = load_report_data(brief_db(tmp_path / "brief.duckdb"))
    layers = {layer["id"]: layer for layer in map_layers(data)}
    qe = layers["fa-quality_environment"]
    assert [d["cls"] is None for d in qe["dots"]].count(True) == 5  # only Battambang scored
    assert qe["n_value"] == 1


def test_downloads_and_projects_section(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    render_report(brief_db(tmp_path / "brief.duckdb"), out, today=date(2026, 6, 1))
    with (out / "downloads" / "city" / "khm-battambang.csv").open(encoding="utf-8") as f:
        city_rows = list(csv.DictReader(f))
    assert len(city_rows) == 7  # one per indicator of the catalogue
    pt = next(r for r in city_rows if r["indicator_id"] == "pt")
    assert pt["value"] == "" and pt["gap_reason"] == "no SDG 11.2.1 value for the city"
    co2 = next(r for r in city_rows if r["indicator_id"] == "co2")
    assert (co2["value"], co2["rank_position"], co2["rank_set_size"]) == ("0.05", "2", "6")
    assert co2["source_name"].startswith("GHS Urban Centre Database 2015")
    tables = sorted(p.name for p in (out / "downloads" / "tables").glob("*.csv"))
    assert "indicator_values.csv" in tables and "projects.csv" in tables
    assert (out / "downloads" / "data_dictionary.csv").is_file()
    html = (out / "city" / "khm-battambang.html").read_text(encoding="utf-8")
    assert "active as of 2013-10-31 (not current)" in html
    assert "active as of 2025-03-31" in html and "US$10.0 million" in html
    assert "province containing the city" in html  # the match level
    assert "Street density rank 4 of 5" in html  # the opportunity's evidence
    assert 'href="../downloads/city/khm-battambang.csv"' in html
