-- marts.city_units: every spatial unit a city has a population or area figure for, side by side
-- (docs/METHODOLOGY.md §1): the registry's pilot unit, the GHSL urban centre, the UN WUP
-- agglomeration, larger administrative regions, source-defined metro areas. One figure per unit:
-- the population nearest to 2020, by a total order (nearest year, then the later year, then
-- source, value and content key), the same order that picks the headline in city_peer_groups.sql.
create or replace table marts.city_units as
with figures as (
    select city_id, unit_id, unit_type, boundary_type, unit_name, is_pilot_unit, source_id, year,
           measure_id, value, row_key, provenance
    from staging.measures
    where measure_id in ('population', 'land_area_km2') and unit_type <> 'nation'
),
units as (
    -- One row per unit. Its population: the figure nearest to 2020, then the later year, then
    -- source, value and content key (a total order, as a struct compared field by field).
    select city_id, unit_id, any_value(unit_type) as unit_type,
           any_value(boundary_type) as boundary_type, min(unit_name) as unit_name,
           bool_or(is_pilot_unit) as is_pilot_unit,
           list(distinct year order by year) filter (
               where measure_id = 'population' and year is not null) as population_years,
           arg_min({'value': value, 'year': year, 'source_id': source_id,
                    'provenance': provenance},
                   {'gap': coalesce(abs(year - 2020), 9999), 'later': -coalesce(year, 0),
                    'source_id': source_id, 'value': value, 'row_key': row_key})
               filter (where measure_id = 'population') as p
    from figures
    group by city_id, unit_id
),
area as (
    -- The unit's area nearest to the year of its population figure (the later year on a tie).
    select u.city_id, u.unit_id,
           arg_min({'value': f.value, 'year': f.year},
                   {'gap': coalesce(abs(f.year - coalesce(u.p.year, 2020)), 9999),
                    'later': -coalesce(f.year, 0), 'source_id': f.source_id, 'value': f.value,
                    'row_key': f.row_key}) as a
    from units u
    join figures f
      on f.city_id = u.city_id and f.unit_id = u.unit_id and f.measure_id = 'land_area_km2'
    group by all
)
select u.city_id, c.name as city_name, u.unit_id, u.unit_type, u.boundary_type, u.unit_name,
       u.is_pilot_unit, u.p.value as population, u.p.year::integer as population_year,
       u.p.source_id as population_source, u.p.provenance as population_provenance,
       coalesce(u.population_years, []::integer[])::integer[] as population_years,
       a.a.value as area_km2, a.a.year::integer as area_year,
       case when u.p.value is null then 'unknown'
            when u.p.value < 50000 then 'below_50k'
            when u.p.value < 200000 then '50k_200k'
            when u.p.value < 500000 then '200k_500k'
            when u.p.value < 1500000 then '500k_1.5m'
            else '1.5m_plus' end as size_class
from units u
join staging.cities c using (city_id)
left join area a using (city_id, unit_id)
order by u.city_id, u.is_pilot_unit desc, u.unit_type, u.unit_id;

-- Descriptions: shown by DBeaver and duckdb_columns(), exported as the data dictionary.
comment on table marts.city_units is 'Every spatial unit of each city with a population or area figure, side by side: the registry''s pilot unit (the headline), GHSL urban centre, UN WUP agglomeration, larger administrative regions, source-defined metro areas.';
comment on column marts.city_units.city_id is 'Registry city id';
comment on column marts.city_units.city_name is 'City name';
comment on column marts.city_units.unit_id is 'Spatial unit id (see docs/METHODOLOGY.md §1; the same id joins numerator and denominator of a ratio)';
comment on column marts.city_units.unit_type is 'city, admin_region, urban_centre, agglomeration, metro_area, urban_extent or measurement_area';
comment on column marts.city_units.boundary_type is 'Boundary type as stated by the source (data/reference/boundary_types.csv)';
comment on column marts.city_units.unit_name is 'Name of the unit in its source';
comment on column marts.city_units.is_pilot_unit is 'True for the registry''s pilot unit of the city (data/reference/cities.csv pilot_boundary_type, pilot_unit_name)';
comment on column marts.city_units.population is 'Population of the unit nearest to 2020 (as published, never estimated)';
comment on column marts.city_units.population_year is 'Year of that population figure (null when the source states none)';
comment on column marts.city_units.population_source is 'Source of that population figure';
comment on column marts.city_units.population_provenance is 'Raw record of that population figure';
comment on column marts.city_units.population_years is 'Every year with a population figure of this unit';
comment on column marts.city_units.area_km2 is 'Land area of the same unit (km2), nearest to the population year';
comment on column marts.city_units.area_year is 'Year of the area figure';
comment on column marts.city_units.size_class is 'OECD city-size class of this unit''s population (peer group of values measured in this unit)';
