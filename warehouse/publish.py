"""Publish the finished build as the analysts' file, atomically, plus a Parquet export.

Readers that already opened the old `ascn.duckdb` keep it (the inode stays alive); new readers see
the new one. A crash before `os.replace` leaves the published file untouched; a temporary file
left behind by a killed run (`.ascn.duckdb.<pid>.tmp` and its `.tmp.wal`) is removed at the
start of the next run and by the next publish (`remove_leftovers`).

Each publication is recorded in the build file (`meta.publications`: run, time, sha256, size);
every run checks the published file against that record (`publication_problem`) and publishes
again when it is missing, damaged, replaced or does not open, even if nothing else changed.
"""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from warehouse.db import TableDoc, describe_table, file_sha256, marts_tables

# Files readable by DuckDB 1.4 and later, so analysts' older CLIs and DBeaver drivers can open them.
STORAGE_VERSION = "v1.4.0"
READ_ONLY = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH


@dataclass(frozen=True)
class Publication:
    database: Path
    parquet_dir: Path
    tables: dict[str, int]  # "schema.table" -> rows, for every published mart
    published_at: datetime


# meta.publication is the one table made in the published file itself.
PUBLICATION_DOC = TableDoc(
    "This file's publication: the run that published it, when, and the DuckDB and storage "
    "versions it was written with (one row).",
    {
        "run_id": "Dagster run that published this file",
        "published_at": "When this file was published",
        "duckdb_version": "DuckDB version that wrote it",
        "storage_version": "DuckDB storage version of the file (the oldest DuckDB that reads it)",
    },
)


def publish(
    con: duckdb.DuckDBPyConnection, published_db: Path, parquet_dir: Path, run_id: str
) -> Publication:
    """Copy the build database (`con`'s) to `published_db` and export `marts` to `parquet_dir`."""
    published_db.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(published_db)
    tmp = published_db.parent / f".{published_db.name}.{os.getpid()}.tmp"
    published_at = datetime.now(UTC)
    try:
        con.execute("checkpoint")
        build_name = _ident(con.execute("select current_database()").fetchall()[0][0])
        con.execute(
            f"attach '{_quoted(tmp)}' as pub (storage_version '{STORAGE_VERSION}')"  # noqa: S608
        )
        con.execute(f"copy from database {build_name} to pub")  # noqa: S608
        con.execute(
            """
            create or replace table pub.meta.publication as
            select $run_id as run_id, $published_at::timestamptz as published_at,
                   $duckdb_version as duckdb_version, $storage as storage_version
            """,
            {
                "run_id": run_id,
                "published_at": published_at,
                "duckdb_version": duckdb.__version__,
                "storage": STORAGE_VERSION,
            },
        )
        describe_table(con, "meta.publication", PUBLICATION_DOC, database="pub")
        tables = {
            f"marts.{name}": con.execute(
                f"select count(*) from pub.marts.{_ident(name)}"  # noqa: S608
            ).fetchall()[0][0]
            for name in marts_tables(con, "pub")
        }
    finally:
        con.execute("detach database if exists pub")
    _fsync(tmp)
    os.chmod(tmp, READ_ONLY)
    os.replace(tmp, published_db)
    _fsync(published_db.parent, os.O_DIRECTORY)
    tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
    con.execute(
        "insert into meta.publications values ($r, $t, $p, $h, $b)",
        {
            "r": run_id,
            "t": published_at,
            "p": str(published_db),
            "h": file_sha256(published_db),
            "b": published_db.stat().st_size,
        },
    )
    export_parquet(published_db, parquet_dir)
    return Publication(published_db, parquet_dir, tables, published_at)


def remove_leftovers(published_db: Path) -> list[Path]:
    """Delete what a killed publish left beside the published file (temporary copies and their
    WAL; the Parquet folder being written). Only one run writes at a time (`run.lock`), so no
    live publish owns them. A Parquet folder caught half-way through its swap is restored."""
    folder = published_db.parent
    removed = [
        p
        for pattern in (f".{published_db.name}.*.tmp", f".{published_db.name}.*.tmp.wal")
        for p in folder.glob(pattern)
    ]
    for path in removed:
        path.unlink(missing_ok=True)
    parquet = folder / "parquet"
    old, new = parquet.with_name("parquet.old"), parquet.with_name("parquet.new")
    if new.exists():
        shutil.rmtree(new, ignore_errors=True)
        removed.append(new)
    if old.exists() and not parquet.exists():
        os.replace(old, parquet)  # killed between the two renames: the old export is whole
    elif old.exists():
        shutil.rmtree(old, ignore_errors=True)
        removed.append(old)
    return removed


