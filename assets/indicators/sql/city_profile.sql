-- marts.city_profile: one wide row per city: peer group and headline population (the registry's
-- pilot unit), the GHSL urban centre and UN WUP agglomeration populations beside it (other units:
-- marts.city_units), then one column per indicator. One value per (city, indicator) is checked
-- by indicator_values_unique_and_in_catalogue, so first() takes the only value.
create or replace table marts.city_profile as
with wide as (
    pivot (select city_id, indicator_id, value from marts.indicator_values)
    on indicator_id using first(value) group by city_id
),
side_by_side as (
    select city_id,
           max(population) filter (where unit_type = 'urban_centre') as urban_centre_population,
           max(population_year) filter (where unit_type = 'urban_centre')::integer
               as urban_centre_population_year,
           max(population) filter (where unit_type = 'agglomeration') as agglomeration_population,
           max(population_year) filter (where unit_type = 'agglomeration')::integer
               as agglomeration_population_year
    from marts.city_units
    group by city_id
)
select pg.city_id, pg.name, pg.country_iso3, pg.size_class, pg.headline_population,
       pg.headline_population_year, pg.headline_unit_type, pg.headline_unit_name,
       pg.headline_boundary_type, pg.pilot_unit_confirmed, s.urban_centre_population,
       s.urban_centre_population_year, s.agglomeration_population,
       s.agglomeration_population_year, wide.* exclude (city_id)
from marts.city_peer_groups pg
left join side_by_side s using (city_id)
left join wide using (city_id)
order by pg.city_id;

-- Descriptions: shown by DBeaver and duckdb_columns(), exported as the data dictionary. The
-- indicator columns are described from the catalogue (marts.py, comment_profile_columns).
comment on table marts.city_profile is 'One wide row per city: peer group, headline population (the registry''s pilot unit) with the urban-centre and agglomeration populations beside it, then one column per indicator (value in the catalogue unit; its unit type in marts.indicator_values).';
comment on column marts.city_profile.city_id is 'Registry city id';
comment on column marts.city_profile.name is 'City name';
comment on column marts.city_profile.country_iso3 is 'ISO3 country code';
comment on column marts.city_profile.size_class is 'OECD city-size class of the headline population';
comment on column marts.city_profile.headline_population is 'Headline population: the registry''s pilot unit, as published';
comment on column marts.city_profile.headline_population_year is 'Year of the headline population';
comment on column marts.city_profile.headline_unit_type is 'Unit type of the pilot unit';
comment on column marts.city_profile.headline_unit_name is 'Name of the pilot unit';
comment on column marts.city_profile.headline_boundary_type is 'Boundary type of the pilot unit';
comment on column marts.city_profile.pilot_unit_confirmed is 'False when the registry does not confirm which unit the pilot covers';
comment on column marts.city_profile.urban_centre_population is 'GHSL urban-centre population (another unit, side by side)';
comment on column marts.city_profile.urban_centre_population_year is 'Year of the urban-centre population';
comment on column marts.city_profile.agglomeration_population is 'UN WUP 2018 agglomeration population nearest 2020, estimates only (another unit, side by side)';
comment on column marts.city_profile.agglomeration_population_year is 'Year of the agglomeration population';
