"""The World Bank projects-list export (projects.worldbank.org, "Excel" download) saved as CSV
files in one folder (``ASCN_WORLDBANK_PROJECTS_EXPORT_DIR``) -> the World Bank raw rows.

The export has one sheet per topic; each is one CSV file here, told apart by its header (the
file names do not matter), as in the v2 reference copies (/tmp/research/apis.md §3.3):

- projects (required): ``id, countryshortname, status, last_stage_reached_name, project_name,
  impagency, boardapprovaldate, closingdate, curr_project_cost, curr_total_commitment, borrower``;
- sectors: ``project_id, major_sector, sector, sector_percent``;
- locations: ``project_id, geo_loc_id, place_id, wbg_country_key, geo_loc_name,
  geo_latitude_number, geo_longitude_number, admin_unit1_name, admin_unit2_name``;
- financiers: ``project_id, name, current_amount, amount_usd, financer_id, currency,
  project_financial_type``.

Unlike the API, ``closingdate`` is ISO and ``curr_total_commitment`` is in full US$ (not
millions). The as-of date of every status is the export's: ``ASCN_WORLDBANK_PROJECTS_EXPORT_AS_OF``
or the date in the projects file's name (``..._asof2025-03-31.csv``); without either the folder
is refused. A cell that cannot be read quarantines its row (file, row, field, reason); the
other rows are landed.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import pandas as pd

from assets.projects.status import as_of_in_name
from assets.projects.worldbank_records import COLUMNS, FLAG_STATUS_MISSING, date, money
from pipelines.framework.http import SourceError
from pipelines.framework.rejects import reject, rejects_frame

KINDS = {
    "projects": {"id", "status", "project_name"},
    "sectors": {"project_id", "sector", "sector_percent"},
    "locations": {"project_id", "geo_loc_id", "geo_latitude_number"},
    "financiers": {"project_id", "financer_id", "amount_usd"},
    "themes": {"project_id", "level_1"},  # recognised, not used
}
#: the export's country short names that differ from data/reference/countries.csv
SHORT_NAMES = {
    "lao people's democratic republic": "LA",
    "viet nam": "VN",
    "vietnam": "VN",
    "brunei darussalam": "BN",
    "brunei": "BN",
}
PROJECT_PAGE = "https://projects.worldbank.org/en/projects-operations/project-detail/{}"
FLAG_COUNTRY_UNKNOWN = "country_not_stated"


def export_files(folder: Path) -> dict[str, Path]:
    """The export's CSV files by kind, recognised by their header; ValueError naming the
    folder when there is no projects file, or two files of one kind."""
    found: dict[str, list[Path]] = defaultdict(list)
    for path in sorted(folder.glob("*.csv")):
        header = set(pd.read_csv(path, nrows=0, dtype=str).columns)
        for kind, needed in KINDS.items():
            if needed <= header:
                found[kind].append(path)
                break
    twice = {k: v for k, v in found.items() if len(v) > 1}
    if twice:
        listed = "; ".join(f"{k}: {', '.join(p.name for p in v)}" for k, v in twice.items())
        raise ValueError(f"{folder}: more than one export file of a kind ({listed})")
    if "projects" not in found:
        raise ValueError(
            f"{folder}: no projects-list file (a CSV with the columns id, status, project_name)"
        )
    return {k: v[0] for k, v in found.items()}


def export_as_of(files: dict[str, Path], setting: str | None) -> dt.date:
    """The date the export's statuses hold: the setting, else the projects file's name."""
    if setting:
        return dt.date.fromisoformat(setting)
    named = as_of_in_name(files["projects"].name)
    if named is None:
        raise ValueError(
            f"{files['projects']}: cannot tell the export's as-of date; name the file "
            "..._asofYYYY-MM-DD.csv or set ASCN_WORLDBANK_PROJECTS_EXPORT_AS_OF"
        )
    return named


def read_export(
    folder: Path, as_of_setting: str | None, iso2_of_name: dict[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows in `worldbank_records.COLUMNS`, rejects). `iso2_of_name`: folded country name ->
    ISO2 (data/reference/countries.csv); the export names countries, it has no codes."""
    files = export_files(folder)
    as_of = export_as_of(files, as_of_setting)
    rejects: list[dict[str, Any]] = []
    sectors = _children(files.get("sectors"), _sector, rejects)
    locations = _children(files.get("locations"), _location, rejects)
    financiers = _children(files.get("financiers"), _financier, rejects)
    path = files["projects"]
    rows = []
    for i, r in enumerate(_records(path)):
        try:
            rows.append(_project(r, path, as_of, sectors, locations, financiers, iso2_of_name))
        except SourceError as exc:
            rejects.append(reject(path, i + 1, _field_of(exc), r.get("id"), exc.detail))
    return pd.DataFrame(rows, columns=COLUMNS), rejects_frame(rejects)


def _records(path: Path) -> list[dict[str, str]]:
    # Multi-line `pdo` cells: pandas' CSV parser keeps quoted newlines inside the cell.
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return [{k: (v.strip() if isinstance(v, str) else v) for k, v in r.items()}
            for r in frame.to_dict("records")]  # fmt: skip


