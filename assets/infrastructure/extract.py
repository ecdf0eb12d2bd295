"""The extract back-end: measure every (city boundary, catalogue metric) in one pass over a local
.osm.pbf (or .osm XML) file read with pyosmium (`ASCN_OSM_PBF`).

Objects are turned into the same `Feature`s the Overpass back-end builds and measured with the
same `assets.infrastructure.geometry` functions, so the same data give the same numbers.
Relation-only boundaries need Overpass (no polygon here) and are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from assets.infrastructure.geometry import envelope, feature_value
from assets.infrastructure.metric_catalogue import catalogue_specs
from assets.infrastructure.metric_rows import measured_row, metric_frame
from assets.infrastructure.osm_model import Boundary, Feature, MetricSpec, Progress, no_progress


def measure_with_extract(
    pbf_path: str | Path,
    boundaries: Iterable[Boundary],
    catalogue: pd.DataFrame | Sequence[MetricSpec],
    progress: Progress = no_progress,
    progress_every: int = 1_000_000,
) -> pd.DataFrame:
    """Read an .osm.pbf (or .osm XML) once and measure every (city, metric) pair.

    A missing, empty or corrupt file raises ValueError naming the file. Relation-only
    boundaries are skipped (no polygon here) and reported through `progress`.
    """
    import osmium  # local import: only this back-end needs libosmium

    path = Path(pbf_path)
    if not path.is_file():
        raise ValueError(f"OSM extract {path}: file not found")
    if path.stat().st_size == 0:
        raise ValueError(f"OSM extract {path}: file is empty")
    specs = catalogue_specs(catalogue)
    usable: list[tuple[Boundary, tuple[float, float, float, float]]] = []
    for b in boundaries:
        env = envelope(b)
        if env is None:
            progress(0, None, f"extract: skipped {b.city_id}: relation boundary needs Overpass")
        else:
            usable.append((b, env))
    keys = frozenset().union(*(m.tag_filter.keys for m in specs)) if specs else frozenset()
    sums = {(b.city_id, m.metric_id): 0.0 for b, _ in usable for m in specs}
    seen_objects, latest = 0, None
    try:
        processor = osmium.FileProcessor(str(path)).with_locations().with_areas()
        header_ts = processor.header.get("osmosis_replication_timestamp", "") or None
        for obj in processor:
            seen_objects += 1
            if seen_objects % progress_every == 0:
                progress(seen_objects, None, f"extract: {seen_objects:,} objects read from {path}")
            ts = obj.timestamp
            if ts is not None and ts.year > 1970 and (latest is None or ts > latest):
                latest = ts
            tags = obj.tags
            if not any(k in tags for k in keys):
                continue
            feature = _feature_from_osmium(obj)
            if feature is None:
                continue
            tag_dict = {t.k: t.v for t in tags}
            matched = [m for m in specs if m.tag_filter.matches(tag_dict)]
            if not matched:
                continue
            pts = feature.points()
            if not pts:
                continue
            fs, fw = min(p[1] for p in pts), min(p[0] for p in pts)
            fn, fe = max(p[1] for p in pts), max(p[0] for p in pts)
            for b, (s, w, n, e) in usable:
                if fn < s or fs > n or fe < w or fw > e:
                    continue
                for m in matched:
                    sums[(b.city_id, m.metric_id)] += feature_value(feature, m.geometry, b)
    except RuntimeError as exc:  # libosmium reports unreadable input as RuntimeError
        raise ValueError(f"OSM extract {path}: cannot be read as OSM data ({exc})") from exc
    if seen_objects == 0:
        raise ValueError(f"OSM extract {path}: contains no OSM objects")
    progress(seen_objects, seen_objects, f"extract: done, {seen_objects:,} objects from {path}")
    if header_ts:
        vintage = header_ts
    elif latest is not None:
        vintage = latest.strftime("%Y-%m-%dT%H:%M:%SZ")
    else:
        vintage = "unknown"
    note = "OSM extract read with pyosmium; vintage = " + (
        "header osmosis_replication_timestamp"
        if header_ts
        else "newest object timestamp in the file"
        if latest is not None
        else "unknown (no header timestamp, no object timestamps)"
    )
    rows = [
        measured_row(
            b,
            m,
            sums[(b.city_id, m.metric_id)],
            vintage,
            "osm_extract",
            path.resolve().as_uri(),
            note,
        )
        for b, _ in usable
        for m in specs
    ]
    return metric_frame(rows)


def _feature_from_osmium(obj: Any) -> Feature | None:
    """A pyosmium node, way or multipolygon area -> Feature; None for what is not measured."""
    try:
        if obj.is_node():
            loc = obj.location
            return Feature("node", obj.id, line=[(loc.lon, loc.lat)]) if loc.valid() else None
        if obj.is_way():
            pts = [(n.lon, n.lat) for n in obj.nodes if n.location.valid()]
            f = Feature("way", obj.id, line=pts)
            if obj.is_closed() and len(pts) >= 4:
                f.outer = [pts]
            return f
        if obj.is_area() and not obj.from_way():
            outer, inner = [], []
            for ring in obj.outer_rings():
                outer.append([(n.lon, n.lat) for n in ring])
                inner.extend([(n.lon, n.lat) for n in r] for r in obj.inner_rings(ring))
            return Feature("relation", obj.orig_id(), outer=outer, inner=inner)
    except Exception as exc:  # osmium.InvalidLocationError and friends: skip the object
        if type(exc).__name__ == "InvalidLocationError":
            return None
        raise
    return None  # relations themselves (their geometry arrives as an area) and way-areas
