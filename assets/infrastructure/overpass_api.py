"""Overpass API client: sends one city's query (assets/infrastructure/overpass_query.py) and
checks the answer against it before anything is measured or kept.

Transport is the shared `HttpClient` (pipelines/framework/http.py): POST `data=<QL>`, polite
User-Agent, retries per request, rate-limit and too-busy pages recognised by their text whatever
their status and retried after the server's delay, kept answers so a rerun resumes. HTTP 400
parse errors arrive there with every error line of the page (not its XML prolog) and are
permanent: not retried, and the asset does not retry them either.

What this module checks (`OverpassClient.check`, the `validate` of every request, so a refused
answer is never kept):

* the body is an Overpass JSON object with an `elements` list (else refused, with the text);
* a `remark` with "runtime error" is a failure reported in full: "Query timed out" is retried,
  "out of memory" is not (the query needs a larger `ASCN_OVERPASS_MAXSIZE_BYTES`);
* exactly one count element per (metric, area) asked, named as asked, with whole-number counts
  whose total is their sum; no count element that was not asked;
* only the element types asked (ways and relations with geometry; the candidate relation and
  its Overpass area); a node among the geometry is a mismatch;
* every object a length or area metric needs came with geometry (`measure.missing_geometry`:
  an `out center` relation has only a centre; an answer without geometry is not 0).

Each refusal names the URL, the city and the mismatch.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from shapely.geometry import MultiLineString
from shapely.geometry.base import BaseGeometry

from assets.infrastructure.geometry import (
    closed_way_polygon,
    line,
    point,
    polygon_from_member_lines,
)
from assets.infrastructure.measure import missing_geometry
from assets.infrastructure.osm_model import Feature, MetricSpec
from assets.infrastructure.overpass_query import CityRequest
from pipelines.framework.http import (
    HttpClient,
    HttpResponse,
    RetryableResponse,
    SourceError,
    refuse,
)

COUNT_KEYS = ("nodes", "ways", "relations", "total")


@dataclass
class CityAnswer:
    """A checked answer: the data vintage, the counts, the features and the relation asked."""

    request: CityRequest
    url: str
    osm_timestamp: str | None
    areas_timestamp: str | None
    counts: dict[tuple[str, str], int]  # (metric id, area id) -> count
    features: list[Feature] = field(default_factory=list)
    relation: dict[str, Any] | None = None  # the candidate relation element, if in the answer
    relation_geometry: BaseGeometry | None = None
    area_present: bool = False  # the asked Overpass area exists
    kept: bool = False  # served from the kept answers, without a request


class OverpassClient:
    """Sends one city's Overpass query through the shared HttpClient and checks its answer."""

    def __init__(self, url: str, http: HttpClient, specs: Sequence[MetricSpec] = ()):
        self.url = url
        self.http = http
        self.specs = list(specs)
        self._checked: dict[int, CityAnswer] = {}

    def run(self, request: CityRequest) -> CityAnswer:
        """The checked answer of `request`; SourceError naming the URL, city and problem."""
        what = f"city {request.city_id} (query step {request.step})"

        def validate(resp: HttpResponse) -> None:
            self._checked[id(resp)] = self.check(request, resp, what)

        try:
            resp = self.http.post(self.url, data={"data": request.query}, validate=validate)
        except SourceError as exc:
            if what in exc.detail:  # refused by `check`: it already says which query
                raise
            raise SourceError(
                exc.source, exc.url, f"{what}: {exc.detail}", status=exc.status,
                permanent=exc.permanent,
            ) from exc  # fmt: skip
        answer = self._checked.pop(id(resp), None) or self.check(request, resp, what)
        self._checked.clear()
        answer.kept = resp.kept
        return answer

    # -- checking ------------------------------------------------------------------------------
    def check(self, request: CityRequest, resp: HttpResponse, what: str) -> CityAnswer:
        src, url = self.http.source, resp.url
        payload = resp.json(src)
        if not isinstance(payload, dict):
            raise refuse(src, url, f"{what}: JSON body is not an object")
        remark = payload.get("remark")
        if isinstance(remark, str) and "runtime error" in remark.lower():
            if "out of memory" in remark.lower():
                raise refuse(
                    src, url,
                    f"{what}: Overpass remark: {remark} (raise ASCN_OVERPASS_MAXSIZE_BYTES)",
                )  # fmt: skip
            raise RetryableResponse(f"{what}: Overpass remark: {remark}")
        elements = payload.get("elements")
        if not isinstance(elements, list):
            raise refuse(src, url, f"{what}: response has no 'elements' list")
        osm3s = payload.get("osm3s") if isinstance(payload.get("osm3s"), dict) else {}
        answer = CityAnswer(
            request, url, osm3s.get("timestamp_osm_base"), osm3s.get("timestamp_areas_base"), {}
        )
        for e in elements:
            if not isinstance(e, dict) or not isinstance(e.get("type"), str):
                raise refuse(src, url, f"{what}: element without a type: {str(e)[:120]}")
            kind = e["type"]
            if kind in request.counts:
                metric_id, area_id = request.counts[kind]
                if (metric_id, area_id) in answer.counts:
                    raise refuse(src, url, f"{what}: count element {kind!r} appears twice")
                answer.counts[(metric_id, area_id)] = _count(e, src, url, what)
            elif kind == "relation" and _id(e) == request.relation_id:
                answer.relation = e
                answer.relation_geometry = _relation_polygon(e)
            elif kind == "area" and request.area_check is not None:
                if _id(e) != request.area_check:
                    raise refuse(src, url, f"{what}: area {_id(e)} in the answer, not asked")
                answer.area_present = True
            elif kind in request.geometry_types:
                answer.features.append(element_to_feature(e))
            else:
                raise refuse(
                    src, url,
                    f"{what}: element type {kind!r} (id {e.get('id')}) was not asked for; "
                    f"asked: counts {sorted(request.counts)[:3]}..., geometry "
                    f"{sorted(request.geometry_types)}",
                )  # fmt: skip
        missing = [k for k, v in request.counts.items() if v not in answer.counts]
        if missing:
            metric_id, area_id = request.counts[missing[0]]
            raise refuse(
                src, url,
                f"{what}: {len(missing)} count element(s) missing, e.g. {missing[0]!r} (metric "
                f"{metric_id}, area {area_id}); a missing count is a failed query, never 0",
            )  # fmt: skip
        for f in answer.features:
            for m in self.specs:
                if m.geometry != "point" and m.tag_filter.matches(f.tags):
                    problem = missing_geometry(f, m)
                    if problem:
                        raise refuse(src, url, f"{what}: {problem}")
        return answer


