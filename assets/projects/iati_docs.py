"""IATI Datastore activity documents -> one normalised row per activity (columns `COLUMNS`).

Field names: the Datastore's Solr schema (IATI/datastore-solr-configs `managed-schema`;
/tmp/research/apis.md §4). Multivalued fields come as arrays; *parallel* arrays (the n-th value
of each belongs to the n-th element) are paired only when they have the same length, because
Solr drops empty attributes and a shorter array would shift every later value:
- title, description, reporting org name: the first narrative (the publisher's default language).
- participating_orgs: the names (narratives), refs when no names are given; `funders`: the
  participating orgs with role 1 (Funding; IATI OrganisationRole codelist), when names, refs,
  types and roles pair up, else none and the flag ``participating_org_arrays_unequal``.
- locations: ``location_name_narrative`` with ``location_point_pos`` ("lat lon", space-separated)
  and ``location_ref``; unequal arrays: the points without names and the names without points.
- sectors: ``sector_code`` / ``sector_vocabulary`` / ``sector_percentage`` paired.
- start_date: the actual start (activity-date type 2) if reported, else the planned start (1);
  end_date: the actual end (4), else the planned end (3). Types and dates are the parallel arrays
  ``activity_date_type`` / ``activity_date_iso_date``; when those are absent or of different
  lengths, the derived fields ``activity_date_start_actual`` etc. are used if present. A date
  before 1950-01-01 (the placeholder 1900-01-01 of some publishers) is missing, with a flag
  ``placeholder_date:<type> <date>``; it is never used as a start or end.
- budget_value_sum: the plain sum of all ``budget_value`` lines as reported (original and revised
  budgets are not told apart here); ``currency`` is the one currency of those lines
  (``budget_value_currency``, else ``default_currency``). If the lines mix currencies the sum is
  meaningless, so it is NaN and ``currency`` is None.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import Any

import pandas as pd
import pyarrow as pa

from assets.projects.worldbank_records import LOCATION_TYPE
from pipelines.framework.http import SourceError
from warehouse.db import TableDoc

SOURCE = "iati"
#: dates before this are placeholders (1900-01-01 seen in real answers), treated as missing
DATE_FLOOR = dt.date(1950, 1, 1)
FUNDING_ROLE = "1"
FLAG_ORGS_UNEQUAL = "participating_org_arrays_unequal"
FLAG_LOCATIONS_UNEQUAL = "location_arrays_unequal"

SECTOR_TYPE = pa.struct(
    [("code", pa.string()), ("vocabulary", pa.string()), ("percent", pa.float64())]
)
FUNDER_TYPE = pa.struct([("ref", pa.string()), ("name", pa.string()), ("type", pa.string())])
STRUCT_COLUMNS = {"locations": LOCATION_TYPE, "sectors": SECTOR_TYPE, "funders": FUNDER_TYPE}
COLUMNS = [
    "iati_identifier",
    "title",
    "description",
    "reporting_org_ref",
    "reporting_org_name",
    "reporting_org_type",
    "participating_orgs",
    "recipient_countries",
    "sector_codes",
    "sector_vocabularies",
    "activity_status_code",
    "start_date",
    "end_date",
    "budget_value_sum",
    "currency",
    "location_names",
    "record_flags",
    "locations",
    "sectors",
    "funders",
]
#: list and date columns of `COLUMNS` (stored as VARCHAR[] and DATE)
LIST_COLUMNS = (
    "participating_orgs",
    "recipient_countries",
    "sector_codes",
    "sector_vocabularies",
    "location_names",
    "record_flags",
)
DATE_COLUMNS = ("start_date", "end_date")
#: raw.iati_activities (the lineage columns: warehouse.db)
DOC = TableDoc(
    "IATI activities with an ASEAN recipient country (the IATI Datastore; empty offline), one row "
    "per activity document, normalised (iati_docs.py).",
    {
        "iati_identifier": "IATI activity identifier",
        "title": "Title (first narrative)",
        "description": "Description (first narrative)",
        "reporting_org_ref": "Reporting organisation's IATI ref",
        "reporting_org_name": "Reporting organisation's name (first narrative)",
        "reporting_org_type": "Reporting organisation's type (IATI OrganisationType code)",
        "participating_orgs": "Participating organisations' names (refs when no names are given)",
        "recipient_countries": "Recipient country codes (ISO2, upper case)",
        "sector_codes": "Sector codes",
        "sector_vocabularies": "Sector vocabulary of each code",
        "activity_status_code": "IATI ActivityStatus code (1 pipeline ... 6 suspended)",
        "start_date": "Actual start if reported, else the planned start (placeholders before "
        "1950 dropped: see record_flags)",
        "end_date": "Actual end if reported, else the planned end",
        "budget_value_sum": "Sum of every budget line as reported (null when they mix currencies)",
        "currency": "The one currency of the budget lines (null when mixed)",
        "location_names": "Location names",
        "record_flags": "What was missing or could not be paired, e.g. placeholder_date:<type> "
        "<date>, participating_org_arrays_unequal, location_arrays_unequal",
        "locations": "Locations: id, name, latitude, longitude, country, admin units 1 and 2",
        "sectors": "Sectors with their code, vocabulary and percent share",
        "funders": "Participating organisations with the Funding role: ref, name, type",
    },
)
_DATE_FIELDS = {
    "1": "activity_date_start_planned",
    "2": "activity_date_start_actual",
    "3": "activity_date_end_planned",
    "4": "activity_date_end_actual",
}


def parse_activity_docs(docs: Iterable[dict[str, Any]], source_uri: str) -> pd.DataFrame:
    """Normalise Solr activity docs into one row per activity (columns `COLUMNS`).

    Raises SourceError naming `source_uri`, the activity and the field on a doc it cannot read.
    Activities that appear twice (same iati_identifier) are kept once.
    """
    rows, seen = [], set()
    for i, doc in enumerate(docs):
        row = _normalise(doc, i, source_uri)
        if row["iati_identifier"] not in seen:
            seen.add(row["iati_identifier"])
            rows.append(row)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    # Nullable integer: a float column would turn codes into 2.0 and missing ones into NaN.
    return frame.astype({"activity_status_code": "Int64", "budget_value_sum": "float64"})


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def first(value: Any) -> str | None:
    for item in as_list(value):
        if item is not None and str(item).strip():
            return str(item).strip()
    return None


def strs(value: Any) -> list[str]:
    out: list[str] = []
    for item in as_list(value):
        text = str(item).strip() if item is not None else ""
        if text and text not in out:
            out.append(text)
    return out


def _texts(value: Any) -> list[str | None]:
    """Every element of a parallel array, blanks kept as None (positions matter)."""
    return [str(v).strip() or None if v is not None else None for v in as_list(value)]


def _normalise(doc: dict[str, Any], index: int, uri: str) -> dict[str, Any]:
    ident = first(doc.get("iati_identifier"))
    if ident is None:
        raise SourceError(SOURCE, uri, f"doc {index}: missing field 'iati_identifier'")
    where = f"activity {ident}"
    status_raw = first(doc.get("activity_status_code"))
    try:
        status = int(status_raw) if status_raw is not None else None
    except ValueError as exc:
        raise SourceError(
            SOURCE, uri, f"{where}: field 'activity_status_code' is not a code: {status_raw!r}"
        ) from exc
    flags: list[str] = []
    dates = _activity_dates(doc, where, uri, flags)
    budget_sum, currency = _budget(doc, where, uri)
    locations = _locations(doc, where, uri, flags)
    return {
        "iati_identifier": ident,
        "title": first(doc.get("title_narrative")),
        "description": first(doc.get("description_narrative")),
        "reporting_org_ref": first(doc.get("reporting_org_ref")),
        "reporting_org_name": first(doc.get("reporting_org_narrative")),
        "reporting_org_type": first(doc.get("reporting_org_type")),
        "participating_orgs": strs(doc.get("participating_org_narrative"))
        or strs(doc.get("participating_org_ref")),
        "recipient_countries": [c.upper() for c in strs(doc.get("recipient_country_code"))],
        "sector_codes": strs(doc.get("sector_code")),
        "sector_vocabularies": strs(doc.get("sector_vocabulary")),
        "activity_status_code": status,
        "start_date": dates.get("2") or dates.get("1"),
        "end_date": dates.get("4") or dates.get("3"),
        "budget_value_sum": budget_sum,
        "currency": currency,
        "location_names": strs(doc.get("location_name_narrative")),
        "record_flags": flags,
        "locations": locations,
        "sectors": _sectors(doc, where, uri),
        "funders": _funders(doc, flags),
    }


def _funders(doc: dict[str, Any], flags: list[str]) -> list[dict[str, Any]]:
    """Participating orgs with role 1 (Funding); roles are tokenised, compared as text."""
    roles = _texts(doc.get("participating_org_role"))
    if not roles:
        return []
    names = _texts(doc.get("participating_org_narrative"))
    refs = _texts(doc.get("participating_org_ref"))
    types = _texts(doc.get("participating_org_type"))
    columns = [c for c in (names, refs, types) if c]
    if any(len(c) != len(roles) for c in columns):
        flags.append(FLAG_ORGS_UNEQUAL)
        return []
    out = []
    for i, role in enumerate(roles):
        if (role or "").strip() == FUNDING_ROLE:
            out.append(
                {
                    "ref": refs[i] if refs else None,
                    "name": names[i] if names else None,
                    "type": types[i] if types else None,
                }
            )
    return out


def _point(value: str | None, where: str, uri: str) -> tuple[float | None, float | None]:
    if not value:
        return None, None
    parts = value.replace(",", " ").split()
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except (IndexError, ValueError) as exc:
        raise SourceError(
            SOURCE, uri, f"{where}: field 'location_point_pos' is not 'lat lon': {value!r}"
        ) from exc
    if abs(lat) > 90 or abs(lon) > 180:
        raise SourceError(SOURCE, uri, f"{where}: 'location_point_pos' out of range: {value!r}")
    return lat, lon


def _location(ref: str | None, name: str | None, pos: str | None, where: str, uri: str) -> dict:
    lat, lon = _point(pos, where, uri)
    return {"geo_loc_id": ref, "name": name, "latitude": lat, "longitude": lon,
            "country_iso2": None, "admin1": None, "admin2": None}  # fmt: skip


def _locations(doc: dict[str, Any], where: str, uri: str, flags: list[str]) -> list[dict]:
    names = _texts(doc.get("location_name_narrative"))
    points = _texts(doc.get("location_point_pos"))
    refs = _texts(doc.get("location_ref"))
    if names and points and len(names) != len(points):
        flags.append(FLAG_LOCATIONS_UNEQUAL)
        return [_location(None, None, p, where, uri) for p in points] + [
            _location(None, n, None, where, uri) for n in names
        ]
    n = max(len(names), len(points))
    refs = refs if len(refs) == n else [None] * n
    return [
        _location(refs[i], names[i] if names else None, points[i] if points else None, where, uri)
        for i in range(n)
    ]


def _sectors(doc: dict[str, Any], where: str, uri: str) -> list[dict[str, Any]]:
    codes = _texts(doc.get("sector_code"))
    vocabs = _texts(doc.get("sector_vocabulary"))
    pcts = as_list(doc.get("sector_percentage"))
    vocabs = vocabs if len(vocabs) == len(codes) else [None] * len(codes)
    out = []
    for i, code in enumerate(codes):
        pct = None
        if len(pcts) == len(codes) and pcts[i] not in (None, ""):
            try:
                pct = float(pcts[i])
            except (TypeError, ValueError) as exc:
                raise SourceError(
                    SOURCE, uri, f"{where}: field 'sector_percentage' is not a number: {pcts[i]!r}"
                ) from exc
        out.append({"code": code, "vocabulary": vocabs[i], "percent": pct})
    return out


def _iso_date(value: Any, where: str, field: str, uri: str) -> dt.date:
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError as exc:
        raise SourceError(
            SOURCE, uri, f"{where}: field {field!r} is not a date: {value!r}"
        ) from exc


def _keep(code: str, day: dt.date, out: dict[str, dt.date], flags: list[str]) -> None:
    """A placeholder date (before DATE_FLOOR) is flagged and left out; the first date wins."""
    if day < DATE_FLOOR:
        flags.append(f"placeholder_date:{code} {day.isoformat()}")
    elif code not in out:
        out[code] = day


def _activity_dates(
    doc: dict[str, Any], where: str, uri: str, flags: list[str]
) -> dict[str, dt.date]:
    """{activity-date type code: date}; the first plausible date of each type wins."""
    types = [str(t).strip() for t in as_list(doc.get("activity_date_type"))]
    values = as_list(doc.get("activity_date_iso_date"))
    out: dict[str, dt.date] = {}
    if types and len(types) == len(values):
        for t, v in zip(types, values, strict=True):
            if v not in (None, ""):
                _keep(t, _iso_date(v, where, "activity_date_iso_date", uri), out, flags)
        return out
    for code, name in _DATE_FIELDS.items():
        value = first(doc.get(name))
        if value:
            _keep(code, _iso_date(value, where, name, uri), out, flags)
    if not out and not flags and (types or values):
        raise SourceError(
            SOURCE,
            uri,
            f"{where}: 'activity_date_type' ({len(types)}) and 'activity_date_iso_date' "
            f"({len(values)}) do not pair up",
        )
    return out


def _budget(doc: dict[str, Any], where: str, uri: str) -> tuple[float, str | None]:
    values = as_list(doc.get("budget_value"))
    default = first(doc.get("default_currency"))
    line_currencies = [str(c).strip() for c in as_list(doc.get("budget_value_currency")) if c]
    amounts = []
    for v in values:
        if isinstance(v, bool):
            raise SourceError(SOURCE, uri, f"{where}: field 'budget_value' holds {v!r}")
        try:
            amounts.append(float(str(v).replace(",", "")) if isinstance(v, str) else float(v))
        except (TypeError, ValueError) as exc:
            raise SourceError(
                SOURCE, uri, f"{where}: field 'budget_value' is not a number: {v!r}"
            ) from exc
    # Lines without their own currency use the activity's default currency.
    currencies = set(line_currencies)
    if len(line_currencies) < len(amounts) and default:
        currencies.add(default)
    if not currencies and default:
        currencies.add(default)
    if not amounts:
        return math.nan, default
    if len(currencies) > 1:
        return math.nan, None
    return float(sum(amounts)), next(iter(currencies), None)
