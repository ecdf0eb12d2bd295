"""World Bank and IATI records -> the conformed project columns (`schema.CONFORMED_COLUMNS`)
plus the staged columns (`schema.STAGED_COLUMNS`): status with its as-of date and flags, the
cities the project is placed in by its locations (`placement.place`), its financiers and its
focus-area shares.

City: placed by geocoded location only (docs/PROJECT_REGISTER.md "City placement"); a title that
names a city no longer places a project there. `city_id` is the one city at the project's most
specific match level (null for a national project or when several cities share that level;
every city is in `places`). Focus area: `focus.py`. Status: mapped to the lifecycle of
`schema.STATUSES`, the source's own status kept in `source_status`; a record without a status,
or with one outside the mapping, keeps `status` empty with a flag (never a blocking failure).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import pandas as pd

from assets.projects.fields import as_list, clean_text, date_or_none, empty_frame, parse_amount
from assets.projects.focus import as_records, focus_shares
from assets.projects.lookups import Lookups
from assets.projects.placement import LEVELS, Link, place
from assets.projects.schema import (
    CONFORMED_COLUMNS,
    SOURCE_IATI,
    SOURCE_WORLDBANK,
    STAGED_COLUMNS,
)
from assets.projects.worldbank_records import FLAG_STATUS_MISSING

WB_STATUS = {
    "active": "active",
    "closed": "completed",
    "pipeline": "pipeline",
    "dropped": "cancelled",
}
#: IATI ActivityStatus codelist: 1 Pipeline/identification, 2 Implementation, 3 Finalisation,
#: 4 Closed, 5 Cancelled, 6 Suspended. Suspended is kept as 'active' (the commitment stands;
#: the original code stays in source_status).
IATI_STATUS = {
    "1": "pipeline",
    "2": "active",
    "3": "completed",
    "4": "completed",
    "5": "cancelled",
    "6": "active",
}
IATI_STATUS_NAMES = {
    "1": "Pipeline/identification",
    "2": "Implementation",
    "3": "Finalisation",
    "4": "Closed",
    "5": "Cancelled",
    "6": "Suspended",
}
#: IATI OrganisationType codelist -> financier_type
IATI_ORG_TYPE = {
    "10": "government",
    "11": "government",
    "15": "government",
    "21": "ngo",
    "22": "ngo",
    "23": "ngo",
    "24": "ngo",
    "30": "ppp",
    "40": "multilateral",
    "60": "foundation",
    "70": "private",
    "71": "private",
    "72": "private",
    "73": "private",
    "80": "other",
    "90": "other",
}
COLUMNS = (*CONFORMED_COLUMNS, *STAGED_COLUMNS)
#: a source record whose closing date is before its approval date: both kept, flagged
FLAG_DATES_DISAGREE = "closing_before_approval"


def status_of(raw: str | None, mapping: Mapping[str, str], flags: list[str]) -> str | None:
    """The lifecycle status of a source status; missing or unmapped -> None with a flag."""
    if not raw:
        if FLAG_STATUS_MISSING not in flags:
            flags.append(FLAG_STATUS_MISSING)
        return None
    status = mapping.get(raw.casefold())
    if status is None:
        flags.append(f"status_unmapped:{raw}")
    return status


def placed(
    locations: Iterable[Mapping[str, Any]], countries: list[str], lookups: Lookups
) -> dict[str, Any]:
    """placement, city_id, match_level, city_candidates and places of one project."""
    placement, links = place(locations, countries, lookups.areas, lookups.country_keys)
    best = min((LEVELS.index(x.level) for x in links), default=None)
    top = [x for x in links if best is not None and LEVELS.index(x.level) == best]
    return {
        "placement": placement,
        "city_id": top[0].city_id if len(top) == 1 else None,
        "match_level": LEVELS[best] if best is not None else None,
        "city_match": "location" if links else None,
        "city_confidence": None,
        "city_candidates": [x.city_id for x in links],
        "places": [_place_record(x) for x in links],
    }


def _place_record(link: Link) -> dict[str, Any]:
    return {
        "city_id": link.city_id,
        "level": link.level,
        "location_name": link.location_name,
        "latitude": link.latitude,
        "longitude": link.longitude,
        "distance_km": link.distance_km,
        "admin1": link.admin1,
        "admin2": link.admin2,
        "evidence": link.evidence,
    }


def _finish(rows: list[dict[str, Any]]) -> pd.DataFrame:
    if not rows:
        return empty_frame(COLUMNS)
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _worldbank_focus(r: dict[str, Any], lookups: Lookups) -> list[dict[str, Any]]:
    sectors = as_list(r.get("sectors"))
    if sectors:
        pairs = [(lookups.sectors.worldbank(s), s.get("percent")) for s in sectors]
    else:  # records without sector objects: the codes, then the major-sector codes
        pairs = [(lookups.sectors.lookup("worldbank_sector", c), None)
                 for c in as_list(r.get("sector_codes"))]  # fmt: skip
        pairs += [(lookups.sectors.lookup("worldbank_major_sector", c), None)
                  for c in as_list(r.get("major_sector_codes"))]  # fmt: skip
    return as_records(focus_shares(pairs))


def _financier_rows(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "financier_id": f.get("financier_id"),
            "name": f.get("name"),
            "type": f.get("type"),
            "amount": f.get("amount"),
            "currency": f.get("currency"),
            "amount_usd": f.get("amount_usd"),
            "basis": f.get("basis"),
        }
        for f in items
    ]


def _day(value: Any) -> date | None:
    """A date cell as a date: DATE values, timestamps, or ISO text (1950 or later)."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, str):
        return date_or_none(value)
    if hasattr(value, "date") and callable(value.date):
        return value.date()
    return value if isinstance(value, date) else None