def _id(e: Mapping[str, Any]) -> int | None:
    try:
        return int(e.get("id"))
    except (TypeError, ValueError):
        return None


def _count(e: Mapping[str, Any], source: str, url: str, what: str) -> int:
    """A `make` count element's total; the numbers come as strings (apis.md §1.1)."""
    tags = e.get("tags") if isinstance(e.get("tags"), dict) else {}
    try:
        parts = {k: int(str(tags[k])) for k in COUNT_KEYS}
    except (KeyError, ValueError) as exc:
        raise refuse(
            source, url, f"{what}: unreadable count element {e['type']}: {tags!r}"
        ) from exc
    if (
        min(parts.values()) < 0
        or parts["total"] != parts["nodes"] + parts["ways"] + parts["relations"]
    ):
        raise refuse(
            source, url, f"{what}: count element {e['type']}: total is not the sum {tags!r}"
        )
    return parts["total"]


def _coords(seq: Any) -> list[tuple[float, float]]:
    out = []
    for p in seq or []:
        if isinstance(p, dict) and p.get("lat") is not None and p.get("lon") is not None:
            out.append((float(p["lon"]), float(p["lat"])))
    return out


def _center(e: Mapping[str, Any]) -> BaseGeometry | None:
    c = e.get("center")
    if isinstance(c, dict) and c.get("lat") is not None and c.get("lon") is not None:
        return point(float(c["lon"]), float(c["lat"]))
    return None


def element_to_feature(e: Mapping[str, Any]) -> Feature:
    """An Overpass JSON element -> Feature with what geometry it came with.

    Ways: `geometry` (a polyline; closed, also a polygon). Relations: the members' `geometry`
    assembled into a multipolygon; when members carry no geometry (answered `out center`), only
    the `center` locates the relation. A node: its coordinates.
    """
    kind, osm_id = str(e.get("type")), int(e.get("id", 0))
    tags = {str(k): str(v) for k, v in (e.get("tags") or {}).items()}
    if kind == "node":
        lat, lon = e.get("lat"), e.get("lon")
        geom = point(float(lon), float(lat)) if lat is not None and lon is not None else None
        return Feature("node", osm_id, tags, line=geom)
    if kind == "way":
        pts = _coords(e.get("geometry"))
        if not pts:
            return Feature("way", osm_id, tags, center=_center(e))
        return Feature("way", osm_id, tags, line=line(pts), polygon=closed_way_polygon(pts))
    members = [m for m in e.get("members") or [] if isinstance(m, dict) and m.get("type") == "way"]
    if not members or any(not _coords(m.get("geometry")) for m in members):
        return Feature("relation", osm_id, tags, center=_center(e))
    lines = [_coords(m.get("geometry")) for m in members]
    polygon = polygon_from_member_lines(lines)  # None when the members do not close
    return Feature(
        "relation", osm_id, tags, line=MultiLineString(lines), polygon=polygon, center=_center(e)
    )


def _relation_polygon(e: Mapping[str, Any]) -> BaseGeometry | None:
    """The candidate admin relation's polygon from its outer/inner way members (else None)."""
    roles = ("outer", "inner", "")
    members = [
        m for m in e.get("members") or []
        if isinstance(m, dict) and m.get("type") == "way" and m.get("role") in roles
    ]  # fmt: skip
    lines = [_coords(m.get("geometry")) for m in members]
    if not lines or any(not c for c in lines):
        return None
    return polygon_from_member_lines(lines)


_STATUS_SLOT = re.compile(r"^Slot available after: ([^,]+), in (-?\d+) seconds?\.$", re.M)
_STATUS_FREE = re.compile(r"^(\d+) slots? available now\.$", re.M)


def status_delay(text: str) -> float | None:
    """Seconds until a query slot is free, from Overpass `/api/status` (apis.md §1.5);
    0 when a slot is free now, None when the text says neither."""
    if _STATUS_FREE.search(text):
        return 0.0
    waits = [max(0, int(m.group(2))) for m in _STATUS_SLOT.finditer(text)]
    return float(min(waits)) if waits else None


def status_url(interpreter_url: str) -> str:
    """`.../api/interpreter` -> `.../api/status`."""
    base = interpreter_url.rstrip("/")
    return (base.rsplit("/", 1)[0] if base.endswith("/interpreter") else base) + "/status"
