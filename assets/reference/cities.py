"""The city registry (data/reference/cities.csv) and the one city matcher every source uses.

A source names a city by registry id, by its English, local or alternative name, or inside free
text (a project title). `CityMatcher` answers all three with the same rules: case and accents
folded, "Da Nang" also as "Danang", scripts written without spaces matched as substrings.
"""

from __future__ import annotations

import math
import re
import unicodedata
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

CITY_COLUMNS = [
    "city_id",
    "name",
    "local_name",
    "country_iso3",
    "country_name",
    "lat",
    "lon",
    "joined_year",
    "admin_unit_type",
    "coord_source",
    "notes",
]
#: scripts written without spaces between words: matched as substrings, not on word boundaries
NO_SPACE_SCRIPTS = re.compile(r"[\u0E00-\u0E7F\u1780-\u17FF\u0E80-\u0EFF\u1000-\u109F]")


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = unicodedata.normalize("NFC", str(value).strip())
    return text or None


def fold(text: str) -> str:
    """Case- and accent-insensitive form for matching names (keeps non-Latin scripts)."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c) or ord(c) >= 0x0E00)
    return text.replace("đ", "d")


def city_slug_id(name: str, iso3: str) -> str:
    """Registry id convention: lower-case ``iso3-slug`` (DKI Jakarta in IDN: idn-dki-jakarta)."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return f"{iso3.strip().lower()}-{slug}"


def read_cities(path: Path | str) -> pd.DataFrame:
    """Read and validate the city registry; any bad value raises ValueError naming row and field.

    Checks: required columns, non-empty unique ``city_id``, ``country_iso3`` of three upper-case
    letters, ``lat`` in [-90, 90] and ``lon`` in [-180, 180]. Returns the registry with ``lat``,
    ``lon`` as float and ``joined_year`` as Int64.
    """
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in CITY_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: missing columns {missing}")
    seen: set[str] = set()
    for i, rec in enumerate(df.to_dict("records"), start=1):
        cid = rec["city_id"]
        if not cid or cid in seen:
            raise ValueError(f"{path}: row {i}, field city_id: empty or duplicate value {cid!r}")
        seen.add(cid)
        if not re.fullmatch(r"[A-Z]{3}", rec["country_iso3"]):
            raise ValueError(
                f"{path}: row {i}, field country_iso3: "
                f"{rec['country_iso3']!r} is not 3 upper-case letters"
            )
        for field, limit in (("lat", 90.0), ("lon", 180.0)):
            try:
                value: float | None = float(rec[field])
            except ValueError:
                value = None
            if value is None or math.isnan(value) or not -limit <= value <= limit:
                raise ValueError(
                    f"{path}: row {i}, field {field}: {rec[field]!r} is not a "
                    f"number in [-{limit:g}, {limit:g}]"
                )
    out = df.copy()
    out["lat"] = out["lat"].astype(float)
    out["lon"] = out["lon"].astype(float)
    out["joined_year"] = pd.to_numeric(out["joined_year"], errors="coerce").astype("Int64")
    return out


class CityMatcher:
    """Registry cities by id and by name (English, local, alternative; accents folded)."""

    def __init__(self, cities: pd.DataFrame):
        self.ids: dict[str, str] = {}
        self.by_name: dict[str, set[str]] = {}
        self.country: dict[str, str] = {}
        for rec in cities.to_dict("records"):
            city_id = _text(rec.get("city_id"))
            if not city_id:
                continue
            self.ids[city_id.casefold()] = city_id
            self.country[city_id] = (_text(rec.get("country_iso3")) or "").upper()
            for name in sorted(self._names(rec)):
                self.by_name.setdefault(fold(name), set()).add(city_id)

    @staticmethod
    def _names(rec: dict[str, Any]) -> set[str]:
        names = set()
        for key in ("name", "local_name"):
            name = _text(rec.get(key))
            if name:
                names.add(name)
        alt = _text(rec.get("alt_names"))
        names.update(p.strip() for p in (alt or "").split(";") if p.strip())
        # "Da Nang" is also written "Danang": add the spaceless form of multi-word Latin names
        for name in list(names):
            if " " in name and not NO_SPACE_SCRIPTS.search(name):
                names.add(name.replace(" ", ""))
        return names

    def resolve(self, value: str) -> tuple[str | None, str | None, str | None]:
        """A cell naming one city -> (city_id, how it matched: explicit/name, problem)."""
        if value.casefold() in self.ids:
            return self.ids[value.casefold()], "explicit", None
        found = self.by_name.get(fold(value), set())
        if len(found) == 1:
            return next(iter(found)), "name", None
        if len(found) > 1:
            return None, None, "ambiguous_city"
        return None, None, "unknown_city"

    def id_for(self, name: str, iso3: str) -> str | None:
        """The registry id of the city called `name` in country `iso3`; None if not a pilot city.

        A name (any of the city's names, folded) wins; else the registry's id convention
        ``iso3-slug`` if that id exists.
        """
        iso3 = iso3.strip().upper()
        found = {c for c in self.by_name.get(fold(name.strip()), set()) if self.country[c] == iso3}
        if len(found) == 1:
            return next(iter(found))
        guess = city_slug_id(name, iso3)
        return self.ids.get(guess.casefold())


def staged_registry(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The typed city registry as staged in this build (`staging.cities`)."""
    return con.execute("select * from staging.cities").df()


def registry_matcher(con: duckdb.DuckDBPyConnection) -> CityMatcher:
    """The city matcher over the registry as staged in this build."""
    return CityMatcher(staged_registry(con))
