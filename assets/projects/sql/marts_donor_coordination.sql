-- marts.donor_coordination: who funds what, where, how much, as of when. One row per city,
-- focus area, financier, source, match level, status as shown and price basis:
-- * projects (primary records) placed in the city by location or named by the city's register,
--   with each financier's own amount (World Bank: the financier list of the export, or the
--   lender commitments IBRD/IDA/grant of the API record; IATI: funding organisations);
-- * AidData GCDF 3.0 allocations of Chinese official finance to the city's province (ADM1) or
--   unit (ADM2): the area-weighted share of each commitment, constant 2021 US$.
-- Amounts of different currencies or price bases are never summed: they are separate rows.
create or replace table marts.donor_coordination as
with funded as (
    select p.*, unnest(p.places) as pl from staging.projects p where p.is_primary
),
financed as (
    select f.*, unnest(f.financiers) as fin from funded f
),
project_rows as (
    select x.pl.city_id as city_id, x.focus_area_id,
           coalesce(x.fin.name, x.financier) as financier,
           coalesce(x.fin.type, x.financier_type) as financier_type,
           x.source_id, x.pl.level as match_level,
           coalesce(x.fin.amount_usd, x.fin.amount) as amount,
           case when x.fin.amount_usd is not null then 'USD' else x.fin.currency end as currency,
           case when x.source_id = 'worldbank_projects' and x.fin.amount_usd is not null
                then 'current US$ (at commitment)'
                else 'nominal, as reported' end as price_basis,
           x.project_key, x.source_project_id, x.title, x.status, x.status_is_current,
           x.status_as_of, x.fin.basis as financier_basis,
           coalesce(x.status_display, 'status not given') as status_shown
    from financed x
),
projects_part as (
    select city_id, focus_area_id, financier, financier_type, source_id, match_level,
           status_shown, currency, price_basis,
           count(distinct project_key) as projects,
           count(distinct project_key) filter (where status = 'active' and status_is_current)
               as active_projects,
           count(distinct project_key) filter (where status = 'active' and not status_is_current)
               as stale_active_projects,
           count(distinct project_key) filter (where status = 'pipeline' and status_is_current)
               as pipeline_projects,
           sum(amount) as amount,
           'each financier''s commitment to the whole project (' || string_agg(distinct
               financier_basis, '; ') || '); projects with locations elsewhere too: not the '
               || 'city''s share' as amount_basis,
           string_agg(distinct source_project_id, ', ' order by source_project_id) as project_ids,
           string_agg(distinct title, ' | ' order by title) as titles,
           min(status_as_of) as as_of_from, max(status_as_of) as as_of_to
    from project_rows
    group by all
),
aiddata_part as (
    select a.city_id, null::varchar as focus_area_id,
           'Chinese official sector (AidData GCDF 3.0)' as financier,
           'bilateral' as financier_type, 'aiddata_gcdf' as source_id, a.match_level,
           'no status (AidData location files)' as status_shown, 'USD' as currency, any_value(a.price_basis) as price_basis,
           count(distinct a.aiddata_project_id) as projects,
           null::bigint as active_projects, null::bigint as stale_active_projects,
           null::bigint as pipeline_projects,
           sum(a.intersection_value_usd2021) as amount,
           'AidData''s share of each commitment allocated to this ADM' || any_value(a.adm_level)
               || ' unit by area of intersection; '
               || count(*) filter (where a.intersection_value_usd2021 is null)
               || ' project(s) without an amount' as amount_basis,
           string_agg(distinct a.aiddata_project_id, ', ' order by a.aiddata_project_id)
               as project_ids,
           null::varchar as titles,
           null::date as as_of_from, null::date as as_of_to
    from staging.aiddata_locations a
    where a.city_id is not null
    group by a.city_id, a.match_level
)
select d.city_id, c.name as city_name, d.focus_area_id, d.financier, d.financier_type,
       d.source_id, d.match_level, d.status_shown as status, d.projects, d.active_projects, d.stale_active_projects,
       d.pipeline_projects, d.amount, d.currency, d.price_basis, d.amount_basis,
       d.as_of_from, d.as_of_to,
       case when d.source_id = 'aiddata_gcdf'
            then 'AidData GCDF 3.0 (commitments 2000-2021, no status)'
            when d.as_of_from = d.as_of_to then 'as of ' || d.as_of_to
            else 'as of ' || d.as_of_from || ' to ' || d.as_of_to end as as_of,
       d.project_ids, d.titles
from (select * from projects_part union all by name select * from aiddata_part) d
left join staging.cities c using (city_id)
order by d.city_id, d.focus_area_id nulls last, d.financier, d.source_id, d.match_level,
         d.status_shown, d.price_basis;

-- Descriptions: shown by DBeaver and duckdb_columns(), exported as the data dictionary.
comment on table marts.donor_coordination is 'Who funds what, where, how much, as of when: financier x city x focus area from the financiers of located projects and AidData allocations; current US$ and constant 2021 US$ never summed together.';
comment on column marts.donor_coordination.city_id is 'Registry city id';
comment on column marts.donor_coordination.city_name is 'City name';
comment on column marts.donor_coordination.focus_area_id is 'Primary focus area of the projects (null for AidData: its location files carry no sector)';
comment on column marts.donor_coordination.financier is 'Financier as the source names it (IDA Credit, Global Environment Facility (GEF), Borrower/Recipient, an IATI funding organisation, ...)';
comment on column marts.donor_coordination.financier_type is 'Type as the source gives it (World Bank Group, Trust Funds, Multilateral Agency, Local Contributor, ...)';
comment on column marts.donor_coordination.source_id is 'worldbank_projects, iati, project_register or aiddata_gcdf';
comment on column marts.donor_coordination.match_level is 'How the projects are placed in the city (site_in_city, admin_unit_of_city, province_containing_city, stated_by_city_register)';
comment on column marts.donor_coordination.status is 'Status as shown: active, pipeline, completed, cancelled when current; "active as of 2013-12-18" when stale; amounts of different statuses are separate rows';
comment on column marts.donor_coordination.projects is 'Projects (distinct)';
comment on column marts.donor_coordination.active_projects is 'Of those, active with a current status (null: the source has no status)';
comment on column marts.donor_coordination.stale_active_projects is 'Shown active by a status older than the set age (not counted as active)';
comment on column marts.donor_coordination.pipeline_projects is 'Pipeline with a current status';
comment on column marts.donor_coordination.amount is 'Sum of the amounts in currency and price_basis (see amount_basis)';
comment on column marts.donor_coordination.currency is 'Currency of amount';
comment on column marts.donor_coordination.price_basis is 'current US$ (at commitment), constant 2021 US$ (AidData), or nominal as reported';
comment on column marts.donor_coordination.amount_basis is 'What the amount is, and what it is not';
comment on column marts.donor_coordination.as_of_from is 'Earliest as-of date of the statuses';
comment on column marts.donor_coordination.as_of_to is 'Latest as-of date of the statuses';
comment on column marts.donor_coordination.as_of is 'As of when, in words';
comment on column marts.donor_coordination.project_ids is 'Project ids in their source (AidData: https://china.aiddata.org/projects/<id>)';
comment on column marts.donor_coordination.titles is 'Project titles';
