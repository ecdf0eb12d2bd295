"""The visual report: static HTML pages read from the published warehouse.

`render_report` writes `index.html` (every city: peer groups, focus-area scores, a coverage heat
map, sources and vintages) and `city/<city_id>.html` (one page per city: per focus area a strip
chart of the city against its peer group and all cities, and a table of its indicators with
quality flags and provenance). Charts are inline SVG computed here; the pages use no script, no
web font and no network, carry a Content-Security-Policy that forbids loading anything, and link
to each other with relative links only, so they open straight from the file system.

Everything shown comes from data, so templates are rendered with autoescape on. The report is
written to a sibling folder and swapped in as a whole, so a failed render never replaces a good
report.
"""

from __future__ import annotations

import math
import os
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).with_name("templates")
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
SIZE_CLASS_LABEL = {
    "below_50k": "under 50,000",
    "50k_200k": "50,000-200,000",
    "200k_500k": "200,000-500,000",
    "500k_1.5m": "500,000-1.5 million",
    "1.5m_plus": "1.5 million and more",
    "unknown": "unknown size",
}
FLAG_LABEL = {
    "estimated": "estimated",
    "boundary_mismatch": "boundary mismatch",
    "implausible": "implausible",
    "exceeds_internet_access": "exceeds internet access",
    "national_context": "national context",
}

# Strip-chart geometry (SVG user units).
CHART_WIDTH = 980
LABEL_RIGHT = 300  # indicator names end here
STRIP_LEFT, STRIP_RIGHT = 320, 690
VALUE_LEFT = 705  # the city's own value is written here
ROW_HEIGHT = 40
CHART_TOP = 34  # legend above the first row
LABEL_CHARS = 44


@dataclass
class Dot:
    x: float
    city_name: str
    label: str  # tooltip: city, value, unit
    kind: str  # "other", "peer" or "city"


@dataclass
class ChartRow:
    y: float
    indicator_name: str
    short_name: str
    level: str
    dots: list[Dot] = field(default_factory=list)
    min_label: str = ""
    max_label: str = ""
    value_label: str = ""  # the city's value, or "no data: <reason>"
    has_value: bool = False


@dataclass
class Chart:
    id: str
    title: str
    description: str
    width: int
    height: int
    rows: list[ChartRow]
    strip_left: int = STRIP_LEFT
    strip_right: int = STRIP_RIGHT
    label_right: int = LABEL_RIGHT
    value_left: int = VALUE_LEFT


