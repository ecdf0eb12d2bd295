"""Landing the project registers as `raw.project_register` (see `register_batch` for the rules).

What the landing's version covers: the name and sha256 of every register file, the inbox's
markers and files not read (names), and the reference lists the rows are checked against
(ISO 4217 codes, countries, focus areas, sector map); the registry comes in as the upstream
`staging/reference`. A file that vanished and came back unchanged changes the version twice,
so it is read again.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from assets.projects.lookups import Lookups, currencies_file, load_lookups, sector_map_file
from assets.projects.project_register import read_project_register
from assets.projects.register import Limits
from assets.projects.register_batch import (
    MARK_COLUMNS,
    REGISTER_DOC,
    Batch,
    combine,
    feedback_markdown,
    load_store,
    read_each,
    save_store,
)
from assets.projects.schema import (
    CONFORMED_DATES,
    CONFORMED_LISTS,
    SOURCE_REGISTER,
    fetch_frame,
    typed,
)
from assets.projects.sources import RegisterListing
from pipelines.framework.landing import Payload, file_digests, land
from pipelines.settings import Settings
from warehouse.db import file_feedback


def reference_files(settings: Settings) -> list[Path]:
    """The reference lists a register row is checked against (part of the landing's version)."""
    ref = settings.reference_dir
    return [
        currencies_file(settings),
        ref / "countries.csv",
        ref / "focus_areas.csv",
        sector_map_file(settings),
    ]


def register_payload(settings: Settings, listing: RegisterListing) -> Payload:
    data = b"\n".join(
        [
            file_digests(listing.files),
            listing.scan.fingerprint(),
            file_digests(reference_files(settings)),
        ]
    )
    return Payload(SOURCE_REGISTER, ";".join(str(p) for p in listing.files), data)


def read_registers(
    listing: RegisterListing,
    lookups: Lookups,
    store: pd.DataFrame,
    *,
    limits: Limits | None = None,
    today: date | None = None,
) -> Batch:
    """Read every register of `listing` on its own and combine them with the `store` of last
    good versions (no warehouse needed: what the tests of the bad-input corpus call)."""
    reads = read_each(listing.files, lambda p: read_project_register(p, lookups, limits=limits))
    return combine(
        reads,
        store,
        bundled={str(p) for p in listing.bundled},
        inbox=listing.inbox_dir,
        removed=listing.scan.removed_names(),
        skipped=listing.scan.skipped,
        known_cities=set(lookups.cities.ids.values()),
        today=today or datetime.now(UTC).date(),
    )


def land_registers(
    context: dg.AssetExecutionContext,
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    listing: RegisterListing,
    today: date | None = None,
) -> dg.MaterializeResult:
    """Read every register on its own, keep last good versions, record the per-file feedback."""
    found: dict[str, Batch] = {}

    def parse() -> tuple[pd.DataFrame, pd.DataFrame]:
        cities = fetch_frame(con, "select * from staging.cities")
        batch = read_registers(
            listing,
            load_lookups(settings, cities),
            load_store(con),
            limits=Limits.of(settings),
            today=today,
        )
        for warning in batch.warnings:
            context.log.warning(f"project register: {warning}")
        save_store(con, batch.store)
        file_feedback(con, batch.feedback, source=SOURCE_REGISTER, run_id=context.run.run_id)
        found["batch"] = batch
        rows = batch.rows.astype({MARK_COLUMNS[0]: "bool"})
        dates = (*CONFORMED_DATES, MARK_COLUMNS[1])
        return typed(rows, CONFORMED_LISTS, dates), batch.rejects

    def report() -> dict[str, dg.MetadataValue]:
        batch = found["batch"]
        statuses = batch.feedback["status"].value_counts().to_dict()
        kept = int(batch.rows[MARK_COLUMNS[0]].astype(bool).sum())
        return {
            "file_feedback": dg.MetadataValue.md(feedback_markdown(batch.feedback)),
            "files_by_status": dg.MetadataValue.json({k: int(v) for k, v in statuses.items()}),
            "rows_from_last_good_version": dg.MetadataValue.int(kept),
            "warnings": dg.MetadataValue.json(batch.warnings),
        }

    return land(
        context,
        con,
        table="project_register",
        payload=register_payload(settings, listing),
        parse=parse,
        metadata={"files": dg.MetadataValue.json([p.name for p in listing.files])},
        report=report,
        doc=REGISTER_DOC,
    )
