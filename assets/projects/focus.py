"""Sector -> focus area (data/catalogue/sector_focus_map.csv), with the share of each focus area.

A sector is looked up by its code (``worldbank_sector``, ``dac5``), else by its name
(``worldbank_sector_name``: names of the 2025 projects-list export, which has no codes), else by
its major sector's name (``worldbank_major_sector_name``) or code (``worldbank_major_sector``).
Names are compared without the export's "FY17 - " and "(Historic)" prefixes, case-insensitively.

A project's focus areas are every area one of its sectors maps to, each with the sum of those
sectors' percentages (`FocusShare`); its primary focus area (`focus_area_id`) is the area with
the largest share, or, without percentages, the area of the first mapped sector in the source's
order (the World Bank lists the largest share first).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

_PREFIX = re.compile(r"^\s*(?:FY\d{2}\s*-\s*|\(Historic\)\s*)", re.IGNORECASE)


def sector_key(name: Any) -> str:
    """'FY17 - Water Supply' -> 'water supply'; '(Historic)Highways' -> 'highways'."""
    if not isinstance(name, str):
        return ""
    return re.sub(r"\s+", " ", _PREFIX.sub("", name)).strip().casefold()


@dataclass(frozen=True)
class SectorMap:
    """The mapping file, indexed by vocabulary."""

    by_vocab: Mapping[str, Mapping[str, str]]  # vocabulary -> code or name key -> focus area
    names: Mapping[str, Mapping[str, str]]  # vocabulary -> code -> sector name

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> SectorMap:
        by_vocab: dict[str, dict[str, str]] = {}
        names: dict[str, dict[str, str]] = {}
        for r in frame.to_dict("records"):
            vocab, code = str(r["vocabulary"]), str(r["code"]).strip()
            key = sector_key(code) if vocab.endswith("_name") else code
            by_vocab.setdefault(vocab, {})[key] = str(r["focus_area_id"])
            names.setdefault(vocab, {})[code] = str(r["name"])
        return cls(by_vocab, names)

    def lookup(self, vocabulary: str, value: Any) -> str | None:
        if value is None or (isinstance(value, float) and value != value):
            return None
        table = self.by_vocab.get(vocabulary, {})
        key = sector_key(value) if vocabulary.endswith("_name") else str(value).strip()
        return table.get(key) or None

    def worldbank(self, sector: Mapping[str, Any]) -> str | None:
        """Focus area of one World Bank sector (code, name, major)."""
        code, major = sector.get("code"), sector.get("major")
        return (
            self.lookup("worldbank_sector", code)
            or self.lookup("worldbank_sector_name", sector.get("name"))
            or self.lookup("worldbank_major_sector_name", major)
            or self.lookup("worldbank_major_sector", _major_code(code))
        )


def _major_code(code: Any) -> str | None:
    # Old sector codes share their first letter with the major sector ("TC" -> "TX").
    return f"{code[0]}X" if isinstance(code, str) and len(code) == 2 else None


@dataclass(frozen=True)
class FocusShare:
    focus_area_id: str
    percent: float | None  # sum of the mapped sectors' percentages (None: not stated)


def focus_shares(pairs: Iterable[tuple[str | None, float | None]]) -> list[FocusShare]:
    """(focus area, percent) per sector -> one share per focus area, largest first (ties and
    missing percentages keep the source's order)."""
    order: list[str] = []
    total: dict[str, float | None] = {}
    for focus, pct in pairs:
        if not focus:
            continue
        if focus not in total:
            order.append(focus)
            total[focus] = pct
        elif pct is not None:
            total[focus] = (total[focus] or 0.0) + pct
    ranked = sorted(order, key=lambda f: (-(total[f] or 0.0), order.index(f)))
    return [FocusShare(f, total[f]) for f in ranked]


def as_records(shares: list[FocusShare]) -> list[dict[str, Any]]:
    return [{"focus_area_id": s.focus_area_id, "percent": s.percent} for s in shares]
