"""DuckDB helpers: run `.sql` files with bound parameters, land raw frames, quarantine rows.

All SQL lives in `warehouse/sql/`. Values always travel as bound parameters; the only names that
are ever placed into SQL text are table names checked against `IDENTIFIER`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

SQL_DIR = Path(__file__).resolve().parent / "sql"
# Each source family keeps its SQL beside its Python: assets/<family>/sql/*.sql.
FAMILY_SQL_GLOB = "assets/*/sql/*.sql"
REPO_ROOT = SQL_DIR.parents[1]
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$")
# Tables written from pandas frames by assets rather than by a CREATE in the SQL files.
PYTHON_BUILT_TABLES = frozenset(
    {"staging.projects", "staging.indicator_catalogue", "staging.business_matches"}
)
#: the lineage columns `write_raw` adds to every raw table, with their descriptions (one home)
LINEAGE_DESCRIPTIONS = {
    "_source": "Lineage: id of the source that delivered the row (the source of meta.source_loads)",
    "_source_uri": "Lineage: file(s) (';'-separated), folder or API URL the batch was read from",
    "_retrieved_at": "Lineage: when the batch was read and landed (UTC)",
    "_content_hash": "Lineage: sha256 of what the source delivered (file names and bytes, or the "
    "answer): unchanged, the table is not landed again",
    "_run_id": "Lineage: Dagster run that landed the batch",
}
LINEAGE_COLUMNS = list(LINEAGE_DESCRIPTIONS)
#: provenance columns the readers of many sources give their rows, described once (write_raw)
PROVENANCE_DESCRIPTIONS = {
    "source_id": "Id of the source of the row (the source_id staging and the marts carry on)",
    "source_uri": "File (or URL) the row was read from",
    "source_row": "1-based position of the row in its file or answer (header excluded), as "
    "quarantine.rejected_rows names it",
    "source_file": "Name of the file (or the API call) the row was read from",
}
# The last good rows of each register file: state no source can give back once a file turned
# bad, so an empty build file gets it back from the published file (framework/build_file.py).
LAST_GOOD_REGISTER_TABLE = "raw.project_register_last_good"
CARRIED_OVER = (LAST_GOOD_REGISTER_TABLE,)


def checked_identifier(name: str) -> str:
    """Return `name` if it is a plain (schema.)table identifier, else raise."""
    if not IDENTIFIER.match(name):
        raise ValueError(f"not an allowed SQL identifier: {name!r}")
    return name


def marts_tables(con: duckdb.DuckDBPyConnection, database: str | None = None) -> list[str]:
    """The tables of schema `marts` in `database` (default: the current one), sorted."""
    return [
        r[0]
        for r in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts' "
            "and database_name = coalesce($d, current_database()) order by 1",
            {"d": database},
        ).fetchall()
    ]


def read_sql(name: str | Path) -> str:
    """A SQL file: a path, or a name relative to warehouse/sql."""
    path = name if isinstance(name, Path) else SQL_DIR / name
    return path.read_text(encoding="utf-8")


def run_sql_file(
    con: duckdb.DuckDBPyConnection, name: str | Path, params: Mapping[str, Any] | None = None
) -> None:
    """Run every statement of a SQL file (see `read_sql`), binding only the parameters it uses."""
    for statement in duckdb.extract_statements(read_sql(name)):
        used = {k: v for k, v in (params or {}).items() if f"${k}" in statement.query}
        con.execute(statement, used) if used else con.execute(statement)


def defined_tables() -> set[str]:
    """Every `schema.table` that the warehouse SQL creates (for catalogue validation)."""
    pattern = re.compile(
        r"create\s+(?:or\s+replace\s+)?table\s+(?:if\s+not\s+exists\s+)?"
        r"([a-z_]+\.[a-z_0-9]+)",
        re.IGNORECASE,
    )
    found: set[str] = set(PYTHON_BUILT_TABLES)
    for path in [*SQL_DIR.rglob("*.sql"), *REPO_ROOT.glob(FAMILY_SQL_GLOB)]:
        found.update(m.lower() for m in pattern.findall(path.read_text(encoding="utf-8")))
    return found


def content_hash(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


def file_sha256(path: Path) -> str:
    """sha256 of a file, read in 1 MiB chunks (a large file is never loaded whole)."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class TableDoc:
    """The `COMMENT ON` descriptions of a table written from a pandas frame: the table's, and
    each column's (tables built by a SQL file carry theirs in that file)."""

    description: str
    columns: Mapping[str, str]


def describe_table(
    con: duckdb.DuckDBPyConnection, table: str, doc: TableDoc, database: str | None = None
) -> None:
    """`COMMENT ON` `table` of `database` (default: the current one) unless `doc.description` is
    empty, and each of its columns that `doc` describes.

    COMMENT ON takes no bound parameters: the names are checked identifiers and the texts are
    literals with their quotes doubled.
    """
    schema, name = checked_identifier(table).split(".")
    target = f"{checked_identifier(database)}.{table}" if database else table
    present = {
        r[0]
        for r in con.execute(
            "select column_name from duckdb_columns() where schema_name = $s and table_name = $t "
            "and database_name = coalesce($d, current_database())",
            {"s": schema, "t": name, "d": database},
        ).fetchall()
    }
    if doc.description:
        con.execute(f"comment on table {target} is {_literal(doc.description)}")  # noqa: S608
    for column, text in doc.columns.items():
        if column in present:
            column_id = checked_identifier(column)
            con.execute(f"comment on column {target}.{column_id} is {_literal(text)}")  # noqa: S608


