"""One project reported by several sources is counted once: cross-source de-duplication.

Rows are linked when (1) they carry the same World Bank P-code, or (2) they have the same
normalised title, city and start year (docs/PROJECT_REGISTER.md, "De-duplication").
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from typing import Any

import pandas as pd

from assets.projects.fields import clean_text, is_blank
from assets.projects.schema import SOURCE_PRECEDENCE
from assets.reference.cities import fold

_PCODE = re.compile(r"(?<![A-Za-z0-9])(P\d{6})(?!\d)")


def normalise_title(title: Any) -> str:
    text = fold(clean_text(title) or "")
    text = re.sub(r"\([^)]*\)", " ", text)  # drop acronyms in brackets: "(SCDP)"
    text = re.sub(r"[^\w\s]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _pcodes(*values: Any) -> set[str]:
    found: set[str] = set()
    for v in values:
        if not is_blank(v):
            found.update(_PCODE.findall(str(v)))
    return found


def link_duplicates(conformed: pd.DataFrame) -> pd.DataFrame:
    """Add project_key and is_primary so one project reported by several sources is counted
    once. Rows are linked when (1) they carry the same World Bank P-code (WB source_project_id,
    inside an IATI identifier, or in a register project_id/source), or (2) they have the same
    normalised title, the same non-null city_id and the same start year. Links are transitive.
    is_primary marks one row per key: register > worldbank > iati, then the first row."""
    out = conformed.reset_index(drop=True).copy()
    n = len(out)
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    first_by: dict[tuple, int] = {}
    for i, r in enumerate(out.to_dict("records")):
        keys = [("p", p) for p in _pcodes(r.get("source_project_id"), r.get("source_ref"))]
        start = r.get("start_date")
        title = normalise_title(r.get("title"))
        if title and not is_blank(r.get("city_id")) and isinstance(start, date):
            keys.append(("t", title, r["city_id"], start.year))
        for key in keys:
            if key in first_by:
                union(first_by[key], i)
            else:
                first_by[key] = i

    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    project_key = [None] * n
    is_primary = [False] * n
    records = out.to_dict("records")
    for members in groups.values():
        ordered = sorted(
            members, key=lambda i: (SOURCE_PRECEDENCE.get(records[i].get("source_id"), 9), i)
        )
        pcodes = sorted(
            set().union(
                *(
                    _pcodes(records[i].get("source_project_id"), records[i].get("source_ref"))
                    for i in members
                )
            )
        )
        if pcodes:
            key = f"wb:{pcodes[0]}"
        else:
            head = records[ordered[0]]
            digest = hashlib.sha1(
                f"{head.get('source_id')}|{head.get('source_project_id')}".encode()
            ).hexdigest()[:12]
            key = f"pk:{digest}"
        for i in members:
            project_key[i] = key
        is_primary[ordered[0]] = True
    out["project_key"] = project_key
    out["is_primary"] = is_primary
    return out