def publication_problem(con: duckdb.DuckDBPyConnection, published_db: Path) -> str | None:
    """Why the published file does not match the last publication recorded in the build file
    (None: it does). Opens it read-only, as an analyst would."""
    rows = con.execute(
        "select run_id, sha256 from meta.publications where path = $p "
        "order by published_at desc limit 1",
        {"p": str(published_db)},
    ).fetchall()
    if not rows:
        return f"no publication of {published_db} is recorded in the build file"
    run_id, sha = rows[0]
    if not published_db.is_file():
        return f"the published file {published_db} is missing"
    now = file_sha256(published_db)
    if now != sha:
        return (
            f"the published file {published_db} differs from its recorded publication "
            f"(sha256 {now[:12]}... instead of {sha[:12]}...): damaged or replaced"
        )
    try:
        check = duckdb.connect(str(published_db), read_only=True)
        try:
            found = check.execute("select run_id from meta.publication").fetchall()
        finally:
            check.close()
    except duckdb.Error as exc:
        return f"the published file {published_db} does not open ({exc})"
    if not found or found[0][0] != run_id:
        return f"the published file {published_db} is not the publication of run {run_id}"
    return None


def export_parquet(published_db: Path, parquet_dir: Path) -> None:
    """One Parquet file per marts table, swapped in as a whole folder."""
    staging = staged_folder(parquet_dir)
    con = duckdb.connect(str(published_db), read_only=True)
    try:
        for name in marts_tables(con):
            target = staging / f"{name}.parquet"
            _write_described_parquet(con, name, target)
            os.chmod(target, READ_ONLY)
    finally:
        con.close()
    swap_in(staging, parquet_dir)


def staged_folder(folder: Path) -> Path:
    """An empty `<folder>.new` to write a whole output folder into before `swap_in`."""
    staging = folder.with_name(folder.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    return staging


def swap_in(staging: Path, folder: Path) -> None:
    """Replace `folder` by `staging` as a whole: readers see the old folder or the new one. A kill
    between the two renames leaves `<folder>.old` whole (`remove_leftovers` puts it back)."""
    old = folder.with_name(folder.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        os.replace(folder, old)
    os.replace(staging, folder)
    shutil.rmtree(old, ignore_errors=True)


def _write_described_parquet(con: duckdb.DuckDBPyConnection, name: str, target: Path) -> None:
    """marts.<name> as Parquet, each column's COMMENT ON as its field metadata `description` and
    the table's comment in the file metadata: Parquet readers see the data dictionary too."""
    table = con.sql(f"select * from marts.{_ident(name)}").arrow()  # noqa: S608
    if isinstance(table, pa.RecordBatchReader):
        table = table.read_all()
    comments = dict(
        con.execute(
            "select column_name, comment from duckdb_columns() "
            "where schema_name = 'marts' and table_name = $t",
            {"t": name},
        ).fetchall()
    )
    described = [
        field.with_metadata({"description": comments[field.name]})
        if comments.get(field.name)
        else field
        for field in table.schema
    ]
    table_comment = con.execute(
        "select comment from duckdb_tables() where schema_name = 'marts' and table_name = $t",
        {"t": name},
    ).fetchall()
    file_meta = {"table": f"marts.{name}"}
    if table_comment and table_comment[0][0]:
        file_meta["description"] = table_comment[0][0]
    schema = pa.schema(described, metadata=file_meta)
    pq.write_table(table.cast(schema), target)


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"unexpected table name {name!r}")
    return name


def _quoted(path: Path) -> str:
    # Paths cannot be bound as parameters in ATTACH/COPY; escape the only special character.
    return str(path).replace("'", "''")


def _fsync(path: Path, flags: int = os.O_RDONLY) -> None:
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
