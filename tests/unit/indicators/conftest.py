"""The synthetic world of world.py, built once per test session into its own DuckDB file."""

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.unit.indicators.world import build_world, write_catalogue


@pytest.fixture(scope="session")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    return write_catalogue(tmp_path_factory.mktemp("catalogue") / "indicators.csv")


@pytest.fixture(scope="session")
def world_file(tmp_path_factory: pytest.TempPathFactory, catalogue: pd.DataFrame) -> Path:
    path = tmp_path_factory.mktemp("world") / "world.duckdb"
    con = duckdb.connect(str(path))
    build_world(con, catalogue)
    con.close()
    return path


@pytest.fixture
def world(world_file: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(world_file), read_only=True)
    yield con
    con.close()


def value_row(con: duckdb.DuckDBPyConnection, city: str, indicator: str) -> dict:
    frame = con.execute(
        "select * from marts.indicator_values where city_id = $c and indicator_id = $i",
        {"c": city, "i": indicator},
    ).df()
    assert len(frame) == 1, (city, indicator, len(frame))
    return frame.to_dict("records")[0]


def gap(con: duckdb.DuckDBPyConnection, city: str, indicator: str) -> str | None:
    rows = con.execute(
        "select gap_reason from marts.coverage where city_id = $c and indicator_id = $i",
        {"c": city, "i": indicator},
    ).fetchall()
    assert len(rows) == 1
    return rows[0][0]
