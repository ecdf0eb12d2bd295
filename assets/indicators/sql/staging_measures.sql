-- All measured quantities of every city in one long table: the only input of the indicators.
-- One row per (city, measure, year, spatial unit, source). Every row carries its spatial unit:
-- unit_type (data/reference/boundary_types.csv), unit_id and unit_vintage (docs/METHODOLOGY.md
-- §1). A ratio is later computed only from a numerator and a denominator with the same unit_id.
--
-- unit_id, one rule for every source:
--   urban_centre      ghsl_ucdb2015:<GHSL uc_id>     (GHSL population, area and the street
--                                                     network measured in that urban centre)
--   agglomeration     un_wup2018:<city_id>           (the UN WUP 2018 agglomeration of the city)
--   admin_region      <boundary_type>:<city_id>      (the province, regency, district ... that
--                                                     contains the city: one per type and city)
--   measurement_area  <boundary_type>:<city_id>      (the standard OSM rings of that city)
--   nation            country:<iso3>
--   city, metro_area, urban_extent   <source>:<city_id>:<boundary_type>:<unit name in the source>
-- The infrastructure family may state a unit_id itself (e.g. an administrative polygon linked to
-- a census unit): a stated unit_id wins.
create or replace table staging.measures as
with infrastructure as (
    -- The zero-row frame declares the optional columns: NULL when the family does not give them.
    select * from (
        select null::varchar as unit_id, null::varchar as unit_name, null::boolean as implausible,
               null::varchar as plausibility_note
    ) where false
    union all by name
    select * from staging.infrastructure_metrics
),
measured as (
    -- Population and land area, every unit and source (projections excluded).
    select city_id, 'population' as measure_id, year, population as value, 'persons' as unit,
           boundary_type, source_id, unit_ref, unit_name, null::varchar as stated_unit_id,
           figure_kind, area_km2 is not null as with_area, source_ref, row_key, provenance,
           vintage, null::varchar as source_implausible
    from staging.population_figures
    where not is_projection and population is not null
    union all
    select city_id, 'land_area_km2', year, area_km2, 'km2', boundary_type, source_id, unit_ref,
           unit_name, null, figure_kind, true, source_ref, row_key, provenance, vintage, null
    from staging.population_figures
    where not is_projection and area_km2 is not null
    union all
    -- Population growth (SDG 11.3.1 form): ln(P_t / P_t-5) / 5, same source and unit only.
    select p.city_id, 'population_growth_pct', p.year,
           100 * ln(p.population / q.population) / (p.year - q.year), 'percent per year',
           p.boundary_type, p.source_id, p.unit_ref, p.unit_name, null, p.figure_kind, false,
           p.source_ref, p.row_key || ' / ' || q.row_key, p.provenance || ' / ' || q.provenance,
           p.vintage, null
    from staging.population_figures p
    join staging.population_figures q
      on q.city_id = p.city_id and q.source_id = p.source_id and q.boundary_type = p.boundary_type
     and q.unit_ref = p.unit_ref and q.year = p.year - 5 and not q.is_projection
    where not p.is_projection and p.population > 0 and q.population > 0
    union all
    -- Infrastructure metrics (OSM live/extract, or bundled GHSL/OSM-derived figures). A GHSL
    -- urban centre is named by its uc_id in boundary_ref ("GHSL urban centre 11165 (...)").
    select city_id, metric_id, year, value, unit, boundary_type, source_id,
           coalesce(case when boundary_type = 'urban_centre'
                         then nullif(regexp_extract(boundary_ref, 'urban centre (\d+)', 1), '')
                    end, boundary_ref, boundary_type),
           coalesce(unit_name, boundary_ref), unit_id, null, false, source_uri, provenance,
           provenance, coalesce(nullif(osm_timestamp, 'unknown'), reference_period, 'not stated'),
           -- the infrastructure family's own plausibility verdict travels with the value
           case when implausible then coalesce(plausibility_note, 'flagged by its source') end
    from infrastructure
    union all
    -- National context: each city carries its country's series (unit: the nation).
    select c.city_id, 'country.' || ci.indicator_code, ci.year, ci.value, null, 'country',
           'worldbank_indicators', ci.country_iso3, coalesce(c.country_name, ci.country_iso3),
           null, null, false, ci.source_file,
           ci.country_iso3 || '/' || ci.indicator_code || '/' || ci.year,
           'staging.country_indicators#' || ci.country_iso3 || '/' || ci.indicator_code || '/'
               || ci.year, ci.vintage, null
    from staging.country_indicators ci
    join staging.cities c on c.country_iso3 = ci.country_iso3
),
typed as (
    select m.*,
           -- An agglomeration defined by another source than UN WUP is a metro area: it is
           -- never compared with WUP agglomerations.
           case when m.boundary_type = 'agglomeration' and m.source_id <> 'un_wup2018'
                then 'metro_area' else bt.unit_type end as unit_type
    from measured m
    left join staging.boundary_types bt on bt.boundary_type = m.boundary_type
),
identified as (
    select t.* exclude (stated_unit_id),
           coalesce(t.stated_unit_id, case t.unit_type
               when 'urban_centre' then 'ghsl_ucdb2015:' || t.unit_ref
               when 'agglomeration' then 'un_wup2018:' || t.city_id
               when 'admin_region' then t.boundary_type || ':' || t.city_id
               when 'measurement_area' then t.boundary_type || ':' || t.city_id
               when 'nation' then 'country:' || t.unit_ref
               else t.source_id || ':' || t.city_id || ':' || t.boundary_type || ':' || t.unit_ref
           end) as unit_id,
           case when t.source_id = 'census_city'
                    then t.boundary_type || ' boundary as published '
                         || coalesce(t.year::varchar, '(year not stated)')
                when t.unit_type = 'urban_centre' then 'GHSL UCDB R2019A, 2015 delineation'
                when t.unit_type = 'agglomeration' then 'UN WUP 2018 agglomeration definition'
                when t.unit_type = 'nation' then 'country'
                else t.vintage end as unit_vintage
    from typed t
),
pilot as (
    -- The registry's pilot unit of each city: its figure with the registry's boundary type and
    -- unit name (data/reference/cities.csv).
    select c.city_id, i.unit_id, i.unit_type, i.unit_name
    from staging.cities c
    join identified i
      on i.city_id = c.city_id and i.measure_id = 'population'
     and i.boundary_type = c.pilot_boundary_type and i.unit_name = c.pilot_unit_name
    group by all
),
projects as (
    -- Development projects located in the city (primary record of each linked project only),
    -- attributed to the city's pilot unit. Only current statuses count (status_is_current:
    -- within ASCN_STATUS_MAX_AGE_DAYS), and only projects placed in the city itself, not those
    -- located in its province only (assets/projects/placement.py).
    select city_id, 'projects_active' as measure_id, as_of_year as year, count(*)::double as value,
           'projects' as unit, string_agg(project_key, ',' order by project_key) as keys,
           max(vintage) as vintage
    from staging.projects
    where is_primary and city_id is not null and status_is_current
      and match_level <> 'province_containing_city' and status = 'active'
    group by city_id, as_of_year
    union all
    select city_id, 'project_investment_usd', as_of_year, sum(cost_usd), 'USD',
           string_agg(project_key, ',' order by project_key), max(vintage)
    from staging.projects
    where is_primary and city_id is not null and status_is_current
      and match_level <> 'province_containing_city' and status in ('active', 'pipeline')
      and cost_usd is not null
    group by city_id, as_of_year
    union all
    select city_id, 'project_investment_usd.' || focus_area_id, as_of_year, sum(cost_usd), 'USD',
           string_agg(project_key, ',' order by project_key), max(vintage)
    from staging.projects
    where is_primary and city_id is not null and status_is_current
      and match_level <> 'province_containing_city' and status in ('active', 'pipeline')
      and cost_usd is not null and focus_area_id is not null
    group by city_id, focus_area_id, as_of_year
    union all
    select city_id, 'funded_focus_area_share', as_of_year,
           100.0 * count(distinct focus_area_id) / (select count(*) from staging.focus_areas),
           'percent', string_agg(distinct project_key, ',' order by project_key), max(vintage)
    from staging.projects
    where is_primary and city_id is not null and status_is_current
      and match_level <> 'province_containing_city' and status = 'active'
      and focus_area_id is not null
    group by city_id, as_of_year
),
everything as (
    select * exclude (with_area) replace (year::integer as year),
           case when source_id = 'census_city' then (not with_area)::int * 10 + case figure_kind
                when 'census' then 1 when 'registered' then 2 when 'estimate' then 3 else 4 end
                else 0 end as figure_rank
    from identified
    union all by name
    select p.city_id, p.measure_id, p.year::integer as year, p.value, p.unit,
           'project_location' as boundary_type, 'projects' as source_id, u.unit_name as unit_ref,
           u.unit_name, null as figure_kind, null as source_ref, p.keys as row_key,
           'staging.projects#' || p.keys as provenance, p.vintage, u.unit_type, u.unit_id,
           'project register as of ' || p.year as unit_vintage, 0 as figure_rank
    from projects p
    join pilot u using (city_id)
)
select e.* exclude (figure_rank), p.city_id is not null as is_pilot_unit,
       -- Two different values of one source for one unit and year (e.g. Phnom Penh's two 2019
       -- census totals): one is used (below), both stay in their staging table.
       min(e.value) over w <> max(e.value) over w as conflicting_source_values
