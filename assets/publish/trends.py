"""Trends of a city page: small line charts where a source holds several years.

Population: one series per spatial unit and source (`staging.population_figures`; UN WUP
agglomerations hold 1950-2035, projections after the revision year drawn dashed); units with a
single figure are shown side by side on a log axis instead, since they are not one series.
National context: the series of each national indicator the city shows, from
`staging.country_indicators`, restricted to the vintage of the published value so a line never
mixes editions. The reference year of the indicator is a vertical line, the published value a
larger dot.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from assets.publish.charts import format_number
from assets.publish.strings import t

W, H = 300, 96
LEFT, RIGHT, TOP, BOTTOM = 46, 290, 14, 70
MIN_YEARS = 3  # a line needs at least this many years


@dataclass
class Trend:
    id: str
    name: str
    title: str
    description: str
    path: str  # observed part
    projection_path: str  # dashed part ("" when none)
    ref_x: float | None
    ref_label: str
    marker: tuple[float, float] | None
    y_labels: list[tuple[float, str]]
    x_labels: list[tuple[float, str]]
    width: int = W
    height: int = H


def _trend(tid: str, name: str, points: list[tuple[int, float, bool]], ref_year: int | None,
           published: tuple[int, float] | None) -> Trend:  # fmt: skip
    years = [p[0] for p in points]
    values = [p[1] for p in points]
    y0, y1 = min(years), max(years)
    v0, v1 = min(values), max(values)
    if ref_year is not None:
        y0, y1 = min(y0, ref_year), max(y1, ref_year)
    span_y = (y1 - y0) or 1
    span_v = (v1 - v0) or abs(v1) or 1.0

    def xy(year: float, value: float) -> tuple[float, float]:
        x = LEFT + (year - y0) / span_y * (RIGHT - LEFT)
        y = BOTTOM - (value - v0) / span_v * (BOTTOM - TOP) if v1 > v0 else (TOP + BOTTOM) / 2
        return round(x, 1), round(y, 1)

    observed = [xy(y, v) for y, v, proj in points if not proj]
    projected = [xy(y, v) for y, v, proj in points if proj]
    if observed and projected:
        projected = [observed[-1], *projected]

    def path(pts: list[tuple[float, float]]) -> str:
        return " ".join(("M" if i == 0 else "L") + f"{x},{y}" for i, (x, y) in enumerate(pts))

    marker = xy(*published) if published else None
    return Trend(
        id=tid,
        name=name,
        title=t("trend_title", name=name, first=years[0], last=years[-1]),
        description=t(
            "trend_desc",
            n=len(points),
            first=years[0],
            v_first=format_number(values[0]),
            last=years[-1],
            v_last=format_number(values[-1]),
            ref=ref_year if ref_year is not None else "-",
        ),  # fmt: skip
        path=path(observed),
        projection_path=path(projected) if len(projected) > 1 else "",
        ref_x=xy(ref_year, v0)[0] if ref_year is not None else None,
        ref_label=t("trend_ref", year=ref_year) if ref_year is not None else "",
        marker=marker,
        y_labels=[(BOTTOM, format_number(v0)), (TOP + 4, format_number(v1))],
        x_labels=[(LEFT, str(y0)), (RIGHT, str(y1))],
    )


def _code_of(provenance: str | None) -> str | None:
    """The national series code in a provenance like `staging.country_indicators#KHM/CODE/2022`."""
    if not provenance or "country_indicators#" not in provenance:
        return None
    parts = provenance.split("#", 1)[1].split("/")
    return parts[1] if len(parts) >= 3 else None


def city_trends(data: dict[str, Any], city: dict[str, Any]) -> dict[str, Any]:
    cid = city["city_id"]
    trends: list[Trend] = []
    units: list[dict[str, Any]] = []
    pop_ref = (data["catalogue_by_id"].get("population") or {}).get("reference_year")
    published_pop = data["values"].get((cid, "population"))
    series: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for p in data["population_series"].get(cid, []):
        series.setdefault((p["boundary_type"] or "", p["source_id"] or ""), []).append(p)
    for (unit, source), pts in sorted(series.items()):
        by_year: dict[int, dict[str, Any]] = {}
        for p in pts:  # one figure per year and series: the first in the query's total order
            by_year.setdefault(int(p["year"]), p)
        if len(by_year) >= MIN_YEARS:
            points = [(y, float(p["population"]), bool(p["is_projection"]))
                      for y, p in sorted(by_year.items())]  # fmt: skip
            pub = None
            if (
                published_pop
                and published_pop.get("unit_type") == unit
                and published_pop.get("data_year")
                and str(published_pop["data_year"]).isdigit()
            ):
                pub = (int(published_pop["data_year"]), float(published_pop["value"]))
            name = t("trend_population", unit=unit.replace("_", " "),
                     source=data["sources"].name(source))  # fmt: skip
            trends.append(_trend(f"trend-pop-{len(trends)}", name, points, pop_ref, pub))
        else:
            for y, p in sorted(by_year.items()):
                units.append({"unit": unit.replace("_", " "), "year": y,
                              "value": float(p["population"]),
                              "source": data["sources"].name(source)})  # fmt: skip
    for k in data["catalogue"]:
        if k["level"] != "national":
            continue
        v = data["values"].get((cid, k["indicator_id"]))
        code = _code_of(v.get("provenance")) if v else None
        if not code:
            continue
        pts = [n for n in data["national_series"].get((city["country_iso3"], code), [])
               if n["vintage"] == v.get("vintage")]  # fmt: skip
        by_year = {int(n["year"]): float(n["value"]) for n in pts}
        if len(by_year) < MIN_YEARS:
            continue
        pub = (
            (int(v["data_year"]), float(v["value"])) if str(v.get("data_year")).isdigit() else None
        )
        trends.append(_trend(f"trend-{k['indicator_id']}", k["name"],
                             [(y, val, False) for y, val in sorted(by_year.items())],
                             k.get("reference_year"), pub))  # fmt: skip
    return {"trends": trends, "units": unit_chart(units)}


def unit_chart(units: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Single-year population figures of the city's units on one log axis (they span orders of
    magnitude: a municipality and its province)."""
    if not units:
        return None
    values = [u["value"] for u in units if u["value"] > 0]
    if not values:
        return None
    lo = 10 ** math.floor(math.log10(min(values)))
    hi = 10 ** math.ceil(math.log10(max(values)))
    if hi <= lo:
        hi = lo * 10
    left, right = 250, 600

    def x(v: float) -> float:
        return round(
            left + (math.log10(v) - math.log10(lo)) / (math.log10(hi / lo)) * (right - left), 1
        )

    ticks = []
    e = int(round(math.log10(lo)))
    while 10**e <= hi:
        ticks.append((x(10**e), format_number(10**e)))
        e += 1
    rows = [
        {**u, "x": x(u["value"]) if u["value"] > 0 else None, "y": 28 + i * 22,
         "label": f"{u['unit']}, {u['year']}", "text": format_number(u["value"])}
        for i, u in enumerate(sorted(units, key=lambda u: u["value"]))
    ]  # fmt: skip
    return {"rows": rows, "ticks": ticks, "left": left, "right": right, "width": 700,
            "height": 28 + len(rows) * 22 + 20}  # fmt: skip
