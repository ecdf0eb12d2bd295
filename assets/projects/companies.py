"""The company register and business matching: which firms fit which open projects.

Company register: .csv UTF-8 or .xlsx with COMPANY_COLUMNS (docs/PROJECT_REGISTER.md,
"Company register"); a bad row becomes rejects, a bad file raises ``ValueError``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from assets.projects.fields import (
    ISO3_CODE,
    clean_text,
    empty_frame,
    is_blank,
    resolve_focus_area,
    split_list,
)
from assets.projects.register import read_table
from assets.projects.schema import OPEN_STATUSES
from assets.reference.cities import fold
from pipelines.framework.rejects import reject, rejects_frame

COMPANY_COLUMNS = (
    "company_id",
    "name",
    "country_iso3",
    "sectors",
    "focus_areas",
    "capabilities",
    "contact_url",
)
COMPANY_REQUIRED = ("company_id", "name", "country_iso3")
MATCH_COLUMNS = [
    "project_key",
    "source_id",
    "source_project_id",
    "city_id",
    "company_id",
    "company_name",
    "country_iso3",
    "score",
    "rank",
    "reason",
]


def read_company_register(
    path: Path, focus_areas: Mapping[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a company register (.csv UTF-8 or .xlsx) into (companies, rejects).

    `focus_areas`: id -> display name, the focus areas a company may name."""
    path = Path(path)
    uri = str(path)
    header, raw_rows, formula_cells, _extra = read_table(path, COMPANY_COLUMNS, COMPANY_REQUIRED)
    col = {name: header.index(name) for name in COMPANY_COLUMNS if name in header}
    rows: list[dict[str, Any]] = []
    rejects: list[dict[str, Any]] = []
    ids: dict[str | None, list[int]] = {}
    for i, raw in enumerate(raw_rows):
        if all(is_blank(c) for c in raw):
            continue

        def cell(name: str, _raw: list[Any] = raw) -> Any:
            j = col.get(name)
            return _raw[j] if j is not None and j < len(_raw) else None

        problems = [
            (header[cj], ref, f"formula_without_cached_value in cell {ref}")
            for (ri, cj), ref in formula_cells.items()
            if ri == i
        ]
        for name in COMPANY_REQUIRED:
            if is_blank(cell(name)):
                problems.append((name, None, "missing_required"))
        iso3 = (clean_text(cell("country_iso3")) or "").upper()
        if iso3 and not ISO3_CODE.match(iso3):
            problems.append(("country_iso3", iso3, "bad_country_code"))
        focus_ids = []
        for f in split_list(cell("focus_areas")):
            fid, problem = resolve_focus_area(f, focus_areas)
            if problem:
                problems.append(("focus_areas", f, problem))
            else:
                focus_ids.append(fid)
        rejects += [reject(uri, i + 1, field, value, reason) for field, value, reason in problems]
        if problems:
            continue
        cid = clean_text(cell("company_id"))
        ids.setdefault(cid, []).append(i + 1)
        rows.append(
            {
                "company_id": cid,
                "name": clean_text(cell("name")),
                "country_iso3": iso3,
                "sectors": split_list(cell("sectors")),
                "focus_areas": focus_ids,
                "capabilities": clean_text(cell("capabilities")),
                "contact_url": clean_text(cell("contact_url")),
                "source_row": i + 1,
            }
        )
    kept = []
    for rec in rows:
        if len(ids[rec["company_id"]]) > 1:
            rejects.append(
                reject(
                    uri, rec["source_row"], "company_id", rec["company_id"], "duplicate_company_id"
                )
            )
        else:
            kept.append(rec)
    companies = pd.DataFrame(kept) if kept else empty_frame((*COMPANY_COLUMNS, "source_row"))
    return companies, rejects_frame(rejects)


PREFERRED_COUNTRIES = {"KHM": ("JPN", "KHM")}


def _project_country(rec: dict[str, Any]) -> str | None:
    if not is_blank(rec.get("country_iso3")):
        return str(rec["country_iso3"]).upper()
    city_id = rec.get("city_id")
    if isinstance(city_id, str) and re.match(r"^[a-z]{3}-", city_id):
        return city_id[:3].upper()
    return None


def match_companies(companies: pd.DataFrame, projects: pd.DataFrame) -> pd.DataFrame:
    """Rank companies against open projects (status pipeline/active).

    Score: +3 when the project's focus area is one of the company's focus areas; +1 for each
    company sector word found in the project's sector/title text; +1 for each project sector
    term found in the company's capabilities. A pair is kept only when this score > 0. Then
    +1 when the project is in Cambodia (KHM) and the company is Japanese or Cambodian
    (JPN/KHM): the ASCN Battambang partnership context. rank 1 = best, per project."""
    results = []
    if companies.empty or projects.empty:
        return empty_frame(MATCH_COLUMNS)
    open_projects = projects[projects["status"].isin(OPEN_STATUSES)]
    if "is_primary" in open_projects.columns:
        open_projects = open_projects[open_projects["is_primary"].astype(bool)]
    for p in open_projects.to_dict("records"):
        sector_text = fold(
            " ".join(x for x in (clean_text(p.get("sector")), clean_text(p.get("title"))) if x)
        )
        project_terms = [
            t.strip()
            for t in re.split(r"[;,/]", fold(clean_text(p.get("sector")) or ""))
            if len(t.strip()) > 2
        ]
        country = _project_country(p)
        for c in companies.to_dict("records"):
            score, reasons = 0, []
            focus = p.get("focus_area_id")
            if not is_blank(focus) and focus in (c.get("focus_areas") or []):
                score += 3
                reasons.append(f"focus area {focus} matches")
            for s in c.get("sectors") or []:
                if re.search(rf"(?<!\w){re.escape(fold(s))}(?!\w)", sector_text):
                    score += 1
                    reasons.append(f"company sector '{s}' in project sector/title")
            caps = fold(clean_text(c.get("capabilities")) or "")
            for term in project_terms:
                if caps and re.search(rf"(?<!\w){re.escape(term)}(?!\w)", caps):
                    score += 1
                    reasons.append(f"sector '{term}' in capabilities")
            if score == 0:
                continue
            if (
                country in PREFERRED_COUNTRIES
                and c.get("country_iso3") in PREFERRED_COUNTRIES[country]
            ):
                score += 1
                reasons.append(f"{c['country_iso3']} firm preferred for {country} project")
            results.append(
                {
                    "project_key": p.get("project_key"),
                    "source_id": p.get("source_id"),
                    "source_project_id": p.get("source_project_id"),
                    "city_id": p.get("city_id"),
                    "company_id": c["company_id"],
                    "company_name": c["name"],
                    "country_iso3": c.get("country_iso3"),
                    "score": score,
                    "rank": None,
                    "reason": "; ".join(reasons),
                }
            )
    if not results:
        return empty_frame(MATCH_COLUMNS)
    frame = pd.DataFrame(results, columns=MATCH_COLUMNS)
    frame = frame.sort_values(
        ["source_id", "source_project_id", "score", "company_name"],
        ascending=[True, True, False, True],
        kind="stable",
    )
    frame["rank"] = frame.groupby(["source_id", "source_project_id"]).cumcount() + 1
    return frame.reset_index(drop=True)
