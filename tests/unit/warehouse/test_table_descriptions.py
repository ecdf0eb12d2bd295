"""warehouse.db.describe_table and write_raw: the COMMENT ON descriptions of pandas-built tables."""

from datetime import UTC, datetime

import duckdb
import pandas as pd
import pytest

from warehouse.db import LINEAGE_COLUMNS, Lineage, TableDoc, describe_table, write_raw


def _comments(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str | None]:
    return dict(
        con.execute(
            "select column_name, comment from duckdb_columns() where table_name = $t", {"t": table}
        ).fetchall()
    )


def test_describe_table_quotes_texts_and_skips_absent_columns() -> None:
    con = duckdb.connect()
    con.execute("create schema raw; create table raw.t (a int, b text)")
    describe_table(
        con, "raw.t", TableDoc("Rows of the city's register", {"a": "It's a", "z": "no"})
    )
    assert con.execute("select comment from duckdb_tables() where table_name = 't'").fetchall() == [
        ("Rows of the city's register",)
    ]
    assert _comments(con, "t") == {"a": "It's a", "b": None}


def test_describe_table_refuses_an_unchecked_name() -> None:
    con = duckdb.connect()
    con.execute("create table t (a int)")
    with pytest.raises(ValueError):
        describe_table(con, "t; drop table t", TableDoc("x", {}))


def test_write_raw_describes_lineage_provenance_and_the_frame_columns() -> None:
    con = duckdb.connect()
    con.execute("create schema raw")
    frame = pd.DataFrame({"city": ["Battambang"], "source_row": [1]})
    lineage = Lineage("demo", "file:///demo.csv", "abc", "run-1", datetime.now(UTC))
    write_raw(con, "demo", frame, lineage, TableDoc("Demo rows", {"city": "City name as given"}))
    comments = _comments(con, "demo")
    assert comments["city"] == "City name as given"
    assert comments["source_row"].startswith("1-based position")
    assert all(comments[c].startswith("Lineage:") for c in LINEAGE_COLUMNS)
