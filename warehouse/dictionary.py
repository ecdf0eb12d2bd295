"""Data dictionary: every published table and column with its `COMMENT ON` description.

The descriptions are set where each table is built (the `COMMENT ON` statements beside its
`CREATE` in its family's SQL file); this module only reads them back from `duckdb_columns()`.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

QUERY = """
select t.schema_name, t.table_name, t.comment as table_description, c.column_name,
       c.data_type, c.comment as column_description
from duckdb_tables() t
join duckdb_columns() c using (database_name, schema_name, table_name)
where t.schema_name = 'marts' and t.database_name = current_database()
order by t.table_name, c.column_index
"""


def export_data_dictionary(con: duckdb.DuckDBPyConnection, out_dir: Path) -> Path:
    """Write `data_dictionary.csv` and `.md` to `out_dir` from the comments DuckDB holds."""
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
