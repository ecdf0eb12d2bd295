"""World Bank Projects API client (source id `worldbank_projects`); the records are read by
`worldbank_records.parse_projects_payload`, shared with the bundled export.

Request (one paged query per country): ``GET {base}?format=json&countrycode_exact=KH&fl=...
&geocode=on&rows=R&os=N``. A page is ``{"rows": 10, "os": "0", "page": "1", "total": "79",
"projects": {"P174379": {...}, ...}}``: ``projects`` is an object keyed by project id; ``os``,
``page`` and ``total`` are strings (docs/DOMAIN.md §4.2). ``fl`` asks for ``status`` and
``last_stage_reached_name`` explicitly (v3 leaves them out of its default projection), the
geocoded ``locations``, the sector shares ``sector1..5`` and the lender commitments.

Every answer is checked against its request (issue 13): the page must echo the ``os`` asked for,
every key must equal its record's ``id``, and every record must list the country asked for in
``countrycode``; an answer for another country is refused with a SourceError naming the URL and
the mismatch, so nothing of it is landed.

Paging: ``os`` advances by the number of projects received until ``os >= total``. A page with
no new project ids (a repeat) or an empty page before ``total`` is reached, a ``total`` that
changes between pages, and more than ``max_pages`` pages, raise SourceError naming the URL.
Projects seen on more than one country query (regional projects) are kept once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pandas as pd

from assets.projects.worldbank_records import as_list, parse_projects_payload, project_list
from pipelines.framework.http import HttpClient, HttpResponse, SourceError

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
    "last_stage_reached_name",
    "locations",
    "sector1",
    "sector2",
    "sector3",
    "sector4",
    "sector5",
    "ibrdcommamt",
    "idacommamt",
    "grantamt",
)


@dataclass
class ProjectsResult:
    """`records`: raw project dicts as received; `frame`: one normalised row per project."""

    records: list[dict[str, Any]]
    frame: pd.DataFrame
    urls: list[str] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)  # server `total` per country query
    retrieved_on: dt.date = field(default_factory=lambda: dt.datetime.now(dt.UTC).date())


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
            "geocode": "on",  # ask for the geocoded locations (old clients send it too)
            "rows": self.rows,
            "os": offset,
        }
        return f"{self.base_url}?{urlencode(query, safe=',')}"

    def fetch_projects(
        self, country_codes_iso2: list[str], retrieved_on: dt.date | None = None
    ) -> ProjectsResult:
        """Fetch all projects of each country (ISO2 codes), pages joined, one row per project.

        `retrieved_on` (default: today, UTC) is the date the statuses hold (`status_as_of`)."""
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
        as_of = retrieved_on or dt.datetime.now(dt.UTC).date()
        frame = parse_projects_payload(records, urls[0] if urls else self.base_url, as_of)
        return ProjectsResult(records, frame, urls, totals, as_of)

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
            # Checked before the answer is returned or kept (a refused one is never kept).
            answer = self.http.get(url, validate=lambda r, o=offset: check_page(r, country, o))
            payload = answer.json(SOURCE)
            urls.append(url)
            page_total = _int_field(payload, "total", url)
            if total is not None and page_total != total:
                raise SourceError(
                    SOURCE,
                    url,
                    f"{country}: total changed between pages: {total} -> {page_total}",
                    permanent=True,
                )
            total = page_total
            page_records = project_list(payload, url)
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


def check_page(response: HttpResponse, country: str, offset: int) -> None:
    """One answer against its request: a JSON page with `total` and `projects`, the `os` asked
    for, every key its record's id, every record of the country asked for."""
    url = response.url
    payload = response.json(SOURCE)
    if not isinstance(payload, dict):
        raise SourceError(SOURCE, url, "expected a JSON object with 'projects'", permanent=True)
    _int_field(payload, "total", url)
    if "os" in payload and _int_field(payload, "os", url) != offset:
        raise SourceError(
            SOURCE,
            url,
            f"{country}: inconsistent paging: asked for os={offset}, "
            f"server returned os={payload['os']!r}",
            permanent=True,
        )
    _check_countries(project_list(payload, url), country, url)


def _check_countries(records: list[dict[str, Any]], country: str, url: str) -> None:
    """Every record of an answer for `country` must list it in ``countrycode``."""
    for rec in records:
        codes = [str(c).strip().upper() for c in as_list(rec.get("countrycode")) if c]
        if country not in codes:
            raise SourceError(
                SOURCE,
                url,
                f"answer for another country than asked: requested countrycode_exact={country}, "
                f"project {rec.get('id')!r} has countrycode {codes or 'missing'}; answer refused",
                permanent=True,
            )


def _int_field(payload: dict[str, Any], name: str, url: str) -> int:
    if name not in payload:
        raise SourceError(
            SOURCE, url, f"response has no field {name!r} (schema drift?)", permanent=True
        )
    value = payload[name]
    try:
        if isinstance(value, bool):
            raise TypeError
        return int(str(value).strip().replace(",", ""))
    except (TypeError, ValueError) as exc:
        raise SourceError(SOURCE, url, f"field {name!r} is not a number: {value!r}") from exc
