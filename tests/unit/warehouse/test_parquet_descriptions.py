"""The Parquet export carries the data dictionary: column and table comments as metadata."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from warehouse.publish import export_parquet


def test_parquet_fields_carry_the_comment_on_descriptions(tmp_path: Path) -> None:
    db = tmp_path / "published.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create schema marts")
    con.execute("create table marts.t (city_id varchar, value double, note varchar)")
    con.execute("insert into marts.t values ('khm-battambang', 119251, null)")
    con.execute("comment on table marts.t is 'One row per city'")
    con.execute("comment on column marts.t.city_id is 'Registry city id'")
    con.execute("comment on column marts.t.value is 'Headline population (persons)'")
    con.close()
    export_parquet(db, tmp_path / "parquet")
    schema = pq.read_schema(tmp_path / "parquet" / "t.parquet")
    assert schema.field("city_id").metadata == {b"description": b"Registry city id"}
    assert schema.field("value").metadata == {b"description": b"Headline population (persons)"}
    assert not schema.field("note").metadata  # no comment, no invented description
    assert schema.metadata[b"description"] == b"One row per city"
    rows = pq.read_table(tmp_path / "parquet" / "t.parquet").to_pylist()
    assert rows == [{"city_id": "khm-battambang", "value": 119251.0, "note": None}]
