"""One World Bank Indicators API v2 answer: parsed (`parse_page`) and checked against the request
it answers (`check_page`). The paging client is in `worldbank_api.py`; the rules are in its
docstring and docs/DOMAIN.md §4.1.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pipelines.framework.http import RetryableResponse, refuse

SOURCE = "worldbank_indicators"
#: World Bank error ids worth another try (service unavailable, unexpected error).
TRANSIENT_ERROR_IDS = frozenset({"105", "199"})
COLUMNS = ["country_iso3", "indicator_code", "year", "value", "value_flag", "vintage"]
#: `value_flag` of a record the API serves with value null (not published); never a 0.
NOT_PUBLISHED = "not_published"
_YEAR_RE = re.compile(r"^\d{4}$")
_SHOWN = 8  # codes named in a mismatch message before "..."


@dataclass(frozen=True)
class SeriesRequest:
    """What was asked: one indicator, a set of countries (ISO3 and/or ISO2), years, page size."""

    indicator_code: str
    iso3: frozenset[str]
    iso2: frozenset[str]
    years: tuple[int, int] | None
    per_page: int
    countries_text: str  # as sent, for messages

    @classmethod
    def of(
        cls, indicator_code: str, countries: list[str], date: str | None, per_page: int
    ) -> SeriesRequest:
        years = None
        if date:
            lo, _, hi = date.partition(":")
            years = (int(lo), int(hi or lo))
        return cls(
            indicator_code,
            frozenset(c.upper() for c in countries if len(c) == 3),
            frozenset(c.upper() for c in countries if len(c) == 2),
            years,
            per_page,
            ";".join(countries),
        )


@dataclass(frozen=True)
class Page:
    """One answer of the API, parsed: metadata, the records as served, and as a frame."""

    meta: dict[str, Any]  # page, pages, total (int), per_page (int or None), lastupdated (str)
    rows: list[dict[str, Any]]
    records: pd.DataFrame  # COLUMNS, aggregates without an ISO3 code dropped


def parse_page(payload: Any, indicator_code: str, url: str) -> Page:
    """Parse one ``[meta, records]`` answer (a live page or a bundled API file).

    Raises a permanent SourceError naming `url` (for a file, its path) on schema drift. What
    was asked is checked by `check_page`, paging across pages by `WorldBankClient`.
    """
    meta, rows = _split_page(payload, indicator_code, url)
    return Page(meta, rows, _records_frame(rows, indicator_code, meta["lastupdated"], url))


def check_page(payload: Any, request: SeriesRequest, page: int, url: str) -> Page:
    """Parse an answer and refuse it unless it answers `request` for page `page`."""
    code = request.indicator_code
    answer = parse_page(payload, code, url)
    meta = answer.meta
    empty = meta["total"] == 0 and meta["pages"] == 0
    # An empty result comes as page 0 of 0 ([{"page": 0, "pages": 0, ..., "total": 0}, null]).
    if meta["page"] != page and not (empty and page == 1 and meta["page"] in (0, 1)):
        raise refuse(SOURCE, url, f"{code}: answer holds page {meta['page']}, asked page {page}")
    if not empty and meta["per_page"] is not None and meta["per_page"] != request.per_page:
        raise refuse(
            SOURCE,
            url,
            f"{code}: answer has per_page {meta['per_page']}, asked {request.per_page} "
            "(the server ignored the request's paging)",
        )
    if not empty and meta["page"] > meta["pages"]:
        raise refuse(SOURCE, url, f"{code}: answer holds page {page} of {meta['pages']} pages")
    _check_records(answer.rows, request, url)
    return answer


def _listed(codes: set[str]) -> str:
    shown = sorted(codes)
    return ", ".join(shown[:_SHOWN]) + (
        f" and {len(shown) - _SHOWN} more" if len(shown) > _SHOWN else ""
    )


def _check_records(rows: list[dict[str, Any]], request: SeriesRequest, url: str) -> None:
    code = request.indicator_code
    indicators, countries, years = set(), set(), set()
    for rec in rows:
        indicator = rec.get("indicator")
        served = indicator.get("id") if isinstance(indicator, dict) else None
        if served != code:  # exact: codes are case-sensitive
            indicators.add(str(served))
        iso3 = rec.get("countryiso3code") or ""
        country = rec.get("country")
        iso2 = str(country.get("id") or "") if isinstance(country, dict) else ""
        if iso3 and iso3.upper() not in request.iso3 and iso2.upper() not in request.iso2:
            countries.add(iso3 if request.iso3 or not iso2 else iso2)
        date = str(rec.get("date", "")).strip()
        if request.years and _YEAR_RE.match(date):
            if not request.years[0] <= int(date) <= request.years[1]:
                years.add(date)
    if indicators:
        raise refuse(SOURCE, url, f"answer for indicator {_listed(indicators)}, asked {code}")
    if countries:
        raise refuse(
            SOURCE,
            url,
            f"{code}: answer holds countries {_listed(countries)} not asked for "
            f"(asked {request.countries_text})",
        )
    if years and request.years:
        lo, hi = request.years
        raise refuse(
            SOURCE, url, f"{code}: answer holds years {_listed(years)} outside the asked {lo}:{hi}"
        )


def raise_api_error(payload: Any, indicator_code: str, url: str) -> None:
    """Turn the World Bank's HTTP-200 error body into RetryableResponse or a refusal."""
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
    raise refuse(SOURCE, url, f"{indicator_code}: World Bank API error: {text}")


