"""The report's data: everything the pages show, read once from the published warehouse.

`load_report_data` opens the published file read-only and returns plain dicts and lists keyed
for the page builders (values and coverage by (city, indicator), scores by city and focus area,
series by city and by country). Columns that other families add over time (comparison sets,
unit types, direction rationales) are read when the published file has them and are `None`
otherwise, so the report degrades instead of failing on an older file: `_select` is the one
place that knows this. Each query reads a whole table once: the cost grows linearly with the
number of cities.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import duckdb

from assets.publish.report_projects import load_projects
from assets.publish.sources import SourceLookup

FIRST_CITY = "khm-battambang"  # the first pilot city of the report, listed first everywhere
MIN_RANK_SET = 5  # a rank is shown only among at least this many comparable cities

# BCP 47 language of each country's local city names, so browsers pick the right font/shaping.
LOCAL_LANG = {
    "KHM": "km",
    "THA": "th",
    "VNM": "vi",
    "LAO": "lo",
    "MMR": "my",
    "IDN": "id",
    "MYS": "ms",
    "PHL": "fil",
    "BRN": "ms",
    "SGP": "en",
}


def rows(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or {})
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> set[str]:
    """The columns of `schema.table` (empty when the table does not exist)."""
    found = con.execute(
        "select column_name from duckdb_columns() where schema_name = $s and table_name = $t",
        {"s": schema, "t": table},
    ).fetchall()
    return {r[0] for r in found}


def select(
    con: duckdb.DuckDBPyConnection,
    table: str,
    required: list[str],
    optional: list[str] = (),  # type: ignore[assignment]
    order_by: str = "",
    params: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Rows of `table` ("schema.name"); optional columns the file lacks come back as None.

    Identifiers come from this module's own lists, checked against `duckdb_columns()`, never from
    data, so composing them into SQL is safe."""
    schema, name = table.split(".")
    have = columns(con, schema, name)
    if not have:
        return []
    parts = [f'"{c}"' for c in required]
    parts += [f'"{c}"' if c in have else f'null as "{c}"' for c in optional]
    sql = f"select {', '.join(parts)} from {schema}.{name} {order_by}"  # noqa: S608
    return rows(con, sql, params)


