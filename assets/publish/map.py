"""The map of the pilot cities: inline SVG, offline, from bundled outlines.

Country outlines: Natural Earth 1:110m admin-0 (public domain), the extract
`data/sources/maps/ne_110m_admin0_asean.geojson` (data/sources/MAP_SOURCES.md). Where the data
folder holds real Cambodian admin polygons (geoBoundaries ADM2, any `*khm*adm2*.geojson` under
`data/sources/`), the Cambodian provinces are drawn too and a Cambodian city's locator map
outlines its own province. Cities are dots at their registry coordinates, coloured in five
quantile classes of the chosen layer (a focus-area score or an indicator; darker = better, or
= higher for a neutral indicator); a city without a value is a hollow ring, a gap.

Projection: equirectangular (plate carrée) around the map frame; over ASEAN's latitudes
(-11 to 28 degrees) the distortion is small and the map shows position, not area.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assets.publish.charts import format_number
from assets.publish.strings import t

OUTLINES = Path("sources") / "maps" / "ne_110m_admin0_asean.geojson"
K = 16.0  # SVG units per degree
MAP_INDICATORS = ["population", "population_density", "pm25_concentration", "pt_access_pct"]


@dataclass
class Outlines:
    frame: tuple[float, float, float, float]  # lon0, lat0, lon1, lat1
    countries: list[dict[str, str]] = field(default_factory=list)  # iso3, name, path, asean
    provinces: list[dict[str, str]] = field(default_factory=list)  # name, path (Cambodia)
    has_admin: bool = False

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return round((lon - self.frame[0]) * K, 1), round((self.frame[3] - lat) * K, 1)

    @property
    def size(self) -> tuple[float, float]:
        return (self.frame[2] - self.frame[0]) * K, (self.frame[3] - self.frame[1]) * K


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return geometry["coordinates"]
    if geometry["type"] == "MultiPolygon":
        return [ring for poly in geometry["coordinates"] for ring in poly]
    return []


def _path(outlines: Outlines, geometry: dict[str, Any]) -> str:
    parts = []
    for ring in _rings(geometry):
        pts = [outlines.xy(lon, lat) for lon, lat in ring[:]]
        parts.append("M" + " ".join(f"{x},{y}" for x, y in pts) + "Z")
    return "".join(parts)


def _bbox(geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    pts = [p for ring in _rings(geometry) for p in ring]
    return (min(p[0] for p in pts), min(p[1] for p in pts), max(p[0] for p in pts),
            max(p[1] for p in pts))  # fmt: skip


def load_outlines(data_dir: Path) -> Outlines:
    """Country outlines (and Cambodian provinces where bundled), projected once per report."""
    doc = json.loads((data_dir / OUTLINES).read_text(encoding="utf-8"))
    outlines = Outlines(frame=tuple(doc["frame_lon_lat"]))  # type: ignore[arg-type]
    for f in doc["features"]:
        p = f["properties"]
        outlines.countries.append({"iso3": p["iso_a3"], "name": p["name"],
                                   "asean": p["asean"], "path": _path(outlines, f["geometry"]),
                                   "bbox": _bbox(f["geometry"])})  # fmt: skip
    for admin in sorted((data_dir / "sources").rglob("*khm*adm2*.geojson")):
        adm = json.loads(admin.read_text(encoding="utf-8"))
        for f in adm.get("features", []):
            props = f["properties"]
            outlines.provinces.append(
                {
                    "name": props.get("shapeName") or "",
                    "path": _path(outlines, f["geometry"]),
                    "ascn_city": props.get("ascn_city") or "",
                    "bbox": _bbox(f["geometry"]),
                }
            )
        outlines.has_admin = bool(outlines.provinces)
        break
    return outlines


def _classes(values: dict[str, float], direction: str) -> dict[str, int]:
    """Quantile class 0..4 per city (4 = best; for neutral, 4 = highest), ties kept together."""
    ordered = sorted(values.items(), key=lambda kv: (kv[1], kv[0]))
    if direction == "lower_better":
        ordered = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))
    n = len(ordered)
    first: dict[float, int] = {}
    for i, (_, v) in enumerate(ordered):
        first.setdefault(v, i)  # ties share the class of their first position
    out: dict[str, int] = {cid: min(4, math.floor(5 * first[v] / n)) for cid, v in ordered}
    return out


def map_layers(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The layers one can colour the map by: every focus-area score, then a few indicators."""
    layers = []
    for fa in data["focus_areas"]:
        vals = {}
        for c in data["cities"]:
            s = data["scores_by_city"].get(c["city_id"], {}).get(fa["id"])
            if s and s.get("score") is not None and s["score"] == s["score"]:
                vals[c["city_id"]] = float(s["score"])
        layers.append({"id": f"fa-{fa['id']}", "label": t("map_score", area=fa["name"]),
                       "values": vals, "direction": "higher_better", "unit": ""})  # fmt: skip
    for iid in MAP_INDICATORS:
        k = data["catalogue_by_id"].get(iid)
        if not k:
            continue
        vals = {}
        for v in data["values_by_indicator"].get(iid, []):
            if v["value"] is not None and math.isfinite(v["value"]):
                vals[v["city_id"]] = float(v["value"])
        layers.append({"id": f"ind-{iid}", "label": k["name"], "values": vals,
                       "direction": k["direction"], "unit": k["unit"] or ""})  # fmt: skip
    for layer in layers:
        classes = _classes(layer["values"], layer["direction"])
        layer["dots"] = []
        for c in data["cities"]:
            v = layer["values"].get(c["city_id"])
            shown = f"{format_number(v)} {layer['unit']}".strip()
            title = (
                t("map_city", city=c["name"], value=shown)
                if v is not None
                else t("map_city_gap", city=c["name"])
            )
            layer["dots"].append(
                {"city_id": c["city_id"], "cls": classes.get(c["city_id"]), "title": title}
            )
        layer["n_value"] = len(layer["values"])
        layer["legend"] = (
            t("map_neutral") if layer["direction"] == "neutral" else t("map_better_right")
        )
    return layers


