"""The indicator marts: which SQL file builds each published table, what it reads, in what order.

One published table = one `Mart` = one `sql/<name>.sql` file holding its `CREATE` and its
`COMMENT ON` statements. `marts.indicator_values` and `marts.coverage` read temporary tables
computed once by `sql/indicator_inputs.sql` (year alignment and boundary choice), so all six
tables are built by one Dagster multi-asset (`assets.py`) on one connection; `MartBuilder` runs
the shared inputs at most once, only when a table that reads them is rebuilt, and drops each
shared table as soon as the last table that reads it is built.

Plain Python (no Dagster import): `scripts/bench.py` builds the same tables the same way without
the orchestrator (`build_marts`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import duckdb

from warehouse.db import checked_identifier, run_sql_file

SQL_DIR = Path(__file__).with_name("sql")
INPUTS_SQL = SQL_DIR / "indicator_inputs.sql"
# The temporary tables that INPUTS_SQL leaves for the marts that read them.
INPUT_TABLES = ("indicator_raw_values", "indicator_missing_denominator")

# A focus-area score needs scores for at least half of the area's city-level indicators.
MIN_FOCUS_AREA_COVERAGE = 0.5
PARAMS = {"min_coverage": MIN_FOCUS_AREA_COVERAGE}


@dataclass(frozen=True)
class Mart:
    """The published table `marts.<name>`, built by `sql/<name>.sql`."""

    name: str
    deps: tuple[str, ...]  # asset keys ("staging/measures") of the tables its SQL reads
    description: str
    reads_inputs: tuple[str, ...] = ()  # INPUT_TABLES its SQL reads

    @property
    def key(self) -> str:
        return f"marts/{self.name}"

    @property
    def table(self) -> str:
        return f"marts.{self.name}"

    @property
    def sql(self) -> Path:
        return SQL_DIR / f"{self.name}.sql"


# In build order: every mart comes after the marts it reads.
MARTS = (
    Mart(
        "city_peer_groups",
        ("staging/reference", "staging/population"),
        "Headline population of each city and its OECD size class (the peer group).",
    ),
    Mart(
        "indicator_values",
        (
            "staging/reference",
            "staging/measures",
            "staging/indicator_catalogue",
            "marts/city_peer_groups",
        ),
        "One comparable value per city, indicator and reference year: score, rank, quality "
        "flags and provenance.",
        reads_inputs=("indicator_raw_values",),
    ),
    Mart(
        "coverage",
        (
            "staging/reference",
            "staging/measures",
            "staging/indicator_catalogue",
            "marts/indicator_values",
        ),
        "Every city x indicator cell: filled or not, and why not.",
        reads_inputs=("indicator_missing_denominator",),
    ),
    Mart(
        "focus_area_scores",
        (
            "staging/reference",
            "staging/indicator_catalogue",
            "marts/city_peer_groups",
            "marts/indicator_values",
        ),
        "Mean indicator score per city and focus area, given only above the minimum coverage.",
    ),
    Mart(
        "indicator_catalogue",
        ("staging/indicator_catalogue",),
        "The validated indicator catalogue, published.",
    ),
    Mart(
        "city_profile",
        ("staging/indicator_catalogue", "marts/city_peer_groups", "marts/indicator_values"),
        "One wide row per city: peer group, headline population, one column per indicator.",
    ),
)


class MartBuilder:
    """Builds marts on one connection; a context manager that drops the shared inputs at exit."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.inputs_built = False

    def build(self, mart: Mart) -> None:
        """Run the mart's SQL file (after the shared inputs, if it reads them)."""
        if mart.reads_inputs and not self.inputs_built:
            run_sql_file(self.con, INPUTS_SQL)
            self.inputs_built = True
        run_sql_file(self.con, mart.sql, PARAMS)
        if mart.name == "city_profile":
            comment_profile_columns(self.con)

    def release(self, done: Mart) -> None:
        """Drop the shared inputs that no mart after `done` reads: the wide raw values would
        otherwise hold memory while the next marts are built."""
        later = {t for m in MARTS[MARTS.index(done) + 1 :] for t in m.reads_inputs}
        self._drop(t for t in done.reads_inputs if t not in later)

    def __enter__(self) -> MartBuilder:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # The run shares one connection: leftovers (e.g. after a failed mart) would stay in it.
        self._drop(INPUT_TABLES)

    def _drop(self, tables: Iterable[str]) -> None:
        for table in tables:
            self.con.execute(f"drop table if exists {checked_identifier(table)}")  # noqa: S608


def build_marts(con: duckdb.DuckDBPyConnection) -> None:
    """Build every indicator mart, in order, without version checks (benchmarks, tests)."""
    with MartBuilder(con) as builder:
        for mart in MARTS:
            builder.build(mart)
            builder.release(mart)


def comment_profile_columns(con: duckdb.DuckDBPyConnection) -> None:
    """city_profile has one column per indicator; describe each from the catalogue.

    COMMENT ON takes no bound parameters: the column name must be a catalogue indicator id
    (checked identifier) and the text is a catalogue name with quotes doubled.
    """
    rows = con.execute(
        "select k.indicator_id, k.name || ' (' || k.unit || ', ' || k.reference_year || ')' "
        "from staging.indicator_catalogue k join duckdb_columns() c "
        "on c.schema_name = 'marts' and c.table_name = 'city_profile' "
        "and c.column_name = k.indicator_id and c.database_name = current_database()"
    ).fetchall()
    for indicator_id, text in rows:
        column = checked_identifier(indicator_id)
        literal = text.replace("'", "''")
        con.execute(f"comment on column marts.city_profile.{column} is '{literal}'")  # noqa: S608
