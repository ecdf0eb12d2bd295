"""SYNTHETIC cities generated in SQL into a temporary build file (never in warehouse/, data/)."""

from __future__ import annotations

from pathlib import Path

from scripts.bench.runner import REPO

YEARS = list(range(2014, 2024))  # 10 synthetic years per measure
ASEAN = ["BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM"]


def make_synthetic_build(path: Path, n_cities: int, template: Path, seed: float = 0.42) -> int:
    """Write a build file with `n_cities` SYNTHETIC cities; return the staging.measures rows.

    The marts that the indicator SQL does not build (projects, funding gaps ...) are created
    empty with the shape they have in `template` (a bundled build), so publish finds them.
    """
    import duckdb

    from assets.indicators.catalogue import load_catalogue
    from warehouse.db import checked_identifier, defined_tables, marts_tables, run_sql_file

    ref = REPO / "data" / "reference"
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        run_sql_file(con, "schema.sql")
        quoted = str(template).replace("'", "''")  # a path cannot be a bound parameter here
        con.execute(f"attach '{quoted}' as template (read_only)")  # noqa: S608
        for name in marts_tables(con, "template"):
            table = checked_identifier(f"marts.{name}")
            con.execute(f"create table {table} as select * from template.{table} limit 0")  # noqa: S608
        con.execute("detach template")
        con.execute(
            "create table staging.focus_areas as select focus_area_id, name, description "
            "from read_csv($p, all_varchar = true)",
            {"p": str(ref / "focus_areas.csv")},
        )
        con.execute(
            "create table staging.boundary_types as select boundary_type, "
            "precedence::integer as precedence, unit_type, description "
            "from read_csv($p, all_varchar = true)",
            {"p": str(ref / "boundary_types.csv")},
        )
        focus = {
            r[0] for r in con.execute("select focus_area_id from staging.focus_areas").fetchall()
        }
        catalogue = load_catalogue(  # noqa: F841 - read by DuckDB below
            REPO / "data" / "catalogue" / "indicators.csv", focus, defined_tables()
        )
        con.execute("create table staging.indicator_catalogue as select * from catalogue")
        con.execute("select setseed($s)", {"s": seed})
        con.execute(
            """
            create table staging.cities as
            select 'syn-' || lpad(i::varchar, 6, '0') as city_id,
                   'Synthetic city ' || i as name, null::varchar as local_name,
                   ($asean)[1 + (i % 10)::int] as country_iso3, 'Synthetic' as country_name,
                   -10 + random() * 30 as lat, 95 + random() * 45 as lon,
                   2018 as joined_year, 'synthetic' as admin_unit_type,
                   'city_proper' as pilot_boundary_type, 'Synthetic city ' || i as pilot_unit_name,
                   true as pilot_unit_confirmed
            from generate_series(1, $n) t(i)
            """,
            {"n": n_cities, "asean": ASEAN},
        )
        # Every (measure, boundary) the catalogue asks for: numerators in a boundary of their
        # unit type (the pilot unit: city_proper), denominators at city_proper and at the
        # numerator's boundary (a ratio is made only within one unit).
        con.execute(
            """
            create temp table needs as
            with k as (
                select numerator_measure, denominator, case unit_type
                    when 'urban_centre' then 'urban_centre' when 'urban_extent' then 'urban_extent'
                    when 'agglomeration' then 'agglomeration' when 'nation' then 'country'
                    when 'measurement_area' then 'ring_5km' else 'city_proper' end as boundary
                from staging.indicator_catalogue
            )
            select distinct measure_id, boundary_type from (
                select numerator_measure as measure_id, boundary as boundary_type from k
                union all
                select denominator, boundary from k where denominator is not null
                union all
                select denominator, 'city_proper' from k where denominator is not null
            )
            """
        )
        con.execute(
            """
            create table staging.measures as
            select c.city_id, n.measure_id, y.year::bigint as year,
                   case when n.measure_id = 'population' then exp(ln(20000) + random() * ln(500))
                        when n.measure_id = 'land_area_km2' then 20 + random() * 2000
                        when n.measure_id like '%pct%' or n.measure_id like '%.ZS'
                            or n.measure_id like '%share%' then random() * 100
                        else random() * 1000 end as value,
                   'synthetic' as unit, n.boundary_type, 'synthetic' as source_id,
                   'synthetic#' || c.city_id || '/' || n.measure_id || '/' || y.year
                       as provenance,
                   'synthetic' as vintage, 'synthetic' as unit_ref, c.name as unit_name,
                   null::varchar as figure_kind, 'synthetic' as source_ref,
                   'synthetic#' || c.city_id || '/' || n.measure_id || '/' || y.year as row_key,
                   null::varchar as source_implausible, bt.unit_type,
                   n.boundary_type || ':' || c.city_id as unit_id, 'synthetic' as unit_vintage,
                   n.boundary_type = 'city_proper' as is_pilot_unit,
                   false as conflicting_source_values
            from staging.cities c
            cross join needs n
            join staging.boundary_types bt using (boundary_type)
            cross join (select unnest($years) as year) y
            """,
            {"years": YEARS},
        )
        con.execute(
            """
            create table staging.population_figures as
            select p.city_id, p.year::integer as year, p.value as population,
                   a.value as area_km2, p.boundary_type, 'synthetic' as unit_name,
                   false as is_projection, p.source_id, 'synthetic' as unit_ref,
                   null::varchar as figure_kind,
                   p.city_id || '/' || p.year || '/' || p.boundary_type as row_key,
                   p.provenance, p.vintage, 'synthetic' as source_ref
            from staging.measures p
            left join staging.measures a
              on a.city_id = p.city_id and a.year = p.year and a.boundary_type = p.boundary_type
             and a.measure_id = 'land_area_km2'
            where p.measure_id = 'population'
            """
        )
        rows = con.execute("select count(*) from staging.measures").fetchall()[0][0]
        con.execute("checkpoint")
    finally:
        con.close()
    return rows
