-- Seed meta.headline_history with the marts.city_peer_groups table that a build file already
-- holds, as build_seq 0 (run by marts.py only when the history is empty and the table exists).
-- The zero-row frame supplies the columns a table built before the unit model lacks.
insert into meta.headline_history
select 0, now(), city_id, headline_population, headline_population_year, headline_unit_type,
       headline_unit_id, headline_unit_name, headline_boundary_type, headline_population_source
from (
    select * from (
        select null::varchar as headline_unit_type, null::varchar as headline_unit_id,
               null::varchar as headline_unit_name
    ) where false
    union all by name
    select * from marts.city_peer_groups
);
