"""The visual report: static HTML pages read from the published warehouse.

`render_report` writes `index.html` (the map of the pilot cities coloured by a chosen focus-area
score or indicator, peer groups, focus-area scores, a coverage heat map, sources and downloads),
`city/<city_id>.html` (one brief per city: a generated summary with its standing chart, a
locator map, per focus area a chart oriented so that right is better with a table of values,
trends, projects and donors, sources and downloads) and `downloads/` (every published table and
each city as CSV, the data dictionary). Charts and maps are inline SVG; the pages use no script,
no web font and no network, carry a Content-Security-Policy that forbids loading anything, and
link to each other with relative links only, so they open straight from the file system. A
print stylesheet turns a city page into a brief of at most two A4 pages.

This module assembles the pages; the data come from `report_data.py` (and
`report_projects.py`), the sentences from `summary.py`, the chart geometry from `charts.py`,
`trends.py` and `map.py`, every string from `strings.py`, the markup from `templates/`.

Cost: every table is read once and each indicator's values sorted once; a page then costs a
bounded amount of work (charts draw at most `MAX_DOTS` dots per row, navigation and peer lists
are capped), so the report grows linearly with the number of cities.

Everything shown comes from data, so templates are rendered with autoescape on. The report is
written to a sibling folder and swapped in as a whole, so a failed render never replaces a good
report.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from assets.publish import strings
from assets.publish.charts import (
    IndicatorScales,
    country_rank,
    format_money,
    format_number,
    standing_chart,
    strip_chart,
)
from assets.publish.downloads import city_file, table_files
from assets.publish.map import (
    boundary_frame,
    city_points,
    load_outlines,
    locator_frame,
    map_layers,
)
from assets.publish.report_data import gap_reason, load_report_data, shown_rank
from assets.publish.summary import city_summary, is_current, project_of, score_rank
from assets.publish.trends import city_trends
from warehouse.publish import staged_folder, swap_in

TEMPLATES = Path(__file__).with_name("templates")
DATA_DIR = Path(__file__).resolve().parents[2] / "data"
NAV_MAX = 60  # above this many cities the navigation links the index instead of every city
PEERS_MAX = 30  # peer names listed on a city page


def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        t=strings.t, tn=strings.tn, lang=strings.t("site_lang"), known_keys=frozenset(strings.EN)
    )
    env.filters["num"] = format_number
    env.filters["money"] = format_money
    env.filters["flag"] = _flag_label
    env.filters["size_class"] = lambda s: strings.t(f"size_{s}") if s else strings.t("size_unknown")
    return env


def _flag_label(flag: str) -> str:
    if flag.startswith("year_gap_") and flag[9:].isdigit():
        return strings.t("flag_year_gap", n=int(flag[9:]))
    key = f"flag_{flag}"
    return strings.t(key) if key in strings.EN else flag.replace("_", " ")


def render_report(
    published_db: Path, out_dir: Path, data_dir: Path = DATA_DIR, today: date | None = None
) -> Path:
    """Render the report from `published_db` (opened read-only) into `out_dir`; return index."""
    today = today or datetime.now(UTC).date()
    data = load_report_data(published_db)
    scales = IndicatorScales.build(data)
    outlines = load_outlines(data_dir)
    points = city_points(data, outlines)
    env = _env()
    env.globals["source_name"] = data["sources"].name
    by_country: dict[str, list[dict[str, Any]]] = {}
    for c in data["cities"]:  # grouped once, for the locator maps
        by_country.setdefault(c["country_iso3"], []).append(c)

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = staged_folder(out_dir)
    (staging / "city").mkdir()
    downloads = staging / "downloads"
    tables = table_files(published_db, downloads)
    common = {
        "cities": data["cities"],
        "nav_cities": data["cities"] if len(data["cities"]) <= NAV_MAX else [],
        "publication": data["publication"],
        "tables": tables,
        "outlines": outlines,
        "points": points,
    }
    (staging / "index.html").write_text(
        env.get_template("index.html").render(
            root="",
            focus_areas=data["focus_areas"],
            scores=data["scores_by_city"],
            score_rank=score_rank,
            heatmap=_heatmap(data),
            layers=map_layers(data),
            sources=_sources(data, None),
            **common,
        ),
        encoding="utf-8",
    )
    for city in data["cities"]:
        page = _city_page(data, scales, city, today)
        page["city_csv"] = "downloads/" + city_file(data, city, downloads)
        page["locator"] = locator_frame(outlines, city["country_iso3"])
        page["boundary"] = boundary_frame(outlines, city["name"])
        same = by_country.get(city["country_iso3"], [])
        page["country_cities"] = same if len(same) <= NAV_MAX else []
        (staging / "city" / f"{city['file_stem']}.html").write_text(
            env.get_template("city.html").render(root="../", **page, **common),
            encoding="utf-8",
        )
    swap_in(staging, out_dir)
    return out_dir / "index.html"


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
                    else f"{c['name']}, {k['name']}: "
                    + strings.t(
                        "no_data_row",
                        reason=gap_reason(data, c["city_id"], k["indicator_id"])
                        or strings.t("cause_not_stated"),
                    )  # fmt: skip
                )
                cells.append({"filled": filled, "title": title.strip()})
            indicators.append({**k, "cells": cells})
        if indicators:
            groups.append({**fa, "indicators": indicators})
    return groups


def _sources(data: dict[str, Any], city_id: str | None) -> list[dict[str, Any]]:
    """Sources by name with link and licence: of one city's values and projects, or of all."""
    counts: dict[str, int] = {}
    vintages: dict[str, set[str]] = {}
    values = (
        data["values_by_city"].get(city_id, [])
        if city_id is not None
        else list(data["values"].values())
    )
    for v in values:
        sid = v.get("source_id") or ""
        counts[sid] = counts.get(sid, 0) + 1
        vintages.setdefault(sid, set()).add(v.get("vintage") or strings.t("vintage_not_stated"))
    project_rows = (
        data["projects_by_city"].get(city_id, [])
        if city_id is not None
        else [r for rows in data["projects_by_city"].values() for r in rows]
    )
    for r in project_rows:
        sid = r.get("source_id") or ""
        counts[sid] = counts.get(sid, 0) + 1
        vintages.setdefault(sid, set()).add(str(r.get("as_of_year") or r.get("vintage") or ""))
    return [
        {"source": data["sources"].get(sid), "count": n,
         "vintages": "; ".join(sorted(x for x in vintages[sid] if x))}
        for sid, n in sorted(counts.items(), key=lambda kv: data["sources"].name(kv[0]))
    ]  # fmt: skip


