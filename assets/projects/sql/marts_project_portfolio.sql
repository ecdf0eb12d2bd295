-- marts.project_portfolio: the portfolio cube by city, focus area, financier and status
-- (primary records only), with USD per capita of the city's headline population.
create or replace table marts.project_portfolio as
select p.city_id, c.name as city_name, coalesce(p.focus_area_id, 'unmapped') as focus_area_id,
       coalesce(p.financier, 'unknown') as financier, p.status,
       count(*) as projects,
       sum(p.cost_usd) as total_usd,
       count(*) filter (where p.cost is not null and p.cost_usd is null) as projects_without_usd,
       sum(p.cost_usd) / any_value(pg.headline_population) as usd_per_capita,
       any_value(pg.headline_population) as headline_population
from staging.projects p
left join staging.cities c using (city_id)
left join marts.city_peer_groups pg using (city_id)
where p.is_primary and p.city_id is not null
group by all
order by p.city_id, focus_area_id, financier, p.status;

-- Descriptions: shown by DBeaver and duckdb_columns(), exported as the data dictionary.
comment on table marts.project_portfolio is 'Project portfolio by city, focus area, financier and status (primary records only).';
comment on column marts.project_portfolio.city_id is 'Registry city id';
comment on column marts.project_portfolio.city_name is 'City name';
comment on column marts.project_portfolio.focus_area_id is 'Focus area (unmapped when the sector has no mapping)';
comment on column marts.project_portfolio.financier is 'Financier';
comment on column marts.project_portfolio.status is 'Lifecycle status';
comment on column marts.project_portfolio.projects is 'Number of projects';
comment on column marts.project_portfolio.total_usd is 'Sum of cost in USD (projects without a USD cost excluded)';
comment on column marts.project_portfolio.projects_without_usd is 'Projects with a cost but no USD conversion';
comment on column marts.project_portfolio.usd_per_capita is 'total_usd / headline population';
comment on column marts.project_portfolio.headline_population is 'Headline population of the city';
