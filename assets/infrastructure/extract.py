"""The extract back-end: measure every city's measurement areas in one pass over a local .osm.pbf
(or .osm XML) file read with pyosmium (`ASCN_OSM_PBF`).

The file is filtered in C++: an `osmium.filter.TagFilter` (or `KeyFilter`) built from the
catalogue's tag filters (`TagFilter.prefilter`) drops every object that cannot match before
Python sees it; node locations and multipolygon areas are assembled by libosmium too. Only the
objects that pass are turned into `Feature`s and measured by `assets.infrastructure.measure`,
the same rule the Overpass back-end uses. OSM-relation measurement areas need Overpass (their
polygon is not known here) and are skipped.

Progress: libosmium reads the file in its own threads; a watcher reads how far the file has
been read (/proc/self/fdinfo, Linux) and reports it every `progress_every` percent.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import shapely

from assets.infrastructure.boundaries import CityAreas
from assets.infrastructure.geometry import (
    bounds_overlap,
    closed_way_polygon,
    line,
    point,
    rings_polygon,
)
from assets.infrastructure.measure import Measurer
from assets.infrastructure.metric_catalogue import catalogue_specs
from assets.infrastructure.metric_rows import OSM_COLUMNS, measured_row, metric_frame
from assets.infrastructure.osm_model import Feature, MetricSpec, Progress, no_progress


def measure_with_extract(
    pbf_path: str | Path,
    cities: Sequence[CityAreas],
    catalogue: pd.DataFrame | Sequence[MetricSpec],
    progress: Progress = no_progress,
    progress_every: float = 10.0,
) -> pd.DataFrame:
    """Read an .osm.pbf (or .osm XML) once and measure every (city, area, metric).

    A missing, empty or corrupt file raises ValueError naming the file. OSM-relation areas are
    skipped (no polygon here) and reported through `progress`.
    """
    import osmium  # local import: only this back-end needs libosmium
    import osmium.filter
    import osmium.geom

    path = Path(pbf_path)
    if not path.is_file():
        raise ValueError(f"OSM extract {path}: file not found")
    if path.stat().st_size == 0:
        raise ValueError(f"OSM extract {path}: file is empty")
    specs = catalogue_specs(catalogue)
    areas = []
    for city in cities:
        for a in city.areas:
            if a.geometry is None:
                progress(0, None, f"extract: skipped {city.city_id} {a.area_id}: needs Overpass")
            else:
                areas.append(a)
    units = {c.city_id: c.population_unit_id for c in cities}
    measurer = Measurer(specs, areas)
    # Two instances of the same filter: one for the area pass, one for the main pass.
    area_filter, tag_filter = (_cpp_filter(osmium.filter, specs) for _ in range(2))
    seen, latest, header_ts = 0, None, None
    watcher = _ReadProgress(path, progress, progress_every)
    try:
        processor = (
            osmium.FileProcessor(str(path))
            .with_locations()
            .with_areas(area_filter)
            .with_filter(tag_filter)
        )
        header_ts = processor.header.get("osmosis_replication_timestamp", "") or None
        watcher.start()
        west, south, east, north = measurer.bounds
        wkb = osmium.geom.WKBFactory()
        for obj in processor:
            seen += 1
            if obj.is_node():  # a node outside every area's envelope needs no tag check
                loc = obj.location
                if not loc.valid() or not (west <= loc.lon <= east and south <= loc.lat <= north):
                    continue
            matched = measurer.match(obj.tags)
            if not matched:
                measurer.tally.objects += 1
                measurer.tally.unmatched += 1
                continue
            feature = _feature_from_osmium(obj, (west, south, east, north), wkb)
            if feature is None:  # outside every area (or without a location)
                continue
            ts = obj.timestamp
            if ts is not None and ts.year > 1970 and (latest is None or ts > latest):
                latest = ts
            measurer.add(feature, matched)
    except RuntimeError as exc:  # libosmium reports unreadable input as RuntimeError
        raise ValueError(f"OSM extract {path}: cannot be read as OSM data ({exc})") from exc
    finally:
        watcher.stop()
    if seen == 0 and not _has_objects(osmium, path):
        raise ValueError(f"OSM extract {path}: contains no OSM objects")
    tally = measurer.result()
    progress(1, 1, f"extract: done, {path}: {tally.summary()}")
    if header_ts:
        vintage, how = header_ts, "header osmosis_replication_timestamp"
    elif latest is not None:
        vintage, how = latest.strftime("%Y-%m-%dT%H:%M:%SZ"), "newest timestamp of the objects"
    else:
        vintage, how = "unknown", "unknown (no header timestamp, no object timestamps)"
    uri = path.resolve().as_uri()
    rows = []
    for a in areas:
        for m in specs:
            note = f"OSM extract read with pyosmium (C++ tag filter); vintage = {how}"
            value = tally.values[(a.city_id, a.area_id, m.metric_id)]
            rows.append(
                measured_row(
                    a,
                    m,
                    value,
                    vintage,
                    "osm_extract",
                    uri,
                    note + tally.note(m.metric_id),
                    units.get(a.city_id),
                )  # fmt: skip
            )
    return metric_frame(rows, OSM_COLUMNS)


def _cpp_filter(filters: Any, specs: Sequence[MetricSpec]) -> Any:
    """One libosmium filter letting through every object that may match a metric.

    `TagFilter` of (key, value) pairs when every metric's filter enumerates its values, else
    `KeyFilter` of every key involved (looser, still in C++). Python then checks exactly.
    """
    pairs: set[tuple[str, str]] = set()
    keys: set[str] = set()
    for m in specs:
        p, k = m.tag_filter.prefilter()
        pairs |= p
        keys |= k
    if keys or not pairs:
        return filters.KeyFilter(*sorted(keys | {key for key, _ in pairs}))
    return filters.TagFilter(*sorted(pairs))


def _has_objects(osmium: Any, path: Path) -> bool:
    """Whether the file holds any object at all (read only up to the first)."""
    for _ in osmium.FileProcessor(str(path)):
        return True
    return False


def _feature_from_osmium(
    obj: Any, box: tuple[float, float, float, float], wkb: Any = None
) -> Feature | None:
    """A pyosmium node, way or multipolygon area -> Feature; None for what is not measured or
    lies wholly outside `box` (west, south, east, north: every measurement area's envelope).

    `wkb` (an `osmium.geom.WKBFactory`) builds way and area geometries in C++; without it, or
    for a way with nodes missing from a cut extract, they are built from the node list."""
    w, s, e, n = box
    if obj.is_node():
        loc = obj.location
        if not loc.valid() or not (w <= loc.lon <= e and s <= loc.lat <= n):
            return None
        return Feature("node", obj.id, _tags(obj), line=point(loc.lon, loc.lat))
    if obj.is_way():
        geom = _wkb(wkb.create_linestring, obj) if wkb is not None else None
        if geom is None:
            # Nodes outside a cut extract have no location: the way is measured by the rest.
            pts = [(nd.lon, nd.lat) for nd in obj.nodes if nd.location.valid()]
            geom = line(pts)
        if geom is None or not bounds_overlap(geom.bounds, (w, s, e, n)):
            return None
        closed = obj.is_closed() and geom.geom_type == "LineString"
        polygon = closed_way_polygon(list(geom.coords)) if closed else None
        return Feature("way", obj.id, _tags(obj), line=geom, polygon=polygon)
    if obj.is_area() and not obj.from_way():
        polygon = _wkb(wkb.create_multipolygon, obj) if wkb is not None else None
        if polygon is None:
            outer, inner = [], []
            for ring in obj.outer_rings():
                outer.append([(nd.lon, nd.lat) for nd in ring])
                inner.extend([(nd.lon, nd.lat) for nd in r] for r in obj.inner_rings(ring))
            polygon = rings_polygon(outer, inner)
        if polygon is None or not bounds_overlap(polygon.bounds, (w, s, e, n)):
            return None
        return Feature("relation", obj.orig_id(), _tags(obj), polygon=polygon)
    return None  # relations themselves (their geometry arrives as an area) and way-areas


def _wkb(create: Any, obj: Any) -> Any:
    """The shapely geometry libosmium builds for `obj`, or None when it cannot (missing
    locations, a way of one node, rings that do not close)."""
    import osmium

    try:
        return shapely.from_wkb(bytes.fromhex(create(obj)))
    except (osmium.InvalidLocationError, RuntimeError, ValueError):  # RuntimeError: geometry
        return None


def _tags(obj: Any) -> dict[str, str]:
    return {t.k: t.v for t in obj.tags}


class _ReadProgress:
    """Reports how much of `path` libosmium has read, from the kernel's file position."""

    def __init__(self, path: Path, progress: Progress, every_percent: float, poll_s: float = 1.0):
        self.path, self.progress, self.every = path.resolve(), progress, every_percent
        self.size = max(1, path.stat().st_size)
        self.poll_s = poll_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="extract-progress", daemon=True)
        self._last: tuple[int, float] = (0, -1.0)  # (pass, percent reported)
        self.reports: list[str] = []

    def start(self) -> None:
        if Path("/proc/self/fdinfo").is_dir():  # Linux only; elsewhere no progress lines
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)

    def _run(self) -> None:
        passes, seen_fd = 0, None
        while not self._stop.wait(self.poll_s):
            found = self.position()
            if found is None:
                continue
            fd, pos = found
            if fd != seen_fd:  # the area pass and the main pass each open the file
                passes, seen_fd = passes + 1, fd
            self.report(passes, pos)

    def report(self, passes: int, pos: int) -> None:
        """Report when `pos` crossed another `every` percent in pass `passes`."""
        percent = 100.0 * pos / self.size
        last_pass, last_pct = self._last
        if passes == last_pass and percent < last_pct + self.every:
            return
        self._last = (passes, percent)
        message = (
            f"extract: {percent:.0f} % of {self.path.name} read "
            f"({pos / 1e6:,.1f} of {self.size / 1e6:,.1f} MB, pass {passes})"
        )
        self.reports.append(message)
        self.progress(pos, self.size, message)

    def position(self) -> tuple[str, int] | None:
        """(fd, offset) of the open file, if this process has it open (the fd found once per
        opening: listing /proc/self/fd is the costly part)."""
        fd = getattr(self, "_fd", None)
        if fd is not None:
            try:
                if Path(os.readlink(f"/proc/self/fd/{fd}")) == self.path:
                    return fd, self._offset(fd)
            except (OSError, ValueError, IndexError):
                pass
        try:
            for fd in os.listdir("/proc/self/fd"):
                try:
                    if Path(os.readlink(f"/proc/self/fd/{fd}")) == self.path:
                        self._fd = fd
                        return fd, self._offset(fd)
                except (OSError, ValueError, IndexError):
                    continue
        except OSError:
            return None
        return None

    @staticmethod
    def _offset(fd: str) -> int:
        info = Path(f"/proc/self/fdinfo/{fd}").read_text()
        return int(info.split("pos:")[1].split()[0])