def table_doc(con: duckdb.DuckDBPyConnection, table: str, database: str | None = None) -> TableDoc:
    """The descriptions `table` of `database` (default: the current one) carries now."""
    schema, name = checked_identifier(table).split(".")
    where = {"s": schema, "t": name, "d": database}
    described = con.execute(
        "select comment from duckdb_tables() where schema_name = $s and table_name = $t "
        "and database_name = coalesce($d, current_database())",
        where,
    ).fetchall()
    columns = con.execute(
        "select column_name, comment from duckdb_columns() where schema_name = $s "
        "and table_name = $t and database_name = coalesce($d, current_database()) "
        "and comment is not null",
        where,
    ).fetchall()
    return TableDoc((described[0][0] if described else None) or "", dict(columns))


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class Lineage:
    """Where a batch of raw rows came from."""

    source: str
    uri: str
    content_hash: str
    run_id: str
    retrieved_at: datetime | None = None

    def stamp(self, frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.copy()
        out["_source"] = self.source
        out["_source_uri"] = self.uri
        out["_retrieved_at"] = self.retrieved_at or datetime.now(UTC)
        out["_content_hash"] = self.content_hash
        out["_run_id"] = self.run_id
        return out


def write_raw(
    con: duckdb.DuckDBPyConnection,
    table: str,
    frame: pd.DataFrame,
    lineage: Lineage,
    doc: TableDoc | None = None,
) -> int:
    """Replace `raw.<table>` with `frame` plus lineage columns, in one transaction, described by
    `LINEAGE_DESCRIPTIONS`, `PROVENANCE_DESCRIPTIONS` and `doc` (which wins)."""
    target = checked_identifier(f"raw.{table}")
    stamped = lineage.stamp(frame)  # noqa: F841 - read by DuckDB's replacement scan below
    con.execute("begin transaction")
    try:
        con.execute(f"create or replace table {target} as select * from stamped")  # noqa: S608
        doc = doc or TableDoc("", {})
        columns = {**LINEAGE_DESCRIPTIONS, **PROVENANCE_DESCRIPTIONS, **doc.columns}
        describe_table(con, target, TableDoc(doc.description, columns))
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return len(frame)


def quarantine(
    con: duckdb.DuckDBPyConnection,
    rejects: pd.DataFrame,
    *,
    source: str,
    run_id: str,
) -> int:
    """Record rejected rows for `source`, replacing that source's earlier rejects.

    `rejects` columns: source_uri, row_number, field, value, reason (record optional).
    """
    con.execute("delete from quarantine.rejected_rows where source = $source", {"source": source})
    if rejects.empty:
        return 0
    frame = rejects.copy()
    for column in ("source_uri", "row_number", "field", "value", "reason", "record"):
        if column not in frame:
            frame[column] = None
    frame = frame.assign(source=source, run_id=run_id, quarantined_at=datetime.now(UTC))
    frame["row_number"] = pd.to_numeric(frame["row_number"], errors="coerce").astype("Int64")
    frame["value"] = frame["value"].astype("string")
    frame["record"] = frame["record"].astype("string")
    frame = frame[
        [
            "source",
            "source_uri",
            "row_number",
            "field",
            "value",
            "reason",
            "record",
            "run_id",
            "quarantined_at",
        ]
    ]
    con.execute("insert into quarantine.rejected_rows by name select * from frame")
    return len(frame)


#: what a source's reader says about each of its files (one row per file)
FEEDBACK_FIELDS = (
    "file",
    "source_uri",
    "status",
    "rows_in_file",
    "rows_loaded",
    "rows_quarantined",
    "rows_kept_from_last_good",
    "last_good_version_date",
    "reason",
)
#: the columns of quarantine.file_feedback: the source, its files' feedback, the run and time
FEEDBACK_COLUMNS = ["source", *FEEDBACK_FIELDS, "run_id", "checked_at"]


def file_feedback(
    con: duckdb.DuckDBPyConnection, feedback: pd.DataFrame, *, source: str, run_id: str
) -> int:
    """Record what happened to each file of `source` (`quarantine.file_feedback`), replacing
    that source's earlier rows: one row per file, accepted, partial, refused, missing, removed
    or not_read, with its row counts and the reason (the data officer's answer)."""
    con.execute("delete from quarantine.file_feedback where source = $source", {"source": source})
    if feedback.empty:
        return 0
    frame = feedback.copy()
    for column in FEEDBACK_COLUMNS:
        if column not in frame:
            frame[column] = None
    frame = frame.assign(source=source, run_id=run_id, checked_at=datetime.now(UTC))
    for column in ("rows_in_file", "rows_loaded", "rows_quarantined", "rows_kept_from_last_good"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("Int64")
    frame["last_good_version_date"] = pd.to_datetime(
        frame["last_good_version_date"], errors="coerce"
    ).dt.date
    for column in ("file", "source_uri", "status", "reason"):
        frame[column] = frame[column].astype("string")
    frame = frame[FEEDBACK_COLUMNS]  # noqa: F841 - read by DuckDB
    con.execute("insert into quarantine.file_feedback by name select * from frame")
    return len(feedback)


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    schema, table = checked_identifier(name).split(".")
    rows = con.execute(
        "select count(*) from duckdb_tables() where database_name = current_database() "
        "and schema_name = $s and table_name = $t",
        {"s": schema, "t": table},
    ).fetchall()
    return rows[0][0] > 0
