"""The company register and business matching: which firms fit which open projects.

The company register is the user's (template: data/templates/company_register_template.csv):
.csv UTF-8 or .xlsx with COMPANY_COLUMNS (docs/PROJECT_REGISTER.md, "Company register"); the
columns ``cities``, ``max_project_usd`` and ``past_projects`` are optional. A bad row becomes
rejects, a bad file raises ``ValueError``. Each match states its reasons by kind: sector,
place, size and past projects (`match_companies`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from assets.projects.fields import (
    ISO3_CODE,
    as_list,
    clean_text,
    empty_frame,
    is_blank,
    parse_amount,
    resolve_focus_area,
    split_list,
)
from assets.projects.register import read_table
from assets.projects.schema import OPEN_STATUSES
from assets.reference.cities import fold
from pipelines.framework.rejects import reject, rejects_frame
from warehouse.db import PROVENANCE_DESCRIPTIONS, TableDoc

COMPANY_COLUMNS = (
    "company_id",
    "name",
    "country_iso3",
    "sectors",
    "focus_areas",
    "capabilities",
    "contact_url",
    "cities",  # optional: registry city ids or names where the firm works (;-separated)
    "max_project_usd",  # optional: the largest project the firm takes on, US$
    "past_projects",  # optional: ids of projects the firm worked on (P-codes, register ids)
)
#: staging.companies
COMPANIES_DOC = TableDoc(
    "Companies of the company registers supplied for business matching (data/companies/), one "
    "row per company; refused rows in quarantine.rejected_rows (source company_register).",
    {
        "company_id": "Company id (unique across the registers)",
        "name": "Company name",
        "country_iso3": "Company country (ISO3)",
        "sectors": "Sectors the company works in",
        "focus_areas": "ASCN focus areas the company works in",
        "capabilities": "What the company does, in words",
        "contact_url": "Contact URL",
        "cities": "Registry city ids or names where the company works (optional)",
        "max_project_usd": "Largest project the company takes on, US$ (optional)",
        "past_projects": "Ids of projects the company worked on (optional)",
        "source_row": PROVENANCE_DESCRIPTIONS["source_row"],
    },
)
#: staging.business_matches (typed and published as marts.business_matches)
MATCHES_DOC = TableDoc(
    "Companies ranked against the open projects (pipeline or active with a current status), one "
    "row per project and company, with the reasons by kind (companies.py); empty when no company "
    "register was supplied.",
    {
        "project_key": "Project (staging.projects.project_key)",
        "source_id": "Project source",
        "source_project_id": "Project id in its source",
        "city_id": "City of the project (null: several or none)",
        "company_id": "Company id",
        "company_name": "Company name",
        "country_iso3": "Company country",
        "score": "Match score: sector + place + size + past projects (docs/PROJECT_REGISTER.md)",
        "rank": "Rank of the company for this project (1 = best)",
        "reason_sector": "Sector reasons: focus area, sector words, capabilities",
        "reason_place": "Place reasons: the company works in the project's city; partnership "
        "country preference",
        "reason_size": "Size: the project's US$ cost against the company's maximum project size",
        "reason_past_projects": "Past projects: this project, or one with the same financier or "
        "city",
        "reason": "All reasons",
    },
)
COMPANY_LISTS = ("sectors", "focus_areas", "cities", "past_projects")
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
    "reason_sector",
    "reason_place",
    "reason_size",
    "reason_past_projects",
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
        max_usd, problem = parse_amount(cell("max_project_usd"))
        if problem:
            problems.append(("max_project_usd", cell("max_project_usd"), problem))
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
                "cities": split_list(cell("cities")),
                "max_project_usd": max_usd,
                "past_projects": split_list(cell("past_projects")),
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
    companies = pd.DataFrame(kept) if kept else empty_companies()
    return companies, rejects_frame(rejects)


def empty_companies() -> pd.DataFrame:
    return empty_frame((*COMPANY_COLUMNS, "source_row"))


#: the partnership context this tool supports: Japanese and Cambodian firms for Cambodia
PREFERRED_COUNTRIES = {"KHM": ("JPN", "KHM")}
_PCODE = re.compile(r"P\d{6}")


def _project_country(rec: dict[str, Any]) -> str | None:
    if not is_blank(rec.get("country_iso3")):
        return str(rec["country_iso3"]).upper()
    city_id = rec.get("city_id") or next(iter(_cities(rec)), None)
    if isinstance(city_id, str) and re.match(r"^[a-z]{3}-", city_id):
        return city_id[:3].upper()
    return None


def _cities(rec: dict[str, Any]) -> dict[str, str]:
    """city_id -> match level of a project (its places; else its city_id)."""
    places = rec.get("places")
    if places is not None and len(places):
        return {str(p["city_id"]): str(p["level"]) for p in places}
    return {rec["city_id"]: "city_id"} if isinstance(rec.get("city_id"), str) else {}


def _is_open(rec: dict[str, Any]) -> bool:
    """Pipeline or active, with a current status (a stale 'active' is not an open project)."""
    current = rec.get("status_is_current")
    return rec.get("status") in OPEN_STATUSES and (current is None or bool(current))


def _sector_reasons(p: dict[str, Any], c: dict[str, Any]) -> tuple[int, list[str]]:
    score, reasons = 0, []
    focus = set(as_list(p.get("focus_area_ids"))) or {p.get("focus_area_id")}
    shared = sorted(f for f in focus & set(c.get("focus_areas") or []) if f)
    if shared:
        score += 3
        reasons.append(f"focus area {', '.join(shared)} matches")
    sector_text = fold(" ".join(x for x in (clean_text(p.get("sector")),
                                            clean_text(p.get("title"))) if x))  # fmt: skip
    for s in c.get("sectors") or []:
        if re.search(rf"(?<!\w){re.escape(fold(s))}(?!\w)", sector_text):
            score += 1
            reasons.append(f"company sector '{s}' in project sector/title")
    caps = fold(clean_text(c.get("capabilities")) or "")
    terms = [t.strip() for t in re.split(r"[;,/]", fold(clean_text(p.get("sector")) or ""))]
    for term in (t for t in terms if len(t) > 2):
        if caps and re.search(rf"(?<!\w){re.escape(term)}(?!\w)", caps):
            score += 1
            reasons.append(f"sector '{term}' in capabilities")
    return score, reasons


def _place_reasons(p: dict[str, Any], c: dict[str, Any]) -> tuple[int, list[str]]:
    score, reasons = 0, []
    cities = _cities(p)
    works = {str(x).casefold() for x in c.get("cities") or []}
    for city, level in sorted(cities.items()):
        if city.casefold() in works:
            gain = 1 if level == "province_containing_city" else 2
            score += gain
            reasons.append(f"works in {city} (project placed there: {level})")
    country = _project_country(p)
    if country in PREFERRED_COUNTRIES and c.get("country_iso3") in PREFERRED_COUNTRIES[country]:
        score += 1
        reasons.append(f"{c['country_iso3']} firm preferred for {country} project")
    return score, reasons


def _size_reasons(p: dict[str, Any], c: dict[str, Any]) -> tuple[int, list[str]]:
    cap, cost = c.get("max_project_usd"), p.get("cost_usd")
    if is_blank(cap):
        return 0, ["size: the register states no maximum project size"]
    if is_blank(cost):
        return 0, ["size: the project has no US$ cost"]
    if float(cost) <= float(cap):
        return 1, [
            f"project US$ {float(cost):,.0f} within the firm's maximum US$ {float(cap):,.0f}"
        ]
    return -1, [f"project US$ {float(cost):,.0f} above the firm's maximum US$ {float(cap):,.0f}"]


def _past_reasons(
    p: dict[str, Any], c: dict[str, Any], known: dict[str, dict[str, Any]]
) -> tuple[int, list[str]]:
    score, reasons = 0, []
    own = {str(p.get("source_project_id")), *(_PCODE.findall(str(p.get("project_key") or "")))}
    for past in c.get("past_projects") or []:
        if past in own:
            score += 2
            reasons.append(f"worked on this project ({past})")
            continue
        other = known.get(past)
        if other is None:
            continue
        if other.get("financier") and other.get("financier") == p.get("financier"):
            score += 1
            reasons.append(f"past project {past} with the same financier ({p['financier']})")
        shared = sorted(set(_cities(other)) & set(_cities(p)))
        if shared:
            score += 1
            reasons.append(f"past project {past} in {', '.join(shared)}")
    return score, reasons


def match_companies(companies: pd.DataFrame, projects: pd.DataFrame) -> pd.DataFrame:
    """Rank companies against open projects (pipeline/active with a current status).

    Sector (a pair is kept only when this is > 0): +3 when one of the project's focus areas is
    one of the company's; +1 for each company sector word in the project's sector/title; +1 for
    each project sector term in the company's capabilities. Place: +2 for each of the project's
    cities the company works in (+1 at province level); +1 when the project is in Cambodia
    (KHM) and the company is Japanese or Cambodian (JPN/KHM): the ASCN Battambang partnership
    context. Size: +1 when the project's US$ cost is within the company's maximum, -1 above it.
    Past projects: +2 when the company worked on this project, +1 for a past project with the
    same financier, +1 for one in the same city. rank 1 = best, per project."""
    if companies.empty or projects.empty:
        return empty_frame(MATCH_COLUMNS)
    records = projects.to_dict("records")
    known = {str(r.get("source_project_id")): r for r in records}
    open_projects = [r for r in records if _is_open(r)]
    if "is_primary" in projects.columns:
        open_projects = [r for r in open_projects if bool(r.get("is_primary"))]
    results = []
    for p in open_projects:
        for c in companies.to_dict("records"):
            sector, why_sector = _sector_reasons(p, c)
            if sector == 0:
                continue
            place, why_place = _place_reasons(p, c)
            size, why_size = _size_reasons(p, c)
            past, why_past = _past_reasons(p, c, known)
            results.append(
                {
                    "project_key": p.get("project_key"),
                    "source_id": p.get("source_id"),
                    "source_project_id": p.get("source_project_id"),
                    "city_id": p.get("city_id"),
                    "company_id": c["company_id"],
                    "company_name": c["name"],
                    "country_iso3": c.get("country_iso3"),
                    "score": sector + place + size + past,
                    "rank": None,
                    "reason_sector": "; ".join(why_sector),
                    "reason_place": "; ".join(why_place) or "no place in common",
                    "reason_size": "; ".join(why_size),
                    "reason_past_projects": "; ".join(why_past) or "none in common",
                    "reason": "; ".join(why_sector + why_place + why_size + why_past),
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
