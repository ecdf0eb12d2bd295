"""World Bank Indicators API v2 client (source id `worldbank_indicators`).

Request: ``{base}/country/{ISO3;ISO3;...}/indicator/{code}?format=json&per_page=N&page=P[&date=D]``.
A page is a two-element JSON array ``[meta, records]``; ``meta`` holds ``page``, ``pages``,
``per_page``, ``total``, ``lastupdated`` (numbers sometimes as strings); ``records`` is a list
(or ``null`` when nothing matches). `parse_page` reads one such answer; the bundled snapshot
file of the API goes through it too (`assets.population.national`).

Behaviour worth knowing (see docs/DOMAIN.md §4.1):
- Errors often arrive with HTTP 200 as ``[{"message": [{"id": "120", "key": ..., "value": ...}]}]``.
  Ids 105 (service unavailable) and 199 (unexpected error) are transient: the request is retried
  through HttpClient's back-off. Every other id fails at once with a SourceError naming the
  indicator and the URL.
- The API answers valid calls with an intermittent HTTP 400 that succeeds on retry, so this client
  always adds 400 to its HttpClient's ``retry_statuses`` (a persistent 400 still fails after the
  bounded retries, with the response body in the message).
- Paging is checked: each page must echo the page asked for, keep the same ``pages`` and
  ``lastupdated`` as page 1, and not repeat the previous page's rows; ``pages`` above ``max_pages``
  and a row count different from ``total`` are errors. Each names the URL.
- Schema drift: a record without ``countryiso3code``/``date``/``value`` fails naming the field; a
  numeric string ``value`` ("12.3") is accepted as a float; rows with an empty
  ``countryiso3code`` (aggregates) are dropped; extra fields are ignored.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pipelines.framework.http import HttpClient, HttpResponse, RetryableResponse, SourceError

SOURCE = "worldbank_indicators"
#: World Bank error ids worth another try (service unavailable, unexpected error).
TRANSIENT_ERROR_IDS = frozenset({"105", "199"})
#: Hard limit on pages for one indicator call; ~10 countries x 60 years fit in one page of 1000.
DEFAULT_MAX_PAGES = 200
COLUMNS = ["country_iso3", "indicator_code", "year", "value", "vintage"]
_COUNTRY_RE = re.compile(r"^[A-Za-z0-9]{2,3}$")
_YEAR_RE = re.compile(r"^\d{4}$")


@dataclass
class WorldBankSeries:
    """One indicator for a set of countries, all pages joined.

    `records` columns: country_iso3 (str), indicator_code (str), year (int), value (float, NaN
    where the API has null), vintage (the API's `lastupdated` string).
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
        # The API returns transient HTTP 400s: retry them (on a copy; the caller keeps its own).
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
        indicator and URL on API errors, broken paging or schema drift.
        """
        if not countries:
            raise ValueError("countries must not be empty")
        bad = [c for c in countries if not _COUNTRY_RE.match(c)]
        if bad:
            raise ValueError(f"invalid country codes {bad!r}")
        if not re.match(r"^[A-Za-z0-9._]+$", indicator_code):
            raise ValueError(f"invalid indicator code {indicator_code!r}")

        first_url = self.page_url(indicator_code, countries, 1, date)
        first = self._get_page(indicator_code, first_url, 1)
        pages, total = first.meta["pages"], first.meta["total"]
        lastupdated = first.meta["lastupdated"]
        if pages > self.max_pages:
            raise SourceError(
                SOURCE,
                first_url,
                f"{indicator_code}: server reports {pages} pages, more than the limit of "
                f"{self.max_pages} (raise per_page or max_pages if this is real)",
            )
        frames, n_rows = [first.records], len(first.rows)
        previous = _fingerprint(first.rows)
        for page in range(2, pages + 1):
            url = self.page_url(indicator_code, countries, page, date)
            this = self._get_page(indicator_code, url, page)
            meta, rows = this.meta, this.rows
            if meta["pages"] != pages or meta["lastupdated"] != lastupdated:
                raise SourceError(
                    SOURCE,
                    url,
                    f"{indicator_code}: inconsistent paging: page 1 said pages={pages}, "
                    f"lastupdated={lastupdated!r}; page {page} says pages={meta['pages']}, "
                    f"lastupdated={meta['lastupdated']!r} (data changed while paging?)",
                )
            fp = _fingerprint(rows)
            if rows and fp == previous:
                raise SourceError(
                    SOURCE,
                    url,
                    f"{indicator_code}: inconsistent paging: page {page} repeats the rows of "
                    f"page {page - 1}",
                )
            previous = fp
            frames.append(this.records)
            n_rows += len(rows)
        if n_rows != total:
            raise SourceError(
                SOURCE,
                first_url,
                f"{indicator_code}: got {n_rows} rows over {pages} pages but the server "
                f"reported total={total}",
            )
        frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        dupes = frame.duplicated(["country_iso3", "indicator_code", "year"])
        if dupes.any():
            first = frame[dupes].iloc[0]
            raise SourceError(
                SOURCE,
                first_url,
                f"{indicator_code}: duplicate row for {first['country_iso3']} {first['year']} "
                "across pages (inconsistent paging)",
            )
        return WorldBankSeries(
            records=frame, lastupdated=lastupdated, pages=pages, url=first_url, total=total
        )

    def _get_page(self, indicator_code: str, url: str, page: int) -> Page:
        holder: dict[str, Any] = {}

        def validate(resp: HttpResponse) -> None:
            payload = resp.json(SOURCE)
            _raise_api_error(payload, indicator_code, resp.url)
            holder["payload"] = payload

        resp = self.http.get(url, validate=validate)
        answer = parse_page(holder["payload"], indicator_code, resp.url)
        if answer.meta["page"] != page:
            raise SourceError(
                SOURCE,
                resp.url,
                f"{indicator_code}: inconsistent paging: asked for page {page}, "
                f"server returned page {answer.meta['page']}",
            )
        return answer


@dataclass(frozen=True)
class Page:
    """One answer of the API, parsed: metadata, the records as served, and as a frame."""

    meta: dict[str, Any]  # page, pages, total (int) and lastupdated (str, the vintage)
    rows: list[dict[str, Any]]
    records: pd.DataFrame  # COLUMNS, aggregates without an ISO3 code dropped


def parse_page(payload: Any, indicator_code: str, url: str) -> Page:
    """Parse one ``[meta, records]`` answer (a live page or a bundled API file).

    Raises SourceError naming `url` (for a file, its path) on schema drift. Paging across pages
    (``total``, repeated pages) is checked by `WorldBankClient.fetch_indicator`.
    """
    meta, rows = _split_page(payload, indicator_code, url)
    return Page(meta, rows, _records_frame(rows, indicator_code, meta["lastupdated"], url))


def _raise_api_error(payload: Any, indicator_code: str, url: str) -> None:
    """Turn the World Bank's HTTP-200 error body into RetryableResponse or SourceError."""
    if not (isinstance(payload, list) and payload and isinstance(payload[0], dict)):
        return
    messages = payload[0].get("message")
    if not messages:
        return
    msgs = messages if isinstance(messages, list) else [messages]
    parts, ids = [], set()
    for m in msgs:
        if isinstance(m, dict):
            ids.add(str(m.get("id")))
            parts.append(f"id {m.get('id')} {m.get('key')!s}: {m.get('value')!s}")
        else:
            parts.append(str(m))
    text = "; ".join(parts)
    if ids and ids <= TRANSIENT_ERROR_IDS:
        raise RetryableResponse(f"{indicator_code}: transient World Bank API error ({text})")
    raise SourceError(SOURCE, url, f"{indicator_code}: World Bank API error: {text}")


def _as_int(meta: dict[str, Any], key: str, indicator_code: str, url: str) -> int:
    if key not in meta:
        raise SourceError(
            SOURCE, url, f"{indicator_code}: page metadata has no field {key!r} (schema drift?)"
        )
    value = meta[key]
    try:
        if isinstance(value, bool):
            raise TypeError
        return int(str(value).strip()) if isinstance(value, str) else int(value)
    except (TypeError, ValueError) as exc:
        raise SourceError(
            SOURCE, url, f"{indicator_code}: page metadata field {key!r} is not a number: {value!r}"
        ) from exc


def _split_page(
    payload: Any, indicator_code: str, url: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    if not isinstance(payload, list) or len(payload) != 2 or not isinstance(payload[0], dict):
        start = json.dumps(payload)[:120]
        raise SourceError(
            SOURCE,
            url,
            f"{indicator_code}: expected a [metadata, records] array, got {start}",
        )
    raw_meta, rows = payload
    meta: dict[str, Any] = {
        k: _as_int(raw_meta, k, indicator_code, url) for k in ("page", "pages", "total")
    }
    lastupdated = raw_meta.get("lastupdated")
    if not isinstance(lastupdated, str) or not lastupdated:
        raise SourceError(
            SOURCE,
            url,
            f"{indicator_code}: page metadata field 'lastupdated' missing or empty: "
            f"{lastupdated!r} (needed as the vintage)",
        )
    meta["lastupdated"] = lastupdated
    if rows is None:
        rows = []
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise SourceError(SOURCE, url, f"{indicator_code}: records part is not a list of objects")
    return meta, rows


def _fingerprint(rows: list[dict[str, Any]]) -> str:
    return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()


def _value(raw: Any, where: str, url: str) -> float:
    if raw is None:
        return math.nan
    if isinstance(raw, bool):
        raise SourceError(SOURCE, url, f"{where}: field 'value' is a boolean: {raw!r}")
    if isinstance(raw, int | float):
        return float(raw)
    if isinstance(raw, str):
        text = raw.strip()
        if text == "":
            return math.nan
        try:
            return float(text)
        except ValueError:
            pass
    raise SourceError(SOURCE, url, f"{where}: field 'value' is not a number: {raw!r}")


def _records_frame(
    rows: list[dict[str, Any]], indicator_code: str, vintage: str, url: str
) -> pd.DataFrame:
    out = []
    for i, rec in enumerate(rows):
        where = f"{indicator_code} record {i}"
        for name in ("countryiso3code", "date", "value"):
            if name not in rec:
                raise SourceError(
                    SOURCE,
                    url,
                    f"{where}: missing field {name!r} (schema drift? fields: {sorted(rec)})",
                )
        iso3 = rec["countryiso3code"]
        if iso3 is None or iso3 == "":
            continue  # aggregates without an ISO3 code
        if not isinstance(iso3, str):
            raise SourceError(SOURCE, url, f"{where}: field 'countryiso3code' is {iso3!r}")
        date = str(rec["date"]).strip()
        if not _YEAR_RE.match(date):
            raise SourceError(
                SOURCE, url, f"{where}: field 'date' is not a year (YYYY): {rec['date']!r}"
            )
        indicator = rec.get("indicator")
        code = indicator.get("id") if isinstance(indicator, dict) else None
        out.append(
            {
                "country_iso3": iso3.upper(),
                "indicator_code": code or indicator_code,
                "year": int(date),
                "value": _value(rec["value"], where, url),
                "vintage": vintage,
            }
        )
    frame = pd.DataFrame(out, columns=COLUMNS)
    return frame.astype({"year": "int64", "value": "float64"})
