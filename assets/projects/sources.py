"""Where projects come from, offline or live, chosen once from the settings.

* World Bank Projects (`raw.worldbank_projects`): `WorldBankProjectsSource.fetch(countries)`,
  answered by `WorldBankProjectsExport` when ``ASCN_WORLDBANK_PROJECTS_EXPORT_DIR`` points at a
  downloaded projects-list export (in either mode: the user chose that file), else by
  `BundledWorldBankProjects` (offline: the bundled export of 2013 records, data/sources/projects/)
  or `LiveWorldBankProjects` (the Projects API client). The bundled and live records go through
  the one parser, `worldbank_records.parse_projects_payload`; the export files have their own
  reader (`worldbank_export.read_export`) giving the same rows.
* AidData GCDF 3.0 locations (`raw.aiddata_gcdf_locations`): `aiddata_source`, the files of
  ``ASCN_AIDDATA_GCDF_DIR``; nothing is bundled (not ours to copy), so offline there are none.
* IATI Datastore (`raw.iati_activities`): `IatiSource.fetch(countries)`, answered by
  `LiveIati` (the Datastore client, needs `IATI_API_KEY`) or `NoIatiSnapshot` (offline: there
  is no bundled IATI snapshot, so no activity).
* Registers are files in both modes: the bundled documented projects plus every register in
  the inbox (`register_files`), and the company registers (`company_files`).

Each fetch answers with a `Delivery`: the payload (identity and bytes, for lineage and change
detection) and a function that reads it into rows (and, for files, the rejected rows), run only
when the payload changed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pandas as pd

from assets.projects import aiddata, iati_api, iati_docs, worldbank_projects_api
from assets.projects.iati_api import IatiClient
from assets.projects.worldbank_export import export_as_of, export_files, read_export
from assets.projects.worldbank_projects_api import WorldBankProjectsClient
from assets.projects.worldbank_records import parse_projects_payload
from pipelines.framework import inbox
from pipelines.framework.http import HttpClient, http_client
from pipelines.framework.landing import Delivery, Payload, file_bytes
from pipelines.settings import Settings

WORLDBANK_PROJECTS_FILE = "worldbank_projects_asean_2013.json"
DOCUMENTED_PROJECTS_FILE = "documented_city_projects.csv"
NO_IATI_SNAPSHOT = "offline: no IATI snapshot"


class WorldBankProjectsSource(Protocol):
    def fetch(self, countries_iso2: Sequence[str]) -> Delivery:
        """World Bank projects in these countries: `worldbank_records.COLUMNS` rows."""
        ...


class IatiSource(Protocol):
    def fetch(self, countries_iso2: Sequence[str]) -> Delivery:
        """IATI activities with these recipient countries: `iati_docs.COLUMNS` rows."""
        ...


@dataclass(frozen=True)
class BundledWorldBankProjects:
    """The bundled export (a JSON list of the API's records, all ASEAN countries)."""

    path: Path

    def fetch(self, countries_iso2: Sequence[str]) -> Delivery:
        data, uri = self.path.read_bytes(), str(self.path)
        # Each record's status holds as of its export date (its ObjectId), 2013-12-18.
        payload = Payload(worldbank_projects_api.SOURCE, uri, data, "records exported 2013-12-18")
        return Delivery(payload, lambda: parse_projects_payload(json.loads(data), uri))


@dataclass(frozen=True)
class WorldBankProjectsExport:
    """A downloaded projects-list export: the CSV files of one folder (`worldbank_export`)."""

    folder: Path
    as_of: str | None  # ASCN_WORLDBANK_PROJECTS_EXPORT_AS_OF
    iso2_of_name: dict[str, str]  # folded country name -> ISO2 (the export has no codes)

    def fetch(self, countries_iso2: Sequence[str]) -> Delivery:
        files = export_files(self.folder)
        vintage = f"projects-list export as of {export_as_of(files, self.as_of).isoformat()}"
        paths = sorted(files.values())
        payload = Payload(
            worldbank_projects_api.SOURCE, str(self.folder), file_bytes(paths), vintage
        )

        def parse() -> tuple[pd.DataFrame, pd.DataFrame]:
            return read_export(self.folder, self.as_of, self.iso2_of_name)

        return Delivery(payload, lambda: parse()[0], parse)


@dataclass(frozen=True)
class LiveWorldBankProjects:
    """The World Bank Projects API: one paged query per country."""

    client: WorldBankProjectsClient
    url: str  # the API URL as configured: the lineage of every landed row

    def fetch(self, countries_iso2: Sequence[str]) -> Delivery:
        result = self.client.fetch_projects(list(countries_iso2))
        data = json.dumps(result.records, sort_keys=True).encode()
        vintage = f"Projects API, retrieved {result.retrieved_on.isoformat()}"
        return Delivery(
            Payload(worldbank_projects_api.SOURCE, self.url, data, vintage), lambda: result.frame
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
        frame = pd.DataFrame(columns=iati_docs.COLUMNS)
        payload = Payload(iati_api.SOURCE, NO_IATI_SNAPSHOT, frame.to_csv(index=False).encode())
        return Delivery(payload, lambda: frame)


def _http(settings: Settings, source: str) -> HttpClient:
    """Timeout, retries, the contact in the User-Agent, and kept answers (a retry or the next
    night asks again only for what failed or is stale)."""
    return http_client(settings, source)


def worldbank_projects_source(
    settings: Settings, iso2_of_name: dict[str, str] | None = None
) -> WorldBankProjectsSource:
    """A downloaded export when ``ASCN_WORLDBANK_PROJECTS_EXPORT_DIR`` is set; else the live
    Projects API when ``ASCN_MODE=live``; else the bundled 2013 records."""
    if settings.worldbank_projects_export_dir is not None:
        return WorldBankProjectsExport(
            settings.worldbank_projects_export_dir,
            settings.worldbank_projects_export_as_of,
            iso2_of_name or {},
        )
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


def aiddata_source(settings: Settings) -> Delivery:
    """AidData GCDF 3.0 ADM1/ADM2 location files of ``ASCN_AIDDATA_GCDF_DIR``; none bundled."""
    folder = settings.aiddata_gcdf_dir
    paths = aiddata.location_files(folder) if folder is not None else []
    uri = str(folder) if folder is not None else aiddata.NOT_SUPPLIED
    payload = Payload(aiddata.SOURCE, uri, file_bytes(paths), aiddata.VINTAGE if paths else None)

    def parse() -> tuple[pd.DataFrame, pd.DataFrame]:
        return aiddata.read_locations(paths)

    return Delivery(payload, lambda: parse()[0], parse)


@dataclass(frozen=True)
class RegisterListing:
    """The register files of a run: the bundled documented projects, then the inbox's registers
    (`scan` also holds the `.removed` markers and the files not read, with why)."""

    bundled: list[Path]
    inbox_dir: Path
    scan: inbox.InboxScan

    @property
    def files(self) -> list[Path]:
        return self.bundled + self.scan.registers


def register_listing(settings: Settings) -> RegisterListing:
    """The registers to read; an inbox setting naming a missing folder raises
    `inbox.InboxMissingError` naming ``ASCN_INBOX_DIR`` and the path."""
    bundled = [settings.sources_dir / "projects" / DOCUMENTED_PROJECTS_FILE]
    found = inbox.scan(settings.inbox_dir)
    return RegisterListing(bundled, inbox.require_inbox(settings.inbox_dir), found)


def register_files(settings: Settings) -> list[Path]:
    """Bundled documented projects first, then every register dropped in the inbox."""
    return register_listing(settings).files


def company_files(settings: Settings) -> list[Path]:
    """The company registers (data/companies/*.csv, then *.xlsx)."""
    folder = settings.data_dir / "companies"
    return sorted(folder.glob("*.csv")) + sorted(folder.glob("*.xlsx"))
