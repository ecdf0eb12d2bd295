"""Projects placed in cities by their geocoded locations, never by a name pattern in a title.

Each location of a project (a point, and/or an admin name) is compared with each registry city
of its country; the most specific level found per city is kept (`LEVELS`):

1. ``site_in_city``: the point lies in the city's measurement area: its administrative polygon
   where the infrastructure family holds one (data/reference/city_boundaries.csv, geoBoundaries
   ADM2: Battambang, Phnom Penh, Siem Reap, Sihanoukville), else a ring of `RING_KM` (10 km)
   around the registry centre (haversine distance).
2. ``admin_unit_of_city``: the location's second-level admin name, or its place name, is the
   city's own unit (registry name, local name or pilot unit), and is not also the name of the
   province (a point at a province centroid named "Battambang" is the province, not the town).
3. ``province_containing_city``: the location's first-level admin name, or its place name, is
   the city's province (`province_name` of data/reference/cities.csv, ';'-separated spellings).
   For cities that are themselves a first-level unit (Phnom Penh, Jakarta, Bangkok, Hanoi, ...)
   this is the city's own unit.

A project with no location, or only country-level locations ("Kingdom of Cambodia"), is
``national``; one whose locations all lie outside the registry cities is ``elsewhere``. Names are
compared folded (case, accents, punctuation) with administrative words removed ("Khett",
"Tinh", "Thanh pho", "Changwat", "Province", ...), so "Khett Batdambang" = "Batdambang".
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from assets.reference.cities import fold

RING_KM = 10.0
EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius
SITE, ADMIN, PROVINCE = "site_in_city", "admin_unit_of_city", "province_containing_city"
LEVELS = (SITE, ADMIN, PROVINCE)  # most specific first
REGISTER = "stated_by_city_register"  # a city's own register names the city
NATIONAL, ELSEWHERE, LOCATED = "national", "elsewhere", "located"

_ADMIN_PREFIXES = ("khett", "khet", "krong", "khan", "srok", "tinh", "thanh pho", "thu do",
                   "changwat", "khoueng", "kampheng nakhon", "provinsi", "kabupaten", "kota",
                   "daerah khusus ibukota")  # fmt: skip
_ADMIN_SUFFIXES = ("province", "prefecture", "municipality", "city", "district", "division",
                   "region", "state", "capital", "special capital region", "raya")  # fmt: skip


def admin_key(name: Any) -> str:
    """A place or admin name folded for comparison, administrative words removed."""
    if name is None or (isinstance(name, float) and math.isnan(name)):
        return ""
    text = re.sub(r"[^\w\s]", " ", fold(str(name)))
    text = re.sub(r"\s+", " ", text).strip()
    for prefix in _ADMIN_PREFIXES:
        if text.startswith(prefix + " "):
            text = text[len(prefix) + 1 :]
            break
    for suffix in sorted(_ADMIN_SUFFIXES, key=len, reverse=True):
        if text.endswith(" " + suffix):
            text = text[: -len(suffix) - 1]
            break
    return text.replace(" ", "")


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class CityArea:
    """What a registry city is matched on: centre, own unit names, province names."""

    city_id: str
    name: str
    iso2: str | None
    lat: float | None  # registry centre (None: no ring test)
    lon: float | None
    names: frozenset[str]  # admin_key of the name, local name and pilot unit name
    provinces: frozenset[str]  # admin_key of each province spelling
    province_label: str | None  # first spelling, for evidence texts
    polygon: Any = None  # the city's administrative polygon (shapely, lon/lat), if held
    polygon_label: str | None = None  # e.g. "admin_adm2:14789045B54080121728178"
    shape_ids: frozenset[str] = frozenset()  # geoBoundaries shapeIDs of that polygon


@dataclass(frozen=True)
class CityPolygon:
    """A city's administrative polygon as the infrastructure family loads it."""

    geometry: Any  # shapely geometry, (lon, lat)
    label: str  # its measurement area id
    shape_ids: frozenset[str]


def city_areas(
    cities: pd.DataFrame,
    iso2_of_iso3: Mapping[str, str],
    polygons: Mapping[str, CityPolygon] | None = None,
) -> list[CityArea]:
    """The registry (staging.cities) as CityArea rows, with the admin polygons held."""
    polygons = polygons or {}
    out = []
    for rec in cities.to_dict("records"):
        names = {admin_key(rec.get(k)) for k in ("name", "local_name", "pilot_unit_name")}
        spellings = [p.strip() for p in str(rec.get("province_name") or "").split(";")]
        spellings = [p for p in spellings if p and p.lower() != "nan"]
        out.append(
            CityArea(
                city_id=str(rec["city_id"]),
                name=str(rec["name"]),
                iso2=iso2_of_iso3.get(str(rec.get("country_iso3") or "").upper()),
                lat=_num(_float(rec.get("lat"))),
                lon=_num(_float(rec.get("lon"))),
                names=frozenset(n for n in names if n),
                provinces=frozenset(admin_key(p) for p in spellings),
                province_label=spellings[0] if spellings else None,
                **_polygon_fields(polygons.get(str(rec["city_id"]))),
            )
        )
    return out


