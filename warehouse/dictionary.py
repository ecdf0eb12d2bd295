"""Data dictionary: every published table and column with its `COMMENT ON` description."""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.db import REPO_ROOT, checked_identifier, run_sql_file

COMMENTS_SQL = REPO_ROOT / "assets" / "indicators" / "sql" / "comments.sql"

QUERY = """
select t.schema_name, t.table_name, t.comment as table_description, c.column_name,
       c.data_type, c.comment as column_description
from duckdb_tables() t
join duckdb_columns() c using (database_name, schema_name, table_name)
where t.schema_name = 'marts' and t.database_name = current_database()
order by t.table_name, c.column_index
"""


def export_data_dictionary(con: duckdb.DuckDBPyConnection, out_dir: Path) -> Path:
    """Apply the comments in `sql/marts/comments.sql` and write `data_dictionary.csv`/`.md`."""
    run_sql_file(con, COMMENTS_SQL)
    _comment_profile_columns(con)
    frame = con.execute(QUERY).df()
    out_dir.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out_dir / "data_dictionary.csv", index=False)
    lines = ["# Data dictionary (schema `marts`)", ""]
    for table, cols in frame.groupby("table_name", sort=True):
        lines += [f"## marts.{table}", "", str(cols["table_description"].iloc[0] or ""), ""]
        lines += ["| column | type | description |", "|---|---|---|"]
        lines += [
            f"| {r.column_name} | {r.data_type} | {r.column_description or ''} |"
            for r in cols.itertuples()
        ]
        lines.append("")
    path = out_dir / "data_dictionary.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _comment_profile_columns(con: duckdb.DuckDBPyConnection) -> None:
    """city_profile has one column per indicator; describe each from the catalogue.

    COMMENT ON takes no bound parameters: the column name must be a catalogue indicator id
    (checked identifier) and the text is a catalogue name with quotes doubled.
    """
    rows = con.execute(
        "select k.indicator_id, k.name || ' (' || k.unit || ', ' || k.reference_year || ')' "
        "from marts.indicator_catalogue k join duckdb_columns() c "
        "on c.schema_name = 'marts' and c.table_name = 'city_profile' "
        "and c.column_name = k.indicator_id and c.database_name = current_database()"
    ).fetchall()
    for indicator_id, text in rows:
        column = checked_identifier(indicator_id)
        literal = text.replace("'", "''")
        con.execute(f"comment on column marts.city_profile.{column} is '{literal}'")  # noqa: S608
