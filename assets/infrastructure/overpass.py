"""The Overpass back-end: every catalogue metric of a city in one query (two with an OSM relation).

Per city (assets/infrastructure/overpass_query.py):
1. one query for the standard rings and the geoBoundaries polygon (if held), which also asks
   for the city's OSM relation candidate (tags, geometry, Overpass area);
2. only if the answer confirms the candidate (its `name` or `name:en` is an expected name, its
   `admin_level` the expected level, Overpass has its area, its members close into a polygon
   that contains the registry centre), a second query for that area. Otherwise the candidate is
   a reject with the reason, and the city is measured in its rings (and polygon) only.

Counts come from the answer's count elements (a count element with 0 is a measured 0, flagged
`measured_zero`); lengths and areas from its geometry, clipped by shapely to each area
(assets/infrastructure/measure.py, the rule the extract back-end uses too). Each city's cost
(requests, bytes, kept answers reused) is reported through `progress` and returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from shapely.geometry import Point

from assets.infrastructure.boundaries import CityAreas
from assets.infrastructure.measure import measure_features
from assets.infrastructure.metric_catalogue import catalogue_specs
from assets.infrastructure.metric_rows import (
    OSM_COLUMNS,
    measured_area_row,
    measured_row,
    metric_frame,
)
from assets.infrastructure.osm_model import MeasurementArea, MetricSpec, Progress, no_progress
from assets.infrastructure.overpass_api import CityAnswer, OverpassClient
from assets.infrastructure.overpass_query import build_request
from pipelines.framework.http import refuse
from pipelines.framework.rejects import reject, rejects_frame


@dataclass(frozen=True)
class CityCost:
    """What one city cost on the wire."""

    city_id: str
    requests: int  # sent over the network (retries included)
    bytes: int  # answer bytes received over the network
    reused: int  # kept answers reused without a request


@dataclass
class OsmResult:
    """Metric rows, rejects (e.g. an OSM relation not confirmed) and the cost per city."""

    frame: pd.DataFrame
    rejects: pd.DataFrame = field(default_factory=lambda: rejects_frame([]))
    costs: list[CityCost] = field(default_factory=list)


def measure_with_overpass(
    client: OverpassClient,
    cities: Sequence[CityAreas],
    catalogue: pd.DataFrame | Sequence[MetricSpec],
    *,
    timeout_s: int,
    maxsize_bytes: int,
    boundaries_path: str | Path = "data/reference/city_boundaries.csv",
    progress: Progress = no_progress,
) -> OsmResult:
    """Measure every city with at most two Overpass queries each, one at a time.

    A refused answer (SourceError) stops the run: nothing is returned, so nothing is landed.
    """
    specs = catalogue_specs(catalogue)
    client.specs = specs
    rows: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    costs: list[CityCost] = []
    traffic = client.http.traffic
    for done, city in enumerate(cities, start=1):
        before = (traffic.requests, traffic.bytes, traffic.reused)
        known = [a for a in city.areas if a.geometry is not None]
        candidate = next((a for a in city.areas if a.relation is not None), None)
        request = build_request(
            city.city_id, known, specs, timeout_s=timeout_s, maxsize_bytes=maxsize_bytes,
            relation=candidate,
        )  # fmt: skip
        answer = client.run(request)
        rows += _rows(answer, known, specs, client.url, city.population_unit_id)
        said = ""
        if candidate is not None:
            confirmed, reason = confirm_relation(answer, candidate)
            rel_id = str(candidate.relation.relation_id)
            if confirmed is None:
                rejected.append(reject(boundaries_path, city.row, "admin_ref", rel_id, reason))
                said = f"; relation {rel_id} not used: {reason}"
            else:
                second = build_request(
                    city.city_id, [confirmed], specs, timeout_s=timeout_s,
                    maxsize_bytes=maxsize_bytes, step=2,
                )  # fmt: skip
                answer2 = client.run(second)
                if not answer2.area_present:
                    raise refuse(
                        client.http.source, answer2.url,
                        f"city {city.city_id} (query step 2): asked area "
                        f"{second.area_check}, the answer has none (counts would be 0)",
                    )  # fmt: skip
                rows += _rows(answer2, [confirmed], specs, client.url, city.population_unit_id)
                said = f"; relation {rel_id} confirmed ({reason})"
        cost = CityCost(
            city.city_id, traffic.requests - before[0], traffic.bytes - before[1],
            traffic.reused - before[2],
        )  # fmt: skip
        costs.append(cost)
        progress(
            done, len(cities),
            f"overpass {city.city_id}: {cost.requests} request(s), {cost.bytes:,} bytes, "
            f"{cost.reused} kept answer(s) reused{said}",
        )  # fmt: skip
    return OsmResult(metric_frame(rows, OSM_COLUMNS), rejects_frame(rejected), costs)


def _rows(
    answer: CityAnswer,
    areas: Sequence[MeasurementArea],
    specs: Sequence[MetricSpec],
    url: str,
    unit_id: str | None,
) -> list[dict[str, Any]]:
    """Metric rows and measured-area rows of the areas one answer measured."""
    ts = answer.osm_timestamp or "unknown"
    tally = measure_features(answer.features, specs, areas, kinds=("line", "area"))
    query = " ".join(answer.request.query.split())
    shown = query if len(query) <= 300 else query[:300] + " ..."
    out = []
    for area in areas:
        for m in specs:
            if m.geometry == "point":
                value = float(answer.counts[(m.metric_id, area.area_id)])
                how = "Overpass count"
            else:
                value = tally.values[(area.city_id, area.area_id, m.metric_id)]
                how = "measured from Overpass geometry clipped to the area" + tally.note(
                    m.metric_id
                )
            note = f"{how}; query step {answer.request.step}: {shown}"
            out.append(measured_row(area, m, value, ts, "osm_overpass", url, note, unit_id))
        out.append(measured_area_row(area, ts, "osm_overpass", unit_id))
    return out


def confirm_relation(
    answer: CityAnswer, candidate: MeasurementArea
) -> tuple[MeasurementArea | None, str]:
    """The candidate as a measurement area with its polygon if the answer confirms it, with
    what was confirmed; else (None, why not). Nothing is assumed: every condition is read from
    the answer."""
    rel = candidate.relation
    assert rel is not None
    e = answer.relation
    if e is None:
        return None, f"relation {rel.relation_id} is not in the answer (deleted or wrong id)"
    tags = e.get("tags") if isinstance(e.get("tags"), dict) else {}
    names = {str(tags.get(k, "")).strip().casefold() for k in ("name", "name:en")} - {""}
    expected = {n.casefold() for n in rel.expected_names}
    shown = f"name {tags.get('name')!r}, name:en {tags.get('name:en')!r}"
    if not names & expected:
        return None, f"{shown} is not one of {list(rel.expected_names)}"
    level = str(tags.get("admin_level", "")).strip()
    if level != rel.expected_admin_level:
        return None, f"admin_level {level or '(none)'} is not {rel.expected_admin_level}"
    if not answer.area_present:
        return None, f"Overpass has no area {rel.area_id} for it"
    polygon = answer.relation_geometry
    if polygon is None:
        return None, "its members carry no geometry or do not close into a polygon"
    if not polygon.contains(Point(candidate.lon, candidate.lat)):
        return None, "its polygon does not contain the registry centre"
    definition = (
        f"administrative polygon: OSM boundary relation {rel.relation_id} ({shown}, "
        f"admin_level {level}; confirmed in the Overpass answer of {answer.osm_timestamp})"
    )
    return candidate.with_geometry(polygon, definition), f"{shown}, admin_level {level}"
