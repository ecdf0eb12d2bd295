"""World Bank Projects API and IATI Datastore on the replay server (moved from the live-mode
test; the projects family may reshape them).

- World Bank Projects (`worldbank_projects`): the REAL recorded project records in
  tests/fixtures (CC BY 4.0), one page per country (`countrycode_exact`), in the v2 page shape
  (`os`, `page`, `total` as strings, `projects` keyed by id; docs/DOMAIN.md §4.2).
- IATI (`iati`): SYNTHETIC activities (identifiers start with XX-SYNTHETIC), cursor-paged like
  Solr (`cursorMark`, `nextCursorMark`), the subscription key checked (401 body as the real
  gateway's).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from werkzeug import Request, Response

from tests.helpers.pipeline import IATI_PREFIX, WBP_PATH
from tests.helpers.replay import ReplayServer

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "worldbank_projects_records_asean.json"
RECORDS = json.loads(FIXTURE.read_text(encoding="utf-8"))
IATI_KEY = "test-subscription-key"

IATI_DOCS = [
    {
        "id": "synthetic-1",
        "iati_identifier": "XX-SYNTHETIC-0001",
        "title_narrative": ["SYNTHETIC test activity: Battambang drainage (not a real activity)"],
        "description_narrative": ["Synthetic document served by the test's fake IATI Datastore."],
        "reporting_org_ref": "XX-SYNTHETIC-ORG",
        "reporting_org_narrative": ["Synthetic Development Agency"],
        "participating_org_ref": ["XX-SYNTHETIC-ORG"],
        "participating_org_narrative": ["Synthetic Development Agency"],
        "recipient_country_code": ["KH"],
        "sector_code": ["14022"],
        "sector_vocabulary": ["1"],
        "activity_status_code": 2,
        "activity_date_type": ["1", "2"],
        "activity_date_iso_date": ["2024-01-01T00:00:00Z", "2024-03-01T00:00:00Z"],
        "budget_value": [400000, 600000],
        "budget_value_currency": ["USD", "USD"],
        "default_currency": "USD",
        "location_name_narrative": ["Battambang"],
    },
    {
        "id": "synthetic-2",
        "iati_identifier": "XX-SYNTHETIC-0002",
        "title_narrative": ["SYNTHETIC test activity number two (not a real activity)"],
        "reporting_org_ref": "XX-SYNTHETIC-ORG",
        "reporting_org_narrative": ["Synthetic Development Agency"],
        "recipient_country_code": ["LA"],
        "sector_code": ["12220"],
        "sector_vocabulary": ["1"],
        "activity_status_code": 2,
        "default_currency": "USD",
    },
]
# cursorMark paging: "*" -> page 1 (doc 1), "AoE1" -> page 2 (doc 2), "AoE2" -> no docs, and
# nextCursorMark equal to the cursor sent, which ends the paging.
IATI_PAGES = {
    "*": ([IATI_DOCS[0]], "AoE1"),
    "AoE1": ([IATI_DOCS[1]], "AoE2"),
    "AoE2": ([], "AoE2"),
}


@dataclass
class ProjectsReplay:
    """World Bank Projects API v2 at `path` of a replay server."""

    replay: ReplayServer
    path: str = WBP_PATH

    def __post_init__(self) -> None:
        self.replay.route("worldbank_projects", self.path, self.handle)

    def handle(self, request: Request) -> Response:
        country = request.args.get("countrycode_exact", "")
        offset = int(request.args.get("os", "0"))
        records = [r for r in RECORDS if r["countrycode"] == country] if offset == 0 else []
        body = {
            "rows": int(request.args.get("rows", "10")),
            "os": str(offset),
            "page": "1",
            "total": str(sum(r["countrycode"] == country for r in RECORDS)),
            "projects": {r["id"]: r for r in records},
        }
        return Response(json.dumps(body), content_type="application/json")


@dataclass
class IatiReplay:
    """IATI Datastore `activity/select` under `prefix` of a replay server."""

    replay: ReplayServer
    prefix: str = IATI_PREFIX

    def __post_init__(self) -> None:
        self.replay.route("iati", self.prefix + "/activity/select", self.handle)

    def handle(self, request: Request) -> Response:
        if request.headers.get("Ocp-Apim-Subscription-Key") != IATI_KEY:
            body = {
                "statusCode": 401,
                "message": "Access denied due to missing subscription key. Make sure to include "
                "subscription key when making requests to an API.",
            }
            return Response(json.dumps(body), status=401, content_type="application/json")
        docs, next_cursor = IATI_PAGES[request.args.get("cursorMark", "")]
        body = {
            "responseHeader": {"status": 0, "QTime": 3, "params": dict(request.args)},
            "response": {"numFound": len(IATI_DOCS), "start": 0, "numFoundExact": True,
                         "docs": docs},
            "nextCursorMark": next_cursor,
        }  # fmt: skip
        return Response(json.dumps(body), content_type="application/json")
