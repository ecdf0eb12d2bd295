"""World Bank Indicators API v2 client (source id `worldbank_indicators`).

Request: ``{base}/country/{ISO3;ISO3;...}/indicator/{code}?format=json&per_page=N&page=P[&date=D]``.
A page is a two-element JSON array ``[meta, records]``; ``meta`` holds ``page``, ``pages``,
``per_page``, ``total``, ``lastupdated`` (numbers sometimes as strings); ``records`` is a list
(or ``null`` when nothing matches). `parse_page` reads one such answer; the bundled snapshot
file of the API goes through it too (`assets.population.national`).

Every answer is checked against its request before it is used or kept (`check_page`, see
docs/DOMAIN.md §4.1 and /tmp/research/apis.md §2), and a mismatch is refused with a message
naming the URL and what does not match:
- the page number (``answer holds page 2, asked page 1``), ``per_page``, ``page <= pages``;
- the indicator of every record (``answer for indicator SP.POP.GROW, asked SP.POP.TOTL``);
- the countries: ``countryiso3code`` against the ISO3 codes asked for, ``country.id`` against
  the ISO2 ones (``answer holds countries CHN, USA not asked for``); aggregates without an ISO3
  code are dropped;
- the years against the ``date`` asked for;
- across pages: the same ``pages``, ``total`` and ``lastupdated`` on every page, no page
  repeating the previous one, and as many rows as ``total``.
A refused page is never kept (pipelines/framework/answers.py); for a series whose pages disagree
with each other, every kept page of it is dropped, so the next try fetches the series anew.

Other behaviour worth knowing:
- Errors often arrive with HTTP 200 as ``[{"message": [{"id": "120", "key": ..., "value": ...}]}]``.
  Ids 105 (service unavailable) and 199 (unexpected error) are transient: retried through
  HttpClient's back-off. Every other id is refused at once (permanent), naming indicator and URL.
- The API answers valid calls with an intermittent HTTP 400 that succeeds on retry, so this
  client adds 400 to its HttpClient's ``retry_statuses`` (a persistent 400 still fails after the
  bounded retries, with the server's error text in the message).
- A record whose ``value`` is null (not published) stays a null with ``value_flag`` =
  ``not_published``, never a 0; a numeric string value ("12.3") is read as a number.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

import pandas as pd

from assets.population.worldbank_page import (
    COLUMNS,
    SOURCE,
    Page,
    SeriesRequest,
    check_page,
    fingerprint,
    parse_page,
    raise_api_error,
)
from pipelines.framework.http import HttpClient, HttpResponse, SourceError, refuse

__all__ = ["COLUMNS", "SOURCE", "Page", "WorldBankClient", "WorldBankSeries", "parse_page"]

#: Hard limit on pages for one indicator call; ~10 countries x 60 years fit in one page of 1000.
DEFAULT_MAX_PAGES = 200
_COUNTRY_RE = re.compile(r"^[A-Za-z0-9]{2,3}$")
_CODE_RE = re.compile(r"^[A-Za-z0-9._]+$")
_DATE_RE = re.compile(r"^\d{4}(:\d{4})?$")


@dataclass
class WorldBankSeries:
    """One indicator for a set of countries, all pages joined.

    `records` columns: country_iso3 (str), indicator_code (str), year (int), value (float, NaN
    where the API has null), value_flag (``not_published`` where it has null, else None),
    vintage (the API's `lastupdated` string).
    """

    records: pd.DataFrame
    lastupdated: str
    pages: int
    url: str
    total: int


class WorldBankClient:
    def __init__(
        self,
        base_url: str,
        http: HttpClient,
        per_page: int = 1000,
        max_pages: int = DEFAULT_MAX_PAGES,
    ):
        if per_page < 1:
            raise ValueError(f"per_page must be positive, got {per_page}")
        self.base_url = base_url.rstrip("/")
        self.per_page = per_page
        self.max_pages = max_pages
        # The API returns transient HTTP 400s: retry them (on a copy; the caller keeps its own,
        # the copy shares its answer store and traffic counts).
        if 400 not in http.retry_statuses:
            http = dataclasses.replace(http, retry_statuses=http.retry_statuses | {400})
        self.http = http

    def page_url(
        self, indicator_code: str, countries: list[str], page: int, date: str | None = None
    ) -> str:
        url = (
            f"{self.base_url}/country/{';'.join(countries)}/indicator/{indicator_code}"
            f"?format=json&per_page={self.per_page}&page={page}"
        )
        return f"{url}&date={date}" if date else url

    def fetch_indicator(
        self, indicator_code: str, countries: list[str], date: str | None = None
    ) -> WorldBankSeries:
        """Fetch every page of one indicator for `countries` (ISO3 or ISO2 codes).

        `date` is passed through (``"2015"`` or ``"2010:2020"``). Raises SourceError naming the
        indicator and URL on API errors, answers that do not match the request, broken paging
        or schema drift.
        """
        if not countries:
            raise ValueError("countries must not be empty")
        bad = [c for c in countries if not _COUNTRY_RE.match(c)]
        if bad:
            raise ValueError(f"invalid country codes {bad!r}")
        if not _CODE_RE.match(indicator_code):
            raise ValueError(f"invalid indicator code {indicator_code!r}")
        if date is not None and not _DATE_RE.match(date):
            raise ValueError(f"invalid date {date!r} (YYYY or YYYY:YYYY)")
        request = SeriesRequest.of(indicator_code, countries, date, self.per_page)

        first_url = self.page_url(indicator_code, countries, 1, date)
        first = self._get_page(request, first_url, 1)
        pages, total = first.meta["pages"], first.meta["total"]
        lastupdated = first.meta["lastupdated"]
        if pages > self.max_pages:
            raise refuse(
                SOURCE,
                first_url,
                f"{indicator_code}: server reports {pages} pages, more than the limit of "
                f"{self.max_pages} (raise per_page or max_pages if this is real)",
            )
        urls, frames, n_rows = [first_url], [first.records], len(first.rows)
        previous = fingerprint(first.rows)
        for page in range(2, pages + 1):
            url = self.page_url(indicator_code, countries, page, date)
            urls.append(url)
            this = self._get_page(request, url, page)
            meta, rows = this.meta, this.rows
            changed = [
                f"{k} {first.meta[k]!r} on page 1, {meta[k]!r} on page {page}"
                for k in ("pages", "total", "lastupdated")
                if meta[k] != first.meta[k]
            ]
            if changed:
                self._drop(urls)  # the series changed while paging: fetch all of it again
                raise SourceError(
                    SOURCE,
                    url,
                    f"{indicator_code}: inconsistent paging: {'; '.join(changed)} "
                    "(data changed while paging?)",
                )
            fp = fingerprint(rows)
            if rows and fp == previous:
                self._drop(urls)
                raise refuse(
                    SOURCE,
                    url,
                    f"{indicator_code}: inconsistent paging: page {page} repeats the rows of "
                    f"page {page - 1}",
                )
            previous = fp
            frames.append(this.records)
            n_rows += len(rows)
        if n_rows != total:
            self._drop(urls)
            raise refuse(
                SOURCE,
                first_url,
                f"{indicator_code}: got {n_rows} rows over {pages} pages but the server "
                f"reported total={total}",
            )
        frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        dupes = frame.duplicated(["country_iso3", "indicator_code", "year"])
        if dupes.any():
            row = frame[dupes].iloc[0]
            self._drop(urls)
            raise refuse(
                SOURCE,
                first_url,
                f"{indicator_code}: duplicate row for {row['country_iso3']} {row['year']} "
                "across pages (inconsistent paging)",
            )
        return WorldBankSeries(
            records=frame, lastupdated=lastupdated, pages=pages, url=first_url, total=total
        )

    def _get_page(self, request: SeriesRequest, url: str, page: int) -> Page:
        holder: dict[str, Page] = {}

        def validate(resp: HttpResponse) -> None:
            # Checked before the answer is returned or kept: a refused page is never kept.
            payload = resp.json(SOURCE)
            raise_api_error(payload, request.indicator_code, resp.url)
            holder["page"] = check_page(payload, request, page, resp.url)

        self.http.get(url, validate=validate)
        return holder["page"]

    def _drop(self, urls: list[str]) -> None:
        for url in urls:
            self.http.forget("GET", url)
