"""Keeping the build file sound: set a damaged one aside, clean what killed runs left, and carry
over what the sources cannot give back.

* A build file DuckDB cannot open (a run killed mid-write, a bad disk), or one a step found
  damaged while reading it (a block whose checksum fails: `mark_damaged` leaves a `DAMAGED` note
  beside it), is renamed `<name>.damaged-<UTC time>` with its WAL (kept for inspection, never
  deleted) and the run starts from an empty build file, rebuilding every layer from the sources.
* What killed runs left beside the published file (temporary copies and their WAL, a Parquet
  folder being written) and DuckDB's spill files are removed when a run starts; the run holds
  `run.lock`, so no live run owns them.
* The last good rows of the registers (`warehouse.db.CARRIED_OVER`) cannot be re-read from
  files that have since turned bad: an empty build file gets them back from the published file.
"""

from __future__ import annotations

import logging
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb

from warehouse.db import CARRIED_OVER, checked_identifier, describe_table, table_doc, table_exists
from warehouse.publish import remove_leftovers

Log = logging.Logger | dg.DagsterLogManager
DAMAGED_NOTE = "DAMAGED"
# Messages of DuckDB errors that mean the file itself is damaged, not the query.
DAMAGE_SIGNS = (
    "Corrupt database file",
    "checksum",
    "invalidated because of a previous fatal error",
    "Could not read enough bytes",
)


def is_damage(exc: BaseException) -> bool:
    return isinstance(exc, duckdb.Error) and any(s in str(exc) for s in DAMAGE_SIGNS)


def mark_damaged(build: Path, exc: BaseException, published: Path) -> str:
    """Note that a step found `build` damaged; returns the message for the failed step."""
    (build.parent / DAMAGED_NOTE).write_text(f"{datetime.now(UTC).isoformat()} {exc}\n")
    return (
        f"build file {build} is damaged ({exc}). Nothing to delete by hand: the next run sets "
        f"it aside as {build.name}.damaged-<time> and rebuilds every layer from the sources; "
        f"the published file {published} is untouched"
    )


def _unreadable(build: Path) -> str | None:
    """Why DuckDB cannot open `build` (None: it opens, or another program holds it)."""
    try:
        duckdb.connect(str(build)).close()
    except duckdb.Error as exc:
        message = str(exc)
        if "Could not set lock" in message or "Conflicting lock" in message:
            return None  # held open by another program: the normal connect waits for it
        return message
    return None


def _damaged_block(build: Path) -> str | None:
    """Read every column of every table of `build`; the damage found, if any."""
    con = duckdb.connect(str(build))
    try:
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where database_name = current_database()"
        ).fetchall()
        for schema, table in tables:
            try:
                name = checked_identifier(f"{schema}.{table}")
            except ValueError:
                continue  # not one of ours: no name outside the allow-list goes into SQL
            try:
                con.execute(f"select max(hash(columns(*))) from {name}").fetchall()  # noqa: S608
            except duckdb.Error as exc:
                if is_damage(exc):
                    return f"{name}: {exc}"
    finally:
        con.close()
    return None


def set_aside_damaged_build(build: Path, log: Log) -> Path | None:
    """Rename an unreadable or damaged build file (and its WAL) with a timestamp; the path it
    was set aside as, or None when it is sound (or absent, or held open by another program).

    Probed with a plain `duckdb.connect`, not `DuckDBResource`, which retries an IOException for
    about 100 s."""
    note = build.parent / DAMAGED_NOTE
    if not build.exists():
        note.unlink(missing_ok=True)
        return None
    if note.exists():
        # A step saw a damaged block; the block may also have been in another file it read
        # (the published copy), so the whole build file is read before it is set aside.
        why = _unreadable(build) or _damaged_block(build)
        note.unlink()
        if why is None:
            log.info(f"build file {build} reads whole: the damage a step reported was elsewhere")
            return None
    else:
        why = _unreadable(build)
    if why is None:
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    aside = build.with_name(f"{build.name}.damaged-{stamp}")
    os.replace(build, aside)
    wal = build.with_name(build.name + ".wal")
    if wal.exists():
        os.replace(wal, aside.with_name(aside.name + ".wal"))
    note.unlink(missing_ok=True)
    log.warning(
        f"build file {build} is unreadable or damaged ({why}); set aside as {aside} (not "
        "deleted: remove it once you no longer need it) and rebuilding every layer from the "
        "sources"
    )
    return aside


def clean_leftovers(build: Path, published: Path, log: Log) -> None:
    """Remove what killed runs left: temporary publish copies, their WAL, half-written Parquet
    folders, DuckDB spill files."""
    removed = remove_leftovers(published)
    spill = build.parent / "spill"
    if spill.is_dir() and any(spill.iterdir()):
        shutil.rmtree(spill, ignore_errors=True)
        removed.append(spill)
    if removed:
        log.info(f"removed what a killed run left: {', '.join(p.name for p in removed)}")


def carry_over(con: duckdb.DuckDBPyConnection, published: Path, log: Log) -> None:
    """Copy `CARRIED_OVER` tables missing from the build file from the published file."""
    missing = [t for t in CARRIED_OVER if not table_exists(con, t)]
    if not missing or not published.is_file():
        return
    try:
        path = str(published).replace("'", "''")  # ATTACH takes no bound parameter
        con.execute(f"attach '{path}' as carried (read_only)")  # noqa: S608
    except duckdb.Error as exc:
        log.warning(f"could not read {published} to carry over {', '.join(missing)}: {exc}")
        return
    try:
        for table in missing:
            schema, name = checked_identifier(table).split(".")
            found = con.execute(
                "select count(*) from duckdb_tables() where database_name = 'carried' "
                "and schema_name = $s and table_name = $t",
                {"s": schema, "t": name},
            ).fetchall()[0][0]
            if found:
                con.execute(f"create table {table} as select * from carried.{table}")  # noqa: S608
                describe_table(con, table, table_doc(con, table, "carried"))
                log.info(f"{table} carried over from the published file {published}")
    finally:
        con.execute("detach database if exists carried")
