-- marts.city_peer_groups: the headline population of each city is the population of the
-- registry's pilot unit (data/reference/cities.csv: pilot_boundary_type, pilot_unit_name), the
-- figure nearest to 2020 (marts.city_units), and its OECD size class is the city's peer group.
-- Never an estimate, never another unit: a city whose pilot unit has no figure has no headline.
create or replace table marts.city_peer_groups as
select c.city_id, c.name, c.country_iso3, u.population as headline_population,
       u.population_year as headline_population_year, u.unit_type as headline_unit_type,
       u.unit_id as headline_unit_id, coalesce(u.unit_name, c.pilot_unit_name)
           as headline_unit_name,
       coalesce(u.boundary_type, c.pilot_boundary_type) as headline_boundary_type,
       u.population_source as headline_population_source, c.pilot_unit_confirmed,
       coalesce(u.size_class, 'unknown') as size_class,
       nullif(concat_ws('; ',
           case when u.unit_id is null then 'the pilot unit named in the registry has no '
               || 'population figure in the sources' end,
           case when u.unit_id is not null and u.population_year is null
               then 'the source states no year for this figure' end,
           case when not c.pilot_unit_confirmed
               then 'the registry does not confirm which unit the pilot covers' end
       ), '') as headline_note
from staging.cities c
left join marts.city_units u on u.city_id = c.city_id and u.is_pilot_unit
order by c.city_id;

-- The headline of every build, kept in the build file (meta.headline_history, created by
-- headline_history.sql): a change of headline population, year, unit or source between two builds
-- is reported by the WARN check of checks/indicators.py.
insert into meta.headline_history
select (select coalesce(max(build_seq), 0) + 1 from meta.headline_history), now(), city_id,
       headline_population, headline_population_year, headline_unit_type, headline_unit_id,
       headline_unit_name, headline_boundary_type, headline_population_source
from marts.city_peer_groups;

-- Descriptions: shown by DBeaver and duckdb_columns(), exported as the data dictionary.
comment on table marts.city_peer_groups is 'Headline population of each city: the registry''s pilot unit, figure nearest to 2020; and its OECD size class (peer group of pilot-unit values).';
comment on column marts.city_peer_groups.city_id is 'Registry city id';
comment on column marts.city_peer_groups.name is 'City name';
comment on column marts.city_peer_groups.country_iso3 is 'ISO3 country code';
comment on column marts.city_peer_groups.headline_population is 'Population of the registry''s pilot unit nearest to 2020, as published (never estimated)';
comment on column marts.city_peer_groups.headline_population_year is 'Year of the headline population (null when the source states none)';
comment on column marts.city_peer_groups.headline_unit_type is 'Unit type of the pilot unit (city or admin_region)';
comment on column marts.city_peer_groups.headline_unit_id is 'Unit id of the pilot unit (see marts.city_units)';
comment on column marts.city_peer_groups.headline_unit_name is 'Name of the pilot unit in its source';
comment on column marts.city_peer_groups.headline_boundary_type is 'Boundary type of the pilot unit';
comment on column marts.city_peer_groups.headline_population_source is 'Source of the headline population';
comment on column marts.city_peer_groups.pilot_unit_confirmed is 'False when the registry does not confirm which unit the ASCN pilot covers (shown as a warning)';
comment on column marts.city_peer_groups.size_class is 'OECD class: below_50k, 50k_200k, 200k_500k, 500k_1.5m, 1.5m_plus, unknown';
comment on column marts.city_peer_groups.headline_note is 'Caveats of the headline: unconfirmed pilot unit, figure without a year, no figure';
