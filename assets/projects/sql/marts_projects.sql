-- marts.projects: the conformed projects of every source, one row per source record;
-- project_key links the records of one project, is_primary marks the one that is counted.
-- The published columns keep their documented text form: partner lists as JSON text
-- ('["JPN", "KHM"]'), dates as ISO 'YYYY-MM-DD'; staging.projects holds them as LIST and DATE.
create or replace table marts.projects as
select project_key, is_primary, source_id, source_project_id, city_id, city_match,
       city_confidence, title, sector, focus_area_id, financier, financier_type,
       '[' || array_to_string(list_transform(partner_companies, lambda x: to_json(x)::varchar),
                              ', ') || ']' as partner_companies,
       '[' || array_to_string(list_transform(partner_countries, lambda x: to_json(x)::varchar),
                              ', ') || ']' as partner_countries,
       cost, currency, cost_usd, fx_rate, fx_rate_year, fx_rate_source, fx_flag, status,
       source_status, start_date::varchar as start_date, end_date::varchar as end_date,
       as_of_year, source_ref, source_uri, provenance
from staging.projects
order by city_id nulls last, project_key, source_id;

-- Descriptions: shown by DBeaver and duckdb_columns(), exported as the data dictionary.
comment on table marts.projects is 'Development projects from every source, conformed: city, focus area, status lifecycle, cost in USD with the rate used; linked across sources.';
comment on column marts.projects.project_key is 'Id shared by the records of one project reported by several sources';
comment on column marts.projects.is_primary is 'The record counted in portfolio figures (one per project_key)';
comment on column marts.projects.source_id is 'worldbank_projects, iati or project_register';
comment on column marts.projects.source_project_id is 'Project id in its source';
comment on column marts.projects.city_id is 'Registry city id (null = national or unlocated project)';
comment on column marts.projects.city_match is 'explicit (the source names the city) or name (matched on text)';
comment on column marts.projects.city_confidence is 'high, low or ambiguous, for name matches';
comment on column marts.projects.title is 'Project title';
comment on column marts.projects.sector is 'Sector as given by the source';
comment on column marts.projects.focus_area_id is 'ASCN focus area (mapping: data/catalogue/sector_focus_map.csv)';
comment on column marts.projects.financier is 'Financier';
comment on column marts.projects.financier_type is 'government, multilateral, bilateral, private, ...';
comment on column marts.projects.partner_companies is 'Partner companies (JSON list)';
comment on column marts.projects.partner_countries is 'Partner company countries, ISO3 (JSON list)';
comment on column marts.projects.cost is 'Cost in the source currency';
comment on column marts.projects.currency is 'ISO 4217 currency of cost';
comment on column marts.projects.cost_usd is 'Cost in US dollars (null when no published rate is available)';
comment on column marts.projects.fx_rate is 'Units of currency per USD used';
comment on column marts.projects.fx_rate_year is 'Year of the rate';
comment on column marts.projects.fx_rate_source is 'Source of the rate';
comment on column marts.projects.fx_flag is 'Why cost_usd is missing, if it is';
comment on column marts.projects.status is 'pipeline, active, completed or cancelled';
comment on column marts.projects.source_status is 'Status as given by the source';
comment on column marts.projects.start_date is 'Start date';
comment on column marts.projects.end_date is 'End or closing date';
comment on column marts.projects.as_of_year is 'Year the status holds for';
comment on column marts.projects.source_ref is 'Source document or URL';
comment on column marts.projects.source_uri is 'File or API the record came from';
comment on column marts.projects.provenance is 'Raw table#id of the record';
