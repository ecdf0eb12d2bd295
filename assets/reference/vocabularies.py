"""The closed lists every source and check shares: focus areas and boundary types.

Each comes from one curated file in data/reference, so a reader, a GX value set and a SQL check
accept exactly the same members. A bad file raises ``ValueError`` naming the file, the line
(header = line 1) and the field.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from pipelines.framework.reads import note_read
from pipelines.settings import Settings


def _column_pairs(path: Path, key: str, value: str) -> dict[str, str]:
    # Cached per file version: a long-running code server sees an edited file.
    note_read(path)  # a cache hit is a read too, for the version of the step (framework/reads)
    stat = path.stat()
    return _parse(path, key, value, stat.st_mtime_ns, stat.st_size)


@cache
def _parse(path: Path, key: str, value: str, _mtime_ns: int, _size: int) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in (key, value) if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: line 1: missing column(s) {', '.join(missing)}")
        rows = list(reader)
    out: dict[str, str] = {}
    for line, row in enumerate(rows, start=2):
        k = (row.get(key) or "").strip()
        if not k or k in out:
            raise ValueError(f"{path}: line {line}, field {key}: empty or duplicate value {k!r}")
        out[k] = (row.get(value) or "").strip()
    return out


def focus_areas(settings: Settings | None = None) -> dict[str, str]:
    """ASCN focus area id -> display name (data/reference/focus_areas.csv)."""
    s = settings or Settings.from_env()
    return dict(_column_pairs(s.reference_dir / "focus_areas.csv", "focus_area_id", "name"))


def boundary_types(settings: Settings | None = None) -> dict[str, int]:
    """Boundary type -> headline precedence (data/reference/boundary_types.csv)."""
    path = (settings or Settings.from_env()).reference_dir / "boundary_types.csv"
    out = {}
    for line, (k, v) in enumerate(_column_pairs(path, "boundary_type", "precedence").items(), 2):
        if not v.isdigit():
            raise ValueError(f"{path}: line {line}, field precedence: {v!r} is not a whole number")
        out[k] = int(v)
    return out


#: The spatial-unit types every value carries (docs/METHODOLOGY.md §1). `pilot` in
#: boundary_types.csv means "the unit type of the city's registry pilot unit" (projects).
UNIT_TYPES = (
    "city", "admin_region", "urban_centre", "agglomeration", "metro_area", "urban_extent",
    "measurement_area", "nation",
)  # fmt: skip
