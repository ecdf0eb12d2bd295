"""The OSM data model both measurement back-ends share: what is measured, where, and on what.

* `TagFilter` / `Clause`: a catalogue `osm_filter`, parsed against an allow-listed subset of
  Overpass tag-filter syntax (`parse_tag_filter`); it matches a tag dict in Python (extract
  back-end) and is re-emitted as quoted Overpass QL (Overpass back-end), so catalogue text never
  reaches a query verbatim;
* `MetricSpec`: one catalogue metric (id, geometry, unit, filter);
* `MeasurementArea`: one area a city is measured in (a standard ring or its admin polygon),
  `RelationCandidate`: an OSM boundary relation to be confirmed in live mode;
* `Feature`: one OSM object with its tags and geometry, coordinates (lon, lat);
* `Progress`: the callback through which a back-end reports how far it got.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from shapely.geometry.base import BaseGeometry

AREA_ID_OFFSET = 3_600_000_000  # Overpass area id = OSM relation id + 3600000000
GEOMETRIES = ("point", "line", "area")

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

    def enumerated_values(self) -> frozenset[str] | None:
        """Every value this clause accepts, when that is a finite list (`=`, or an anchored
        regex of literals and `(a|b)` groups, each group optional with `?`); else None."""
        if self.op == "=":
            return frozenset({self.value or ""})
        if self.op == "~":
            return enumerate_regex(self.value or "")
        return None


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

    def prefilter(self) -> tuple[frozenset[tuple[str, str]], frozenset[str]]:
        """A necessary condition for a match, as (key, value) pairs and bare keys: an object
        matches only if it has one of the pairs or one of the keys. One positive clause of each
        alternative gives it: `[k=v]` a pair, `[k~"^(a|b)$"]` its enumerated values, anything
        else its key. Used to filter an extract in C++ before the exact match in Python."""
        pairs: set[tuple[str, str]] = set()
        keys: set[str] = set()
        for alt in self.alternatives:
            best = None
            for c in alt:
                values = c.enumerated_values()
                if values is not None:
                    best = ("pairs", c.key, values)
                    break
                if c.positive and best is None:
                    best = ("key", c.key, None)
            assert best is not None  # every alternative has a positive clause (parse_tag_filter)
            if best[0] == "pairs":
                pairs.update((best[1], v) for v in best[2])
            else:
                keys.add(best[1])
        return frozenset(pairs), frozenset(keys)


# Literal characters of a regex (no "." : it matches any character, so it is not a literal).
_LITERAL = re.compile(r"[A-Za-z0-9_:\-]+")
_GROUP = re.compile(r"\(([A-Za-z0-9_:\-|]+)\)(\??)")


def enumerate_regex(regex: str, limit: int = 256) -> frozenset[str] | None:
    """The finite set of strings an anchored regex such as `^(primary|secondary)(_link)?$`
    matches; None when the regex is unanchored, uses `*`/`+`, or would give over `limit`."""
    if not (regex.startswith("^") and regex.endswith("$")):
        return None
    body, pos, options = regex[1:-1], 0, [""]
    while pos < len(body):
        if (m := _GROUP.match(body, pos)) is not None:
            alts = m.group(1).split("|")
            if not all(alts):
                return None
            choices = alts + ([""] if m.group(2) else [])
        elif (m := _LITERAL.match(body, pos)) is not None:
            if body[m.end() : m.end() + 1] == "?":  # an optional last character: leave it
                return None
            choices = [m.group(0)]
        else:
            return None
        options = [o + c for o in options for c in choices]
        if len(options) > limit:
            return None
        pos = m.end()
    return frozenset(options)


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
# Measurement areas, metrics, features (shared by both back-ends)
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class MeasurementArea:
    """One area a city is measured in: a standard ring, or its administrative polygon.

    `area_id` says which: `ring_5km`, `ring_10km`, `admin_adm2:<shapeID>[+<shapeID>...]`
    (geoBoundaries polygons) or `osm_relation:<id>` (an OSM boundary relation, fetched and
    confirmed in live mode). `geometry` is the (lon, lat) polygon; None for a relation whose
    polygon is not known yet. `boundary_type` is the shared boundary type of the unit
    (`ring_5km` / `ring_10km` for the rings, the admin unit's type otherwise).
    """

    city_id: str
    area_id: str
    boundary_type: str
    definition: str
    lat: float  # registry centre
    lon: float
    geometry: BaseGeometry | None = None
    radius_km: float | None = None  # rings only
    relation: RelationCandidate | None = None  # osm_relation areas only

    @property
    def area_km2(self) -> float | None:
        from assets.infrastructure.geometry import area_km2  # geometry imports this module

        return None if self.geometry is None else area_km2(self.geometry)

    @property
    def is_ring(self) -> bool:
        return self.radius_km is not None

    def with_geometry(self, geometry: BaseGeometry, definition: str) -> MeasurementArea:
        return replace(self, geometry=geometry, definition=definition)


@dataclass(frozen=True)
class RelationCandidate:
    """An OSM boundary relation that may be the city's unit: used only once the live answer's
    `name` (or `name:en`) is one of `expected_names` and its `admin_level` is the expected one."""

    relation_id: int
    expected_names: tuple[str, ...]
    expected_admin_level: str

    @property
    def area_id(self) -> int:
        return self.relation_id + AREA_ID_OFFSET


@dataclass(frozen=True)
class MetricSpec:
    metric_id: str
    geometry: str  # point | line | area
    unit: str
    tag_filter: TagFilter


@dataclass
class Feature:
    """One OSM object with its tags and the geometry it came with; coordinates (lon, lat).

    `line`: a node's point or a way's polyline. `polygon`: a closed way or a multipolygon
    relation's area. `center`: only a centre (a relation answered with `out center`, whose
    members carry no geometry): enough to locate it, not to measure a length or an area.
    """

    osm_type: str  # node | way | relation
    osm_id: int
    tags: Mapping[str, str] = field(default_factory=dict)
    line: BaseGeometry | None = None
    polygon: BaseGeometry | None = None
    center: BaseGeometry | None = None

    @property
    def ref(self) -> str:
        return f"{self.osm_type} {self.osm_id}"

    def geometry_for(self, kind: str) -> BaseGeometry | None:
        """The geometry a metric of `kind` measures; None when the object does not have it."""
        if kind == "point":
            return self.polygon or self.line or self.center
        if kind == "line":
            return self.line if self.osm_type == "way" else None
        return self.polygon


Progress = Callable[[int, int | None, str], None]  # (done, total or None, message)


def no_progress(done: int, total: int | None, message: str) -> None:
    """The default `Progress`: report nothing."""
    return None
