-- marts.business_matches: companies of the user's company register ranked against open
-- projects (pipeline or active with a current status; staging.business_matches, built by
-- assets/projects/companies.py), each with its reasons by kind. Empty when no company register
-- was supplied: marts.company_registers says so.
-- Typed explicitly: with an empty company register the staging frame has no column types.
create or replace table marts.business_matches as
select project_key::varchar as project_key, source_id::varchar as source_id,
       source_project_id::varchar as source_project_id, city_id::varchar as city_id,
       company_id::varchar as company_id, company_name::varchar as company_name,
       country_iso3::varchar as country_iso3, score::double as score,
       rank::integer as rank, reason_sector::varchar as reason_sector,
       reason_place::varchar as reason_place, reason_size::varchar as reason_size,
       reason_past_projects::varchar as reason_past_projects, reason::varchar as reason
from staging.business_matches
order by project_key, rank;

-- Descriptions: shown by DBeaver and duckdb_columns(), exported as the data dictionary.
comment on table marts.business_matches is 'Companies from the user''s company register ranked against open projects, with the reasons (sector, place, size, past projects); see marts.company_registers when empty.';
comment on column marts.business_matches.project_key is 'Project';
comment on column marts.business_matches.source_id is 'Project source';
comment on column marts.business_matches.source_project_id is 'Project id in its source';
comment on column marts.business_matches.city_id is 'City of the project (null: several or none, see marts.project_places)';
comment on column marts.business_matches.company_id is 'Company id';
comment on column marts.business_matches.company_name is 'Company name';
comment on column marts.business_matches.country_iso3 is 'Company country';
comment on column marts.business_matches.score is 'Match score: sector + place + size + past projects (see docs/PROJECT_REGISTER.md)';
comment on column marts.business_matches.rank is 'Rank of the company for this project (1 = best)';
comment on column marts.business_matches.reason_sector is 'Sector reasons: focus area, sector words, capabilities';
comment on column marts.business_matches.reason_place is 'Place reasons: the company works in the project''s city; partnership country preference';
comment on column marts.business_matches.reason_size is 'Size: the project''s US$ cost against the company''s maximum project size';
comment on column marts.business_matches.reason_past_projects is 'Past projects: this project, or one with the same financier or city';
comment on column marts.business_matches.reason is 'All reasons';
