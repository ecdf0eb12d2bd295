"""One published table = one SQL file = one asset spec: the plan of assets/indicators/marts.py."""

import re

import dagster as dg

from assets.indicators.assets import marts_indicators
from assets.indicators.marts import INPUT_TABLES, INPUTS_SQL, MARTS

CREATE = re.compile(r"create\s+or\s+replace\s+(?:table|view)\s+(marts\.\w+)", re.IGNORECASE)
COMMENT = re.compile(r"comment\s+on\s+(?:table|view|column)\s+(marts\.\w+)", re.IGNORECASE)
READS = re.compile(r"\b((?:staging|marts)\.\w+)")


def _code(sql: str) -> str:
    """The SQL without its -- comments and COMMENT ON statements (whose texts name tables)."""
    lines = (line.split("--")[0] for line in sql.splitlines())
    return "\n".join(line for line in lines if not line.lower().startswith("comment on"))


def test_each_sql_file_creates_and_describes_only_its_own_table() -> None:
    for mart in MARTS:
        sql = mart.sql.read_text(encoding="utf-8")
        assert CREATE.findall(sql) == [mart.table], mart.sql.name
        assert set(COMMENT.findall(sql)) == {mart.table}, mart.sql.name
    assert CREATE.findall(INPUTS_SQL.read_text(encoding="utf-8")) == []  # temporary tables only


def test_marts_come_after_the_marts_they_read_and_depend_on_them() -> None:
    built: set[str] = set()
    for mart in MARTS:
        sql = _code(mart.sql.read_text(encoding="utf-8"))
        read = {t for t in READS.findall(sql) if t.startswith("marts.")} - {mart.table}
        assert {f"marts/{t.split('.')[1]}" for t in read} <= set(mart.deps), mart.name
        assert read <= built, f"{mart.name} reads {read - built} before it is built"
        built.add(mart.table)
    readers = [t for m in MARTS for t in m.reads_inputs]
    assert sorted(readers) == sorted(INPUT_TABLES)


def test_one_asset_spec_per_mart_with_its_deps() -> None:
    specs = {spec.key: spec for spec in marts_indicators.specs}
    assert set(specs) == {dg.AssetKey(["marts", m.name]) for m in MARTS}
    for mart in MARTS:
        deps = {dep.asset_key for dep in specs[dg.AssetKey(["marts", mart.name])].deps}
        assert deps == {dg.AssetKey(d.split("/")) for d in mart.deps}


# The asset that builds each staging table a mart reads (a rebuilt table must rebuild its readers).
STAGING_ASSET = {
    "staging.cities": "staging/reference",
    "staging.focus_areas": "staging/reference",
    "staging.boundary_types": "staging/reference",
    "staging.population_figures": "staging/population",
    "staging.measures": "staging/measures",
    "staging.projects": "staging/projects",
    "staging.infrastructure_metrics": "staging/infrastructure",
    "staging.country_indicators": "staging/population",
    "staging.indicator_catalogue": "staging/indicator_catalogue",
}


def test_every_staging_table_a_mart_reads_is_a_dep() -> None:
    for mart in MARTS:
        sql = _code(mart.sql.read_text(encoding="utf-8"))
        if mart.reads_inputs:
            sql += _code(INPUTS_SQL.read_text(encoding="utf-8"))
        read = {t for t in READS.findall(sql) if t.startswith("staging.")}
        assert {STAGING_ASSET[t] for t in read} <= set(mart.deps), mart.name
