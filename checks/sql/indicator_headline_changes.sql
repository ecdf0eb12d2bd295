-- Headline changes between the last two builds of marts.city_peer_groups (meta.headline_history):
-- a city whose population, year, boundary type or source differs, or whose unit id differs where
-- both builds have one (the build before the unit model recorded none). Read by the WARN check
-- headline_changed (checks/indicators.py): one row per changed city, old and new values.
with builds as (
    select max(build_seq) as new_seq,
           max(build_seq) filter (
               where build_seq < (select max(build_seq) from meta.headline_history)) as old_seq
    from meta.headline_history
),
new as (select h.* from meta.headline_history h join builds b on h.build_seq = b.new_seq),
old as (select h.* from meta.headline_history h join builds b on h.build_seq = b.old_seq)
select coalesce(n.city_id, o.city_id) as city_id,
       o.population as old_population, n.population as new_population,
       o.population_year as old_year, n.population_year as new_year,
       coalesce(o.unit_name, o.boundary_type) as old_unit,
       coalesce(n.unit_name, n.boundary_type) as new_unit,
       o.source_id as old_source, n.source_id as new_source
from new n
full join old o on o.city_id = n.city_id
where (select old_seq from builds) is not null and (
      n.city_id is null or o.city_id is null
      or n.population is distinct from o.population
      or n.population_year is distinct from o.population_year
      or n.boundary_type is distinct from o.boundary_type
      or n.source_id is distinct from o.source_id
      or (n.unit_id is not null and o.unit_id is not null and n.unit_id <> o.unit_id))
order by city_id;