def _polygon_fields(polygon: CityPolygon | None) -> dict[str, Any]:
    if polygon is None:
        return {}
    import shapely  # only where a polygon is held

    shapely.prepare(polygon.geometry)
    return {"polygon": polygon.geometry, "polygon_label": polygon.label,
            "shape_ids": polygon.shape_ids}  # fmt: skip


@dataclass(frozen=True)
class Link:
    """One project placed in one city: the level and the location that shows it."""

    city_id: str
    level: str
    location_name: str | None
    latitude: float | None
    longitude: float | None
    distance_km: float | None
    admin1: str | None
    admin2: str | None
    evidence: str


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _num(value: Any) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def _inside(polygon: Any, lon: float, lat: float) -> bool:
    import shapely

    return bool(shapely.intersects_xy(polygon, lon, lat))  # on the edge counts as inside


def is_country_level(location: Mapping[str, Any], country_keys: Iterable[str]) -> bool:
    """A location that stands for a whole country ("Cambodia", "Kingdom of Cambodia")."""
    key = admin_key(location.get("name"))
    return bool(key) and any(key == c or key.endswith(c) for c in country_keys if c)


def _match(loc: Mapping[str, Any], area: CityArea, ring_km: float) -> Link | None:
    lat, lon = _num(loc.get("latitude")), _num(loc.get("longitude"))
    name, a1, a2 = loc.get("name"), loc.get("admin1"), loc.get("admin2")
    dist = (
        haversine_km(lat, lon, area.lat, area.lon) if lat is not None and lon is not None else None
    )
    where = f"{dist:.1f} km from the registry centre" if dist is not None else "no point"

    def link(level: str, evidence: str) -> Link:
        return Link(area.city_id, level, name, lat, lon, dist, a1, a2, evidence)

    if area.polygon is not None:
        if lat is not None and lon is not None and _inside(area.polygon, lon, lat):
            return link(SITE, f"point inside the city's polygon {area.polygon_label} ({where})")
    elif dist is not None and dist <= ring_km:
        return link(SITE, f"point {where}, inside the {ring_km:g} km ring")
    k_name, k1, k2 = admin_key(name), admin_key(a1), admin_key(a2)
    if k2 and k2 in area.names:
        return link(ADMIN, f"admin unit 2 '{a2}' is the city's unit ({where})")
    if k_name and k_name in area.names and k_name not in area.provinces and not k1:
        return link(ADMIN, f"location '{name}' is the city's unit ({where})")
    if k1 and k1 in area.provinces:
        return link(PROVINCE, f"admin unit 1 '{a1}' is the province {area.province_label} "
                              f"({where})")  # fmt: skip
    if k_name and k_name in area.provinces:
        return link(PROVINCE, f"location '{name}' names the province {area.province_label} "
                              f"({where})")  # fmt: skip
    return None


def _rank(link: Link) -> tuple[int, float]:
    """Most specific level first; within a level the nearest point."""
    return LEVELS.index(link.level), link.distance_km if link.distance_km is not None else 1e9


def place(
    locations: Iterable[Mapping[str, Any]],
    countries_iso2: Iterable[str],
    areas: list[CityArea],
    country_keys: Iterable[str],
    ring_km: float = RING_KM,
) -> tuple[str, list[Link]]:
    """(placement, links): `national`/`elsewhere`/`located` and the best link per city.

    `countries_iso2`: the project's countries, used for locations that state none; names are
    compared only with cities of the location's country, points with every city."""
    keys = list(country_keys)
    project_countries = {str(c).upper() for c in countries_iso2 if c}
    sub_national = [loc for loc in locations if not is_country_level(loc, keys)]
    if not sub_national:
        return NATIONAL, []
    best: dict[str, Link] = {}
    for loc in sub_national:
        loc_country = (loc.get("country_iso2") or "").upper()
        countries = {loc_country} if loc_country else project_countries
        for area in areas:
            found = _match(loc, area, ring_km)
            if found is None:
                continue
            if found.level != SITE and countries and area.iso2 not in countries:
                continue  # a name match only counts within the location's own country
            held = best.get(area.city_id)
            if held is None or _rank(found) < _rank(held):
                best[area.city_id] = found
    return (LOCATED if best else ELSEWHERE), sorted(best.values(), key=lambda x: x.city_id)
