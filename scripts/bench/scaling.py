"""Synthetic scaling: the indicator marts at growing city counts, publish, report, queries."""

from __future__ import annotations

import time
from pathlib import Path

from scripts.bench.runner import summary

SIZES = [31, 1_000, 11_422, 100_000]
ANALYST_SIZE = 11_422
REPORT_MAX = 31  # the HTML report is timed only up to this size (it grows quadratically)


def publish_once(wdir: Path, *, report: bool) -> dict:
    """Publish a finished synthetic build once (copy + Parquet), and time the HTML report."""
    import duckdb

    from assets.publish.report import render_report
    from warehouse.publish import publish

    out: dict = {}
    t0 = time.perf_counter()
    con = duckdb.connect(str(wdir / "build" / "ascn_build.duckdb"))
    try:
        publish(con, wdir / "ascn.duckdb", wdir / "parquet", "bench")
    finally:
        con.close()
    out["publish_s"] = time.perf_counter() - t0
    if report:
        t0 = time.perf_counter()
        render_report(wdir / "ascn.duckdb", wdir / "reports")
        out["report_s"] = time.perf_counter() - t0
    return out


def bench_queries(published: Path, runs: int = 20) -> dict:
    import duckdb

    con = duckdb.connect(str(published), read_only=True)
    try:
        indicators = [
            r[0]
            for r in con.execute(
                "select distinct indicator_id from marts.indicator_values order by 1"
            ).fetchall()
        ]
        cities = [
            r[0] for r in con.execute("select city_id from marts.city_peer_groups").fetchall()
        ]
        queries = {
            "rank_cities_on_one_indicator": (
                "select city_id, value, score, rank from marts.indicator_values "
                "where indicator_id = $k order by score desc nulls last, city_id",
                lambda i: {"k": indicators[(i * 7) % len(indicators)]},
            ),
            "city_profile_row": (
                "select * from marts.city_profile where city_id = $c",
                lambda i: {"c": cities[(i * 997) % len(cities)]},
            ),
            "city_indicator_values": (
                "select * from marts.indicator_values where city_id = $c order by indicator_id",
                lambda i: {"c": cities[(i * 991) % len(cities)]},
            ),
        }
        out = {}
        for name, (sql, params) in queries.items():
            times = []
            for i in range(runs):
                t0 = time.perf_counter()
                rows = con.execute(sql, params(i)).fetchall()
                times.append((time.perf_counter() - t0) * 1000)
            out[name] = summary(times) | {"rows_last_run": len(rows)}
        return out
    finally:
        con.close()
