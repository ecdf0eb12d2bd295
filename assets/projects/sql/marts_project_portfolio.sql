-- marts.project_portfolio: the portfolio cube by city, match level, focus area, financier and
-- status (primary records, placed by location), with USD per capita of the city's headline
-- population. A stale status (older than ASCN_STATUS_MAX_AGE_DAYS) is its own row, never
-- counted with the current ones.
create or replace table marts.project_portfolio as
with placed as (
    select p.*, unnest(p.places) as pl from staging.projects p where p.is_primary
)
select x.pl.city_id as city_id, c.name as city_name, x.pl.level as match_level,
       coalesce(x.focus_area_id, 'unmapped') as focus_area_id,
       coalesce(x.financier, 'unknown') as financier, x.status, x.status_is_current,
       count(*) as projects,
       sum(x.cost_usd) as total_usd,
       count(*) filter (where x.cost is not null and x.cost_usd is null) as projects_without_usd,
       sum(x.cost_usd) / any_value(pg.headline_population) as usd_per_capita,
       any_value(pg.headline_population) as headline_population,
       min(x.status_as_of) as status_as_of_from, max(x.status_as_of) as status_as_of_to
from placed x
left join staging.cities c on c.city_id = x.pl.city_id
left join marts.city_peer_groups pg on pg.city_id = x.pl.city_id
group by all
order by city_id, match_level, focus_area_id, financier, x.status, x.status_is_current;

-- Descriptions: shown by DBeaver and duckdb_columns(), exported as the data dictionary.
comment on table marts.project_portfolio is 'Project portfolio by city, match level, focus area, financier and status (primary records, placed by location; stale statuses apart).';
comment on column marts.project_portfolio.city_id is 'Registry city id';
comment on column marts.project_portfolio.city_name is 'City name';
comment on column marts.project_portfolio.match_level is 'How the projects are placed in the city (see marts.project_places)';
comment on column marts.project_portfolio.focus_area_id is 'Primary focus area (unmapped when no sector has a mapping)';
comment on column marts.project_portfolio.financier is 'Reporting financier';
comment on column marts.project_portfolio.status is 'Lifecycle status';
comment on column marts.project_portfolio.status_is_current is 'True when the status is within the set age; false rows hold stale statuses ("active as of 2013-12-18")';
comment on column marts.project_portfolio.projects is 'Number of projects';
comment on column marts.project_portfolio.total_usd is 'Sum of whole-project cost in USD (projects without a USD cost excluded; a multi-location project is not the city''s share)';
comment on column marts.project_portfolio.projects_without_usd is 'Projects with a cost but no USD conversion';
comment on column marts.project_portfolio.usd_per_capita is 'total_usd / headline population';
comment on column marts.project_portfolio.headline_population is 'Headline population of the city';
comment on column marts.project_portfolio.status_as_of_from is 'Earliest as-of date of these statuses';
comment on column marts.project_portfolio.status_as_of_to is 'Latest as-of date of these statuses';
