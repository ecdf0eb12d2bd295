-- marts.city_peer_groups: the headline population of each city (boundary precedence, reference
-- year 2020) and its peer group by OECD city-size class.
create or replace table marts.city_peer_groups as
with headline as (
    select city_id, arg_min(population, coalesce(bt.precedence, 99) * 10000 + abs(year - 2020))
               as population,
           arg_min(year, coalesce(bt.precedence, 99) * 10000 + abs(year - 2020)) as year,
           arg_min(p.boundary_type, coalesce(bt.precedence, 99) * 10000 + abs(year - 2020))
               as boundary_type,
           arg_min(source_id, coalesce(bt.precedence, 99) * 10000 + abs(year - 2020))
               as source_id
    from staging.population_figures p
    left join staging.boundary_types bt using (boundary_type)
    where not is_projection and population is not null
    group by city_id
)
select c.city_id, c.name, c.country_iso3, h.population as headline_population,
       h.year as headline_population_year, h.boundary_type as headline_boundary_type,
       h.source_id as headline_population_source,
       case when h.population is null then 'unknown'
            when h.population < 50000 then 'below_50k'
            when h.population < 200000 then '50k_200k'
            when h.population < 500000 then '200k_500k'
            when h.population < 1500000 then '500k_1.5m'
            else '1.5m_plus' end as size_class
from staging.cities c
left join headline h using (city_id);

-- Descriptions: shown by DBeaver and duckdb_columns(), exported as the data dictionary.
comment on table marts.city_peer_groups is 'Headline population of each city (by boundary precedence, nearest to 2020) and its OECD size class used as peer group.';
comment on column marts.city_peer_groups.city_id is 'Registry city id';
comment on column marts.city_peer_groups.name is 'City name';
comment on column marts.city_peer_groups.country_iso3 is 'ISO3 country code';
comment on column marts.city_peer_groups.headline_population is 'Population chosen by boundary precedence (see data/reference/boundary_types.csv)';
comment on column marts.city_peer_groups.headline_population_year is 'Year of the headline population';
comment on column marts.city_peer_groups.headline_boundary_type is 'Spatial unit of the headline population';
comment on column marts.city_peer_groups.headline_population_source is 'Source of the headline population';
comment on column marts.city_peer_groups.size_class is 'OECD class: below_50k, 50k_200k, 200k_500k, 500k_1.5m, 1.5m_plus, unknown';
