"""The OSM data model both measurement back-ends share: what is measured, where, and on what.

* `TagFilter` / `Clause`: a catalogue `osm_filter`, parsed against an allow-listed subset of
  Overpass tag-filter syntax (`parse_tag_filter`); it matches a tag dict in Python (extract
  back-end) and is re-emitted as quoted Overpass QL (Overpass back-end), so catalogue text never
  reaches a query verbatim;
* `MetricSpec`: one catalogue metric (id, geometry, unit, filter);
* `Boundary`: where a city is measured (an OSM relation, a radius around a centre, or a bbox);
* `Feature`: one OSM object with the geometry the measurement needs, coordinates (lon, lat);
* `Progress`: the callback through which a back-end reports how far it got.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

AREA_ID_OFFSET = 3_600_000_000  # Overpass area id = OSM relation id + 3600000000
GEOMETRIES = ("point", "line", "area")
BOUNDARY_KINDS = ("relation", "radius", "bbox")

# ---------------------------------------------------------------------------------------------
# Tag filters: a small, allow-listed subset of Overpass tag-filter syntax
# ---------------------------------------------------------------------------------------------
# One alternative is one or more bracketed clauses (all must hold); alternatives are joined by
# " OR " (a union of statements in QL). Clauses:
#   [key]  [!key]  [key=value]  [key!=value]  [key~"regex"]  [key!~"regex"]
# Keys / values: letters, digits, `_ : . -` (values may be double-quoted and then also contain
# spaces). Regexes: letters, digits, `_ : . - | ^ $ ( )` only: the subset where POSIX ERE
# (Overpass) and Python `re` agree, and nothing that can close a string or a statement.
_NAME = r"[A-Za-z0-9_:.\-]+"
_CLAUSE = re.compile(
    rf"""\[\s*
    (?P<neg>!)?\s*(?P<key>{_NAME}|"{_NAME}")\s*
    (?:
        (?P<op>!=|=|!~|~)\s*
        (?P<val>{_NAME}|"[^"\\\[\]]*")
    )?
    \s*\]""",
    re.VERBOSE,
)
_VALUE_OK = re.compile(r"^[A-Za-z0-9_:.\- ]+$")
_REGEX_OK = re.compile(r"^[A-Za-z0-9_:.\-|^$()?*+]+$")


@dataclass(frozen=True)
class Clause:
    key: str
    op: str  # "exists" | "absent" | "=" | "!=" | "~" | "!~"
    value: str | None = None

    def matches(self, tags: Mapping[str, str]) -> bool:
        present = self.key in tags
        if self.op == "exists":
            return present
        if self.op == "absent":
            return not present
        actual = tags.get(self.key)
        if self.op == "=":
            return actual == self.value
        if self.op == "!=":
            return actual != self.value
        found = actual is not None and re.search(self.value or "", actual) is not None
        return found if self.op == "~" else not found

    def to_ql(self) -> str:
        if self.op == "exists":
            return f'["{self.key}"]'
        if self.op == "absent":
            return f'[!"{self.key}"]'
        return f'["{self.key}"{self.op}"{self.value}"]'

    @property
    def positive(self) -> bool:
        return self.op in ("exists", "=", "~")


@dataclass(frozen=True)
class TagFilter:
    text: str
    alternatives: tuple[tuple[Clause, ...], ...]

    def matches(self, tags: Mapping[str, str]) -> bool:
        return any(all(c.matches(tags) for c in alt) for alt in self.alternatives)

    def ql_alternatives(self) -> list[str]:
        return ["".join(c.to_ql() for c in alt) for alt in self.alternatives]

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(c.key for alt in self.alternatives for c in alt if c.positive)


def parse_tag_filter(text: str, metric_id: str) -> TagFilter:
    """Parse an allow-listed Overpass tag filter; ValueError naming the metric if not allowed."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"metric {metric_id!r}: osm_filter is empty")
    alternatives = []
    for part in text.split(" OR "):
        part = part.strip()
        clauses, pos = [], 0
        while pos < len(part):
            if part[pos].isspace():
                pos += 1
                continue
            m = _CLAUSE.match(part, pos)
            if not m:
                raise ValueError(
                    f"metric {metric_id!r}: osm_filter {text!r} is not in the allowed "
                    f"tag-filter syntax near {part[pos : pos + 30]!r}"
                )
            clauses.append(_clause_from_match(m, metric_id, text))
            pos = m.end()
        if not clauses:
            raise ValueError(f"metric {metric_id!r}: osm_filter {text!r} has an empty alternative")
        if not any(c.positive for c in clauses):
            raise ValueError(
                f"metric {metric_id!r}: osm_filter {text!r}: each alternative needs at least one "
                'positive clause ([key], [key=value] or [key~"regex"])'
            )
        alternatives.append(tuple(clauses))
    return TagFilter(text=text, alternatives=tuple(alternatives))