def _field_of(exc: SourceError) -> str:
    detail = exc.detail
    return detail.split("'")[1] if detail.count("'") >= 2 else ""


def _children(
    path: Path | None, read_one: Any, rejects: list[dict[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """project id -> its rows of one child file (a bad row is quarantined, the rest kept)."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if path is None:
        return out
    for i, r in enumerate(_records(path)):
        where = f"{path.name} row {i + 1}"
        try:
            out[r["project_id"]].append(read_one(r, where, str(path)))
        except SourceError as exc:
            rejects.append(reject(path, i + 1, _field_of(exc), r.get("project_id"), exc.detail))
    return out


def _number(value: str, where: str, name: str, uri: str) -> float | None:
    n = money(value, where, name, uri)
    return None if math.isnan(n) else n


def _sector(r: dict[str, str], where: str, uri: str) -> dict[str, Any]:
    return {
        "code": None,  # the export names sectors; it has no sector codes
        "name": r.get("sector") or None,
        "major": r.get("major_sector") or None,
        "percent": _number(r.get("sector_percent", ""), where, "sector_percent", uri),
    }


def _location(r: dict[str, str], where: str, uri: str) -> dict[str, Any]:
    lat = _number(r.get("geo_latitude_number", ""), where, "geo_latitude_number", uri)
    lon = _number(r.get("geo_longitude_number", ""), where, "geo_longitude_number", uri)
    if (lat is not None and abs(lat) > 90) or (lon is not None and abs(lon) > 180):
        raise SourceError("worldbank_projects", uri, f"{where}: 'geo_latitude_number' or "
                          f"'geo_longitude_number' out of range: {lat}, {lon}")  # fmt: skip
    return {
        "geo_loc_id": r.get("geo_loc_id") or None,
        "name": r.get("geo_loc_name") or None,
        "latitude": lat,
        "longitude": lon,
        "country_iso2": (r.get("wbg_country_key") or "").upper() or None,
        "admin1": r.get("admin_unit1_name") or None,
        "admin2": r.get("admin_unit2_name") or None,
    }


def _financier(r: dict[str, str], where: str, uri: str) -> dict[str, Any]:
    return {
        "financier_id": r.get("financer_id") or None,
        "name": r.get("name") or None,
        "type": r.get("project_financial_type") or None,
        "amount_usd": _number(r.get("amount_usd", ""), where, "amount_usd", uri),
        "amount": _number(r.get("current_amount", ""), where, "current_amount", uri),
        "currency": (r.get("currency") or "").upper() or None,
        "basis": "financier list of the export",
    }


def _project(
    r: dict[str, str],
    path: Path,
    as_of: dt.date,
    sectors: dict[str, list[dict[str, Any]]],
    locations: dict[str, list[dict[str, Any]]],
    financiers: dict[str, list[dict[str, Any]]],
    iso2_of_name: dict[str, str],
) -> dict[str, Any]:
    pid, uri = r["id"], str(path)
    where = f"project {pid}"
    name = (r.get("countryshortname") or "").strip()
    iso2 = SHORT_NAMES.get(name.casefold()) or iso2_of_name.get(name.casefold())
    place_codes = {loc["country_iso2"] for loc in locations.get(pid, []) if loc["country_iso2"]}
    codes = sorted(({iso2} if iso2 else set()) | place_codes)
    shares = sorted(sectors.get(pid, []), key=lambda s: -(s["percent"] or 0))
    status = r.get("status") or None
    flags = [] if status else [FLAG_STATUS_MISSING]
    if not codes:
        flags.append(FLAG_COUNTRY_UNKNOWN)
    commitment = _number(r.get("curr_total_commitment", ""), where, "curr_total_commitment", uri)
    cost = _number(r.get("curr_project_cost", ""), where, "curr_project_cost", uri)
    return {
        "project_id": pid,
        "title": r.get("project_name") or None,
        "country_iso2": iso2 or (codes[0] if len(codes) == 1 else None),
        "country_codes": codes,
        "country_name": name or None,
        "status": status,
        "last_stage": r.get("last_stage_reached_name") or None,
        "status_as_of": as_of,
        "record_flags": flags,
        "board_approval_date": date(r.get("boardapprovaldate"), where, "boardapprovaldate", uri),
        "closing_date": date(r.get("closingdate"), where, "closingdate", uri),
        "total_commitment_usd": math.nan if commitment is None else commitment,
        "project_cost_usd": math.nan if cost is None else cost,
        "sector_codes": [],
        "sector_names": [s["name"] for s in shares if s["name"]],
        "major_sector_codes": [],
        "theme_names": [],
        "implementing_agency": r.get("impagency") or None,
        "borrower": r.get("borrower") or None,
        "url": PROJECT_PAGE.format(pid),
        "locations": locations.get(pid, []),
        "sectors": shares,
        "financiers": financiers.get(pid, []),
    }
