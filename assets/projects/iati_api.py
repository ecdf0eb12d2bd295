"""IATI Datastore v3 (Solr) client and parser (source id `iati`).

Request: ``GET {base}/activity/select?q=...&fl=...&rows=R&sort=id asc&cursorMark=C&wt=json`` with
header ``Ocp-Apim-Subscription-Key``. ``q`` is ``recipient_country_code:(KH OR LA)``, plus
``AND reporting_org_ref:("XM-DAC-46004" OR ...)`` when publishers are given. Deep paging uses
Solr's cursor: start with ``cursorMark=*``; each response carries ``nextCursorMark``; stop when it
equals the cursor that was sent (docs/DOMAIN.md §4.3). The response is
``{"responseHeader": {...}, "response": {"numFound": N, "start": 0, "docs": [...]},
"nextCursorMark": "..."}``; multivalued fields are arrays.

Failures: no key -> SourceError before any request ("IATI_API_KEY is not set"); HTTP 401/403 ->
SourceError saying the key was refused; a response without ``nextCursorMark`` or ``response.docs``,
a page whose docs were all seen before, more than ``max_pages`` pages -> SourceError naming the URL.

Every answer is checked against its request (issue 13): when the answer echoes its parameters
(``responseHeader.params``), ``q``, ``fl``, ``sort``, ``rows`` and ``cursorMark`` must be the
ones sent, and every activity must have one of the requested recipient countries; a mismatch
is refused (a permanent SourceError naming the URL and the mismatch), nothing of it is landed.

The documents are read by `iati_docs.parse_activity_docs` (locations, sector shares, funding
organisations, placeholder dates), shared with any offline copy.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import pandas as pd

from assets.projects.iati_docs import parse_activity_docs, strs
from pipelines.framework.http import HttpClient, HttpResponse, SourceError

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
    "reporting_org_type",
    "participating_org_ref",
    "participating_org_narrative",
    "participating_org_role",
    "participating_org_type",
    "recipient_country_code",
    "sector_code",
    "sector_vocabulary",
    "sector_percentage",
    "activity_status_code",
    "activity_date_type",
    "activity_date_iso_date",
    "budget_value",
    "budget_value_currency",
    "default_currency",
    "location_name_narrative",
    "location_point_pos",
    "location_ref",
)
_ORG_REF_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")


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

    def page_params(self, query: str, cursor: str) -> dict[str, str]:
        return {
            "q": query,
            "fl": ",".join(FIELDS),
            "rows": str(self.rows),
            "sort": "id asc",
            "cursorMark": cursor,
            "wt": "json",
        }

    def page_url(self, query: str, cursor: str) -> str:
        return f"{self.select_url}?{urlencode(self.page_params(query, cursor), safe=',')}"

    def fetch_activities(
        self, recipient_countries_iso2: list[str], reporting_orgs: list[str] | None = None
    ) -> pd.DataFrame:
        """All activities for the recipient countries (and publishers), one row per activity."""
        query = self.build_query(recipient_countries_iso2, reporting_orgs)
        countries = {c.upper() for c in recipient_countries_iso2}
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
            sent = self.page_params(query, cursor)

            def check(response: HttpResponse, sent: dict[str, str] = sent) -> None:
                # Before the answer is returned or kept: a refused answer is never kept.
                payload = response.json(SOURCE)
                docs, _ = _split_page(payload, response.url)
                _check_answer(payload, docs, sent, countries, response.url)

            try:
                payload = self.http.get(url, headers=headers, validate=check).json(SOURCE)
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


#: request parameters a Solr answer echoes in responseHeader.params, checked against the request
ECHOED = ("q", "fl", "sort", "rows", "cursorMark")


def _check_answer(
    payload: dict[str, Any],
    docs: list[dict[str, Any]],
    sent: dict[str, str],
    countries: set[str],
    url: str,
) -> None:
    """Refuse an answer to another request: echoed parameters differ, or an activity without
    any of the requested recipient countries."""
    header = payload.get("responseHeader")
    echoed = header.get("params") if isinstance(header, dict) else None
    if isinstance(echoed, dict):
        for name in ECHOED:
            if name in echoed and str(echoed[name]) != str(sent[name]):
                raise SourceError(
                    SOURCE,
                    url,
                    f"answer to another request: sent {name}={sent[name]!r}, the answer echoes "
                    f"{name}={echoed[name]!r}; answer refused",
                    permanent=True,
                )
    for doc in docs:
        got = {c.upper() for c in strs(doc.get("recipient_country_code"))}
        if got and not got & countries:
            raise SourceError(
                SOURCE,
                url,
                f"answer for other countries than asked: requested recipient_country_code in "
                f"{sorted(countries)}, activity {doc.get('iati_identifier')!r} has "
                f"{sorted(got)}; answer refused",
                permanent=True,
            )
