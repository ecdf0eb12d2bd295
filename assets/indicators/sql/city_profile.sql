-- One wide row per city: peer group and headline population, then one column per indicator.
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
