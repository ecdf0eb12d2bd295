"""Overpass QL for one city: every metric of the catalogue, in every measurement area, in one query.

Step 1 (every city): the standard rings, the city's geoBoundaries polygon if it has one, and,
if it has an OSM relation candidate, that relation's tags and geometry plus whether Overpass
has its area. Step 2 (only when step 1 confirmed the relation): the relation's area. So a city
costs one request, two with a confirmed relation.

Shape of a query (sets are per measurement area `i`):

    [out:json][timeout:180][maxsize:536870912];
    (nwr["amenity"="hospital"](around:10000,13.1,103.2); ...)->.P1;   candidates, largest ring
    nwr.P1(around:5000,13.1,103.2)->.P0;                             the 5 km ring: a subset
    nwr.P0["amenity"="hospital"];                                    one metric in one area
    make c0_hospitals nodes=count(nodes),ways=count(ways),relations=count(relations),
         total=count(nodes)+count(ways)+count(relations);
    out;                                                             -> {"type":"c0_hospitals",..}
    (way["highway"~"..."](around:10000,...); relation["leisure"="park"](around:...); ...)->.G1;
    (.G1; .G2;);
    out geom;                                                        ways and relations, with
                                                                     coordinates, once each
Each count is a `make` element named after its metric and area (/tmp/research/apis.md §1.1), so
the answer is checked by name, not by position. Lengths and areas are measured on the client
from the `out geom` geometry, clipped to each area (Overpass `length()` does not clip, §1.2).
Tag filters are re-emitted from the parsed catalogue (`TagFilter.ql_alternatives`), quoted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shapely.geometry.base import BaseGeometry

from assets.infrastructure.osm_model import MeasurementArea, MetricSpec

TYPES = {"point": ("nwr",), "line": ("way",), "area": ("way", "relation")}


@dataclass(frozen=True)
class CityRequest:
    """One Overpass query of one city and what its answer must contain."""

    city_id: str
    step: int  # 1 or 2 (see the module docstring)
    query: str
    areas: tuple[MeasurementArea, ...]  # measured by this query
    counts: dict[str, tuple[str, str]]  # make-element type -> (metric id, area id)
    geometry_types: frozenset[str]  # element types asked with `out geom`
    relation_id: int | None = None  # relation whose tags and geometry are asked (step 1)
    area_check: int | None = None  # Overpass area id whose existence is asked


def build_request(
    city_id: str,
    areas: Sequence[MeasurementArea],
    specs: Sequence[MetricSpec],
    *,
    timeout_s: int,
    maxsize_bytes: int,
    step: int = 1,
    relation: MeasurementArea | None = None,
) -> CityRequest:
    """The query of `city_id` measuring `areas` (rings, polygons, or one confirmed relation).

    Step 1 with `relation` also asks for the candidate relation and its Overpass area.
    """
    lines = [f"[out:json][timeout:{int(timeout_s)}][maxsize:{int(maxsize_bytes)}];"]
    relation_id = area_check = None
    if step == 1 and relation is not None and relation.relation is not None:
        relation_id = relation.relation.relation_id
        area_check = relation.relation.area_id
        lines += [f"rel({relation_id});", "out geom;", f"area(id:{area_check});", "out ids;"]
    if step == 2:
        if len(areas) != 1 or areas[0].relation is None:
            raise ValueError(f"city {city_id!r}: step 2 measures exactly one relation area")
        area_check = areas[0].relation.area_id
        lines += [f"area(id:{area_check})->.adm;", ".adm out ids;"]
    point_specs = [m for m in specs if m.geometry == "point"]
    geo_specs = [m for m in specs if m.geometry in ("line", "area")]
    rings = sorted((a for a in areas if a.is_ring), key=lambda a: -(a.radius_km or 0))
    index = {id(a): i for i, a in enumerate(areas)}
    outer = rings[0] if rings else None
    counts: dict[str, tuple[str, str]] = {}
    geometry_sets: list[str] = []
    # The largest ring first: the smaller rings filter its candidate set.
    ordered = ([outer] if outer is not None else []) + [a for a in areas if a is not outer]
    for area in ordered:
        i = index[id(area)]
        if area.is_ring and area is not outer:
            lines.append(f"nwr.P{index[id(outer)]}{_around(area)}->.P{i};")
        else:
            lines += _select(f"P{i}", point_specs, area, i)
            if geo_specs:
                lines += _select(f"G{i}", geo_specs, area, i)
                geometry_sets.append(f"G{i}")
        for m in point_specs:
            name = f"c{i}_{m.metric_id}"
            counts[name] = (m.metric_id, area.area_id)
            alts = [f"nwr.P{i}{alt};" for alt in m.tag_filter.ql_alternatives()]
            lines.append(alts[0] if len(alts) == 1 else "(" + " ".join(alts) + ");")
            lines.append(
                f"make {name} nodes=count(nodes),ways=count(ways),relations=count(relations),"
                "total=count(nodes)+count(ways)+count(relations);"
            )
            lines.append("out;")
    types: frozenset[str] = frozenset()
    if geometry_sets:
        lines.append("(" + " ".join(f".{s};" for s in geometry_sets) + ");")
        lines.append("out geom;")
        types = frozenset(t for m in geo_specs for t in TYPES[m.geometry])
    return CityRequest(
        city_id, step, "\n".join(lines) + "\n", tuple(areas), counts, types, relation_id,
        area_check,
    )  # fmt: skip


def _select(name: str, specs: Sequence[MetricSpec], area: MeasurementArea, i: int) -> list[str]:
    """Statements putting every object of `specs` inside `area` into set `.name`."""
    if not specs:
        return [f"()->.{name};"]
    if area.relation is not None:  # step 2: the confirmed relation's Overpass area
        return [_union(specs, "(area.adm)", name)]
    if area.is_ring:
        return [_union(specs, _around(area), name)]
    # A polygon: select in its bounding box, then keep what touches one of its parts.
    if area.geometry is None:
        raise ValueError(f"area {area.area_id!r} of {area.city_id!r} has no polygon")
    w, s, e, n = area.geometry.bounds
    box = f"B{name}"
    parts = " ".join(f'nwr.{box}(poly:"{p}");' for p in poly_strings(area.geometry))
    return [_union(specs, f"({s:.7f},{w:.7f},{n:.7f},{e:.7f})", box), f"({parts})->.{name};"]


def _union(specs: Sequence[MetricSpec], scope: str, name: str) -> str:
    statements = [
        f"{t}{alt}{scope};"
        for m in specs
        for alt in m.tag_filter.ql_alternatives()
        for t in TYPES[m.geometry]
    ]
    unique = list(dict.fromkeys(statements))
    return "(\n  " + "\n  ".join(unique) + "\n)->." + name + ";"


def _around(area: MeasurementArea) -> str:
    return f"(around:{(area.radius_km or 0) * 1000:.0f},{area.lat:.6f},{area.lon:.6f})"


def poly_strings(geometry: BaseGeometry) -> list[str]:
    """Overpass `poly:` strings ("lat lon lat lon ..."), one per polygon part.

    `poly` takes one ring without holes, so a polygon with holes is refused (none is held).
    """
    parts = list(geometry.geoms) if hasattr(geometry, "geoms") else [geometry]
    out = []
    for p in parts:
        if p.geom_type != "Polygon":
            continue
        if len(p.interiors):
            raise ValueError("an Overpass poly filter cannot express a polygon with holes")
        coords = list(p.exterior.coords)[:-1]
        out.append(" ".join(f"{lat:.7f} {lon:.7f}" for lon, lat in coords))
    if not out:
        raise ValueError("no polygon part to filter by")
    return out
