"""Source names and links of the report: one lookup from the source ids the marts use.

The table is `sources.csv` beside this module (id, name, link, licence, where the project
documents it). An id missing from it is shown by its id and listed by `unknown` so a test can
require every id of the bundled build to have a name.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

SOURCES_CSV = Path(__file__).with_name("sources.csv")


@dataclass(frozen=True)
class Source:
    source_id: str
    name: str
    url: str  # empty: documented in the project only (`documented_in`)
    licence: str
    documented_in: str


class SourceLookup:
    def __init__(self, sources: dict[str, Source]) -> None:
        self._sources = sources

    @classmethod
    def bundled(cls, path: Path = SOURCES_CSV) -> SourceLookup:
        with path.open(encoding="utf-8", newline="") as f:
            found = {}
            for line, row in enumerate(csv.DictReader(f), start=2):
                if not row.get("source_id") or not row.get("name"):
                    raise ValueError(f"{path}, line {line}: source_id and name are required")
                found[row["source_id"]] = Source(
                    row["source_id"],
                    row["name"],
                    row.get("url") or "",
                    row.get("licence") or "",
                    row.get("documented_in") or "",
                )
        return cls(found)

    def get(self, source_id: str | None) -> Source:
        sid = source_id or ""
        return self._sources.get(sid) or Source(sid, sid or "?", "", "", "")

    def name(self, source_id: str | None) -> str:
        return self.get(source_id).name

    def unknown(self, ids: set[str]) -> set[str]:
        return {i for i in ids if i and i not in self._sources}
