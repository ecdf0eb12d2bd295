-- marts.city_profile: one wide row per city: peer group and headline population, then one column
-- per indicator.
create or replace table marts.city_profile as
with wide as (
    pivot (select city_id, indicator_id, value from marts.indicator_values)
    on indicator_id using first(value) group by city_id
)
select pg.city_id, pg.name, pg.country_iso3, pg.size_class, pg.headline_population,
       pg.headline_population_year, pg.headline_boundary_type, wide.* exclude (city_id)
from marts.city_peer_groups pg
left join wide using (city_id)
order by pg.city_id;

-- Descriptions: shown by DBeaver and duckdb_columns(), exported as the data dictionary. The
-- indicator columns are described from the catalogue (marts.py, comment_profile_columns).
comment on table marts.city_profile is 'One wide row per city: peer group, headline population, then one column per indicator (value in the catalogue unit).';
comment on column marts.city_profile.city_id is 'Registry city id';
comment on column marts.city_profile.name is 'City name';
comment on column marts.city_profile.country_iso3 is 'ISO3 country code';
comment on column marts.city_profile.size_class is 'OECD city-size class';
comment on column marts.city_profile.headline_population is 'Headline population';
comment on column marts.city_profile.headline_population_year is 'Year of the headline population';
comment on column marts.city_profile.headline_boundary_type is 'Spatial unit of the headline population';