def city_points(data: dict[str, Any], outlines: Outlines) -> dict[str, tuple[float, float]]:
    out = {}
    for c in data["cities"]:
        if c.get("lat") is not None and c.get("lon") is not None:
            out[c["city_id"]] = outlines.xy(float(c["lon"]), float(c["lat"]))
    return out


def locator_frame(outlines: Outlines, iso3: str) -> tuple[float, float, float, float]:
    """The viewBox (x, y, w, h) of a country with a margin, for a city's locator map."""
    for c in outlines.countries:
        if c["iso3"] == iso3:
            lon0, lat0, lon1, lat1 = c["bbox"]
            break
    else:
        lon0, lat0, lon1, lat1 = outlines.frame
    m = 0.6
    x0, y0 = outlines.xy(lon0 - m, lat1 + m)
    x1, y1 = outlines.xy(lon1 + m, lat0 - m)
    return x0, y0, round(x1 - x0, 1), round(y1 - y0, 1)


def boundary_frame(outlines: Outlines, city_name: str) -> dict[str, Any] | None:
    """A zoomed view of the city's own admin polygons (where bundled): viewBox and units."""
    units = [p for p in outlines.provinces if p["ascn_city"] == city_name]
    if not units:
        return None
    lon0 = min(u["bbox"][0] for u in units)
    lat0 = min(u["bbox"][1] for u in units)
    lon1 = max(u["bbox"][2] for u in units)
    lat1 = max(u["bbox"][3] for u in units)
    m = max(lon1 - lon0, lat1 - lat0) * 0.15
    x0, y0 = outlines.xy(lon0 - m, lat1 + m)
    x1, y1 = outlines.xy(lon1 + m, lat0 - m)
    return {
        "viewbox": (x0, y0, round(x1 - x0, 2), round(y1 - y0, 2)),
        "units": units,
        "stroke": round(max(x1 - x0, y1 - y0) / 150, 3),  # about one pixel at display size
    }
