"""Self-repair: the published file checked against its recorded publication, a damaged build file
set aside and rebuilt, leftovers of killed runs cleaned, last good register rows carried over,
change detection over what each build read, settings validated with the variable's name.

Real DuckDB files in tmp folders, the real resource and framework functions; nothing mocked.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.framework import reads
from pipelines.framework.build_file import DAMAGED_NOTE, set_aside_damaged_build
from pipelines.framework.versions import build_if_changed
from pipelines.resources import WarehouseResource
from pipelines.settings import Settings
from warehouse.db import run_sql_file
from warehouse.publish import publication_problem, publish

LOG = logging.getLogger("test")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _build(path: Path, rows: int = 300_000) -> None:
    con = duckdb.connect(str(path))
    run_sql_file(con, "schema.sql")
    con.execute("create schema if not exists marts")
    con.execute(
        "create table marts.t as select range as x, 'row ' || range as y from range($n)",
        {"n": rows},
    )
    con.execute("checkpoint")
    con.close()


def _damage_block(path: Path) -> None:
    """Overwrite data in the middle of the file (a block whose checksum then fails)."""
    size = path.stat().st_size
    with path.open("r+b") as f:
        f.seek(size // 2)
        f.write(os.urandom(256 * 1024))


# ----------------------------------------------------------------------------- published file
@pytest.fixture
def published(tmp_path: Path) -> tuple[duckdb.DuckDBPyConnection, Path]:
    build = tmp_path / "build.duckdb"
    _build(build, rows=1000)
    con = duckdb.connect(str(build))
    publish(con, tmp_path / "ascn.duckdb", tmp_path / "parquet", "run-1")
    yield con, tmp_path / "ascn.duckdb"
    con.close()


def test_a_sound_publication_has_no_problem(published) -> None:
    con, db = published
    assert publication_problem(con, db) is None


def test_a_damaged_published_file_is_a_problem(published) -> None:
    con, db = published
    db.chmod(0o644)
    with db.open("r+b") as f:
        f.seek(5000)
        f.write(b"garbage")
    problem = publication_problem(con, db)
    assert problem and "differs from its recorded publication" in problem and "damaged" in problem


def test_a_missing_or_foreign_published_file_is_a_problem(published, tmp_path: Path) -> None:
    con, db = published
    db.unlink()
    assert "is missing" in publication_problem(con, db)
    other = tmp_path / "other.duckdb"
    _build(other, rows=10)
    os.replace(other, db)  # someone copied another file over it
    assert "differs from its recorded publication" in publication_problem(con, db)


def test_no_recorded_publication_is_a_problem(tmp_path: Path) -> None:
    build = tmp_path / "build.duckdb"
    _build(build, rows=1)
    con = duckdb.connect(str(build))
    try:
        assert "no publication" in publication_problem(con, tmp_path / "ascn.duckdb")
    finally:
        con.close()


def test_publish_removes_a_killed_runs_temp_copy_and_its_wal(published, tmp_path: Path) -> None:
    con, db = published
    leftovers = [tmp_path / ".ascn.duckdb.4242.tmp", tmp_path / ".ascn.duckdb.4242.tmp.wal"]
    for p in leftovers:
        p.write_bytes(b"half-written")
    publish(con, db, tmp_path / "parquet", "run-2")
    assert not any(p.exists() for p in leftovers)
    assert publication_problem(con, db) is None


# ----------------------------------------------------------------------------- build file
def test_a_step_finding_a_damaged_block_fails_saying_the_next_run_repairs_it(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    build_dir = tmp_path / "build"
    build_dir.mkdir()
    build = build_dir / "ascn_build.duckdb"
    _build(build)
    _damage_block(build)
    duckdb.connect(str(build)).close()  # it still opens: the damage shows only when read
    resource = WarehouseResource(output_dir=str(tmp_path))
    resource.setup_for_execution(dg.build_init_resource_context())
    try:
        with pytest.raises(dg.Failure) as failed, resource.connect() as con:
            con.execute("select sum(x), max(y) from marts.t").fetchall()
    finally:
        resource.teardown_after_execution(dg.build_init_resource_context())
    message = failed.value.description
    assert "is damaged" in message and "Nothing to delete by hand" in message
    assert "the next run sets it aside" in message
    assert (build_dir / DAMAGED_NOTE).exists()

    # The next run: the note is checked by reading the whole file, which is then set aside.
    damaged = sha256(build)
    resource = WarehouseResource(output_dir=str(tmp_path))
    resource.setup_for_execution(dg.build_init_resource_context())
    try:
        with resource.connect() as con:
            tables = con.execute("select count(*) from duckdb_tables() where schema_name = 'marts'")
            assert tables.fetchall() == [(0,)]  # a fresh build file
    finally:
        resource.teardown_after_execution(dg.build_init_resource_context())
    (aside,) = build_dir.glob("ascn_build.duckdb.damaged-*")
    assert sha256(aside) == damaged
    assert not (build_dir / DAMAGED_NOTE).exists()
    assert f"set aside as {aside}" in "".join(capfd.readouterr())


def test_a_damage_note_about_another_file_keeps_a_whole_build_file(tmp_path: Path) -> None:
    """A checksum error can come from the published copy a step attached: the build file is
    read whole before it is set aside, and kept when it reads."""
    build = tmp_path / "ascn_build.duckdb"
    _build(build, rows=1000)
    (tmp_path / DAMAGED_NOTE).write_text("Corrupt database file: ... (elsewhere)")
    assert set_aside_damaged_build(build, LOG) is None
    assert build.exists() and not (tmp_path / DAMAGED_NOTE).exists()


def test_leftovers_of_killed_runs_are_removed_at_start(tmp_path: Path) -> None:
    (tmp_path / "build" / "spill").mkdir(parents=True)
    (tmp_path / "build" / "spill" / "duckdb_temp_storage-0.tmp").write_bytes(b"x" * 100)
    tmp_copy = tmp_path / ".ascn.duckdb.999.tmp"
    tmp_wal = tmp_path / ".ascn.duckdb.999.tmp.wal"
    for p in (tmp_copy, tmp_wal):
        p.write_bytes(b"killed mid-publish")
    (tmp_path / "parquet.new").mkdir()
    (tmp_path / "parquet.old").mkdir()  # killed between the two renames: the old export
    (tmp_path / "parquet.old" / "coverage.parquet").write_bytes(b"PAR1")
    resource = WarehouseResource(output_dir=str(tmp_path))
    resource.setup_for_execution(dg.build_init_resource_context())
    resource.teardown_after_execution(dg.build_init_resource_context())
    assert not tmp_copy.exists() and not tmp_wal.exists()
    assert not (tmp_path / "parquet.new").exists() and not (tmp_path / "parquet.old").exists()
    assert (tmp_path / "parquet" / "coverage.parquet").read_bytes() == b"PAR1"
    assert not (tmp_path / "build" / "spill").exists()


def test_an_empty_build_file_gets_the_last_good_register_rows_from_the_published_file(
    tmp_path: Path,
) -> None:
    published = tmp_path / "ascn.duckdb"
    con = duckdb.connect(str(published))
    con.execute("create schema raw")
    con.execute(
        "create table raw.project_register_last_good as "
        "select 'EX-1' as source_project_id, date '2025-06-01' as last_good_version_date"
    )
    con.execute("comment on table raw.project_register_last_good is 'last good rows'")
    con.execute("comment on column raw.project_register_last_good.source_project_id is 'its id'")
    con.close()
    resource = WarehouseResource(output_dir=str(tmp_path))
    resource.setup_for_execution(dg.build_init_resource_context())
    try:
        with resource.connect() as con:
            kept = con.execute("select * from raw.project_register_last_good").fetchall()
            comments = con.execute(
                "select column_name, comment from duckdb_columns() "
                "where database_name = current_database() "
                "and table_name = 'project_register_last_good' order by 1"
            ).fetchall()
            (table_comment,) = con.execute(
                "select comment from duckdb_tables() where database_name = current_database() "
                "and table_name = 'project_register_last_good'"
            ).fetchall()[0]
    finally:
        resource.teardown_after_execution(dg.build_init_resource_context())
    assert [(r[0], str(r[1])) for r in kept] == [("EX-1", "2025-06-01")]
    # A CREATE AS drops descriptions: the carried table gets back those of the published one.
    assert table_comment == "last good rows"
    assert comments == [("last_good_version_date", None), ("source_project_id", "its id")]


# ----------------------------------------------------------------------------- change detection
@dg.asset
def reader_asset(context) -> dg.MaterializeResult:  # noqa: ANN001 - Dagster reads the annotation
    """Reads the files named in its config through helpers it does not list anywhere."""
    con = duckdb.connect(os.environ["TEST_BUILD"])
    try:
        run_sql_file(con, "schema.sql")
        folder = Path(os.environ["TEST_DATA"])

        def build() -> dict:
            names = sorted(p.name for p in folder.iterdir())  # a listing: presence counts
            text = (folder / "codes.csv").read_text() if (folder / "codes.csv").exists() else ""
            return {"names": dg.MetadataValue.json(names), "codes": dg.MetadataValue.text(text)}

        return build_if_changed(context, con, "v1", build)
    finally:
        con.close()


def _rebuilt(tmp_path: Path, mp: pytest.MonkeyPatch) -> bool:
    mp.setenv("TEST_BUILD", str(tmp_path / "b.duckdb"))
    mp.setenv("TEST_DATA", str(tmp_path / "data"))
    mp.setenv("ASCN_OUTPUT_DIR", str(tmp_path / "out"))
    result = dg.materialize([reader_asset], instance=dg.DagsterInstance.ephemeral())
    (event,) = result.get_asset_materialization_events()
    return not event.materialization.metadata["unchanged"].value


def test_a_file_a_build_reads_is_part_of_its_version(tmp_path: Path, monkeypatch) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "codes.csv").write_text("code\nUSD\n")
    assert _rebuilt(tmp_path, monkeypatch)  # first build
    assert not _rebuilt(tmp_path, monkeypatch)  # nothing changed
    (data / "codes.csv").write_text("code\nUSD\nKHR\n")  # an edited reference list
    assert _rebuilt(tmp_path, monkeypatch)
    kept = (data / "codes.csv").read_bytes()
    (data / "codes.csv").unlink()  # vanished...
    assert _rebuilt(tmp_path, monkeypatch)
    (data / "codes.csv").write_bytes(kept)  # ...and back unchanged: read again
    assert _rebuilt(tmp_path, monkeypatch)
    assert not _rebuilt(tmp_path, monkeypatch)
    (data / "new.txt").write_text("")  # a new file in a folder it lists
    assert _rebuilt(tmp_path, monkeypatch)


def test_cached_loaders_count_as_reads(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a\n")
    with reads.recording() as seen:
        reads.note_read(path)
    assert (os.path.realpath(path), reads.FILE) in seen
    with reads.recording() as seen:
        path.write_text("b\n")  # written, not read: not an input
    assert not seen


# ----------------------------------------------------------------------------- settings
@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("ASCN_HTTP_TIMEOUT_S", "abc", "must be a number"),
        ("ASCN_HTTP_MAX_RETRIES", "-1", "must be >= 0"),
        ("ASCN_HTTP_MAX_RETRIES", "2.5", "must be a whole number"),
        ("ASCN_REGISTER_MAX_ROWS", "0", "must be >= 1"),
        ("ASCN_REGISTER_MAX_BYTES", "lots", "must be a whole number"),
        ("ASCN_REGISTER_MAX_CELL_CHARS", "-5", "must be >= 1"),
        ("ASCN_XLSX_MAX_UNCOMPRESSED_BYTES", "1e9", "must be a whole number"),
        ("ASCN_OVERPASS_URL", "ftp://example.org", "must be an http:// or https:// URL"),
        ("ASCN_WORLDBANK_API_URL", "api.worldbank.org/v2", "must be an http:// or https:// URL"),
        ("ASCN_DUCKDB_MEMORY_LIMIT", "a lot", "must be a size such as 1500MB"),
        ("ASCN_FORCE_REBUILD", "yes", "must be 0/1"),
        ("ASCN_MODE", "online", "must be 'offline' or 'live'"),
    ],
)
def test_a_bad_setting_fails_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, says: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name) as caught:
        Settings.from_env()
    assert says in str(caught.value) and repr(value) in str(caught.value)