def _clause_from_match(m: re.Match[str], metric_id: str, text: str) -> Clause:
    key = m.group("key").strip('"')
    op, val = m.group("op"), m.group("val")
    if m.group("neg"):
        if op:
            raise ValueError(f"metric {metric_id!r}: osm_filter {text!r}: '!' only in [!key]")
        return Clause(key, "absent")
    if op is None:
        return Clause(key, "exists")
    if op in ("~", "!~"):
        if not (val.startswith('"') and val.endswith('"')):
            raise ValueError(f"metric {metric_id!r}: osm_filter {text!r}: quote the regex")
        regex = val[1:-1]
        if not _REGEX_OK.match(regex):
            raise ValueError(
                f"metric {metric_id!r}: osm_filter {text!r}: regex {regex!r} uses characters "
                "outside the allow-list"
            )
        try:
            re.compile(regex)
        except re.error as exc:
            raise ValueError(f"metric {metric_id!r}: osm_filter regex {regex!r}: {exc}") from exc
        return Clause(key, op, regex)
    value = val.strip('"')
    if not _VALUE_OK.match(value):
        raise ValueError(
            f"metric {metric_id!r}: osm_filter {text!r}: value {value!r} uses characters outside "
            "the allow-list"
        )
    return Clause(key, op, value)


# ---------------------------------------------------------------------------------------------
# Boundaries, metrics, features (shared by both back-ends)
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Boundary:
    """Where a city is measured: an OSM relation (area), a radius around a centre, or a bbox."""

    city_id: str
    kind: str
    boundary_type: str
    relation_id: int | None = None
    lat: float | None = None
    lon: float | None = None
    radius_km: float | None = None
    south: float | None = None
    west: float | None = None
    north: float | None = None
    east: float | None = None

    @property
    def area_id(self) -> int:
        if self.relation_id is None:
            raise ValueError(f"city {self.city_id!r}: boundary has no OSM relation id")
        return self.relation_id + AREA_ID_OFFSET

    @property
    def ref(self) -> str:
        if self.kind == "relation":
            return f"osm relation {self.relation_id}"
        if self.kind == "radius":
            return f"radius {self.radius_km:g} km around ({self.lat:.5f}, {self.lon:.5f})"
        return f"bbox ({self.south:g},{self.west:g},{self.north:g},{self.east:g})"


@dataclass(frozen=True)
class MetricSpec:
    metric_id: str
    geometry: str  # point | line | area
    unit: str
    tag_filter: TagFilter


@dataclass
class Feature:
    """One OSM object with the geometry the measurement needs; coordinates are (lon, lat)."""

    osm_type: str  # node | way | relation
    osm_id: int
    line: list[tuple[float, float]] = field(default_factory=list)
    outer: list[list[tuple[float, float]]] = field(default_factory=list)
    inner: list[list[tuple[float, float]]] = field(default_factory=list)

    def points(self) -> list[tuple[float, float]]:
        return self.line + [p for ring in self.outer for p in ring]


Progress = Callable[[int, int | None, str], None]  # (done, total or None, message)


def no_progress(done: int, total: int | None, message: str) -> None:
    """The default `Progress`: report nothing."""
    return None
