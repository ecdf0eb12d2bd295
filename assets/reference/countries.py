"""Countries (ISO 3166-1 alpha-2 and alpha-3) from data/reference/countries.csv.

The one list of countries: the ten ASEAN member states, which source clients ask for and checks
accept, and the partner countries that appear as financiers or recipients in project records.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pipelines.settings import Settings


@dataclass(frozen=True)
class Country:
    iso3: str
    iso2: str
    name: str
    asean_member: bool


@cache
def _load(path: Path) -> tuple[Country, ...]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    countries = []
    for i, row in enumerate(rows, start=2):
        iso3, iso2 = (
            (row.get("country_iso3") or "").strip(),
            (row.get("country_iso2") or "").strip(),
        )
        if len(iso3) != 3 or not iso3.isupper() or len(iso2) != 2 or not iso2.isupper():
            raise ValueError(f"{path}: line {i}: bad ISO code pair {iso3!r}/{iso2!r}")
        member = (row.get("asean_member") or "").strip().lower()
        if member not in {"true", "false"}:
            raise ValueError(f"{path}: line {i}, field asean_member: {member!r} is not true/false")
        countries.append(Country(iso3, iso2, (row.get("name") or "").strip(), member == "true"))
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