def load_report_data(published_db: Path) -> dict[str, Any]:
    """Every table the report shows, from `published_db` (opened read-only)."""
    con = duckdb.connect(str(published_db), read_only=True)
    try:
        registry = {
            r["city_id"]: r
            for r in select(
                con,
                "staging.cities",
                ["city_id"],
                ["local_name", "lat", "lon", "country_iso3", "country_name"],
            )
        }
        country_names = {r["country_iso3"]: r["country_name"] for r in registry.values()}
        cities = select(
            con,
            "marts.city_peer_groups",
            ["city_id", "name", "country_iso3", "size_class", "headline_population"],
            ["headline_population_year", "headline_boundary_type", "headline_population_source"],
            "order by city_id <> $first, name, city_id",
            {"first": FIRST_CITY},
        )
        catalogue = select(
            con,
            "marts.indicator_catalogue",
            ["indicator_id", "name", "focus_area_id", "level", "unit", "direction"],
            ["reference_year", "direction_rationale", "definition", "min_data", "notes"],
            "order by focus_area_id, level, name, indicator_id",
        )
        values = select(
            con,
            "marts.indicator_values",
            ["city_id", "indicator_id", "value", "unit"],
            [
                "year", "data_year", "year_gap", "estimate_method", "estimated", "score",
                "peer_rank_label", "peer_group", "quality_flags", "source_id", "vintage",
                "provenance",
                "boundary_type", "unit_type", "comparison_set_id", "rank_position",
                "rank_set_size", "rank_label", "implausible", "not_ranked_reason",
                "country_rank_position", "country_rank_set_size",
            ],
        )  # fmt: skip
        coverage = select(
            con,
            "marts.coverage",
            ["city_id", "indicator_id", "focus_area_id", "filled"],
            ["gap_reason"],
        )
        scores = select(
            con,
            "marts.focus_area_scores",
            ["city_id", "focus_area_id", "focus_area_name", "indicators_in_area"],
            [
                "indicators_scored", "coverage", "score", "peer_score", "rank_position",
                "rank_set_size", "rank_label", "not_scored_reason",
            ],
        )  # fmt: skip
        source_loads = {
            r["source"]: r
            for r in select(con, "meta.source_loads", ["source"], ["source_uri", "vintage"])
        }
        population = select(
            con,
            "staging.population_figures",
            ["city_id", "year", "population"],
            ["boundary_type", "source_id", "is_projection", "unit_name"],
            # Within a year, a series' first row is the figure staging.measures uses (same
            # total order as staging_measures.sql: with its area, census first, then source,
            # value and content key), never the file's row order.
            "where population is not null and year is not null order by city_id, year, "
            "area_km2 is null, case figure_kind when 'census' then 1 when 'registered' then 2 "
            "when 'estimate' then 3 else 4 end, source_ref, population, row_key",
        )
        national = select(
            con,
            "staging.country_indicators",
            ["country_iso3", "indicator_code", "year", "value"],
            ["vintage"],
            "where value is not null order by country_iso3, indicator_code, year",
        )
        projects = load_projects(con)
        publication = None
        pub = select(con, "meta.publication", ["run_id", "published_at"])
        publication = pub[0] if pub else None
    finally:
        con.close()

    for c in cities:
        reg = registry.get(c["city_id"], {})
        c["local_name"] = reg.get("local_name") or None
        c["lat"], c["lon"] = reg.get("lat"), reg.get("lon")
        c["local_lang"] = LOCAL_LANG.get(c["country_iso3"] or "", "und")
        c["country_name"] = country_names.get(c["country_iso3"]) or c["country_iso3"]
        c["file_stem"] = file_stem(c["city_id"])
    for v in values:
        v["quality_flags"] = list(v["quality_flags"] or [])
        v["unit_type"] = v["unit_type"] or v["boundary_type"]
    focus_names = {s["focus_area_id"]: s["focus_area_name"] for s in scores}
    focus_ids = sorted({k["focus_area_id"] for k in catalogue} | set(focus_names))
    focus_areas = [{"id": f, "name": focus_names.get(f) or f.replace("_", " ")} for f in focus_ids]
    scores_by_city: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for s in scores:
        scores_by_city[s["city_id"]][s["focus_area_id"]] = s
    pop_series: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in population:
        pop_series[p["city_id"]].append(p)
    national_series: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for n in national:
        national_series[(n["country_iso3"], n["indicator_code"])].append(n)
    by_indicator: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_city: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for v in values:
        by_indicator[v["indicator_id"]].append(v)
        by_city[v["city_id"]].append(v)
    return {
        "cities": cities,
        "city_by_id": {c["city_id"]: c for c in cities},
        "catalogue": catalogue,
        "catalogue_by_id": {k["indicator_id"]: k for k in catalogue},
        "values": {(v["city_id"], v["indicator_id"]): v for v in values},
        "values_by_indicator": by_indicator,
        "values_by_city": by_city,
        "coverage": {(c["city_id"], c["indicator_id"]): c for c in coverage},
        "scores_by_city": scores_by_city,
        "focus_areas": focus_areas,
        "source_loads": source_loads,
        "sources": SourceLookup.bundled(),
        "population_series": pop_series,
        "national_series": national_series,
        "publication": publication,
        **projects,
    }


def shown_rank(v: dict[str, Any] | None) -> tuple[int, int] | None:
    """The rank to show, only where the comparison set is large enough."""
    if not v or v.get("rank_position") is None or v.get("rank_set_size") is None:
        return None
    if v["rank_set_size"] < MIN_RANK_SET:
        return None
    return v["rank_position"], v["rank_set_size"]


def file_stem(city_id: str) -> str:
    """The file name (without .html) of a city's page."""
    # City ids are lower-case iso3-slug; anything else must not become a path outside city/.
    if not city_id or not all(ch.isalnum() or ch in "-_" for ch in city_id):
        raise ValueError(f"unexpected city_id {city_id!r} for a report file name")
    return city_id


def gap_reason(data: dict[str, Any], city_id: str, indicator_id: str) -> str:
    """Why a city has no value for an indicator (from the coverage table)."""
    cell = data["coverage"].get((city_id, indicator_id))
    return (cell or {}).get("gap_reason") or ""
