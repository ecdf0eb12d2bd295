-- Project marts: the conformed projects, a portfolio cube, donor coordination, funding gaps and
-- business matches. Only the primary record of each linked project is counted.
create or replace table marts.projects as
select project_key, is_primary, source_id, source_project_id, city_id, city_match,
       city_confidence, title, sector, focus_area_id, financier, financier_type,
       partner_companies, partner_countries, cost, currency, cost_usd, fx_rate, fx_rate_year,
       fx_rate_source, fx_flag, status, source_status, start_date, end_date, as_of_year,
       source_ref, source_uri, provenance
from staging.projects
order by city_id nulls last, project_key, source_id;

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

-- Typed explicitly: with an empty company register the staging frame has no column types.
create or replace table marts.business_matches as
select project_key::varchar as project_key, source_id::varchar as source_id,
       source_project_id::varchar as source_project_id, city_id::varchar as city_id,
       company_id::varchar as company_id, company_name::varchar as company_name,
       country_iso3::varchar as country_iso3, score::double as score,
       rank::integer as rank, reason::varchar as reason
from staging.business_matches
order by project_key, rank;
