"""Where the World Bank national series come from: the bundled snapshots or the live API.

One interface, `WorldBankIndicatorsSource.fetch()`, answers with a `Delivery`: the payload (its
identity and bytes, for lineage and change detection) and a function that turns it into rows of
``raw.worldbank_indicators``. Two implementations: `BundledWorldBankIndicators` (the files in
``data/sources/worldbank/``) and `LiveWorldBankIndicators` (the Indicators API v2 client). The
factory `worldbank_indicators_source` picks one from the settings, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pandas as pd

from assets.population.national import read_national_snapshot
from assets.population.worldbank_api import SOURCE, WorldBankClient
from assets.reference.countries import asean_iso3
from pipelines.framework.csv_text import read_csv_text, require_columns
from pipelines.framework.http import SourceError, Traffic, http_client
from pipelines.framework.landing import Delivery, Payload, file_bytes
from pipelines.settings import Settings

#: years asked from the live API (the bundled files hold what they hold)
LIVE_DATES = "2000:2030"


class WorldBankIndicatorsSource(Protocol):
    def fetch(self) -> Delivery:
        """The national series: columns country_iso3, indicator_code, year, value, value_flag,
        vintage, source_file."""
        ...

    @property
    def traffic(self) -> Traffic | None:
        """Requests and bytes this source cost so far (None: no network)."""
        ...


@dataclass(frozen=True)
class BundledWorldBankIndicators:
    """The snapshot files bundled in the repository (see data/SOURCES.md)."""

    folder: Path
    catalogue: Path

    def fetch(self) -> Delivery:
        files = sorted(p for p in self.folder.iterdir() if p.suffix in {".csv", ".json"})
        payload = Payload(
            SOURCE, str(self.folder), file_bytes(files), "bundled snapshots (see data/SOURCES.md)"
        )
        return Delivery(payload, self._read)

    @property
    def traffic(self) -> Traffic | None:
        return None

    def _read(self) -> pd.DataFrame:
        frame = read_national_snapshot(self.folder, self.catalogue)
        # The snapshot readers drop empty values, so every bundled row is a published value.
        flag = pd.Series(pd.NA, index=frame.index, dtype="string")
        frame.insert(frame.columns.get_loc("value") + 1, "value_flag", flag)
        return frame


@dataclass(frozen=True)
class LiveWorldBankIndicators:
    """The World Bank Indicators API v2: one request series per catalogued series."""

    client: WorldBankClient
    url: str  # the API base URL as configured: the lineage of every landed row
    catalogue: Path
    countries: list[str]

    def fetch(self) -> Delivery:
        series = read_csv_text(self.catalogue)
        require_columns(series, ["indicator_code", "api_code"], self.catalogue)
        # `api_code` is what the API serves; `indicator_code` is how we store it. The API's
        # current NY.GDP.PCAP.PP.KD is the 2021-PPP edition (WDI moved to ICP 2021 in 2024); the
        # 2011-PPP edition exists only in the bundled snapshot, so it has no api_code.
        pairs = series[series["api_code"] != ""].drop_duplicates("indicator_code")
        frames, errors = [], []
        for code, api_code in sorted(zip(pairs["indicator_code"], pairs["api_code"], strict=True)):
            # One failing series does not stop the others: their answers are kept, so the
            # retry (or the next run) asks only for the failed ones, and one run names them all.
            try:
                series_ = self.client.fetch_indicator(api_code, self.countries, date=LIVE_DATES)
            except SourceError as exc:
                errors.append(exc)
                continue
            frames.append(
                series_.records.assign(
                    indicator_code=code, source_file=f"{self.url}/country/.../indicator/{api_code}"
                )
            )
        if errors:
            raise SourceError(
                SOURCE,
                self.url,
                f"{len(errors)} of {len(frames) + len(errors)} series failed: "
                + " | ".join(f"{e.url}: {e.detail}" for e in errors),
                status=errors[0].status if len(errors) == 1 else None,
                permanent=all(e.permanent for e in errors),
            )
        frame = pd.concat(frames, ignore_index=True)
        vintages = ",".join(sorted(frame["vintage"].dropna().unique()))
        payload = Payload(SOURCE, self.url, frame.to_csv(index=False).encode(), vintages)
        return Delivery(payload, lambda: frame)

    @property
    def traffic(self) -> Traffic | None:
        return self.client.http.traffic


def worldbank_indicators_source(settings: Settings) -> WorldBankIndicatorsSource:
    """The live API when ``ASCN_MODE=live``, else the bundled snapshot files."""
    catalogue = settings.catalogue_dir / "national_series.csv"
    if not settings.live:
        return BundledWorldBankIndicators(settings.sources_dir / "worldbank", catalogue)
    http = http_client(settings, SOURCE)  # timeout, retries, contact, kept answers
    url = settings.worldbank_api_url
    return LiveWorldBankIndicators(WorldBankClient(url, http), url, catalogue, asean_iso3(settings))
