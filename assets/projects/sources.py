"""Where projects come from, offline or live, chosen once from the settings.

* World Bank Projects (`raw.worldbank_projects`): `WorldBankProjectsSource.fetch(countries)`,
  answered by `BundledWorldBankProjects` (offline: the bundled export of 2013 records,
  data/sources/projects/) or `LiveWorldBankProjects` (the Projects API client). Both go through
  the one parser, `worldbank_projects_api.parse_projects_payload`.
* IATI Datastore (`raw.iati_activities`): `IatiSource.fetch(countries)`, answered by
  `LiveIati` (the Datastore client, needs `IATI_API_KEY`) or `NoIatiSnapshot` (offline: there
  is no bundled IATI snapshot, so no activity).
* Registers are files in both modes: the bundled documented projects plus every register in
  the inbox (`register_files`), and the company registers (`company_files`).

Each fetch answers with a `Delivery`: the payload (identity and bytes, for lineage and change
detection) and a function that reads it into rows, run only when the payload changed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pandas as pd

from assets.projects import iati_api, worldbank_projects_api
from assets.projects.iati_api import IatiClient
from assets.projects.worldbank_projects_api import WorldBankProjectsClient, parse_projects_payload
from pipelines.framework import inbox
from pipelines.framework.http import HttpClient
from pipelines.framework.landing import Payload
from pipelines.settings import Settings

WORLDBANK_PROJECTS_FILE = "worldbank_projects_asean_2013.json"
DOCUMENTED_PROJECTS_FILE = "documented_city_projects.csv"
NO_IATI_SNAPSHOT = "offline: no IATI snapshot"


@dataclass(frozen=True)
class Delivery:
    """What a source delivered (`payload`) and how to read it into rows (`read`)."""

    payload: Payload
    read: Callable[[], pd.DataFrame]


class WorldBankProjectsSource(Protocol):
    def fetch(self, countries_iso2: Sequence[str]) -> Delivery:
        """World Bank projects in these countries: `worldbank_projects_api.COLUMNS` rows."""
        ...


class IatiSource(Protocol):
    def fetch(self, countries_iso2: Sequence[str]) -> Delivery:
        """IATI activities with these recipient countries: `iati_api.COLUMNS` rows."""
        ...


@dataclass(frozen=True)
class BundledWorldBankProjects:
    """The bundled export (a JSON list of the API's records, all ASEAN countries)."""

    path: Path

    def fetch(self, countries_iso2: Sequence[str]) -> Delivery:
        data, uri = self.path.read_bytes(), str(self.path)
        payload = Payload(worldbank_projects_api.SOURCE, uri, data)
        return Delivery(payload, lambda: parse_projects_payload(json.loads(data), uri))


@dataclass(frozen=True)
class LiveWorldBankProjects:
    """The World Bank Projects API: one paged query per country."""

    client: WorldBankProjectsClient
    url: str  # the API URL as configured: the lineage of every landed row

    def fetch(self, countries_iso2: Sequence[str]) -> Delivery:
        result = self.client.fetch_projects(list(countries_iso2))
        data = json.dumps(result.records, sort_keys=True).encode()
        return Delivery(
            Payload(worldbank_projects_api.SOURCE, self.url, data), lambda: result.frame
        )


@dataclass(frozen=True)
class LiveIati:
    """The IATI Datastore v3 (Solr), paged with a cursor."""

    client: IatiClient

    def fetch(self, countries_iso2: Sequence[str]) -> Delivery:
        frame = self.client.fetch_activities(list(countries_iso2))
        data = frame.to_csv(index=False).encode()
        return Delivery(Payload(iati_api.SOURCE, self.client.select_url, data), lambda: frame)


@dataclass(frozen=True)
class NoIatiSnapshot:
    """Offline: no IATI snapshot is bundled, so the source delivers no activity."""

    def fetch(self, countries_iso2: Sequence[str]) -> Delivery:
        frame = pd.DataFrame(columns=iati_api.COLUMNS)
        payload = Payload(iati_api.SOURCE, NO_IATI_SNAPSHOT, frame.to_csv(index=False).encode())
        return Delivery(payload, lambda: frame)


def _http(settings: Settings, source: str) -> HttpClient:
    return HttpClient(
        source=source, timeout_s=settings.http_timeout_s, max_retries=settings.http_max_retries
    )


def worldbank_projects_source(settings: Settings) -> WorldBankProjectsSource:
    """The live Projects API when ``ASCN_MODE=live``, else the bundled 2013 records."""
    if not settings.live:
        return BundledWorldBankProjects(settings.sources_dir / "projects" / WORLDBANK_PROJECTS_FILE)
    url = settings.worldbank_projects_api_url
    http = _http(settings, worldbank_projects_api.SOURCE)
    return LiveWorldBankProjects(WorldBankProjectsClient(url, http), url)


def iati_source(settings: Settings) -> IatiSource:
    """The live IATI Datastore when ``ASCN_MODE=live``, else no activity."""
    if not settings.live:
        return NoIatiSnapshot()
    http = _http(settings, iati_api.SOURCE)
    return LiveIati(IatiClient(settings.iati_api_url, http, settings.iati_api_key))


def register_files(settings: Settings) -> list[Path]:
    """Bundled documented projects first, then every register dropped in the inbox."""
    bundled = [settings.sources_dir / "projects" / DOCUMENTED_PROJECTS_FILE]
    return bundled + inbox.register_files(settings.inbox_dir)


def company_files(settings: Settings) -> list[Path]:
    """The company registers (data/companies/*.csv, then *.xlsx)."""
    folder = settings.data_dir / "companies"
    return sorted(folder.glob("*.csv")) + sorted(folder.glob("*.xlsx"))
