-- marts.donor_coordination: who funds what where (financier x city x focus area), primary
-- records only.
create or replace table marts.donor_coordination as
select p.financier, p.city_id, c.name as city_name, p.focus_area_id,
       count(*) as projects,
       count(*) filter (where p.status in ('active', 'pipeline')) as open_projects,
       sum(p.cost_usd) as total_usd,
       string_agg(p.title, ' | ' order by p.title) as titles
from staging.projects p
left join staging.cities c using (city_id)
where p.is_primary and p.city_id is not null
group by all
order by p.city_id, p.focus_area_id, p.financier;

-- Descriptions: shown by DBeaver and duckdb_columns(), exported as the data dictionary.
comment on table marts.donor_coordination is 'Who funds what where: financier x city x focus area.';
comment on column marts.donor_coordination.financier is 'Financier';
comment on column marts.donor_coordination.city_id is 'Registry city id';
comment on column marts.donor_coordination.city_name is 'City name';
comment on column marts.donor_coordination.focus_area_id is 'Focus area';
comment on column marts.donor_coordination.projects is 'Projects';
comment on column marts.donor_coordination.open_projects is 'Active or pipeline projects';
comment on column marts.donor_coordination.total_usd is 'Sum of cost in USD';
comment on column marts.donor_coordination.titles is 'Project titles';
