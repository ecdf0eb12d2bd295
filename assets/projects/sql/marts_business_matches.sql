-- marts.business_matches: companies ranked against open projects
-- (staging.business_matches, built by assets/projects/companies.py).
-- Typed explicitly: with an empty company register the staging frame has no column types.
create or replace table marts.business_matches as
select project_key::varchar as project_key, source_id::varchar as source_id,
       source_project_id::varchar as source_project_id, city_id::varchar as city_id,
       company_id::varchar as company_id, company_name::varchar as company_name,
       country_iso3::varchar as country_iso3, score::double as score,
       rank::integer as rank, reason::varchar as reason
from staging.business_matches
order by project_key, rank;

-- Descriptions: shown by DBeaver and duckdb_columns(), exported as the data dictionary.
comment on table marts.business_matches is 'Companies from the company register ranked against open projects by focus area and sector, with the reason.';
comment on column marts.business_matches.project_key is 'Project';
comment on column marts.business_matches.source_id is 'Project source';
comment on column marts.business_matches.source_project_id is 'Project id in its source';
comment on column marts.business_matches.city_id is 'City of the project';
comment on column marts.business_matches.company_id is 'Company id';
comment on column marts.business_matches.company_name is 'Company name';
comment on column marts.business_matches.country_iso3 is 'Company country';
comment on column marts.business_matches.score is 'Match score (see docs/PROJECT_REGISTER.md)';
comment on column marts.business_matches.rank is 'Rank of the company for this project (1 = best)';
comment on column marts.business_matches.reason is 'Why the company matches';
