"""Strip charts of the city pages: geometry in SVG user units, computed here, drawn by
`templates/_chart.html`.

One row per indicator of a focus area; each row runs from the lowest to the highest value among
all pilot cities, with a dot per city (the page's city, its peer group, the others). Also the
number format used on every page (`format_number`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from assets.publish.report_data import gap_reason

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


def strip_chart(
    data: dict[str, Any],
    city: dict[str, Any],
    peer_ids: set[str],
    fa: dict[str, Any],
    indicators: list[dict[str, Any]],
) -> Chart:
    """The strip chart of one focus area on `city`'s page."""
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
            row.value_label = "no data: " + gap_reason(data, city["city_id"], k["indicator_id"])
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