def _as_int(meta: dict[str, Any], key: str, indicator_code: str, url: str) -> int:
    if key not in meta:
        raise refuse(
            SOURCE, url, f"{indicator_code}: page metadata has no field {key!r} (schema drift?)"
        )
    value = meta[key]
    try:
        if isinstance(value, bool):
            raise TypeError
        return int(str(value).strip()) if isinstance(value, str) else int(value)
    except (TypeError, ValueError) as exc:
        raise refuse(
            SOURCE, url, f"{indicator_code}: page metadata field {key!r} is not a number: {value!r}"
        ) from exc


def _split_page(
    payload: Any, indicator_code: str, url: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    if not isinstance(payload, list) or len(payload) != 2 or not isinstance(payload[0], dict):
        start = json.dumps(payload)[:120]
        raise refuse(
            SOURCE, url, f"{indicator_code}: expected a [metadata, records] array, got {start}"
        )
    raw_meta, rows = payload
    meta: dict[str, Any] = {
        k: _as_int(raw_meta, k, indicator_code, url) for k in ("page", "pages", "total")
    }
    meta["per_page"] = (
        _as_int(raw_meta, "per_page", indicator_code, url) if "per_page" in raw_meta else None
    )
    lastupdated = raw_meta.get("lastupdated")
    if not isinstance(lastupdated, str) or not lastupdated:
        raise refuse(
            SOURCE,
            url,
            f"{indicator_code}: page metadata field 'lastupdated' missing or empty: "
            f"{lastupdated!r} (needed as the vintage)",
        )
    meta["lastupdated"] = lastupdated
    if rows is None:
        rows = []
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise refuse(SOURCE, url, f"{indicator_code}: records part is not a list of objects")
    return meta, rows


def fingerprint(rows: list[dict[str, Any]]) -> str:
    return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()


def _value(raw: Any, where: str, url: str) -> float:
    if raw is None:
        return math.nan
    if isinstance(raw, bool):
        raise refuse(SOURCE, url, f"{where}: field 'value' is a boolean: {raw!r}")
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
    raise refuse(SOURCE, url, f"{where}: field 'value' is not a number: {raw!r}")


def _records_frame(
    rows: list[dict[str, Any]], indicator_code: str, vintage: str, url: str
) -> pd.DataFrame:
    out = []
    for i, rec in enumerate(rows):
        where = f"{indicator_code} record {i}"
        for name in ("countryiso3code", "date", "value"):
            if name not in rec:
                raise refuse(
                    SOURCE,
                    url,
                    f"{where}: missing field {name!r} (schema drift? fields: {sorted(rec)})",
                )
        iso3 = rec["countryiso3code"]
        if iso3 is None or iso3 == "":
            continue  # aggregates without an ISO3 code
        if not isinstance(iso3, str):
            raise refuse(SOURCE, url, f"{where}: field 'countryiso3code' is {iso3!r}")
        date = str(rec["date"]).strip()
        if not _YEAR_RE.match(date):
            raise refuse(
                SOURCE, url, f"{where}: field 'date' is not a year (YYYY): {rec['date']!r}"
            )
        indicator = rec.get("indicator")
        code = indicator.get("id") if isinstance(indicator, dict) else None
        value = _value(rec["value"], where, url)
        out.append(
            {
                "country_iso3": iso3.upper(),
                "indicator_code": code or indicator_code,
                "year": int(date),
                "value": value,
                "value_flag": NOT_PUBLISHED if math.isnan(value) else None,
                "vintage": vintage,
            }
        )
    frame = pd.DataFrame(out, columns=COLUMNS)
    # `string` dtype: a missing flag is <NA>, which lands in DuckDB as NULL (never the text "nan").
    return frame.astype({"year": "int64", "value": "float64", "value_flag": "string"})
