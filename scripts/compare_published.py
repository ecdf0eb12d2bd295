"""Compare two published DuckDB files: are the marts, raw/staging counts and quarantine the same?

Usage: python scripts/compare_published.py BEFORE.duckdb AFTER.duckdb

Used to prove that a refactoring changes no published number:
- every `marts` table must be identical as a multiset of rows (EXCEPT ALL both ways) with the
  same columns in the same order;
- every `raw` and `staging` table must have the same row count;
- `quarantine.rejected_rows` must hold the same rows, without the run id and time.
Exit code 0 when identical, 1 with one line per difference otherwise.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

# Columns of the quarantine tables that name the run or its time, not the data.
RUN_COLUMNS = {"run_id", "quarantined_at", "checked_at"}


def _tables(con: duckdb.DuckDBPyConnection, db: str, schema: str) -> list[str]:
    rows = con.execute(
        "select table_name from duckdb_tables() where database_name = ? and schema_name = ? "
        "order by table_name",
        [db, schema],
    ).fetchall()
    return [r[0] for r in rows]


def _columns(con: duckdb.DuckDBPyConnection, db: str, schema: str, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from duckdb_columns() where database_name = ? and schema_name = ? "
        "and table_name = ? order by column_index",
        [db, schema, table],
    ).fetchall()
    return [r[0] for r in rows]


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(con.execute(sql).fetchall()[0][0])


def _literal(path: Path) -> str:
    return str(path).replace("'", "''")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _rows_differ(
    con: duckdb.DuckDBPyConnection, schema: str, table: str, columns: list[str]
) -> tuple[int, int]:
    """(rows only in before, rows only in after), as multisets."""
    cols = ", ".join(_ident(c) for c in columns)
    t = f"{_ident(schema)}.{_ident(table)}"
    # Identifiers come from the files' own catalogue, quoted by _ident.
    sql = "select count(*) from (select {c} from {x}.{t} except all select {c} from {y}.{t})"
    only_before = _count(con, sql.format(c=cols, t=t, x="a", y="b"))
    only_after = _count(con, sql.format(c=cols, t=t, x="b", y="a"))
    return only_before, only_after


def compare(before: Path, after: Path) -> list[str]:
    """One line per difference between the two published files; empty when identical."""
    con = duckdb.connect()
    # ATTACH takes no bound parameter for its path: quoted as a string literal instead.
    con.execute(f"attach '{_literal(before)}' as a (read_only)")  # noqa: S608
    con.execute(f"attach '{_literal(after)}' as b (read_only)")  # noqa: S608
    problems: list[str] = []
    for schema in ("marts", "raw", "staging", "quarantine"):
        ta, tb = _tables(con, "a", schema), _tables(con, "b", schema)
        for missing in sorted(set(ta) - set(tb)):
            problems.append(f"{schema}.{missing}: only in before")
        for extra in sorted(set(tb) - set(ta)):
            problems.append(f"{schema}.{extra}: only in after")
        for table in sorted(set(ta) & set(tb)):
            name = f"{schema}.{table}"
            ca, cb = (_columns(con, d, schema, table) for d in ("a", "b"))
            if schema in ("raw", "staging"):
                t = f"{_ident(schema)}.{_ident(table)}"
                na = _count(con, f"select count(*) from a.{t}")  # noqa: S608
                nb = _count(con, f"select count(*) from b.{t}")  # noqa: S608
                if na != nb:
                    problems.append(f"{name}: {na} rows before, {nb} after")
                continue
            if ca != cb:
                problems.append(f"{name}: columns differ: {ca} vs {cb}")
                continue
            columns = [c for c in ca if not (schema == "quarantine" and c in RUN_COLUMNS)]
            only_a, only_b = _rows_differ(con, schema, table, columns)
            if only_a or only_b:
                problems.append(f"{name}: {only_a} rows only before, {only_b} rows only after")
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    problems = compare(Path(argv[1]), Path(argv[2]))
    for line in problems:
        print(line)
    if not problems:
        print(f"identical: {argv[1]} and {argv[2]} (marts, raw/staging counts, quarantine)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