def conform_worldbank(frame: pd.DataFrame, lookups: Lookups) -> pd.DataFrame:
    """World Bank rows (`worldbank_records.COLUMNS`, any of the three ways in) -> COLUMNS."""
    rows = []
    for i, r in enumerate(frame.to_dict("records")):
        codes = [str(c).upper() for c in as_list(r.get("country_codes"))]
        flags = [str(f) for f in as_list(r.get("record_flags"))]
        status_raw = clean_text(r.get("status"))
        shares = _worldbank_focus(r, lookups)
        cost, _ = parse_amount(r.get("total_commitment_usd"))
        project_cost, _ = parse_amount(r.get("project_cost_usd"))
        start, end = _day(r.get("board_approval_date")), _day(r.get("closing_date"))
        if start and end and start > end:  # real records do this (P150472): keep both, flag
            flags.append(f"{FLAG_DATES_DISAGREE}:{start.isoformat()} > {end.isoformat()}")
        rows.append(
            dict(
                source_id=SOURCE_WORLDBANK,
                source_project_id=clean_text(r.get("project_id")),
                title=clean_text(r.get("title")),
                description=clean_text(r.get("description")),
                sector="; ".join(as_list(r.get("sector_names"))) or None,
                sector_codes=[str(c) for c in as_list(r.get("sector_codes"))],
                focus_area_id=shares[0]["focus_area_id"] if shares else None,
                financier="World Bank",
                financier_type="multilateral",
                partner_companies=[],
                partner_countries=[],
                cost=cost,
                project_cost=project_cost,
                currency="USD" if cost is not None or project_cost is not None else None,
                status=status_of(status_raw, WB_STATUS, flags),
                source_status=status_raw,
                start_date=start,
                end_date=end,
                source_ref=clean_text(r.get("url")),
                source_uri=clean_text(r.get("_source_uri")) or clean_text(r.get("url")),
                source_row=i + 1,
                status_as_of=_day(r.get("status_as_of")),
                record_flags=flags,
                country_codes=codes,
                focus_area_ids=[s["focus_area_id"] for s in shares],
                focus_shares=shares,
                financiers=_financier_rows(as_list(r.get("financiers"))),
                **placed(as_list(r.get("locations")), codes, lookups),
            )
        )
    return _finish(rows)


