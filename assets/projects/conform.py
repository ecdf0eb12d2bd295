"""World Bank and IATI records -> the conformed project columns (`schema.CONFORMED_COLUMNS`).

City: an explicit registry id, else the registry city named in the record's strong texts
(title, location names, implementing agency), else in its description (low confidence); the
country of the record narrows the search. Focus area: the first of the record's sector codes
that data/catalogue/sector_focus_map.csv maps. Status: mapped to the lifecycle of
`schema.STATUSES`, the source's own status kept in `source_status`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from assets.projects.fields import (
    as_list,
    clean_text,
    date_or_none,
    empty_frame,
    is_blank,
    parse_amount,
)
from assets.projects.lookups import Lookups
from assets.projects.schema import CONFORMED_COLUMNS, SOURCE_IATI, SOURCE_WORLDBANK
from assets.reference.cities import CityMatcher

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


def match_city_in_text(
    cities: CityMatcher,
    strong_texts: Iterable[str | None],
    weak_texts: Iterable[str | None],
    countries: set[str] | None = None,
) -> tuple[str | None, str | None, str | None, list[str]]:
    """(city_id, city_match, city_confidence, candidates) from free text.

    strong texts (title, location names, implementing agency): exactly one city -> 'high';
    several -> no city, confidence 'ambiguous'. Only in weak texts (description): one city ->
    'low'. Nothing -> all None (a national project)."""
    strong = cities.find_in(strong_texts, countries)
    if len(strong) == 1:
        return strong[0], "name", "high", strong
    if len(strong) > 1:
        return None, None, "ambiguous", strong
    weak = cities.find_in(weak_texts, countries)
    if len(weak) == 1:
        return weak[0], "name", "low", weak
    if len(weak) > 1:
        return None, None, "ambiguous", weak
    return None, None, None, []


def focus_for_codes(sector_map: pd.DataFrame, vocabulary: str, codes: Iterable[str]) -> str | None:
    """Focus area of the first code (in the source's order, i.e. largest share first for the
    World Bank) that the mapping file covers; None when no code is mapped."""
    sub = sector_map[sector_map["vocabulary"] == vocabulary]
    lookup = dict(zip(sub["code"].astype(str), sub["focus_area_id"], strict=False))
    for code in codes:
        focus = lookup.get(str(code).strip())
        if focus:
            return focus
    return None


def _codes(value: Any) -> list[str]:
    out = []
    for v in as_list(value):
        if isinstance(v, dict):
            v = v.get("code")
        if not is_blank(v):
            out.append(str(v).strip())
    return out


def _names_text(value: Any) -> str | None:
    items = []
    for v in as_list(value):
        if isinstance(v, dict):
            v = v.get("name") or v.get("Name")
        if not is_blank(v):
            items.append(str(v).strip())
    return "; ".join(dict.fromkeys(items)) or None


def _finish(rows: list[dict[str, Any]]) -> pd.DataFrame:
    if not rows:
        return empty_frame(CONFORMED_COLUMNS)
    return pd.DataFrame(rows, columns=list(CONFORMED_COLUMNS))


def conform_worldbank(frame: pd.DataFrame, lookups: Lookups) -> pd.DataFrame:
    """World Bank projects normalised by assets.projects.worldbank_projects_api
    (parse_projects_payload) -> CONFORMED_COLUMNS."""
    cities, sector_map = lookups.cities, lookups.sector_map
    rows = []
    for i, r in enumerate(frame.to_dict("records")):
        iso2 = (clean_text(r.get("country_iso2")) or "").upper()
        countries = {lookups.iso3_of[iso2]} if iso2 in lookups.iso3_of else None
        description = clean_text(r.get("description"))
        explicit = clean_text(r.get("city_id"))
        if explicit and explicit.casefold() in cities.ids:
            city = (cities.ids[explicit.casefold()], "explicit", "high", [explicit])
        else:
            city = match_city_in_text(
                cities,
                [clean_text(r.get("title")), clean_text(r.get("implementing_agency"))],
                [description],
                countries,
            )
        sector_codes = _codes(r.get("sector_codes"))
        focus = focus_for_codes(sector_map, "worldbank_sector", sector_codes) or focus_for_codes(
            sector_map, "worldbank_major_sector", _codes(r.get("major_sector_codes"))
        )
        status_raw = clean_text(r.get("status"))
        cost, _ = parse_amount(r.get("total_commitment_usd"))
        project_cost, _ = parse_amount(r.get("project_cost_usd"))
        rows.append(
            dict(
                source_id=SOURCE_WORLDBANK,
                source_project_id=clean_text(r.get("project_id")),
                city_id=city[0],
                city_match=city[1],
                city_confidence=city[2],
                city_candidates=city[3],
                title=clean_text(r.get("title")),
                description=description,
                sector=_names_text(r.get("sector_names")),
                sector_codes=sector_codes,
                focus_area_id=focus,
                financier="World Bank",
                financier_type="multilateral",
                partner_companies=[],
                partner_countries=[],
                cost=cost,
                project_cost=project_cost,
                currency="USD" if cost is not None or project_cost is not None else None,
                status=WB_STATUS.get((status_raw or "").casefold()),
                source_status=status_raw,
                start_date=date_or_none(r.get("board_approval_date")),
                end_date=date_or_none(r.get("closing_date")),
                source_ref=clean_text(r.get("url")),
                source_uri=clean_text(r.get("_source_uri")) or clean_text(r.get("url")),
                source_row=i + 1,
            )
        )
    return _finish(rows)


def conform_iati(frame: pd.DataFrame, lookups: Lookups) -> pd.DataFrame:
    """IATI Datastore normalised activities (assets.projects.iati_api.parse_activity_docs)
    -> CONFORMED_COLUMNS."""
    cities, sector_map = lookups.cities, lookups.sector_map
    rows = []
    for i, r in enumerate(frame.to_dict("records")):
        recipients = {
            lookups.iso3_of.get(str(c).upper()) for c in as_list(r.get("recipient_countries"))
        }
        recipients.discard(None)
        locations = [str(v) for v in as_list(r.get("location_names"))]
        description = clean_text(r.get("description"))
        city = match_city_in_text(
            cities, [clean_text(r.get("title")), *locations], [description], recipients or None
        )
        sector_codes = _codes(r.get("sector_codes"))
        vocabs = as_list(r.get("sector_vocabularies"))
        if len(vocabs) == len(sector_codes):  # keep OECD DAC 5-digit codes (vocabulary 1)
            sector_codes = [c for c, v in zip(sector_codes, vocabs, strict=True) if str(v) == "1"]
        status_code = clean_text(r.get("activity_status_code"))
        cost, _ = parse_amount(r.get("budget_value_sum"))
        org_type = clean_text(r.get("reporting_org_type"))
        rows.append(
            dict(
                source_id=SOURCE_IATI,
                source_project_id=clean_text(r.get("iati_identifier")),
                city_id=city[0],
                city_match=city[1],
                city_confidence=city[2],
                city_candidates=city[3],
                title=clean_text(r.get("title")),
                description=description,
                sector=_sector_names(sector_map, "dac5", sector_codes),
                sector_codes=sector_codes,
                focus_area_id=focus_for_codes(sector_map, "dac5", sector_codes),
                financier=clean_text(r.get("reporting_org_name")),
                financier_type=IATI_ORG_TYPE.get(org_type) if org_type else None,
                partner_companies=[],
                partner_countries=[],
                cost=cost,
                project_cost=None,
                currency=(clean_text(r.get("currency")) or "").upper() or None,
                status=IATI_STATUS.get(status_code or ""),
                source_status=(
                    f"{status_code} {IATI_STATUS_NAMES.get(status_code, '')}".strip()
                    if status_code
                    else None
                ),
                start_date=date_or_none(r.get("start_date")),
                end_date=date_or_none(r.get("end_date")),
                source_ref=clean_text(r.get("iati_identifier")),
                source_uri=clean_text(r.get("_source_uri")),
                source_row=i + 1,
            )
        )
    return _finish(rows)


def _sector_names(sector_map: pd.DataFrame, vocabulary: str, codes: list[str]) -> str | None:
    sub = sector_map[sector_map["vocabulary"] == vocabulary]
    lookup = dict(zip(sub["code"].astype(str), sub["name"], strict=False))
    names = [lookup[c] for c in codes if c in lookup]
    return "; ".join(names) or None
