"""IATI Datastore v3 (Solr) client and parser (source id `iati`).

Request: ``GET {base}/activity/select?q=...&fl=...&rows=R&sort=id asc&cursorMark=C&wt=json`` with
header ``Ocp-Apim-Subscription-Key``. ``q`` is ``recipient_country_code:(KH OR LA)``, plus
``AND reporting_org_ref:("XM-DAC-46004" OR ...)`` when publishers are given. Deep paging uses
Solr's cursor: start with ``cursorMark=*``; each response carries ``nextCursorMark``; stop when it
equals the cursor that was sent (DOMAIN.md §4.3). The response is
``{"responseHeader": {...}, "response": {"numFound": N, "start": 0, "docs": [...]},
"nextCursorMark": "..."}``; multivalued fields are arrays.

Failures: no key -> SourceError before any request ("IATI_API_KEY is not set"); HTTP 401/403 ->
SourceError saying the key was refused; a response without ``nextCursorMark`` or ``response.docs``,
a page whose docs were all seen before, more than ``max_pages`` pages -> SourceError naming the URL.

Normalisation (`parse_activity_docs`, shared with the offline path):
- title, description, reporting org name: the first narrative (the publisher's default language).
- participating_orgs: the participating org names (narratives); refs when no names are given.
- start_date: the actual start (activity-date type 2) if reported, else the planned start (1);
  end_date: the actual end (4), else the planned end (3). Types and dates are the parallel arrays
  ``activity_date_type`` / ``activity_date_iso_date``; when those are absent or of different
  lengths, the derived fields ``activity_date_start_actual`` etc. are used if present.
- budget_value_sum: the plain sum of all ``budget_value`` lines as reported (original and revised
  budgets are not told apart here); ``currency`` is the one currency of those lines
  (``budget_value_currency``, else ``default_currency``). If the lines mix currencies the sum is
  meaningless, so it is NaN and ``currency`` is None.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

import pandas as pd

from pipelines.framework.http import HttpClient, SourceError

SOURCE = "iati"
API_KEY_HEADER = "Ocp-Apim-Subscription-Key"
DEFAULT_MAX_PAGES = 500
#: Solr fields asked for with `fl=`.
FIELDS = (
    "id",
    "iati_identifier",
    "title_narrative",
    "description_narrative",
    "reporting_org_ref",
    "reporting_org_narrative",
    "participating_org_ref",
    "participating_org_narrative",
    "recipient_country_code",
    "sector_code",
    "sector_vocabulary",
    "activity_status_code",
    "activity_date_type",
    "activity_date_iso_date",
    "budget_value",
    "budget_value_currency",
    "default_currency",
    "location_name_narrative",
)
COLUMNS = [
    "iati_identifier",
    "title",
    "description",
    "reporting_org_ref",
    "reporting_org_name",
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
]
#: list and date columns of `COLUMNS` (stored as VARCHAR[] and DATE)
LIST_COLUMNS = (
    "participating_orgs",
    "recipient_countries",
    "sector_codes",
    "sector_vocabularies",
    "location_names",
)
DATE_COLUMNS = ("start_date", "end_date")
_ORG_REF_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
_DATE_FIELDS = {
    "1": "activity_date_start_planned",
    "2": "activity_date_start_actual",
    "3": "activity_date_end_planned",
    "4": "activity_date_end_actual",
}


class IatiClient:
    def __init__(
        self,
        base_url: str,
        http: HttpClient,
        api_key: str | None,
        rows: int = 1000,
        max_pages: int = DEFAULT_MAX_PAGES,
    ):
        if rows < 1:
            raise ValueError(f"rows must be positive, got {rows}")
        self.base_url = base_url.rstrip("/")
        self.http = http
        self.api_key = api_key
        self.rows = rows
        self.max_pages = max_pages

    @property
    def select_url(self) -> str:
        return f"{self.base_url}/activity/select"

    @staticmethod
    def build_query(recipient_countries_iso2: list[str], reporting_orgs: list[str] | None) -> str:
        bad = [c for c in recipient_countries_iso2 if not (len(c) == 2 and c.isalpha())]
        if not recipient_countries_iso2 or bad:
            raise ValueError(f"need ISO2 recipient country codes, got {recipient_countries_iso2!r}")
        q = f"recipient_country_code:({' OR '.join(c.upper() for c in recipient_countries_iso2)})"
        if reporting_orgs:
            bad = [r for r in reporting_orgs if not _ORG_REF_RE.match(r)]
            if bad:
                raise ValueError(f"invalid reporting org refs {bad!r}")
            quoted = " OR ".join('"' + r + '"' for r in reporting_orgs)
            q += f" AND reporting_org_ref:({quoted})"
        return q

    def page_url(self, query: str, cursor: str) -> str:
        params = {
            "q": query,
            "fl": ",".join(FIELDS),
            "rows": self.rows,
            "sort": "id asc",
            "cursorMark": cursor,
            "wt": "json",
        }
        return f"{self.select_url}?{urlencode(params, safe=',')}"

    def fetch_activities(
        self, recipient_countries_iso2: list[str], reporting_orgs: list[str] | None = None
    ) -> pd.DataFrame:
        """All activities for the recipient countries (and publishers), one row per activity."""
        query = self.build_query(recipient_countries_iso2, reporting_orgs)
        if not self.api_key:
            raise SourceError(
                SOURCE,
                self.select_url,
                "IATI_API_KEY is not set: the IATI Datastore needs a subscription key "
                "(free at https://developer.iatistandard.org/)",
            )
        headers = {API_KEY_HEADER: self.api_key}
        cursor, docs, seen = "*", [], set()
        first_url = self.page_url(query, cursor)
        for page in range(1, self.max_pages + 2):
            url = self.page_url(query, cursor)
            if page > self.max_pages:
                raise SourceError(
                    SOURCE, url, f"more than {self.max_pages} pages (cursor never ended); stopping"
                )
            try:
                payload = self.http.get(url, headers=headers).json(SOURCE)
            except SourceError as exc:
                if exc.status in (401, 403):
                    raise SourceError(
                        SOURCE,
                        exc.url,
                        f"HTTP {exc.status}: the IATI Datastore refused the subscription key "
                        "(IATI_API_KEY): check that it is set to a valid, active key",
                        status=exc.status,
                    ) from exc
                raise
            page_docs, next_cursor = _split_page(payload, url)
            keys = [str(d.get("id") or d.get("iati_identifier")) for d in page_docs]
            if page_docs and all(k in seen for k in keys):
                raise SourceError(
                    SOURCE,
                    url,
                    f"inconsistent paging: page {page} repeats activities already received "
                    f"({', '.join(keys[:3])})",
                )
            seen.update(keys)
            docs.extend(page_docs)
            if next_cursor == cursor:
                break
            cursor = next_cursor
        return parse_activity_docs(docs, first_url)


def _split_page(payload: Any, url: str) -> tuple[list[dict[str, Any]], str]:
    if not isinstance(payload, dict):
        raise SourceError(SOURCE, url, "expected a Solr JSON object")
    response = payload.get("response")
    if not isinstance(response, dict) or not isinstance(response.get("docs"), list):
        raise SourceError(SOURCE, url, "response has no 'response.docs' list (schema drift?)")
    next_cursor = payload.get("nextCursorMark")
    if not isinstance(next_cursor, str) or not next_cursor:
        raise SourceError(
            SOURCE, url, "response has no 'nextCursorMark' (cursor paging not honoured)"
        )
    docs = response["docs"]
    if not all(isinstance(d, dict) for d in docs):
        raise SourceError(SOURCE, url, "'response.docs' is not a list of objects")
    return docs, next_cursor


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


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _first(value: Any) -> str | None:
    for item in _list(value):
        if item is not None and str(item).strip():
            return str(item).strip()
    return None


def _strs(value: Any) -> list[str]:
    out: list[str] = []
    for item in _list(value):
        text = str(item).strip() if item is not None else ""
        if text and text not in out:
            out.append(text)
    return out


def _normalise(doc: dict[str, Any], index: int, uri: str) -> dict[str, Any]:
    ident = _first(doc.get("iati_identifier"))
    if ident is None:
        raise SourceError(SOURCE, uri, f"doc {index}: missing field 'iati_identifier'")
    where = f"activity {ident}"
    status_raw = _first(doc.get("activity_status_code"))
    try:
        status = int(status_raw) if status_raw is not None else None
    except ValueError as exc:
        raise SourceError(
            SOURCE, uri, f"{where}: field 'activity_status_code' is not a code: {status_raw!r}"
        ) from exc
    dates = _activity_dates(doc, where, uri)
    budget_sum, currency = _budget(doc, where, uri)
    return {
        "iati_identifier": ident,
        "title": _first(doc.get("title_narrative")),
        "description": _first(doc.get("description_narrative")),
        "reporting_org_ref": _first(doc.get("reporting_org_ref")),
        "reporting_org_name": _first(doc.get("reporting_org_narrative")),
        "participating_orgs": _strs(doc.get("participating_org_narrative"))
        or _strs(doc.get("participating_org_ref")),
        "recipient_countries": [c.upper() for c in _strs(doc.get("recipient_country_code"))],
        "sector_codes": _strs(doc.get("sector_code")),
        "sector_vocabularies": _strs(doc.get("sector_vocabulary")),
        "activity_status_code": status,
        "start_date": dates.get("2") or dates.get("1"),
        "end_date": dates.get("4") or dates.get("3"),
        "budget_value_sum": budget_sum,
        "currency": currency,
        "location_names": _strs(doc.get("location_name_narrative")),
    }


def _iso_date(value: Any, where: str, field: str, uri: str) -> dt.date:
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError as exc:
        raise SourceError(
            SOURCE, uri, f"{where}: field {field!r} is not a date: {value!r}"
        ) from exc


def _activity_dates(doc: dict[str, Any], where: str, uri: str) -> dict[str, dt.date]:
    """{activity-date type code: date}; the first date of each type wins."""
    types = [str(t).strip() for t in _list(doc.get("activity_date_type"))]
    values = _list(doc.get("activity_date_iso_date"))
    out: dict[str, dt.date] = {}
    if types and len(types) == len(values):
        for t, v in zip(types, values, strict=True):
            if t not in out and v not in (None, ""):
                out[t] = _iso_date(v, where, "activity_date_iso_date", uri)
        return out
    for code, name in _DATE_FIELDS.items():
        value = _first(doc.get(name))
        if value:
            out[code] = _iso_date(value, where, name, uri)
    if not out and (types or values):
        raise SourceError(
            SOURCE,
            uri,
            f"{where}: 'activity_date_type' ({len(types)}) and 'activity_date_iso_date' "
            f"({len(values)}) do not pair up",
        )
    return out


def _budget(doc: dict[str, Any], where: str, uri: str) -> tuple[float, str | None]:
    values = _list(doc.get("budget_value"))
    default = _first(doc.get("default_currency"))
    line_currencies = [str(c).strip() for c in _list(doc.get("budget_value_currency")) if c]
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
