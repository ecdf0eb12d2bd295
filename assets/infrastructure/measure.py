"""The one measurement rule both OSM back-ends apply: OSM objects -> metric values per area.

Each object is re-checked against every metric's tag filter (whatever a server or a C++
pre-filter let through, only exact matches count), then measured in every measurement area it
can touch (`geometry.measure`: counts, clipped lengths, clipped and dissolved areas).

An object a length or area metric needs but that came without geometry (an `out center`
relation whose members have none, a way without `geometry`) is an error naming the metric and
the object, never a 0 (`MissingGeometry`). Objects that match no metric, and matching objects
that are not a line or an area (an open way tagged as a park), are counted and reported, not
measured.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from assets.infrastructure.geometry import area_km2, bounds_overlap, length_km
from assets.infrastructure.osm_model import Feature, MeasurementArea, MetricSpec

KINDS = ("point", "line", "area")


class MissingGeometry(ValueError):
    """A length or area metric matched an object that came without geometry."""


@dataclass
class Tally:
    """Values per (city, area, metric), and what was not measured and why."""

    values: dict[tuple[str, str, str], float]  # (city id, area id, metric id) -> value
    objects: int = 0  # objects seen
    unmatched: int = 0  # objects that match no metric's tag filter
    unmatched_examples: list[str] = field(default_factory=list)
    not_measurable: Counter[str] = field(default_factory=Counter)  # metric -> objects skipped

    def note(self, metric_id: str) -> str:
        """What the row of `metric_id` should say about skipped objects ("" if none)."""
        n = self.not_measurable.get(metric_id, 0)
        if not n:
            return ""
        return f"; {n} matching object(s) not a line or area (e.g. an open way), not measured"

    def summary(self) -> str:
        text = f"{self.objects:,} objects checked, {self.unmatched:,} matched no metric filter"
        if self.unmatched_examples:
            text += f" (e.g. {', '.join(self.unmatched_examples)})"
        return text


def missing_geometry(feature: Feature, m: MetricSpec) -> str | None:
    """Why `feature` cannot be measured for metric `m` for want of geometry (else None).

    A point metric only needs a location (a centre will do); a length or an area needs the
    coordinates the object came with."""
    if m.geometry == "point" or feature.line is not None or feature.polygon is not None:
        return None
    where = (
        f" (only a centre at {feature.center.y:.6f}, {feature.center.x:.6f})"
        if feature.center is not None
        else ""
    )
    return (
        f"metric {m.metric_id!r}: {feature.ref}{where} came without geometry; a {m.geometry} "
        "metric cannot be measured from it (a length or area is never taken as 0)"
    )


class Measurer:
    """Accumulates objects into per-(area, metric) values; see the module docstring.

    Counts and lengths are summed as objects arrive (nothing is kept); polygons of area metrics
    are kept per (area, metric) and dissolved at the end.
    """

    def __init__(
        self,
        specs: Sequence[MetricSpec],
        areas: Sequence[MeasurementArea],
        kinds: Iterable[str] = KINDS,
    ):
        self.kinds = frozenset(kinds)
        self.specs = [m for m in specs if m.geometry in self.kinds]
        self.areas = [a for a in areas if a.geometry is not None]
        for a in self.areas:
            shapely.prepare(a.geometry)
        self._bounds = [a.geometry.bounds for a in self.areas]
        self.tally = Tally(
            {(a.city_id, a.area_id, m.metric_id): 0.0 for a in self.areas for m in self.specs}
        )
        self._polygons: dict[tuple[int, str], list[BaseGeometry]] = defaultdict(list)
        # Which metrics an object can match, from one tag lookup per indexed key: the exact
        # filter then runs on those few only (the catalogue's TagFilter.prefilter).
        self._by_pair: dict[tuple[str, str], list[int]] = defaultdict(list)
        self._by_key: dict[str, list[int]] = defaultdict(list)
        for i, m in enumerate(self.specs):
            pairs, keys = m.tag_filter.prefilter()
            for pair in pairs:
                self._by_pair[pair].append(i)
            for key in keys:
                self._by_key[key].append(i)
        boxes = self._bounds or [(0.0, 0.0, -1.0, -1.0)]  # no area: an empty box
        self.bounds = (
            min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes),
        )  # fmt: skip

    def match(self, tags: Mapping[str, str] | Any) -> list[MetricSpec]:
        """The metrics whose tag filter `tags` match (a mapping, or an iterable of tags with
        `.k` and `.v` such as libosmium's TagList)."""
        found: set[int] = set()
        if not isinstance(tags, dict):  # e.g. libosmium's TagList: one pass, then a dict
            tags = {t.k: t.v for t in tags}
        for key, value in tags.items():
            found.update(self._by_key.get(key, ()))
            found.update(self._by_pair.get((key, value), ()))
        return [self.specs[i] for i in sorted(found) if self.specs[i].tag_filter.matches(tags)]

    def add(self, feature: Feature, matched: list[MetricSpec] | None = None) -> None:
        """Measure one object; `matched` are its metrics if the caller already matched it."""
        t = self.tally
        t.objects += 1
        if matched is None:
            matched = self.match(feature.tags)
        if not matched:
            t.unmatched += 1
            if len(t.unmatched_examples) < 3:
                tags = ", ".join(f"{k}={v}" for k, v in list(feature.tags.items())[:3])
                t.unmatched_examples.append(f"{feature.ref} [{tags}]")
            return
        for m in matched:
            problem = missing_geometry(feature, m)
            if problem:
                raise MissingGeometry(problem)
            geom = feature.geometry_for(m.geometry)
            if geom is None:
                if m.geometry == "area" or feature.osm_type == "way":
                    t.not_measurable[m.metric_id] += 1
                continue
            self._measure(m, geom)

    def _measure(self, m: MetricSpec, geom: BaseGeometry) -> None:
        gb = geom.bounds
        for i, (area, ab) in enumerate(zip(self.areas, self._bounds, strict=True)):
            if not bounds_overlap(gb, ab) or not area.geometry.intersects(geom):
                continue
            key = (area.city_id, area.area_id, m.metric_id)
            if m.geometry == "point":
                self.tally.values[key] += 1.0
            elif m.geometry == "line":
                self.tally.values[key] += length_km(area.geometry.intersection(geom))
            else:
                self._polygons[(i, m.metric_id)].append(geom)

    def result(self) -> Tally:
        """The tally, with every area metric's polygons dissolved and clipped."""
        for (i, metric_id), polys in self._polygons.items():
            area = self.areas[i]
            union = shapely.union_all(polys)
            key = (area.city_id, area.area_id, metric_id)
            self.tally.values[key] = area_km2(union.intersection(area.geometry))
        self._polygons.clear()
        return self.tally


def measure_features(
    features: Iterable[Feature],
    specs: Sequence[MetricSpec],
    areas: Sequence[MeasurementArea],
    kinds: Iterable[str] = KINDS,
) -> Tally:
    """Measure `features` for every metric of `kinds` in every area (see `Measurer`)."""
    measurer = Measurer(specs, areas, kinds)
    for f in features:
        measurer.add(f)
    return measurer.result()
