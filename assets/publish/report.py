"""The visual report: static HTML pages read from the published warehouse.

`render_report` writes `index.html` (every city: peer groups, focus-area scores, a coverage heat
map, sources and vintages) and `city/<city_id>.html` (one page per city: per focus area a strip
chart of the city against its peer group and all cities, and a table of its indicators with
quality flags and provenance). Charts are inline SVG; the pages use no script, no web font and
no network, carry a Content-Security-Policy that forbids loading anything, and link to each
other with relative links only, so they open straight from the file system.

This module assembles the pages; the data come from `report_data.py`, the chart geometry and
the number format from `charts.py`, the markup from `templates/`.

Everything shown comes from data, so templates are rendered with autoescape on. The report is
written to a sibling folder and swapped in as a whole, so a failed render never replaces a good
report.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from assets.publish.charts import format_number, strip_chart
from assets.publish.report_data import gap_reason, load_report_data

TEMPLATES = Path(__file__).with_name("templates")
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


def render_report(published_db: Path, out_dir: Path) -> Path:
    """Render the report from `published_db` (opened read-only) into `out_dir`; return index."""
    data = load_report_data(published_db)
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
                    + gap_reason(data, c["city_id"], k["indicator_id"])
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
                        "gap": gap_reason(data, cid, k["indicator_id"]),
                    }
                )
        sections.append(
            {
                **fa,
                "score": data["scores_by_city"].get(cid, {}).get(fa["id"]),
                "chart": strip_chart(data, city, peer_ids, fa, indicators),
                "rows": rows,
            }
        )
    return {"city": city, "peers": peers, "sections": sections}
