"""The indicator marts: which SQL file builds each published table, what it reads, in what order.

One published table (or view) = one `Mart` = one `sql/<name>.sql` file holding its `CREATE` and
its `COMMENT ON` statements. `marts.indicator_values` and `marts.coverage` read temporary tables
computed once by `sql/indicator_inputs.sql` (year alignment and the one-unit rule), so all the
tables are built by one Dagster multi-asset (`assets.py`) on one connection; `MartBuilder` runs
the shared inputs at most once, only when a table that reads them is rebuilt, and drops each
shared table as soon as the last table that reads it is built. Building `city_peer_groups` also
records every city's headline in `meta.headline_history` (`sql/headline_history.sql`).

Plain Python (no Dagster import): the `scripts/bench` package builds the same tables the same
way without the orchestrator (`build_marts`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import duckdb

from assets.indicators.catalogue import DOC as CATALOGUE_DOC
from warehouse.db import TableDoc, checked_identifier, describe_table, run_sql_file

SQL_DIR = Path(__file__).with_name("sql")
INPUTS_SQL = SQL_DIR / "indicator_inputs.sql"
# The temporary tables that INPUTS_SQL leaves for the marts that read them.
INPUT_TABLES = ("indicator_raw_values", "indicator_gaps")
HISTORY_SQL = SQL_DIR / "headline_history.sql"
HISTORY_SEED_SQL = SQL_DIR / "headline_history_seed.sql"

# A focus-area score needs scores for at least half of the area's city-level indicators.
MIN_FOCUS_AREA_COVERAGE = 0.5
# A rank (and a score) is shown only where the comparison set has at least this many values.
MIN_RANK_SET = 5
# A density more than 5 % off the unit's own published density is implausible (rounding of
# published areas and populations stays well inside it: docs/METHODOLOGY.md §4).
DENSITY_TOLERANCE = 0.05
PARAMS = {
    "min_coverage": MIN_FOCUS_AREA_COVERAGE,
    "min_rank_set": MIN_RANK_SET,
    "density_tolerance": DENSITY_TOLERANCE,
}


@dataclass(frozen=True)
class Mart:
    """The published table `marts.<name>`, built by `sql/<name>.sql`."""

    name: str
    deps: tuple[str, ...]  # asset keys ("staging/measures") of the tables its SQL reads
    description: str
    reads_inputs: tuple[str, ...] = ()  # INPUT_TABLES its SQL reads
    # A mart that republishes a Python-described staging table column for column takes the
    # same column descriptions (one home for their text); its SQL file describes the table.
    column_descriptions: Mapping[str, str] | None = None

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
        "city_units",
        ("staging/reference", "staging/measures"),
        "Every spatial unit of each city with its population and area, side by side.",
    ),
    Mart(
        "city_peer_groups",
        ("staging/reference", "marts/city_units"),
        "Headline population of each city (the registry's pilot unit) and its OECD size class.",
    ),
    Mart(
        "indicator_values",
        (
            "staging/reference",
            "staging/measures",
            "staging/indicator_catalogue",
            "marts/city_units",
            "marts/city_peer_groups",
        ),
        "One value per city, indicator and reference year, with its spatial unit; score and "
        "rank only within its comparison set; quality flags and provenance.",
        reads_inputs=("indicator_raw_values",),
    ),
    Mart(
        "coverage",
        (
            "staging/reference",
            "staging/measures",
            "staging/indicator_catalogue",
            "marts/city_peer_groups",
            "marts/indicator_values",
        ),
        "Every city x indicator cell: filled or not, and why not.",
        reads_inputs=("indicator_gaps",),
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
        column_descriptions=CATALOGUE_DOC.columns,
    ),
    Mart(
        "city_profile",
        (
            "staging/indicator_catalogue",
            "marts/city_units",
            "marts/city_peer_groups",
            "marts/indicator_values",
        ),
        "One wide row per city: peer group, headline population, one column per indicator.",
    ),
    Mart(
        "v_city_vs_peers",
        ("marts/indicator_values",),
        "View: a city's ranked values beside the median, minimum and maximum of its peers.",
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
        if mart.name == "city_peer_groups":
            prepare_headline_history(self.con)
        run_sql_file(self.con, mart.sql, PARAMS)
        if mart.column_descriptions:
            describe_table(self.con, mart.table, TableDoc("", mart.column_descriptions))
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


def prepare_headline_history(con: duckdb.DuckDBPyConnection) -> None:
    """Create meta.headline_history; a build file that already holds a published
    city_peer_groups but no history yet records that table first (build_seq 0), so the first
    build of the unit model reports every headline it changes."""
    run_sql_file(con, HISTORY_SQL)
    empty = con.execute("select count(*) = 0 from meta.headline_history").fetchall()[0][0]
    old = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'marts' "
        "and table_name = 'city_peer_groups' and database_name = current_database()"
    ).fetchall()[0][0]
    if empty and old:
        run_sql_file(con, HISTORY_SEED_SQL)


def comment_profile_columns(con: duckdb.DuckDBPyConnection) -> None:
    """city_profile has one column per indicator; describe each from the catalogue."""
    rows = con.execute(
        "select indicator_id, name || ' (' || unit || ', ' || reference_year || ')' "
        "from staging.indicator_catalogue"
    ).fetchall()
    describe_table(con, "marts.city_profile", TableDoc("", dict(rows)))