def _iati_financiers(r: dict[str, Any], cost: float | None) -> list[dict[str, Any]]:
    """Funding organisations (role 1); the activity budget goes to a single funder only."""
    currency = (clean_text(r.get("currency")) or "").upper() or None
    funders = as_list(r.get("funders"))
    basis = "participating organisation, role 1 (Funding)"
    if not funders:
        funders = [{"ref": r.get("reporting_org_ref"), "name": r.get("reporting_org_name"),
                    "type": r.get("reporting_org_type")}]  # fmt: skip
        basis = "reporting organisation (no funding organisation given)"
    single = len(funders) == 1
    return [
        {
            "financier_id": clean_text(f.get("ref")),
            "name": clean_text(f.get("name")) or clean_text(f.get("ref")),
            "type": IATI_ORG_TYPE.get(clean_text(f.get("type")) or ""),
            "amount": cost if single else None,
            "currency": currency if single else None,
            "amount_usd": cost if single and currency == "USD" else None,
            "basis": basis if single else basis + "; budget not split between funders",
        }
        for f in funders
    ]


def conform_iati(frame: pd.DataFrame, lookups: Lookups) -> pd.DataFrame:
    """IATI rows (`iati_docs.COLUMNS`) -> COLUMNS; the status holds as of the retrieval."""
    rows = []
    for i, r in enumerate(frame.to_dict("records")):
        recipients = [str(c).upper() for c in as_list(r.get("recipient_countries"))]
        flags = [str(f) for f in as_list(r.get("record_flags"))]
        sectors = [s for s in as_list(r.get("sectors")) if str(s.get("vocabulary") or "1") == "1"]
        if not sectors and not as_list(r.get("sectors")):  # rows landed without sector objects
            sectors = _sector_objects(r)
        codes = [str(s["code"]) for s in sectors if s.get("code")]
        shares = as_records(
            focus_shares(
                (lookups.sectors.lookup("dac5", s.get("code")), s.get("percent")) for s in sectors
            )  # fmt: skip
        )
        status_code = clean_text(r.get("activity_status_code"))
        cost, _ = parse_amount(r.get("budget_value_sum"))
        org_type = clean_text(r.get("reporting_org_type"))
        rows.append(
            dict(
                source_id=SOURCE_IATI,
                source_project_id=clean_text(r.get("iati_identifier")),
                title=clean_text(r.get("title")),
                description=clean_text(r.get("description")),
                sector=_sector_names(lookups, codes),
                sector_codes=codes,
                focus_area_id=shares[0]["focus_area_id"] if shares else None,
                financier=clean_text(r.get("reporting_org_name")),
                financier_type=IATI_ORG_TYPE.get(org_type) if org_type else None,
                partner_companies=[],
                partner_countries=[],
                cost=cost,
                project_cost=None,
                currency=(clean_text(r.get("currency")) or "").upper() or None,
                status=status_of(status_code, IATI_STATUS, flags),
                source_status=(
                    f"{status_code} {IATI_STATUS_NAMES.get(status_code, '')}".strip()
                    if status_code
                    else None
                ),
                start_date=_day(r.get("start_date")),
                end_date=_day(r.get("end_date")),
                source_ref=clean_text(r.get("iati_identifier")),
                source_uri=clean_text(r.get("_source_uri")),
                source_row=i + 1,
                status_as_of=_day(r.get("_retrieved_at")),
                record_flags=flags,
                country_codes=recipients,
                focus_area_ids=[s["focus_area_id"] for s in shares],
                focus_shares=shares,
                financiers=_iati_financiers(r, cost),
                **placed(_iati_locations(r), recipients, lookups),
            )
        )
    return _finish(rows)


def _iati_locations(r: dict[str, Any]) -> list[Mapping[str, Any]]:
    locations = as_list(r.get("locations"))
    if locations:
        return locations
    return [{"name": n} for n in as_list(r.get("location_names"))]


def _sector_objects(r: dict[str, Any]) -> list[dict[str, Any]]:
    """Sector codes and vocabularies as objects (DAC 5-digit codes, vocabulary 1, only)."""
    codes = [str(c) for c in as_list(r.get("sector_codes"))]
    vocabs = [str(v) for v in as_list(r.get("sector_vocabularies"))]
    if len(vocabs) == len(codes):
        codes = [c for c, v in zip(codes, vocabs, strict=True) if v == "1"]
    return [{"code": c, "vocabulary": "1", "percent": None} for c in codes]


def _sector_names(lookups: Lookups, codes: list[str]) -> str | None:
    names = lookups.sectors.names.get("dac5", {})
    found = [names[c] for c in codes if c in names]
    return "; ".join(found) or None
