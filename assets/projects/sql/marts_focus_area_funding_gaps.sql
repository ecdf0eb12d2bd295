-- marts.focus_area_funding_gaps: every city x focus area, its active and pipeline projects,
-- and whether no active project is known there.
create or replace table marts.focus_area_funding_gaps as
select c.city_id, c.name as city_name, f.focus_area_id, f.name as focus_area_name,
       count(p.project_key) filter (where p.status = 'active') as active_projects,
       count(p.project_key) filter (where p.status = 'pipeline') as pipeline_projects,
       count(p.project_key) filter (where p.status = 'active') = 0 as funding_gap
from staging.cities c
cross join staging.focus_areas f
left join staging.projects p
  on p.city_id = c.city_id and p.focus_area_id = f.focus_area_id and p.is_primary
group by all
order by c.city_id, f.focus_area_id;

-- Descriptions: shown by DBeaver and duckdb_columns(), exported as the data dictionary.
comment on table marts.focus_area_funding_gaps is 'For every city and focus area: active and pipeline projects, and whether the area has no active funded project.';
comment on column marts.focus_area_funding_gaps.city_id is 'Registry city id';
comment on column marts.focus_area_funding_gaps.city_name is 'City name';
comment on column marts.focus_area_funding_gaps.focus_area_id is 'Focus area id';
comment on column marts.focus_area_funding_gaps.focus_area_name is 'Focus area name';
comment on column marts.focus_area_funding_gaps.active_projects is 'Active projects';
comment on column marts.focus_area_funding_gaps.pipeline_projects is 'Pipeline projects';
comment on column marts.focus_area_funding_gaps.funding_gap is 'True when no active project is known in this focus area (as far as our sources know)';
