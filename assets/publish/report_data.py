"""The report's data: everything the pages show, read once from the published warehouse.

`load_report_data` opens the published file read-only and returns plain dicts and lists keyed
for the page builders (values and coverage by (city, indicator), scores by city and focus area).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import duckdb

FIRST_CITY = "khm-battambang"  # the first pilot city of the report, listed first everywhere

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


def _rows(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or {})
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where schema_name = $s and table_name = $t",
            {"s": schema, "t": table},
        ).fetchall()[0][0]
    )


def load_report_data(published_db: Path) -> dict[str, Any]:
    """Every table the report shows, from `published_db` (opened read-only)."""
    con = duckdb.connect(str(published_db), read_only=True)
    try:
        local_names: dict[str, str] = {}
        if _has_table(con, "staging", "cities"):
            local_names = {
                r["city_id"]: r["local_name"]
                for r in _rows(con, "select city_id, local_name from staging.cities")
                if r["local_name"]
            }
        cities = _rows(
            con,
            """
            select city_id, name, country_iso3, size_class, headline_population,
                   headline_population_year, headline_boundary_type, headline_population_source
            from marts.city_peer_groups
            order by city_id <> $first, name, city_id
            """,
            {"first": FIRST_CITY},
        )
        catalogue = _rows(
            con,
            """
            select indicator_id, name, focus_area_id, level, unit, direction, reference_year
            from marts.indicator_catalogue order by focus_area_id, level, name, indicator_id
            """,
        )
        values = _rows(
            con,
            """
            select city_id, indicator_id, value, unit, year, data_year, year_gap, method,
                   rank, peer_rank, peer_group, quality_flags, source_id, vintage, provenance
            from marts.indicator_values
            """,
        )
        coverage = _rows(
            con,
            "select city_id, indicator_id, focus_area_id, filled, gap_reason from marts.coverage",
        )
        scores = _rows(
            con,
            """
            select city_id, focus_area_id, focus_area_name, indicators_in_area, indicators_scored,
                   coverage, score, peer_score, rank, not_scored_reason
            from marts.focus_area_scores
            """,
        )
        vintages = _rows(
            con,
            """
            select source_id, string_agg(distinct coalesce(vintage, 'not stated'), '; '
                                         order by coalesce(vintage, 'not stated')) as vintages,
                   count(*) as values_
            from marts.indicator_values group by source_id order by source_id
            """,
        )
        publication = None
        if _has_table(con, "meta", "publication"):
            pub = _rows(con, "select run_id, published_at from meta.publication")
            publication = pub[0] if pub else None
    finally:
        con.close()

    for c in cities:
        c["local_name"] = local_names.get(c["city_id"])
        c["local_lang"] = LOCAL_LANG.get(c["country_iso3"] or "", "und")
        c["file_stem"] = file_stem(c["city_id"])
    focus_names = {s["focus_area_id"]: s["focus_area_name"] for s in scores}
    focus_ids = sorted({k["focus_area_id"] for k in catalogue} | set(focus_names))
    focus_areas = [{"id": f, "name": focus_names.get(f) or f.replace("_", " ")} for f in focus_ids]
    scores_by_city: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for s in scores:
        scores_by_city[s["city_id"]][s["focus_area_id"]] = s
    return {
        "cities": cities,
        "city_by_id": {c["city_id"]: c for c in cities},
        "catalogue": catalogue,
        "values": {(v["city_id"], v["indicator_id"]): v for v in values},
        "coverage": {(c["city_id"], c["indicator_id"]): c for c in coverage},
        "scores_by_city": scores_by_city,
        "focus_areas": focus_areas,
        "vintages": vintages,
        "publication": publication,
    }


def file_stem(city_id: str) -> str:
    """The file name (without .html) of a city's page."""
    # City ids are lower-case iso3-slug; anything else must not become a path outside city/.
    if not city_id or not all(ch.isalnum() or ch in "-_" for ch in city_id):
        raise ValueError(f"unexpected city_id {city_id!r} for a report file name")
    return city_id


def gap_reason(data: dict[str, Any], city_id: str, indicator_id: str) -> str:
    """Why a city has no value for an indicator (from the coverage table)."""
    cell = data["coverage"].get((city_id, indicator_id))
    return (cell or {}).get("gap_reason") or "not in the coverage table"
