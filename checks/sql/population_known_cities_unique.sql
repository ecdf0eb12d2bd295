-- Offending population rows: unknown city, or the same figure (same value, unit and source
-- document) twice. Two different published figures for one unit and year are both kept.
select p.city_id, p.year, p.boundary_type, p.source_id, 'unknown city id' as problem
from staging.population_figures p
left join staging.cities c using (city_id)
where c.city_id is null
union all
select city_id, year, boundary_type, source_id, 'duplicate figure (' || count(*) || 'x)'
from staging.population_figures
group by city_id, year, boundary_type, source_id, unit_name, source_ref, population
having count(*) > 1;