def _projects(data: dict[str, Any], cid: str, today: date) -> dict[str, Any]:
    rows = []
    for r in data["projects_by_city"].get(cid, []):
        p = project_of(r)
        rows.append({"row": r, "project": p, "current": is_current(p, today),
                     "as_of": p.as_of})  # fmt: skip
    rows.sort(key=lambda x: (not x["current"], x["project"].title))
    tables = data["project_tables"]
    return {
        "projects": rows,
        "donors": data["donors_by_city"].get(cid, []),
        "opportunities": data["opportunities_by_city"].get(cid, []),
        "gaps": data["gaps_by_city"].get(cid, []),
        "matches": data["matches_by_city"].get(cid, []),
        "matches_empty": tables.get("matches") and not any(data["matches_by_city"].values()),
        "available": tables,
    }


def _city_page(
    data: dict[str, Any], scales: IndicatorScales, city: dict[str, Any], today: date
) -> dict[str, Any]:
    cid = city["city_id"]
    summary = city_summary(data, city, today)
    sections = []
    for fa in data["focus_areas"]:
        indicators = [k for k in data["catalogue"] if k["focus_area_id"] == fa["id"]]
        if not indicators:
            continue
        rows = []
        for k in indicators:
            v = data["values"].get((cid, k["indicator_id"]))
            has = v is not None and v["value"] is not None
            rows.append({
                "indicator": k,
                "value": v if has else None,
                "rank": shown_rank(v) if has and k["level"] != "national" else None,
                "country_rank": country_rank(v) if has and k["level"] == "national" else None,
                "gap": None if has else gap_reason(data, cid, k["indicator_id"])
                or strings.t("cause_not_stated"),
                "source": data["sources"].get(v.get("source_id")) if has else None,
            })  # fmt: skip
        score = data["scores_by_city"].get(cid, {}).get(fa["id"])
        sections.append({
            **fa,
            "score": score,
            "score_rank": score_rank(score) if score else None,
            "chart": strip_chart(data, scales, city, fa, indicators),
            "rows": rows,
        })  # fmt: skip
    return {
        "city": city,
        "current_city": cid,
        "summary": summary,
        "standing": standing_chart(city, data["focus_areas"], summary.standings),
        "peers": _peers(data, city),
        "sections": sections,
        "trends": city_trends(data, city),
        "funding": _projects(data, cid, today),
        "sources": _sources(data, cid),
    }


def _peers(data: dict[str, Any], city: dict[str, Any]) -> dict[str, Any]:
    """Cities of the same size class (peer group of the focus-area scores), capped for display."""
    same = data.setdefault("_by_size", {})
    if not same:  # grouped once per report, not once per page
        for c in data["cities"]:
            same.setdefault(c["size_class"], []).append(c)
    peers = [c for c in same.get(city["size_class"], []) if c["city_id"] != city["city_id"]]
    return {"shown": peers[:PEERS_MAX], "more": max(0, len(peers) - PEERS_MAX), "n": len(peers)}