from everything e
left join pilot p on p.city_id = e.city_id and p.unit_id = e.unit_id
window w as (partition by e.city_id, e.measure_id, e.year, e.unit_id, e.source_id)
-- Total order among them: a figure published with its area first, then census over register
-- over estimate, then source reference, value and content key (never the file's row order).
qualify row_number() over (
    partition by e.city_id, e.measure_id, e.year, e.unit_id, e.source_id
    order by e.figure_rank, e.source_ref, e.value, e.row_key
) = 1;

-- Descriptions: shown by DBeaver and duckdb_columns(), exported as the data dictionary.
comment on table staging.measures is 'Every measured quantity of every city: one row per city, measure, year, spatial unit and source, with the unit type, unit id and vintage (docs/METHODOLOGY.md §1). The only input of the indicator marts.';
comment on column staging.measures.city_id is 'Registry city id';
comment on column staging.measures.measure_id is 'Measure (population, land_area_km2, an infrastructure metric, country.<series>, projects_active, ...)';
comment on column staging.measures.year is 'Year of the figure (null when the source states none)';
comment on column staging.measures.value is 'The figure as published (never estimated here)';
comment on column staging.measures.unit is 'Unit of the figure';
comment on column staging.measures.boundary_type is 'Boundary type as stated by the source';
comment on column staging.measures.source_id is 'Source';
comment on column staging.measures.unit_ref is 'The unit within its source (GHSL uc_id, unit name, boundary reference)';
comment on column staging.measures.unit_name is 'Name of the unit in its source';
comment on column staging.measures.figure_kind is 'census, registered, estimate or modelled, as stated';
comment on column staging.measures.source_ref is 'Reference (URL or file) of the source';
comment on column staging.measures.row_key is 'Content key of the raw row (total order among candidates; never the file row number)';
comment on column staging.measures.provenance is 'Raw record behind the figure (raw table#content key)';
comment on column staging.measures.vintage is 'Source vintage';
comment on column staging.measures.source_implausible is 'Why the source family flagged the figure implausible (null when not flagged)';
comment on column staging.measures.unit_type is 'city, admin_region, urban_centre, agglomeration, metro_area, urban_extent, measurement_area or nation';
comment on column staging.measures.unit_id is 'Spatial unit id (numerator and denominator of a ratio share it)';
comment on column staging.measures.unit_vintage is 'Vintage of the unit''s boundary';
comment on column staging.measures.is_pilot_unit is 'True for the registry''s pilot unit of the city';
comment on column staging.measures.conflicting_source_values is 'True when the same source gave another value for this unit and year (the other stays in its staging table)';
