"""World Bank Indicators API v2 on the replay server (source id `worldbank_indicators`).

Answers like the real API (docs/DOMAIN.md §4.1, /tmp/research/apis.md §2): `[meta, records]`
paged by the `per_page` and `page` asked for, only the countries asked for (ISO3 or ISO2, `;`
joined), `date` ranges filtered; an unknown indicator or country gets the HTTP-200 error body
with id 120. Values are SYNTHETIC (`synthetic_value`), records otherwise in the real shape.

`validators=True` makes it send an ETag and Last-Modified and answer a matching conditional
request with 304 (the real API's use of validators is UNCONFIRMED; the option tests the client).
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import re
from dataclasses import dataclass, field

from werkzeug import Request, Response

from tests.helpers.answers import worldbank_error
from tests.helpers.pipeline import DATA, WB_PREFIX
from tests.helpers.replay import ReplayServer

SOURCE = "worldbank_indicators"

ASEAN = [  # (ISO3, ISO2, name) in the order assets.reference.countries.asean_iso3() gives them
    ("BRN", "BN", "Brunei Darussalam"),
    ("KHM", "KH", "Cambodia"),
    ("IDN", "ID", "Indonesia"),
    ("LAO", "LA", "Lao PDR"),
    ("MYS", "MY", "Malaysia"),
    ("MMR", "MM", "Myanmar"),
    ("PHL", "PH", "Philippines"),
    ("SGP", "SG", "Singapore"),
    ("THA", "TH", "Thailand"),
    ("VNM", "VN", "Viet Nam"),
]
ISO2 = {iso3: iso2 for iso3, iso2, _ in ASEAN}
NAMES = {iso3: name for iso3, _, name in ASEAN}
LASTUPDATED = "2026-10-28"  # served as `lastupdated`: the vintage of every series
YEARS = [2019, 2020, 2021, 2022, 2023]  # 2023 is served as null (not yet published)
LAST_MODIFIED = "Wed, 28 Oct 2026 06:00:00 GMT"


def live_series() -> list[tuple[str, str]]:
    """(stored indicator_code, api_code) of every series the live path asks the API for."""
    with open(DATA / "catalogue" / "national_series.csv", encoding="utf-8") as f:
        pairs = {(r["indicator_code"], r["api_code"]) for r in csv.DictReader(f) if r["api_code"]}
    return sorted(pairs)


def live_series_codes() -> list[str]:
    """API codes the live path requests (an edition-suffixed code maps to its plain API code)."""
    return sorted({api for _, api in live_series()})


def synthetic_value(code: str, iso3: str, year: int) -> float | None:
    """SYNTHETIC values: percent-like numbers in 20..70; population in millions; 2023 null."""
    if year == 2023:
        return None
    if code == "IT.NET.USER.ZS" and iso3 == "KHM" and year == 2022:
        return 61.25  # a value tests assert in marts.indicator_values
    i = [a[0] for a in ASEAN].index(iso3)
    if code == "SP.POP.TOTL":
        return float(1_000_000 * (i + 1) + (year - 2000))
    return round(20 + 5 * i + 0.5 * (year - 2019) + 0.01 * len(code), 2)


def record(code: str, iso3: str, year: int, value: float | None) -> dict:
    """One record in the API's shape (`country.id` is ISO2, `countryiso3code` ISO3)."""
    return {
        "indicator": {"id": code, "value": f"SYNTHETIC series {code}"},
        "country": {"id": ISO2.get(iso3, iso3[:2]), "value": NAMES.get(iso3, iso3)},
        "countryiso3code": iso3,
        "date": str(year),
        "value": value,
        "unit": "",
        "obs_status": "",
        "decimal": 1,
    }


def synthetic_records(code: str) -> list[dict]:
    """Every record of `code` for the ten ASEAN countries, newest year first (as the API)."""
    return [
        record(code, iso3, year, synthetic_value(code, iso3, year))
        for iso3, _, _ in ASEAN
        for year in sorted(YEARS, reverse=True)
    ]


def page_answer(
    rows: list[dict], page: int, per_page: int, total: int, lastupdated: str = LASTUPDATED
) -> list:
    """`[meta, records]` of one page, meta as the current API sends it."""
    pages = max(1, math.ceil(total / per_page)) if total else 0
    meta = {
        "page": page,
        "pages": pages,
        "per_page": per_page,
        "total": total,
        "sourceid": "2",
        "sourcename": "World Development Indicators",
        "lastupdated": lastupdated,
    }
    return [meta, rows or None] if total == 0 else [meta, rows]


_PATH = re.compile(r"/country/([^/]+)/indicator/([^/]+)$")


@dataclass
class WorldBankReplay:
    """The Indicators API under `prefix` of a replay server, serving `series` (code -> records)."""

    replay: ReplayServer
    series: dict[str, list[dict]] = field(
        default_factory=lambda: {c: synthetic_records(c) for c in live_series_codes()}
    )
    prefix: str = WB_PREFIX
    lastupdated: str = LASTUPDATED
    validators: bool = False
    fail_all: Response | None = None  # when set, every request gets this answer

    def __post_init__(self) -> None:
        self.replay.route(SOURCE, re.compile("^" + re.escape(self.prefix) + "/.*"), self.handle)

    def url(self) -> str:
        return self.replay.url(self.prefix)

    def handle(self, request: Request) -> Response:
        if self.fail_all is not None:
            return self.fail_all
        m = _PATH.search(request.path)
        code = m.group(2) if m else ""
        if m is None or code not in self.series or request.args.get("format") != "json":
            return worldbank_error()
        asked = m.group(1).split(";")
        by_code = {c: c for c in (r["countryiso3code"] for r in self.series[code])}
        by_code.update({ISO2.get(c, ""): c for c in list(by_code)})
        if any(a not in by_code for a in asked):
            return worldbank_error()
        wanted = {by_code[a] for a in asked}
        rows = [r for r in self.series[code] if r["countryiso3code"] in wanted]
        date = request.args.get("date")
        if date:
            lo, _, hi = date.partition(":")
            rows = [r for r in rows if int(lo) <= int(r["date"]) <= int(hi or lo)]
        per_page = int(request.args.get("per_page", "50"))
        page = int(request.args.get("page", "1"))
        chunk = rows[(page - 1) * per_page : page * per_page]
        body = json.dumps(page_answer(chunk, page, per_page, len(rows), self.lastupdated))
        headers: dict[str, str] = {}
        if self.validators:
            etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:16] + '"'
            headers = {"ETag": etag, "Last-Modified": LAST_MODIFIED}
            if request.headers.get("If-None-Match") == etag:
                return Response(status=304, headers=headers)
        return Response(body, headers=headers, content_type="application/json;charset=utf-8")

    def asked(self) -> list[tuple[str, int]]:
        """(indicator code, page) of every request served so far, in order."""
        out = []
        for served in self.replay.requests(SOURCE):
            m = re.search(r"/indicator/([^/?]+)\?.*\bpage=(\d+)", served.path)
            if m:
                out.append((m.group(1), int(m.group(2))))
        return out
