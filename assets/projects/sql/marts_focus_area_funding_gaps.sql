-- marts.focus_area_funding_gaps: every city x focus area, what the held sources say. A gap is
-- claimed only where a current source was held ("no active project known in <sources, as of
-- dates>"); where no current source covers the city, funding_gap is null, never true.
-- Active = status active with a current as-of date (ASCN_STATUS_MAX_AGE_DAYS, $max_age_days).
-- A project counts for every focus area one of its sectors maps to (focus_area_ids).
create or replace table marts.focus_area_funding_gaps as
with placed as (
    select p.project_key, p.status, p.status_is_current, p.focus_area_ids,
           unnest(p.places) as pl
    from staging.projects p where p.is_primary
),
per_area as (
    select x.pl.city_id as city_id, f.focus_area_id, x.pl.level as level, x.project_key,
           x.status, x.status_is_current
    from placed x, unnest(x.focus_area_ids) as f(focus_area_id)
),
held as (
    select c.city_id, s.source_label, s.as_of, s.is_current
    from staging.cities c
    join staging.project_source_coverage s
      on (s.city_id = c.city_id) or (s.city_id is null and s.country_iso3 = c.country_iso3)
),
sources as (
    select city_id,
           count(*) filter (where is_current) as current_sources,
           string_agg(source_label || ' (as of ' || as_of
                      || case when is_current then ')' else ', older than ' || $max_age_days
                         || ' days)' end, '; ' order by source_label) as sources_checked,
           string_agg(source_label || ' (as of ' || as_of || ')', '; ' order by source_label)
               filter (where is_current) as current_sources_checked
    from held group by city_id
),
counts as (
    select c.city_id, c.name as city_name, f.focus_area_id, f.name as focus_area_name,
           count(distinct a.project_key) filter (where a.status = 'active' and a.status_is_current
               and a.level <> 'province_containing_city') as active_in_city,
           count(distinct a.project_key) filter (where a.status = 'active' and a.status_is_current
               and a.level = 'province_containing_city') as active_in_province,
           count(distinct a.project_key) filter (where a.status = 'pipeline'
               and a.status_is_current) as pipeline_projects,
           count(distinct a.project_key) filter (where a.status = 'active'
               and not a.status_is_current) as stale_active_projects
    from staging.cities c
    cross join staging.focus_areas f
    left join per_area a on a.city_id = c.city_id and a.focus_area_id = f.focus_area_id
    group by all
),
judged as (
    select n.*, coalesce(s.current_sources, 0) as current_sources,
           coalesce(s.sources_checked, 'no project source held') as sources_checked,
           s.current_sources_checked,
           case when coalesce(s.current_sources, 0) = 0 then 'no_current_source'
                when n.active_in_city > 0 then 'active_project_in_city'
                when n.active_in_province > 0 then 'active_project_in_province_only'
                else 'no_active_project_known' end as gap_status
    from counts n left join sources s using (city_id)
)
select city_id, city_name, focus_area_id, focus_area_name, active_in_city,
       active_in_province, active_in_city + active_in_province as active_projects,
       pipeline_projects, stale_active_projects, current_sources, sources_checked, gap_status,
       case when gap_status = 'no_current_source' then null
            else gap_status = 'no_active_project_known' end as funding_gap,
       case gap_status
           when 'no_current_source' then 'no current project source held ('
               || sources_checked || '): no gap claimed'
           when 'no_active_project_known' then 'no active project known in '
               || current_sources_checked
           when 'active_project_in_province_only' then active_in_province
               || ' active project(s) located in the province, none in the city ('
               || current_sources_checked || ')'
           else active_in_city || ' active project(s) in the city (' || current_sources_checked
               || ')' end as statement
from judged
order by city_id, focus_area_id;

-- Descriptions: shown by DBeaver and duckdb_columns(), exported as the data dictionary.
comment on table marts.focus_area_funding_gaps is 'For every city and focus area: active projects known (current statuses only) and, only where a current source was held, whether none is: "no active project known in <sources, as of dates>".';
comment on column marts.focus_area_funding_gaps.city_id is 'Registry city id';
comment on column marts.focus_area_funding_gaps.city_name is 'City name';
comment on column marts.focus_area_funding_gaps.focus_area_id is 'Focus area id';
comment on column marts.focus_area_funding_gaps.focus_area_name is 'Focus area name';
comment on column marts.focus_area_funding_gaps.active_in_city is 'Active projects (current status) placed in the city: site, admin unit of the city, or the city''s register';
comment on column marts.focus_area_funding_gaps.active_in_province is 'Active projects (current status) located in the province containing the city only';
comment on column marts.focus_area_funding_gaps.active_projects is 'active_in_city + active_in_province';
comment on column marts.focus_area_funding_gaps.pipeline_projects is 'Pipeline projects with a current status';
comment on column marts.focus_area_funding_gaps.stale_active_projects is 'Projects shown active by a status older than the set age (not counted)';
comment on column marts.focus_area_funding_gaps.current_sources is 'Project sources held for this city with a current as-of date';
comment on column marts.focus_area_funding_gaps.sources_checked is 'Every project source held for the city''s country (registers: for the city), with its as-of date';
comment on column marts.focus_area_funding_gaps.gap_status is 'active_project_in_city, active_project_in_province_only, no_active_project_known, or no_current_source';
comment on column marts.focus_area_funding_gaps.funding_gap is 'True: no active project known in the current sources; null: no current source was held, so no gap is claimed';
comment on column marts.focus_area_funding_gaps.statement is 'The finding in words, with the sources and their as-of dates';
