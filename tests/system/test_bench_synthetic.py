"""The bench's SYNTHETIC build (scripts/bench/synthetic.py) still fits the code it measures: the
indicator marts, publish and the HTML report run on it. The figures themselves are `make bench`'s,
never asserted here."""

from pathlib import Path

import duckdb

from assets.indicators.marts import build_marts
from assets.publish.report import render_report
from scripts.bench.synthetic import make_synthetic_build
from warehouse.publish import publish


def test_synthetic_cities_build_publish_and_render(published: Path, tmp_path: Path) -> None:
    build = tmp_path / "build" / "ascn_build.duckdb"
    rows = make_synthetic_build(build, 31, published / "build" / "ascn_build.duckdb")
    assert rows > 0
    con = duckdb.connect(str(build))
    try:
        build_marts(con)
        publish(con, tmp_path / "ascn.duckdb", tmp_path / "parquet", "bench-test")
    finally:
        con.close()
    index = render_report(tmp_path / "ascn.duckdb", tmp_path / "reports")
    analyst = duckdb.connect(str(tmp_path / "ascn.duckdb"), read_only=True)
    try:
        cities = analyst.execute("select city_id from marts.city_profile order by 1").fetchall()
    finally:
        analyst.close()
    assert [c for (c,) in cities] == [f"syn-{i:06d}" for i in range(1, 32)]
    assert index.is_file()
    assert len(list((tmp_path / "reports" / "city").glob("*.html"))) == 31
