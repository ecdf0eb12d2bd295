"""Overpass API client: one QL query per (city boundary, catalogue metric), sent one at a time.

Transport (timeouts, retries on 429/504 honouring Retry-After, size limit, User-Agent) is the
shared `HttpClient`; this module only builds queries and reads Overpass JSON:

* point metrics: `out count;` -> one element `{"type": "count", "tags": {"nodes": "12", ...}}`
  (the counts are strings) -> `OverpassResult.count`;
* line / area metrics: `out geom;` -> nodes, ways with `geometry`, relations with member
  `geometry` (or `center` only) -> `OverpassResult.features`; lengths and areas are computed in
  Python by `assets.infrastructure.geometry`, the same code the extract back-end uses;
* `osm3s.timestamp_osm_base` is kept as the data vintage;
* an Overpass runtime error is an HTTP 200 with a `remark` ("runtime error: Query timed out")
  -> `SourceError` naming city, metric and URL; a body that is not JSON (HTML error page,
  truncated transfer) -> `SourceError` naming city, metric and source.

The catalogue's `osm_filter` arrives parsed (`assets.infrastructure.osm_model.TagFilter`) and
is re-emitted with every key and value quoted, so catalogue text never reaches the query verbatim.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from assets.infrastructure.osm_model import GEOMETRIES, Boundary, Feature, MetricSpec
from pipelines.framework.http import HttpClient, HttpResponse, SourceError


@dataclass
class OverpassResult:
    """One answered query: the QL sent, the data vintage, and a count or the features."""

    query: str
    url: str
    osm_timestamp: str | None
    count: int | None = None
    features: list[Feature] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# The client
# ---------------------------------------------------------------------------------------------
class OverpassClient:
    """Sends one Overpass QL query at a time through the shared HttpClient (POST `data=`)."""

    def __init__(
        self, url: str, http: HttpClient, timeout_s: int = 180, *, min_interval_s: float = 1.0
    ):
        if int(timeout_s) <= 0:
            raise ValueError("Overpass timeout_s must be a positive number of seconds")
        self.url = url
        self.http = http
        self.timeout_s = int(timeout_s)
        self.min_interval_s = min_interval_s  # politeness gap between two queries
        self._last_sent: float | None = None

    # -- query building ------------------------------------------------------------------------
    def build_query(self, boundary: Boundary, metric: MetricSpec) -> str:
        if metric.geometry not in GEOMETRIES:
            raise ValueError(f"metric {metric.metric_id!r}: unknown geometry {metric.geometry!r}")
        prefix, scope = _scope(boundary)
        types = {"point": ("node", "way", "rel"), "line": ("way",), "area": ("way", "rel")}
        statements = [
            f"{t}{scope}{alt};"
            for alt in metric.tag_filter.ql_alternatives()
            for t in types[metric.geometry]
        ]
        out = "out count;" if metric.geometry == "point" else "out geom;"
        return (
            f"[out:json][timeout:{self.timeout_s}];\n{prefix}"
            f"(\n  " + "\n  ".join(statements) + "\n);\n" + out
        )

    # -- running -------------------------------------------------------------------------------
    def run(self, boundary: Boundary, metric: MetricSpec) -> OverpassResult:
        query = self.build_query(boundary, metric)
        what = f"city {boundary.city_id}, metric {metric.metric_id}"
        self._pause()
        try:
            resp = self.http.post(self.url, data={"data": query})
        except SourceError as exc:  # out of retries, timeout, HTTP 4xx: say which query
            raise SourceError(exc.source, exc.url, f"{what}: {exc.detail}") from exc
        finally:
            self._last_sent = time.monotonic()
        payload = self._decode(resp, what)
        remark = payload.get("remark")
        if isinstance(remark, str) and "error" in remark.lower():
            raise SourceError(self.http.source, resp.url, f"{what}: Overpass remark: {remark}")
        elements = payload.get("elements")
        if not isinstance(elements, list):
            raise SourceError(
                self.http.source, resp.url, f"{what}: response has no 'elements' list"
            )
        osm3s = payload.get("osm3s") if isinstance(payload.get("osm3s"), dict) else {}
        result = OverpassResult(query, resp.url, osm3s.get("timestamp_osm_base"))
        if metric.geometry == "point":
            result.count = _parse_count(elements, self.http.source, resp.url, what)
        else:
            result.features = [f for e in elements if (f := element_to_feature(e)) is not None]
        return result

    def _decode(self, resp: HttpResponse, what: str) -> dict[str, Any]:
        try:
            payload = resp.json(self.http.source)
        except SourceError as exc:
            raise SourceError(exc.source, exc.url, f"{what}: {exc.detail}") from exc
        if not isinstance(payload, dict):
            raise SourceError(self.http.source, resp.url, f"{what}: JSON body is not an object")
        return payload

    def _pause(self) -> None:
        if self._last_sent is None or self.min_interval_s <= 0:
            return
        gap = self.min_interval_s - (time.monotonic() - self._last_sent)
        if gap > 0:
            self.http.sleep(gap)


def _scope(b: Boundary) -> tuple[str, str]:
    if b.kind == "relation":
        return f"area(id:{b.area_id})->.a;\n", "(area.a)"
    if b.kind == "radius":
        if b.lat is None or b.lon is None or not b.radius_km:
            raise ValueError(f"city {b.city_id!r}: radius boundary needs lat, lon and radius_km")
        return "", f"(around:{b.radius_km * 1000:.0f},{b.lat:.6f},{b.lon:.6f})"
    if b.kind == "bbox":
        return "", f"({b.south:.6f},{b.west:.6f},{b.north:.6f},{b.east:.6f})"
    raise ValueError(f"city {b.city_id!r}: unknown boundary kind {b.kind!r}")


def _parse_count(elements: Sequence[Any], source: str, url: str, what: str) -> int:
    counts = [e for e in elements if isinstance(e, dict) and e.get("type") == "count"]
    if len(counts) != 1:
        raise SourceError(source, url, f"{what}: expected one 'count' element, got {len(counts)}")
    tags = counts[0].get("tags") or {}
    try:
        parts = {k: int(str(tags[k])) for k in ("nodes", "ways", "relations")}
        total = int(str(tags.get("total", sum(parts.values()))))
    except (KeyError, ValueError) as exc:
        raise SourceError(source, url, f"{what}: unreadable count element {tags!r}") from exc
    if total != sum(parts.values()) + int(str(tags.get("areas", "0") or 0)):
        raise SourceError(source, url, f"{what}: count total {total} != sum of parts {tags!r}")
    return total


def _coords(seq: Any) -> list[tuple[float, float]]:
    out = []
    for p in seq or []:
        if isinstance(p, dict) and p.get("lat") is not None and p.get("lon") is not None:
            out.append((float(p["lon"]), float(p["lat"])))
    return out


def element_to_feature(e: Any) -> Feature | None:
    """Overpass JSON element (node / way with geometry / relation with members) -> Feature."""
    if not isinstance(e, dict):
        return None
    kind, osm_id = e.get("type"), int(e.get("id", 0))
    if kind == "node" and e.get("lat") is not None:
        return Feature("node", osm_id, line=[(float(e["lon"]), float(e["lat"]))])
    if kind == "way":
        pts = _coords(e.get("geometry"))
        if not pts and isinstance(e.get("center"), dict):
            return Feature("way", osm_id, line=_coords([e["center"]]))
        f = Feature("way", osm_id, line=pts)
        if len(pts) >= 4 and pts[0] == pts[-1]:
            f.outer = [pts]
        return f
    if kind == "relation":
        members = [m for m in e.get("members") or [] if m.get("type") == "way"]
        if not members and isinstance(e.get("center"), dict):
            return Feature("relation", osm_id, line=_coords([e["center"]]))
        outer = assemble_rings(
            [_coords(m.get("geometry")) for m in members if m.get("role") != "inner"]
        )
        inner = assemble_rings(
            [_coords(m.get("geometry")) for m in members if m.get("role") == "inner"]
        )
        return Feature("relation", osm_id, outer=outer, inner=inner)
    return None


def assemble_rings(parts: list[list[tuple[float, float]]]) -> list[list[tuple[float, float]]]:
    """Join way geometries end to end into closed rings; parts that never close are dropped."""
    pending = [list(p) for p in parts if len(p) >= 2]
    rings = []
    while pending:
        ring = pending.pop(0)
        progress = True
        while ring[0] != ring[-1] and progress:
            progress = False
            for i, part in enumerate(pending):
                if part[0] == ring[-1]:
                    ring += part[1:]
                elif part[-1] == ring[-1]:
                    ring += part[::-1][1:]
                elif part[-1] == ring[0]:
                    ring = part[:-1] + ring
                elif part[0] == ring[0]:
                    ring = part[::-1][:-1] + ring
                else:
                    continue
                pending.pop(i)
                progress = True
                break
        if ring[0] == ring[-1] and len(ring) >= 4:
            rings.append(ring)
    return rings
