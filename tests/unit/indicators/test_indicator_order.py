"""Determinism (docs/METHODOLOGY.md §7): every choice among candidates has a total order, so the
marts do not depend on the order of the input rows."""

import duckdb
import pytest

from tests.unit.indicators.world import build_world

MARTS = [
    "city_units", "city_peer_groups", "indicator_values", "coverage", "focus_area_scores",
    "indicator_catalogue", "city_profile", "v_city_vs_peers",
]  # fmt: skip


def snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Every mart as its rows in their published order (ORDER BY of each mart), as text."""
    out = {}
    for table in MARTS:
        rows = con.execute(f"select * from marts.{table}").fetchall()  # noqa: S608 - list above
        out[table] = [repr(r) for r in rows]
    return out


@pytest.fixture(scope="module")
def reference(tmp_path_factory, catalogue) -> dict[str, list[str]]:
    con = duckdb.connect(str(tmp_path_factory.mktemp("order") / "in_order.duckdb"))
    build_world(con, catalogue)
    snap = snapshot(con)
    con.close()
    return snap


@pytest.mark.parametrize("seed", [7, 11, 2026])
def test_shuffled_input_rows_give_identical_marts(tmp_path, catalogue, reference, seed):
    con = duckdb.connect(str(tmp_path / "shuffled.duckdb"))
    build_world(con, catalogue, shuffle_seed=seed)
    assert snapshot(con) == reference
    con.close()


def test_the_tie_is_decided_by_the_unit_id_and_flagged(tmp_path, catalogue, reference):
    # b has two UN SDG cities with the same year and source: 'B1' (40) sorts before 'B2' (50)
    con = duckdb.connect(str(tmp_path / "tie.duckdb"))
    build_world(con, catalogue, shuffle_seed=5)
    value, unit_id, flags = con.execute(
        "select value, unit_id, quality_flags from marts.indicator_values "
        "where city_id = 'b' and indicator_id = 'ext'"
    ).fetchall()[0]
    assert (value, unit_id) == (40.0, "test:b:urban_extent:UN SDG city 'B1'")
    assert "tied_candidates" in flags
    con.close()
