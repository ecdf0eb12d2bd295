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

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from assets.infrastructure.geometry import (
    area_km2,
    bounds_overlap,
    bounds_overlap_many,
    length_km,
    lengths_km,
)
from assets.infrastructure.osm_model import Feature, MeasurementArea, MetricSpec

KINDS = ("point", "line", "area")
MATCH_CACHE_MAX = 100_000  # distinct tag combinations remembered by `match_values`


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
        # Every key a clause reads: the exact filters look at no other tag.
        self.filter_keys = tuple(
            sorted({c.key for m in self.specs for alt in m.tag_filter.alternatives for c in alt})
        )
        self._match_cache: dict[tuple[str | None, ...], tuple[int, ...]] = {}
        self._roles: dict[tuple[int, ...], tuple[tuple[int, ...], ...]] = {}
        boxes = self._bounds or [(0.0, 0.0, -1.0, -1.0)]  # no area: an empty box
        self.bounds = (
            min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes),
        )  # fmt: skip

    def match(self, tags: Mapping[str, str] | Any) -> list[MetricSpec]:
        """The metrics whose tag filter `tags` match (a mapping, or an iterable of tags with
        `.k` and `.v` such as libosmium's TagList)."""
        if not isinstance(tags, dict):  # e.g. libosmium's TagList: one pass, then a dict
            tags = {t.k: t.v for t in tags}
        return [self.specs[i] for i in self._match_indices(tags)]

    def _match_indices(self, tags: Mapping[str, str]) -> tuple[int, ...]:
        found: set[int] = set()
        for key, value in tags.items():
            found.update(self._by_key.get(key, ()))
            found.update(self._by_pair.get((key, value), ()))
        return tuple(i for i in sorted(found) if self.specs[i].tag_filter.matches(tags))

    def match_values(self, values: tuple[str | None, ...]) -> tuple[int, ...]:
        """Indices into `specs` of the metrics matched by an object whose tags have `values`
        for `filter_keys` (None: no such tag): `match` on those tags, remembered per distinct
        combination (objects that pass a C++ prefilter share a few dozen combinations)."""
        found = self._match_cache.get(values)
        if found is None:
            tags = {k: v for k, v in zip(self.filter_keys, values, strict=True) if v is not None}
            found = self._match_indices(tags)
            if len(self._match_cache) < MATCH_CACHE_MAX:
                self._match_cache[values] = found
        return found

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

    def add_batch(
        self,
        osm_types: Sequence[str],
        lines: Sequence[BaseGeometry | None],
        polygons: Sequence[BaseGeometry | None],
        matched: Sequence[tuple[int, ...]],
    ) -> None:
        """Measure many objects at once, with vectorised shapely: the same values as `add` of
        `Feature(osm_types[j], ..., line=lines[j], polygon=polygons[j])` for each j in turn,
        whose metrics are `matched[j]` (indices into `specs`, from `match_values`; not empty).

        For objects that come with their geometry (the extract back-end: a node's point, a
        way's line and closed-way polygon, a multipolygon's area). Per (area, metric) the
        values are added in the objects' order, as `add` does, so sums are bit-identical."""
        n = len(matched)
        if n == 0:
            return
        self.tally.objects += n
        line_arr = _object_array(lines)
        poly_arr = _object_array(polygons)
        # Feature.geometry_for: a point metric takes the polygon, else the line (truthiness:
        # an empty geometry does not count); a line metric only a way's line; an area metric
        # the polygon.
        is_way = np.fromiter((t == "way" for t in osm_types), dtype=bool, count=n)
        poly_ok = shapely.is_geometry(poly_arr) & ~shapely.is_empty(poly_arr)
        line_ok = shapely.is_geometry(line_arr) & ~shapely.is_empty(line_arr)
        point_arr = np.where(poly_ok, poly_arr, np.where(line_ok, line_arr, None))
        role_geoms = (point_arr, np.where(is_way, line_arr, None), poly_arr)
        per_role: tuple[list[int], list[int], list[int]] = ([], [], [])  # objects per role
        role_metrics: list[tuple[tuple[int, ...], ...]] = []
        t = self.tally
        for j, idx in enumerate(matched):
            roles = self._roles.get(idx)
            if roles is None:
                roles = tuple(
                    tuple(i for i in idx if self.specs[i].geometry == kind) for kind in KINDS
                )
                self._roles[idx] = roles
            role_metrics.append(roles)
            for r in range(3):
                if not roles[r]:
                    continue
                if role_geoms[r][j] is None:
                    if r == 2 or is_way[j]:  # not a line or area: counted, not measured
                        for i in roles[r]:
                            t.not_measurable[self.specs[i].metric_id] += 1
                    continue
                per_role[r].append(j)
        for r in range(3):
            objs = np.asarray(per_role[r], dtype=np.intp)
            if not len(objs):
                continue
            geoms = role_geoms[r][objs]
            gb = shapely.bounds(geoms)
            for a, (area, ab) in enumerate(zip(self.areas, self._bounds, strict=True)):
                near = bounds_overlap_many(gb, ab)
                if not near.any():
                    continue
                hit = near.copy()
                hit[near] = shapely.intersects(area.geometry, geoms[near])
                if not hit.any():
                    continue
                self._add_hits(r, a, area, objs[hit], geoms[hit], role_metrics)

    def _add_hits(
        self,
        role: int,
        a: int,
        area: MeasurementArea,
        objs: np.ndarray,
        geoms: np.ndarray,
        role_metrics: list[tuple[tuple[int, ...], ...]],
    ) -> None:
        values, specs = self.tally.values, self.specs
        if role == 0:  # counts: one per object and metric
            counts: Counter[int] = Counter()
            for j in objs:
                counts.update(role_metrics[j][0])
            for i, c in counts.items():
                values[(area.city_id, area.area_id, specs[i].metric_id)] += float(c)
        elif role == 1:  # lengths: each object's clipped length, added in the objects' order
            kms = lengths_km(shapely.intersection(area.geometry, geoms))
            for j, km in zip(objs, kms, strict=True):
                for i in role_metrics[j][1]:
                    values[(area.city_id, area.area_id, specs[i].metric_id)] += km
        else:  # polygons: kept in the objects' order, dissolved in `result`
            for j, geom in zip(objs, geoms, strict=True):
                for i in role_metrics[j][2]:
                    self._polygons[(a, specs[i].metric_id)].append(geom)

    def result(self) -> Tally:
        """The tally, with every area metric's polygons dissolved and clipped."""
        for (i, metric_id), polys in self._polygons.items():
            area = self.areas[i]
            union = shapely.union_all(polys)
            key = (area.city_id, area.area_id, metric_id)
            self.tally.values[key] = area_km2(union.intersection(area.geometry))
        self._polygons.clear()
        return self.tally


def _object_array(items: Sequence[Any]) -> np.ndarray:
    out = np.empty(len(items), dtype=object)
    out[:] = list(items)
    return out


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