def render_report(published_db: Path, out_dir: Path) -> Path:
    """Render the report from `published_db` (opened read-only) into `out_dir`; return index."""
    data = _load(published_db)
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = format_number
    env.filters["flag"] = lambda f: FLAG_LABEL.get(f, str(f).replace("_", " "))
    env.filters["size_class"] = lambda s: SIZE_CLASS_LABEL.get(s, s or "unknown size")

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = out_dir.with_name(out_dir.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "city").mkdir(parents=True)
    common = {
        "cities": data["cities"],
        "publication": data["publication"],
        "vintages": data["vintages"],
    }
    (staging / "index.html").write_text(
        env.get_template("index.html").render(
            root="",
            focus_areas=data["focus_areas"],
            scores=data["scores_by_city"],
            heatmap=_heatmap(data),
            **common,
        ),
        encoding="utf-8",
    )
    for city in data["cities"]:
        page = _city_page(data, city)
        (staging / "city" / f"{city['file_stem']}.html").write_text(
            env.get_template("city.html").render(root="../", **page, **common),
            encoding="utf-8",
        )
    old = out_dir.with_name(out_dir.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if out_dir.exists():
        os.replace(out_dir, old)
    os.replace(staging, out_dir)
    shutil.rmtree(old, ignore_errors=True)
    return out_dir / "index.html"


def format_number(value: Any) -> str:
    """A readable number: thousands separators, about three significant digits for small ones."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    v = float(value)
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 1 or a == 0:
        return f"{v:.2f}".rstrip("0").rstrip(".")
    return f"{v:.3g}"


# --- reading -----------------------------------------------------------------------------------


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


def _load(published_db: Path) -> dict[str, Any]:
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
        c["file_stem"] = _file_stem(c["city_id"])
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


def _file_stem(city_id: str) -> str:
    # City ids are lower-case iso3-slug; anything else must not become a path outside city/.
    if not city_id or not all(ch.isalnum() or ch in "-_" for ch in city_id):
        raise ValueError(f"unexpected city_id {city_id!r} for a report file name")
    return city_id


def _gap_reason(data: dict[str, Any], city_id: str, indicator_id: str) -> str:
    cell = data["coverage"].get((city_id, indicator_id))
    return (cell or {}).get("gap_reason") or "not in the coverage table"


# --- pages -------------------------------------------------------------------------------------


def _heatmap(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Focus areas, each with its indicators, each with one cell per city (in city order)."""
    groups = []
    for fa in data["focus_areas"]:
        indicators = []
        for k in (k for k in data["catalogue"] if k["focus_area_id"] == fa["id"]):
            cells = []
            for c in data["cities"]:
                v = data["values"].get((c["city_id"], k["indicator_id"]))
                filled = v is not None and v["value"] is not None
                title = (
                    f"{c['name']}, {k['name']}: {format_number(v['value'])} {v['unit'] or ''}"
                    if filled
                    else f"{c['name']}, {k['name']}: no data: "
                    + _gap_reason(data, c["city_id"], k["indicator_id"])
                )
                cells.append({"filled": filled, "title": title.strip()})
            indicators.append({**k, "cells": cells})
        if indicators:
            groups.append({**fa, "indicators": indicators})
    return groups


def _city_page(data: dict[str, Any], city: dict[str, Any]) -> dict[str, Any]:
    cid = city["city_id"]
    peers = [
        c for c in data["cities"] if c["size_class"] == city["size_class"] and c["city_id"] != cid
    ]
    peer_ids = {c["city_id"] for c in peers}
    sections = []
    for fa in data["focus_areas"]:
        indicators = [k for k in data["catalogue"] if k["focus_area_id"] == fa["id"]]
        if not indicators:
            continue
        rows = []
        for k in indicators:
            v = data["values"].get((cid, k["indicator_id"]))
            if v is not None and v["value"] is not None:
                rows.append({"indicator": k, "value": v, "gap": None})
            else:
                rows.append(
                    {
                        "indicator": k,
                        "value": None,
                        "gap": _gap_reason(data, cid, k["indicator_id"]),
                    }
                )
        sections.append(
            {
                **fa,
                "score": data["scores_by_city"].get(cid, {}).get(fa["id"]),
                "chart": _chart(data, city, peer_ids, fa, indicators),
                "rows": rows,
            }
        )
    return {"city": city, "peers": peers, "sections": sections}


def _chart(
    data: dict[str, Any],
    city: dict[str, Any],
    peer_ids: set[str],
    fa: dict[str, Any],
    indicators: list[dict[str, Any]],
) -> Chart:
    rows = []
    for i, k in enumerate(indicators):
        y = CHART_TOP + i * ROW_HEIGHT + ROW_HEIGHT / 2
        name = k["name"] or k["indicator_id"]
        short = name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1] + "…"
        if k["level"] == "national":
            short = short + " *"
        row = ChartRow(y=y, indicator_name=name, short_name=short, level=k["level"])
        points = []
        for c in data["cities"]:
            v = data["values"].get((c["city_id"], k["indicator_id"]))
            if v is not None and v["value"] is not None and math.isfinite(v["value"]):
                points.append((c, v))
        own = data["values"].get((city["city_id"], k["indicator_id"]))
        unit = k["unit"] or ""
        if own is not None and own["value"] is not None:
            row.has_value = True
            row.value_label = f"{format_number(own['value'])} {unit}".strip()
        else:
            row.value_label = "no data: " + _gap_reason(data, city["city_id"], k["indicator_id"])
        if points:
            lo = min(v["value"] for _, v in points)
            hi = max(v["value"] for _, v in points)
            span = hi - lo
            row.min_label = format_number(lo)
            row.max_label = format_number(hi) if span > 0 else ""
            order = {"other": 0, "peer": 1, "city": 2}  # the city is drawn last, on top
            dots = []
            for c, v in points:
                frac = (v["value"] - lo) / span if span > 0 else 0.5
                kind = (
                    "city"
                    if c["city_id"] == city["city_id"]
                    else "peer"
                    if c["city_id"] in peer_ids
                    else "other"
                )
                dots.append(
                    Dot(
                        x=round(STRIP_LEFT + frac * (STRIP_RIGHT - STRIP_LEFT), 1),
                        city_name=c["name"],
                        label=f"{c['name']}: {format_number(v['value'])} {unit}".strip(),
                        kind=kind,
                    )
                )
            row.dots = sorted(dots, key=lambda d: order[d.kind])
        rows.append(row)
    n_with = sum(r.has_value for r in rows)
    return Chart(
        id=f"chart-{fa['id']}",
        title=f"{city['name']}: {fa['name']} indicators against peer-group and all pilot cities",
        description=(
            f"Strip chart of {len(rows)} indicators; {city['name']} has a value for {n_with}. "
            "Each row runs from the lowest to the highest value among all pilot cities; "
            f"{city['name']} is the large orange dot, its peer-group cities are blue, "
            "other pilot cities grey."
        ),
        width=CHART_WIDTH,
        height=int(CHART_TOP + len(rows) * ROW_HEIGHT + 10),
        rows=rows,
    )
