-- All measured quantities of every city in one long table: the only input of the indicators.
-- One row per (city, measure, year, boundary, source). An indicator in the catalogue names its
-- numerator measure and denominator measure; a new derived measure is one more SELECT here.
-- When one source gives two figures for the same unit and year (e.g. two published 2019 census
-- totals for Phnom Penh), the first by provenance is used; both stay in their staging table.
create or replace table staging.measures as
select * from (
-- Population and land area, every boundary and source (projections excluded).
select city_id, 'population' as measure_id, year, population as value, 'persons' as unit,
       boundary_type, source_id, provenance, vintage
from staging.population_figures
where not is_projection and population is not null
union all
select city_id, 'land_area_km2', year, area_km2, 'km2', boundary_type, source_id, provenance,
       vintage
from staging.population_figures
where area_km2 is not null
union all
-- Population growth (SDG 11.3.1 form): ln(P_t / P_t-5) / 5, same source and boundary only.
select p.city_id, 'population_growth_pct', p.year,
       100 * ln(p.population / q.population) / (p.year - q.year), 'percent per year',
       p.boundary_type, p.source_id, p.provenance || ' / ' || q.provenance, p.vintage
from staging.population_figures p
join staging.population_figures q
  on q.city_id = p.city_id and q.source_id = p.source_id and q.boundary_type = p.boundary_type
 and q.year = p.year - 5 and not q.is_projection
where not p.is_projection and p.population > 0 and q.population > 0
union all
-- Infrastructure metrics (OSM live/extract, or bundled GHSL/OSM-derived figures).
select city_id, metric_id, year, value, unit, boundary_type, source_id, provenance,
       coalesce(nullif(osm_timestamp, 'unknown'), reference_period, 'not stated')
from staging.infrastructure_metrics
union all
-- National context: each city carries its country's series (boundary 'country').
select c.city_id, 'country.' || ci.indicator_code, ci.year, ci.value, null, 'country',
       'worldbank_indicators', 'staging.country_indicators#' || ci.country_iso3 || '/'
       || ci.indicator_code || '/' || ci.year, ci.vintage
from staging.country_indicators ci
join staging.cities c on c.country_iso3 = ci.country_iso3
union all
-- Development projects located in the city (primary record of each linked project only).
select city_id, 'projects_active', as_of_year, count(*), 'projects', 'project_location',
       'projects', 'staging.projects#' || string_agg(project_key, ',' order by project_key),
       max(vintage)
from staging.projects
where is_primary and city_id is not null and status = 'active'
group by city_id, as_of_year
union all
select city_id, 'project_investment_usd', as_of_year, sum(cost_usd), 'USD', 'project_location',
       'projects', 'staging.projects#' || string_agg(project_key, ',' order by project_key),
       max(vintage)
from staging.projects
where is_primary and city_id is not null and status in ('active', 'pipeline')
  and cost_usd is not null
group by city_id, as_of_year
union all
select p.city_id, 'project_investment_usd.' || p.focus_area_id, p.as_of_year, sum(p.cost_usd),
       'USD', 'project_location', 'projects',
       'staging.projects#' || string_agg(p.project_key, ',' order by p.project_key),
       max(p.vintage)
from staging.projects p
where p.is_primary and p.city_id is not null and p.status in ('active', 'pipeline')
  and p.cost_usd is not null and p.focus_area_id is not null
group by p.city_id, p.focus_area_id, p.as_of_year
union all
select city_id, 'funded_focus_area_share', as_of_year,
       100.0 * count(distinct focus_area_id) / (select count(*) from staging.focus_areas),
       'percent', 'project_location', 'projects',
       'staging.projects#' || string_agg(distinct project_key, ','), max(vintage)
from staging.projects
where is_primary and city_id is not null and status = 'active' and focus_area_id is not null
group by city_id, as_of_year
)
qualify row_number() over (
    partition by city_id, measure_id, year, boundary_type, source_id order by provenance
) = 1;
