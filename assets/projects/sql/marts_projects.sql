-- marts.projects: the conformed projects of every source, one row per source record;
-- project_key links the records of one project, is_primary marks the one that is counted.
-- Every status carries the date it held (status_as_of) and whether that date is current
-- (within ASCN_STATUS_MAX_AGE_DAYS of the run); a stale status reads "active as of 2013-12-18".
-- The published columns keep their documented text form: lists as JSON text
-- ('["JPN", "KHM"]'), start and end dates as ISO 'YYYY-MM-DD'; staging.projects holds them as
-- LIST and DATE.
create or replace table marts.projects as
select project_key, is_primary, source_id, source_project_id, city_id, city_match,
       city_confidence, match_level, placement,
       '[' || array_to_string(list_transform(city_candidates, lambda x: to_json(x)::varchar),
                              ', ') || ']' as cities,
       title, sector, focus_area_id,
       '[' || array_to_string(list_transform(focus_area_ids, lambda x: to_json(x)::varchar),
                              ', ') || ']' as focus_area_ids,
       financier, financier_type,
       '[' || array_to_string(list_transform(partner_companies, lambda x: to_json(x)::varchar),
                              ', ') || ']' as partner_companies,
       '[' || array_to_string(list_transform(partner_countries, lambda x: to_json(x)::varchar),
                              ', ') || ']' as partner_countries,
       cost, currency, cost_usd, fx_rate, fx_rate_year, fx_rate_source, fx_flag, status,
       source_status, status_as_of, status_is_current, status_display,
       '[' || array_to_string(list_transform(record_flags, lambda x: to_json(x)::varchar),
                              ', ') || ']' as record_flags,
       start_date::varchar as start_date, end_date::varchar as end_date,
       as_of_year, vintage, source_ref, source_uri, provenance
from staging.projects
order by city_id nulls last, project_key, source_id;

-- Descriptions: shown by DBeaver and duckdb_columns(), exported as the data dictionary.
comment on table marts.projects is 'Development projects from every source, conformed: placement in cities by location, focus area, status with its as-of date (current or stale), cost in USD with the rate used; linked across sources.';
comment on column marts.projects.project_key is 'Id shared by the records of one project reported by several sources';
comment on column marts.projects.is_primary is 'The record counted in portfolio figures (one per project_key)';
comment on column marts.projects.source_id is 'worldbank_projects, iati or project_register';
comment on column marts.projects.source_project_id is 'Project id in its source';
comment on column marts.projects.city_id is 'The one registry city at the project''s most specific match level; null for a national project or when several cities share that level (all are in cities and marts.project_places)';
comment on column marts.projects.city_match is 'location (placed by a geocoded location) or explicit/name (a city register names the city)';
comment on column marts.projects.city_confidence is 'For register rows: high; null for location placement (see match_level)';
comment on column marts.projects.match_level is 'Level of city_id: site_in_city, admin_unit_of_city, province_containing_city, or stated_by_city_register';
comment on column marts.projects.placement is 'national (no location, or country-level only), located (in registry cities, see cities), elsewhere (located outside every registry city) or register';
comment on column marts.projects.cities is 'Every registry city the project is placed in (JSON list; levels in marts.project_places)';
comment on column marts.projects.title is 'Project title';
comment on column marts.projects.sector is 'Sectors as given by the source (largest share first)';
comment on column marts.projects.focus_area_id is 'Primary ASCN focus area: the one with the largest sector share (mapping: data/catalogue/sector_focus_map.csv)';
comment on column marts.projects.focus_area_ids is 'Every focus area one of the project''s sectors maps to (JSON list, largest share first)';
comment on column marts.projects.financier is 'Reporting financier (World Bank; IATI reporting organisation; register financier); all financiers in marts.donor_coordination';
comment on column marts.projects.financier_type is 'government, multilateral, bilateral, private, ...';
comment on column marts.projects.partner_companies is 'Partner companies (JSON list)';
comment on column marts.projects.partner_countries is 'Partner company countries, ISO3 (JSON list)';
comment on column marts.projects.cost is 'Cost in the source currency (World Bank: total commitment, current US$)';
comment on column marts.projects.currency is 'ISO 4217 currency of cost';
comment on column marts.projects.cost_usd is 'Cost in US dollars (null when no published rate is available)';
comment on column marts.projects.fx_rate is 'Units of currency per USD used';
comment on column marts.projects.fx_rate_year is 'Year of the rate';
comment on column marts.projects.fx_rate_source is 'Source of the rate';
comment on column marts.projects.fx_flag is 'Why cost_usd is missing, if it is';
comment on column marts.projects.status is 'pipeline, active, completed or cancelled, as of status_as_of (empty when the source gave none: see record_flags)';
comment on column marts.projects.source_status is 'Status as given by the source';
comment on column marts.projects.status_as_of is 'Date the status held: the export''s vintage (2013 sample: its records'' export date 2013-12-18), the API retrieval date, or the day the register file was received';
comment on column marts.projects.status_is_current is 'True when status_as_of is within ASCN_STATUS_MAX_AGE_DAYS (default 1095) of the run; only current statuses count as active';
comment on column marts.projects.status_display is 'The status as shown: "active" when current, "active as of 2013-12-18" when stale';
comment on column marts.projects.record_flags is 'What was missing or refused in the source record (JSON list): status_missing, status_unmapped:<value>, placeholder_date:<type> <date>, from_last_good_version:<date> (a register row kept from the last good version of its file, which is now unreadable or gone), ...';
comment on column marts.projects.start_date is 'Start date (World Bank: board approval)';
comment on column marts.projects.end_date is 'End or closing date';
comment on column marts.projects.as_of_year is 'Year of status_as_of';
comment on column marts.projects.vintage is 'Source and the date its status holds';
comment on column marts.projects.source_ref is 'Source document or URL';
comment on column marts.projects.source_uri is 'File, folder or API the record came from';
comment on column marts.projects.provenance is 'Raw table#id of the record';
