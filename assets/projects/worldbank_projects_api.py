"""World Bank Projects API client and parser (source id `worldbank_projects`).

Request (one paged query per country): ``GET {base}?format=json&countrycode_exact=KH&fl=...
&rows=R&os=N``. A page is ``{"rows": 10, "os": "0", "page": "1", "total": "79",
"projects": {"P174379": {...}, ...}}``: ``projects`` is an object keyed by project id; ``os``,
``page`` and ``total`` are strings; money values are strings with thousands commas;
``countrycode``/``countryname`` are arrays; ``closingdate`` is US ``M/D/YYYY h:mm:ss AM`` while
``boardapprovaldate`` is ISO (DOMAIN.md §4.2). Older exports (the bundled 2013 sample) hold the
same records as a JSON list, with numbers as numbers and country fields as plain strings;
`parse_projects_payload` reads both, so the offline and live paths share one parser.

Paging: ``os`` advances by the number of projects received until ``os >= total``. A page must
echo the ``os`` asked for; a page with no new project ids (a repeat) or an empty page before
``total`` is reached, and more than ``max_pages`` pages, raise SourceError naming the URL.
Projects seen on more than one country query (regional projects) are kept once.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pandas as pd

from pipelines.framework.http import HttpClient, SourceError

SOURCE = "worldbank_projects"
DEFAULT_MAX_PAGES = 200
#: Fields asked for with `fl=` (without `fl` the API returns only ~15 fields).
FIELDS = (
    "id",
    "project_name",
    "countrycode",
    "countryname",
    "countryshortname",
    "regionname",
    "status",
    "boardapprovaldate",
    "closingdate",
    "totalamt",
    "totalcommamt",
    "lendprojectcost",
    "lendinginstr",
    "sector_namecode",
    "mjsector_namecode",
    "theme_list",
    "theme_namecode",
    "impagency",
    "borrower",
    "url",
)
COLUMNS = [
    "project_id",
    "title",
    "country_iso2",
    "country_codes",
    "country_name",
    "status",
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
]
#: list and date columns of `COLUMNS` (stored as VARCHAR[] and DATE)
LIST_COLUMNS = (
    "country_codes",
    "sector_codes",
    "sector_names",
    "major_sector_codes",
    "theme_names",
)
DATE_COLUMNS = ("board_approval_date", "closing_date")


@dataclass
class ProjectsResult:
    """`records`: raw project dicts as received; `frame`: one normalised row per project."""

    records: list[dict[str, Any]]
    frame: pd.DataFrame
    urls: list[str] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)  # server `total` per country query


class WorldBankProjectsClient:
    def __init__(
        self, base_url: str, http: HttpClient, rows: int = 500, max_pages: int = DEFAULT_MAX_PAGES
    ):
        if rows < 1:
            raise ValueError(f"rows must be positive, got {rows}")
        self.base_url = base_url.rstrip("/")
        self.http = http
        self.rows = rows
        self.max_pages = max_pages

    def page_url(self, country_iso2: str, offset: int) -> str:
        query = {
            "format": "json",
            "countrycode_exact": country_iso2,
            "fl": ",".join(FIELDS),
            "rows": self.rows,
            "os": offset,
        }
        return f"{self.base_url}?{urlencode(query, safe=',')}"

    def fetch_projects(self, country_codes_iso2: list[str]) -> ProjectsResult:
        """Fetch all projects of each country (ISO2 codes), pages joined, one row per project."""
        if not country_codes_iso2:
            raise ValueError("country_codes_iso2 must not be empty")
        bad = [c for c in country_codes_iso2 if not (len(c) == 2 and c.isalpha())]
        if bad:
            raise ValueError(f"invalid ISO2 country codes {bad!r}")
        records: list[dict[str, Any]] = []
        seen: set[str] = set()
        urls: list[str] = []
        totals: dict[str, int] = {}
        for country in country_codes_iso2:
            country_records, country_urls, total = self._fetch_country(country.upper())
            urls.extend(country_urls)
            totals[country.upper()] = total
            for rec in country_records:
                pid = str(rec.get("id"))
                if pid not in seen:  # regional projects come back for each of their countries
                    seen.add(pid)
                    records.append(rec)
        frame = parse_projects_payload(records, urls[0] if urls else self.base_url)
        return ProjectsResult(records=records, frame=frame, urls=urls, totals=totals)

    def _fetch_country(self, country: str) -> tuple[list[dict[str, Any]], list[str], int]:
        offset, total, pages = 0, None, 0
        records: list[dict[str, Any]] = []
        seen: set[str] = set()
        urls: list[str] = []
        while total is None or offset < total:
            pages += 1
            url = self.page_url(country, offset)
            if pages > self.max_pages:
                raise SourceError(
                    SOURCE, url, f"{country}: more than {self.max_pages} pages; stopping"
                )
            payload = self.http.get(url).json(SOURCE)
            urls.append(url)
            if not isinstance(payload, dict):
                raise SourceError(SOURCE, url, "expected a JSON object with 'projects'")
            page_total = _int_field(payload, "total", url)
            if "os" in payload and _int_field(payload, "os", url) != offset:
                raise SourceError(
                    SOURCE,
                    url,
                    f"{country}: inconsistent paging: asked for os={offset}, "
                    f"server returned os={payload['os']!r}",
                )
            total = page_total
            page_records = _project_list(payload, url)
            if not page_records:
                if offset < total:
                    raise SourceError(
                        SOURCE,
                        url,
                        f"{country}: empty page at os={offset} but total={total}",
                    )
                break
            ids = [str(r.get("id")) for r in page_records]
            new = [r for r, pid in zip(page_records, ids, strict=True) if pid not in seen]
            if not new:
                raise SourceError(
                    SOURCE,
                    url,
                    f"{country}: inconsistent paging: page at os={offset} repeats project ids "
                    f"already received ({', '.join(ids[:5])})",
                )
            seen.update(ids)
            records.extend(new)
            offset += len(page_records)
        return records, urls, total or 0


def _int_field(payload: dict[str, Any], name: str, url: str) -> int:
    if name not in payload:
        raise SourceError(SOURCE, url, f"response has no field {name!r} (schema drift?)")
    value = payload[name]
    try:
        if isinstance(value, bool):
            raise TypeError
        return int(str(value).strip().replace(",", ""))
    except (TypeError, ValueError) as exc:
        raise SourceError(SOURCE, url, f"field {name!r} is not a number: {value!r}") from exc


def _project_list(payload: dict[str, Any], url: str) -> list[dict[str, Any]]:
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
            out.append(rec if "id" in rec else {**rec, "id": key})
        return out
    if isinstance(projects, list) and all(isinstance(r, dict) for r in projects):
        return list(projects)
    raise SourceError(SOURCE, url, "field 'projects' is neither an object nor a list of objects")


def parse_projects_payload(payload: Any, source_uri: str) -> pd.DataFrame:
    """Normalise World Bank project records into one row per project (columns `COLUMNS`).

    `payload` may be an API page (``{"projects": {id: record}}`` or ``{"projects": [...]}``),
    a list of records (the bundled export), or a dict keyed by project id. Raises SourceError
    naming `source_uri`, the project and the field on a record it cannot read.
    """
    if isinstance(payload, list):
        if not all(isinstance(r, dict) for r in payload):
            raise SourceError(SOURCE, source_uri, "expected a list of project objects")
        records = payload
    elif isinstance(payload, dict) and "projects" in payload:
        records = _project_list(payload, source_uri)
    elif isinstance(payload, dict) and all(isinstance(v, dict) for v in payload.values()):
        records = [v if "id" in v else {**v, "id": k} for k, v in payload.items()]
    else:
        raise SourceError(
            SOURCE, source_uri, "expected an API page, a list of projects or a dict keyed by id"
        )
    rows = [_normalise(rec, i, source_uri) for i, rec in enumerate(records)]
    return pd.DataFrame(rows, columns=COLUMNS)


def _normalise(rec: dict[str, Any], index: int, uri: str) -> dict[str, Any]:
    pid = rec.get("id")
    if not isinstance(pid, str) or not pid.strip():
        raise SourceError(SOURCE, uri, f"record {index}: missing or invalid field 'id': {pid!r}")
    where = f"project {pid}"
    codes = [str(c).upper() for c in _as_list(rec.get("countrycode")) if c]
    names = [str(n) for n in _as_list(rec.get("countryname")) if n]
    sectors = _namecodes(rec.get("sector_namecode"), where, "sector_namecode", uri)
    majors = _namecodes(rec.get("mjsector_namecode"), where, "mjsector_namecode", uri)
    if not sectors:
        sectors = majors
    themes = _namecodes(rec.get("theme_list"), where, "theme_list", uri) or _namecodes(
        rec.get("theme_namecode"), where, "theme_namecode", uri
    )
    commitment = _money(rec.get("totalcommamt"), where, "totalcommamt", uri)
    if math.isnan(commitment):
        commitment = _money(rec.get("totalamt"), where, "totalamt", uri)
    return {
        "project_id": pid.strip(),
        "title": _text(rec.get("project_name")),
        "country_iso2": codes[0] if codes else None,
        "country_codes": codes,
        "country_name": _text(rec.get("countryshortname")) or (names[0] if names else None),
        "status": _text(rec.get("status")),
        "board_approval_date": _date(rec.get("boardapprovaldate"), where, "boardapprovaldate", uri),
        "closing_date": _date(rec.get("closingdate"), where, "closingdate", uri),
        "total_commitment_usd": commitment,
        "project_cost_usd": _money(rec.get("lendprojectcost"), where, "lendprojectcost", uri),
        "sector_codes": _unique(c for c, _ in sectors),
        "sector_names": _unique(n for _, n in sectors),
        "major_sector_codes": _unique(c for c, _ in majors),
        "theme_names": _unique(n for _, n in themes),
        "implementing_agency": _text(rec.get("impagency")),
        "borrower": _text(rec.get("borrower")),
        "url": _text(rec.get("url")),
    }


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _unique(items: Any) -> list[str]:
    out: list[str] = []
    for item in items:
        if item and item not in out:
            out.append(item)
    return out


def _namecodes(value: Any, where: str, name: str, uri: str) -> list[tuple[str, str]]:
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


def _money(value: Any, where: str, name: str, uri: str) -> float:
    """'65,000,000' / 65000000 -> 65000000.0; None or '' -> NaN."""
    if value is None:
        return math.nan
    if isinstance(value, bool):
        raise SourceError(SOURCE, uri, f"{where}: field {name!r} is a boolean: {value!r}")
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace(",", "")
    if not text:
        return math.nan
    try:
        return float(text)
    except ValueError as exc:
        raise SourceError(
            SOURCE, uri, f"{where}: field {name!r} is not an amount: {value!r}"
        ) from exc


_DATE_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p",  # 3/31/2026 12:00:00 AM (closingdate)
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y",
)


def _date(value: Any, where: str, name: str, uri: str) -> dt.date | None:
    """ISO ('2021-05-20T00:00:00Z', '2021-05-20') or US 'M/D/YYYY h:mm:ss AM' -> date."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip()
    if "/" in text:
        for fmt in _DATE_FORMATS:
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
    else:
        try:
            return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        except ValueError:
            pass
    raise SourceError(SOURCE, uri, f"{where}: field {name!r} is not a date: {value!r}")
