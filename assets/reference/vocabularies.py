"""The closed lists every source and check shares: focus areas and boundary types.

Each comes from one curated file in data/reference, so a reader, a GX value set and a SQL check
accept exactly the same members.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from pipelines.settings import Settings


@cache
def _column_pairs(path: Path, key: str, value: str) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    out: dict[str, str] = {}
    for i, row in enumerate(rows, start=2):
        k = (row.get(key) or "").strip()
        if not k or k in out:
            raise ValueError(f"{path}: line {i}, field {key}: empty or duplicate value {k!r}")
        out[k] = (row.get(value) or "").strip()
    return out


def focus_areas(settings: Settings | None = None) -> dict[str, str]:
    """ASCN focus area id -> display name (data/reference/focus_areas.csv)."""
    s = settings or Settings.from_env()
    return _column_pairs(s.reference_dir / "focus_areas.csv", "focus_area_id", "name")


def boundary_types(settings: Settings | None = None) -> dict[str, int]:
    """Boundary type -> headline precedence (data/reference/boundary_types.csv)."""
    s = settings or Settings.from_env()
    pairs = _column_pairs(s.reference_dir / "boundary_types.csv", "boundary_type", "precedence")
    return {k: int(v) for k, v in pairs.items()}
