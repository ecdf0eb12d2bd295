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
    select city_id, unit_id, any_value(unit_type) as unit_type,
           any_value(boundary_type) as boundary_type, min(unit_name) as unit_name,
           bool_or(is_pilot_unit) as is_pilot_unit,
           list(distinct year order by year) filter (
               where measure_id = 'population' and year is not null) as population_years
    from figures
    group by city_id, unit_id
),
population as (
    select * from figures where measure_id = 'population'
    qualify row_number() over (
        partition by city_id, unit_id
        order by abs(year - 2020) nulls last, year desc, source_id, value, row_key
    ) = 1
),
area as (
    -- The unit's area nearest to the year of its population figure (the later year on a tie).
    select a.city_id, a.unit_id, a.value, a.year
    from figures a
    left join population p using (city_id, unit_id)
    where a.measure_id = 'land_area_km2'
    qualify row_number() over (
        partition by a.city_id, a.unit_id
        order by abs(a.year - coalesce(p.year, 2020)) nulls last, a.year desc, a.source_id,
                 a.value, a.row_key
    ) = 1
)
select u.city_id, c.name as city_name, u.unit_id, u.unit_type, u.boundary_type, u.unit_name,
       u.is_pilot_unit, p.value as population, p.year::integer as population_year,
       p.source_id as population_source, p.provenance as population_provenance,
       coalesce(u.population_years, []::integer[])::integer[] as population_years,
       a.value as area_km2, a.year::integer as area_year,
       case when p.value is null then 'unknown'
            when p.value < 50000 then 'below_50k'
            when p.value < 200000 then '50k_200k'
            when p.value < 500000 then '200k_500k'
            when p.value < 1500000 then '500k_1.5m'
            else '1.5m_plus' end as size_class
from units u
join staging.cities c using (city_id)
left join population p using (city_id, unit_id)
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
