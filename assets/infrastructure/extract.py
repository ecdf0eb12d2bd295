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

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from assets.infrastructure.boundaries import CityAreas
from assets.infrastructure.geometry import (
    bounds_overlap_many,
    closed_way_polygon,
    line,
    rings_polygon,
    wkb_line_bounds,
)
from assets.infrastructure.measure import Measurer
from assets.infrastructure.metric_catalogue import catalogue_specs
from assets.infrastructure.metric_rows import OSM_COLUMNS, measured_row, metric_frame
from assets.infrastructure.osm_model import MetricSpec, Progress, no_progress


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
    seen, header_ts = 0, None
    watcher = _ReadProgress(path, progress, progress_every)
    try:
        processor = (
            osmium.FileProcessor(str(path))
            .with_locations()
            .with_areas(area_filter)
            .with_filter(tag_filter)
        )
        header_ts = processor.header.get("osmosis_replication_timestamp", "") or None
        candidates = _Candidates(measurer, timestamps=header_ts is None)
        watcher.start()
        seen = _read(processor, measurer, candidates)
    except RuntimeError as exc:  # libosmium reports unreadable input as RuntimeError
        raise ValueError(f"OSM extract {path}: cannot be read as OSM data ({exc})") from exc
    finally:
        watcher.stop()
    latest = candidates.latest if header_ts is None else None
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


def _read(processor: Any, measurer: Measurer, candidates: _Candidates) -> int:
    """The one pass over what libosmium lets through; returns how many objects reached Python.

    Per object only what cannot wait: a node's location against every area's envelope, the
    catalogue's tags (one lookup per key the filters read; the match is remembered per
    combination), libosmium's WKB of a matched way or multipolygon. Geometries are built,
    boxed and measured in batches (`_Candidates`)."""
    from osmium.osm import Area, Node, Way

    west, south, east, north = measurer.bounds
    keys, match, tally = measurer.filter_keys, measurer.match_values, measurer.tally
    c = candidates
    line_wkb, errors, batch, stamps = c.line_wkb, c.errors, c.BATCH, c.timestamps
    add_type, add_id, add_matched = c.osm_types.append, c.ids.append, c.matched.append
    add_closed, add_line_at, add_line = c.closed.append, c.line_at.append, c.line_hex.append
    add_stamp = c.stamps.append
    direct = True  # libosmium's tag lookup without pyosmium's Python TagList layer
    seen = 0
    for obj in processor:
        seen += 1
        cls = type(obj)
        if cls is Node:  # a node outside every area's envelope needs no tag check
            loc = obj.location
            if not loc.valid():
                continue
            lon, lat = loc.lon, loc.lat
            if not (west <= lon <= east and south <= lat <= north):
                continue
        if direct:
            try:
                get = obj._pyosmium_data.tags_get_value_by_key
            except AttributeError:
                direct = False
        if not direct:
            get = obj.tags.get
        matched = match(tuple([get(k, None) for k in keys]))
        if not matched:
            tally.objects += 1
            tally.unmatched += 1
            continue
        if cls is Way:  # the bulk: inlined
            try:
                hexwkb = line_wkb(obj)
            except errors:
                c.way_without_wkb(obj, matched)
                continue
            add_line_at(len(c.osm_types))
            add_line(hexwkb)
            add_type("way")
            add_id(obj.id)
            add_matched(matched)
            add_closed(obj.is_closed())
            if stamps:
                add_stamp(obj.timestamp)
            if len(c.osm_types) >= batch:
                c.flush()
        elif cls is Node:
            c.node(obj, lon, lat, matched)
        elif cls is Area and not obj.from_way():
            c.area(obj, matched)
        # relations themselves (their geometry arrives as an area) and areas of closed ways
        # (measured as the way) are not measured
    c.flush()
    return seen


