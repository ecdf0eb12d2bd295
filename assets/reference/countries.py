"""Countries (ISO 3166-1 alpha-2 and alpha-3) from data/reference/countries.csv.

The one list of countries: the ten ASEAN member states, which source clients ask for and checks
accept, and the partner countries that appear as financiers or recipients in project records.
A bad file raises ``ValueError`` naming the file, the line (header = line 1) and the field.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pipelines.framework.reads import note_read
from pipelines.settings import Settings

_CODE = {"country_iso3": re.compile(r"[A-Z]{3}"), "country_iso2": re.compile(r"[A-Z]{2}")}


@dataclass(frozen=True)
class Country:
    iso3: str
    iso2: str
    name: str
    asean_member: bool


def _load(path: Path) -> tuple[Country, ...]:
    # Cached per file version: a long-running code server sees an edited file.
    note_read(path)  # a cache hit is a read too, for the version of the step (framework/reads)
    stat = path.stat()
    return _parse(path, stat.st_mtime_ns, stat.st_size)


@cache
def _parse(path: Path, _mtime_ns: int, _size: int) -> tuple[Country, ...]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    countries: list[Country] = []
    seen: set[str] = set()
    for line, row in enumerate(rows, start=2):
        cells = {k: (row.get(k) or "").strip() for k in ("country_iso3", "country_iso2", "name")}
        for field, pattern in _CODE.items():
            if not pattern.fullmatch(cells[field]):
                raise ValueError(
                    f"{path}: line {line}, field {field}: {cells[field]!r} is not an ISO code"
                )
        if cells["country_iso3"] in seen:
            raise ValueError(
                f"{path}: line {line}, field country_iso3: duplicate {cells['country_iso3']!r}"
            )
        seen.add(cells["country_iso3"])
        member = (row.get("asean_member") or "").strip().lower()
        if member not in {"true", "false"}:
            raise ValueError(
                f"{path}: line {line}, field asean_member: {member!r} is not true/false"
            )
        countries.append(
            Country(cells["country_iso3"], cells["country_iso2"], cells["name"], member == "true")
        )
    return tuple(countries)


def countries(settings: Settings | None = None) -> tuple[Country, ...]:
    """Every country of the file, in its order."""
    s = settings or Settings.from_env()
    return _load(s.reference_dir / "countries.csv")


def asean(settings: Settings | None = None) -> tuple[Country, ...]:
    """The ten ASEAN member states, in the file's order."""
    return tuple(c for c in countries(settings) if c.asean_member)


def asean_iso3(settings: Settings | None = None) -> list[str]:
    return [c.iso3 for c in asean(settings)]


def asean_iso2(settings: Settings | None = None) -> list[str]:
    return [c.iso2 for c in asean(settings)]


def iso2_to_iso3(settings: Settings | None = None) -> dict[str, str]:
    """Every country of the file, ASEAN members and partners."""
    return {c.iso2: c.iso3 for c in countries(settings)}
