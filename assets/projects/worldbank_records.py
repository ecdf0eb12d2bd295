"""World Bank project records -> one normalised row per project (columns `COLUMNS`).

Shared by every way a World Bank record arrives: a Projects API page, the bundled 2013 export
(a JSON list of the API's records) and, through the same row shape, the projects-list export
files (`worldbank_export.py`).

Record fields (API v2 and the 2013 export; /tmp/research/apis.md §3.2, docs/DOMAIN.md §4.2):
- ``status`` ("Active", "Closed", "Dropped", "Pipeline"). A record without it is kept, with
  ``status`` empty and the flag ``status_missing`` (v3 answers omit it unless asked for).
- ``locations``: ``[{"geoLocId", "geoLocName", "latitude", "longitude", "country"}]`` (strings);
  the export's names (``geo_loc_id``, ``geo_loc_name``, ``geo_latitude_number``,
  ``geo_longitude_number``, ``admin_unit1_name``, ``admin_unit2_name``, ``wbg_country_key``)
  are read too.
- sectors with percentages: ``sector1..N`` ``{"Name", "Percent"}``, their codes from
  ``sector_namecode`` (same names); without ``sectorN`` the codes come without a percentage.
- financiers: the API has no financier list; the lender commitments ``ibrdcommamt``,
  ``idacommamt`` and ``grantamt`` become financier rows (basis ``commitment field``).

`status_as_of` is the date the record's status held: the creation date of the record's MongoDB
ObjectId in the bundled export (`status.object_id_date`), else the date given by the caller
(the API's retrieval date).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd
import pyarrow as pa

from assets.projects.status import object_id_date
from pipelines.framework.http import SourceError
from warehouse.db import TableDoc

SOURCE = "worldbank_projects"
FLAG_STATUS_MISSING = "status_missing"

LOCATION_TYPE = pa.struct(
    [
        ("geo_loc_id", pa.string()),
        ("name", pa.string()),
        ("latitude", pa.float64()),
        ("longitude", pa.float64()),
        ("country_iso2", pa.string()),
        ("admin1", pa.string()),
        ("admin2", pa.string()),
    ]
)
SECTOR_TYPE = pa.struct(
    [
        ("code", pa.string()),
        ("name", pa.string()),
        ("major", pa.string()),
        ("percent", pa.float64()),
    ]
)
FINANCIER_TYPE = pa.struct(
    [
        ("financier_id", pa.string()),
        ("name", pa.string()),
        ("type", pa.string()),
        ("amount_usd", pa.float64()),
        ("amount", pa.float64()),
        ("currency", pa.string()),
        ("basis", pa.string()),
    ]
)
#: struct-list columns of `COLUMNS` (stored as STRUCT(...)[])
STRUCT_COLUMNS = {"locations": LOCATION_TYPE, "sectors": SECTOR_TYPE, "financiers": FINANCIER_TYPE}
COLUMNS = [
    "project_id",
    "title",
    "country_iso2",
    "country_codes",
    "country_name",
    "status",
    "last_stage",
    "status_as_of",
    "record_flags",
    "board_approval_date",
    "closing_date",
    "total_commitment_usd",
    "project_cost_usd",
    "sector_codes",
    "sector_names",
    "major_sector_codes",
    "theme_names",
    "implementing_agency",
    "borrower",
    "url",
    "locations",
    "sectors",
    "financiers",
]
#: list and date columns of `COLUMNS` (stored as VARCHAR[] and DATE)
LIST_COLUMNS = (
    "country_codes",
    "record_flags",
    "sector_codes",
    "sector_names",
    "major_sector_codes",
    "theme_names",
)
DATE_COLUMNS = ("status_as_of", "board_approval_date", "closing_date")
#: raw.worldbank_projects (the lineage columns: warehouse.db)
DOC = TableDoc(
    "World Bank projects in the ASEAN countries (the Projects API, or offline the bundled 2013 "
    "export), one row per project record, normalised (worldbank_records.py).",
    {
        "project_id": "World Bank project id (e.g. P146271)",
        "title": "Project name",
        "country_iso2": "First country code of the record (ISO2)",
        "country_codes": "Every country code of the record (ISO2)",
        "country_name": "Country name (countryshortname, else the first countryname)",
        "status": "Status as given: Active, Closed, Dropped, Pipeline (null when missing: see "
        "record_flags)",
        "last_stage": "Last stage reached, as given (last_stage_reached_name)",
        "status_as_of": "Date the status held: the record's creation date in the bundled export, "
        "else the API retrieval date",
        "record_flags": "What the record lacks, e.g. status_missing",
        "board_approval_date": "Board approval date",
        "closing_date": "Closing date",
        "total_commitment_usd": "Total commitment, US$ (totalcommamt, else totalamt)",
        "project_cost_usd": "Project cost, US$ (lendprojectcost)",
        "sector_codes": "Sector codes (the major sectors' when no sector is given)",
        "sector_names": "Sector names, in the same order",
        "major_sector_codes": "Major sector codes",
        "theme_names": "Theme names",
        "implementing_agency": "Implementing agency",
        "borrower": "Borrower",
        "url": "Project page on worldbank.org",
        "locations": "Geocoded locations: id, name, latitude, longitude, country (ISO2), admin "
        "units 1 and 2",
        "sectors": "Sectors with their code, name, major sector and percent share",
        "financiers": "Lender commitments (IBRD, IDA, grant) as financier rows: id, name, type, "
        "amount (US$ and as given), currency, basis",
    },
)
#: lender commitment fields of a record -> (financier id, name, type)
COMMITMENT_FINANCIERS = {
    "ibrdcommamt": ("IBRD", "International Bank for Reconstruction and Development (IBRD)"),
    "idacommamt": ("IDA", "International Development Association (IDA)"),
    "grantamt": ("GRANT", "Grant (the API does not name the grant's source)"),
}


def project_list(payload: dict[str, Any], url: str) -> list[dict[str, Any]]:
    """The records of an API page: ``projects`` keyed by id (or a list of records)."""
    if "projects" not in payload:
        raise SourceError(SOURCE, url, "response has no field 'projects' (schema drift?)")
    projects = payload["projects"]
    if projects is None:
        return []
    if isinstance(projects, dict):
        out = []
        for key, rec in projects.items():
            if not isinstance(rec, dict):
                raise SourceError(SOURCE, url, f"project {key!r} is not an object: {rec!r}")
            if "id" in rec and str(rec["id"]) != str(key):
                raise SourceError(
                    SOURCE,
                    url,
                    f"project keyed {key!r} carries id {rec['id']!r}: answer refused",
                    permanent=True,
                )
            out.append(rec if "id" in rec else {**rec, "id": key})
        return out
    if isinstance(projects, list) and all(isinstance(r, dict) for r in projects):
        return list(projects)
    raise SourceError(SOURCE, url, "field 'projects' is neither an object nor a list of objects")


def parse_projects_payload(
    payload: Any, source_uri: str, as_of: dt.date | None = None
) -> pd.DataFrame:
    """Normalise World Bank project records into one row per project (columns `COLUMNS`).

    `payload` may be an API page (``{"projects": {id: record}}`` or ``{"projects": [...]}``),
    a list of records (the bundled export), or a dict keyed by project id. `as_of`: the date
    the statuses held (retrieval date) for records without their own export date. Raises
    SourceError naming `source_uri`, the project and the field on a record it cannot read.
    """
    if isinstance(payload, list):
        if not all(isinstance(r, dict) for r in payload):
            raise SourceError(SOURCE, source_uri, "expected a list of project objects")
        records = payload
    elif isinstance(payload, dict) and "projects" in payload:
        records = project_list(payload, source_uri)
    elif isinstance(payload, dict) and all(isinstance(v, dict) for v in payload.values()):
        records = [v if "id" in v else {**v, "id": k} for k, v in payload.items()]
    else:
        raise SourceError(
            SOURCE, source_uri, "expected an API page, a list of projects or a dict keyed by id"
        )
    rows = [normalise_record(rec, i, source_uri, as_of) for i, rec in enumerate(records)]
    return pd.DataFrame(rows, columns=COLUMNS)


def normalise_record(
    rec: dict[str, Any], index: int, uri: str, as_of: dt.date | None = None
) -> dict[str, Any]:
    pid = rec.get("id")
    if not isinstance(pid, str) or not pid.strip():
        raise SourceError(SOURCE, uri, f"record {index}: missing or invalid field 'id': {pid!r}")
    where = f"project {pid}"
    codes = [str(c).upper() for c in as_list(rec.get("countrycode")) if c]
    names = [str(n) for n in as_list(rec.get("countryname")) if n]
    sectors = namecodes(rec.get("sector_namecode"), where, "sector_namecode", uri)
    majors = namecodes(rec.get("mjsector_namecode"), where, "mjsector_namecode", uri)
    if not sectors:
        sectors = majors
    themes = namecodes(rec.get("theme_list"), where, "theme_list", uri) or namecodes(
        rec.get("theme_namecode"), where, "theme_namecode", uri
    )
    commitment = money(rec.get("totalcommamt"), where, "totalcommamt", uri)
    if math.isnan(commitment):
        commitment = money(rec.get("totalamt"), where, "totalamt", uri)
    status = text(rec.get("status"))
    return {
        "project_id": pid.strip(),
        "title": text(rec.get("project_name")),
        "country_iso2": codes[0] if codes else None,
        "country_codes": codes,
        "country_name": text(rec.get("countryshortname")) or (names[0] if names else None),
        "status": status,
        "last_stage": text(rec.get("last_stage_reached_name")),
        "status_as_of": object_id_date(rec) or as_of,
        "record_flags": [] if status else [FLAG_STATUS_MISSING],
        "board_approval_date": date(rec.get("boardapprovaldate"), where, "boardapprovaldate", uri),
        "closing_date": date(rec.get("closingdate"), where, "closingdate", uri),
        "total_commitment_usd": commitment,
        "project_cost_usd": money(rec.get("lendprojectcost"), where, "lendprojectcost", uri),
        "sector_codes": unique(c for c, _ in sectors),
        "sector_names": unique(n for _, n in sectors),
        "major_sector_codes": unique(c for c, _ in majors),
        "theme_names": unique(n for _, n in themes),
        "implementing_agency": text(rec.get("impagency")),
        "borrower": text(rec.get("borrower")),
        "url": text(rec.get("url")),
        "locations": _locations(rec.get("locations"), where, uri),
        "sectors": _sector_shares(rec, sectors, majors, where, uri),
        "financiers": _commitment_financiers(rec, where, uri),
    }


def _locations(value: Any, where: str, uri: str) -> list[dict[str, Any]]:
    """API ``locations`` (camelCase) or export-named location objects -> LOCATION_TYPE dicts."""
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise SourceError(SOURCE, uri, f"{where}: field 'locations' is not a list of objects")
    out = []
    for loc in value:
        lat = _coordinate(loc, ("latitude", "geo_latitude_number"), where, uri)
        lon = _coordinate(loc, ("longitude", "geo_longitude_number"), where, uri)
        out.append(
            {
                "geo_loc_id": text(loc.get("geoLocId") or loc.get("geo_loc_id")),
                "name": text(loc.get("geoLocName") or loc.get("geo_loc_name")),
                "latitude": lat,
                "longitude": lon,
                "country_iso2": (
                    text(loc.get("country") or loc.get("wbg_country_key")) or ""
                ).upper()
                or None,
                "admin1": text(loc.get("admin_unit1_name") or loc.get("adm1")),
                "admin2": text(loc.get("admin_unit2_name") or loc.get("adm2")),
            }
        )
    return out


def _coordinate(loc: dict[str, Any], names: tuple[str, ...], where: str, uri: str) -> float | None:
    for name in names:
        if loc.get(name) not in (None, ""):
            value = money(loc[name], where, f"locations.{name}", uri)
            limit = 90 if "lat" in name else 180
            if math.isnan(value) or abs(value) > limit:
                raise SourceError(SOURCE, uri, f"{where}: locations.{name} out of range: {value}")
            return value
    return None


def _sector_shares(
    rec: dict[str, Any],
    sectors: list[tuple[str, str]],
    majors: list[tuple[str, str]],
    where: str,
    uri: str,
) -> list[dict[str, Any]]:
    """Sectors with their percentage (``sector1..N``), codes joined by name from
    ``sector_namecode``; without ``sectorN`` fields the coded sectors without a percentage."""
    code_of = {name.casefold(): code for code, name in sectors if name}
    major_of = {code[:1]: name for code, name in majors if code}
    shares = []
    for i in range(1, 21):
        item = rec.get(f"sector{i}")
        if item is None:
            continue
        if not isinstance(item, dict):
            raise SourceError(SOURCE, uri, f"{where}: field 'sector{i}' is not an object")
        name = text(item.get("Name") or item.get("name"))
        if not name:
            continue  # the API's placeholder {"Name": "", "Percent": 0}
        pct = money(item.get("Percent", item.get("percent")), where, f"sector{i}.Percent", uri)
        code = code_of.get(name.casefold())
        shares.append(
            {
                "code": code,
                "name": name,
                "major": major_of.get((code or "")[:1]),
                "percent": None if math.isnan(pct) else pct,
            }
        )
    if shares:
        return shares
    return [
        {"code": c or None, "name": n or None, "major": None, "percent": None} for c, n in sectors
    ]


def _commitment_financiers(rec: dict[str, Any], where: str, uri: str) -> list[dict[str, Any]]:
    out = []
    for name, (fid, label) in COMMITMENT_FINANCIERS.items():
        amount = money(rec.get(name), where, name, uri)
        if not math.isnan(amount) and amount > 0:
            kind = None if fid == "GRANT" else "World Bank Group"
            out.append(
                {
                    "financier_id": fid,
                    "name": label,
                    "type": kind,
                    "amount_usd": amount,
                    "amount": amount,
                    "currency": "USD",
                    "basis": f"commitment field {name}",
                }
            )
    return out


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    out = str(value).strip()
    return out or None


def unique(items: Any) -> list[str]:
    out: list[str] = []
    for item in items:
        if item and item not in out:
            out.append(item)
    return out


def namecodes(value: Any, where: str, name: str, uri: str) -> list[tuple[str, str]]:
    """[{"name": .., "code": ..}, ...] -> [(code, name)]; tolerates a missing field."""
    if value is None or value == "":
        return []
    if not isinstance(value, list):
        raise SourceError(SOURCE, uri, f"{where}: field {name!r} is not a list: {value!r}")
    out = []
    for item in value:
        if not isinstance(item, dict):
            raise SourceError(SOURCE, uri, f"{where}: field {name!r} holds {item!r}")
        code = str(item.get("code") or "").strip()
        label = str(item.get("name") or item.get("Name") or "").strip()
        out.append((code, label))
    return out


def money(value: Any, where: str, name: str, uri: str) -> float:
    """'65,000,000' / 65000000 -> 65000000.0; None or '' -> NaN."""
    if value is None:
        return math.nan
    if isinstance(value, bool):
        raise SourceError(SOURCE, uri, f"{where}: field {name!r} is a boolean: {value!r}")
    if isinstance(value, int | float):
        return float(value)
    raw = str(value).strip().replace(",", "")
    if not raw:
        return math.nan
    try:
        return float(raw)
    except ValueError as exc:
        raise SourceError(
            SOURCE, uri, f"{where}: field {name!r} is not an amount: {value!r}"
        ) from exc


_DATE_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p",  # 3/31/2026 12:00:00 AM (closingdate)
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y",
)


def date(value: Any, where: str, name: str, uri: str) -> dt.date | None:
    """ISO ('2021-05-20T00:00:00Z', '2021-05-20') or US 'M/D/YYYY h:mm:ss AM' -> date."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    raw = str(value).strip()
    if "/" in raw:
        for fmt in _DATE_FORMATS:
            try:
                return dt.datetime.strptime(raw, fmt).date()
            except ValueError:
                continue
    else:
        try:
            return dt.datetime.fromisoformat(raw.replace("Z", "+00:00")).date()
        except ValueError:
            pass
    raise SourceError(SOURCE, uri, f"{where}: field {name!r} is not a date: {value!r}")