class _Candidates:
    """Matched objects waiting to be measured: libosmium's WKB (or a geometry built from the
    node list), their metrics and ids, turned into shapely geometries, boxed and measured
    `BATCH` at a time with vectorised shapely (`Measurer.add_batch`).

    What `flush` measures equals measuring, object by object: a node's point; a way's line
    (libosmium's, or for a way with nodes missing from a cut extract the line through the
    nodes it has) and for a closed way its polygon; a multipolygon's area. Objects wholly
    outside every area's envelope are dropped, uncounted; a way's box is read from its WKB,
    so only the ways inside become shapely geometries."""

    BATCH = 20_000

    def __init__(self, measurer: Measurer, timestamps: bool):
        import osmium.geom

        self.measurer, self.timestamps = measurer, timestamps
        self.latest: Any = None  # newest object timestamp (only when `timestamps`)
        wkb = osmium.geom.WKBFactory()
        self.line_wkb, self._area_wkb = wkb.create_linestring, wkb.create_multipolygon
        self.errors = (osmium.InvalidLocationError, RuntimeError)  # RuntimeError: geometry
        # One entry per object (cleared in place: `_read` holds their `append`s) ...
        self.osm_types: list[str] = []
        self.ids: list[int] = []
        self.matched: list[tuple[int, ...]] = []
        self.closed: list[bool] = []
        self.stamps: list[Any] = []  # only when `timestamps`
        # ... and its geometry, by kind: (position, WKB hex / geometry / (lon, lat))
        self.line_at: list[int] = []  # ways: libosmium's linestring
        self.line_hex: list[str] = []
        self.area_at: list[int] = []  # multipolygons: libosmium's multipolygon
        self.area_hex: list[str] = []
        self.geom_at: list[int] = []  # built here from the node list
        self.geoms: list[BaseGeometry] = []
        self.point_at: list[int] = []  # nodes
        self.points: list[tuple[float, float]] = []

    def _add(self, osm_type: str, obj: Any, matched: tuple[int, ...], closed: bool) -> int:
        at = len(self.osm_types)
        self.osm_types.append(osm_type)
        self.ids.append(obj.id)
        self.matched.append(matched)
        self.closed.append(closed)
        if self.timestamps:
            self.stamps.append(obj.timestamp)
        return at

    def _full(self) -> None:
        if len(self.osm_types) >= self.BATCH:
            self.flush()

    def node(self, obj: Any, lon: float, lat: float, matched: tuple[int, ...]) -> None:
        self.point_at.append(self._add("node", obj, matched, False))
        self.points.append((lon, lat))
        self._full()

    def way_without_wkb(self, obj: Any, matched: tuple[int, ...]) -> None:
        # Nodes outside a cut extract have no location: the way is measured by the rest.
        geom = line([(nd.lon, nd.lat) for nd in obj.nodes if nd.location.valid()])
        if geom is not None:
            self.geom_at.append(self._add("way", obj, matched, obj.is_closed()))
            self.geoms.append(geom)
            self._full()

    def area(self, obj: Any, matched: tuple[int, ...]) -> None:
        try:
            hexwkb = self._area_wkb(obj)
        except self.errors:
            outer, inner = [], []
            for ring in obj.outer_rings():
                outer.append([(nd.lon, nd.lat) for nd in ring])
                inner.extend([(nd.lon, nd.lat) for nd in r] for r in obj.inner_rings(ring))
            geom = rings_polygon(outer, inner)
            if geom is not None:
                self.geom_at.append(self._add("relation", obj, matched, False))
                self.geoms.append(geom)
                self._full()
            return
        self.area_at.append(self._add("relation", obj, matched, False))
        self.area_hex.append(hexwkb)
        self._full()

    def flush(self) -> None:
        """Measure what is waiting (see the class docstring)."""
        n = len(self.osm_types)
        if n == 0:
            return
        box = np.full((n, 4), np.nan)
        geoms = np.full(n, None, dtype=object)
        present = np.zeros(n, dtype=bool)
        line_at = np.asarray(self.line_at, dtype=np.intp)
        if len(line_at):
            box[line_at] = wkb_line_bounds(self.line_hex)
            present[line_at] = True
        for at, g in (
            (self.area_at, shapely.from_wkb(self.area_hex) if self.area_hex else None),
            (self.geom_at, _object_array(self.geoms) if self.geoms else None),
            (self.point_at, shapely.points(np.asarray(self.points)) if self.points else None),
        ):
            if g is not None:
                geoms[at] = g
                box[at] = shapely.bounds(g)
                present[at] = shapely.is_geometry(g)
        # NaN bounds (an empty geometry) count as overlapping, as in `bounds_overlap`
        keep = present & bounds_overlap_many(box, self.measurer.bounds)
        inside = keep[line_at] if len(line_at) else line_at.astype(bool)
        if inside.any():
            geoms[line_at[inside]] = shapely.from_wkb(
                [self.line_hex[i] for i in np.flatnonzero(inside)]
            )
        kept = np.flatnonzero(keep)
        types = [self.osm_types[j] for j in kept]
        is_line = shapely.get_type_id(geoms[kept]) == 1  # LineString
        lines: list[Any] = []
        polygons: list[Any] = []
        for k, j in enumerate(kept):
            g = geoms[j]
            if types[k] == "relation":
                lines.append(None)
                polygons.append(g)
            else:
                lines.append(g)
                closed = self.closed[j] and is_line[k]
                polygons.append(closed_way_polygon(list(g.coords)) if closed else None)
        if self.timestamps:
            for j in kept:
                ts = self.stamps[j]
                if ts is not None and ts.year > 1970 and (self.latest is None or ts > self.latest):
                    self.latest = ts
        self.measurer.add_batch(types, lines, polygons, [self.matched[j] for j in kept])
        for items in vars(self).values():
            if isinstance(items, list):
                items.clear()


def _object_array(items: list[Any]) -> np.ndarray:
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


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
