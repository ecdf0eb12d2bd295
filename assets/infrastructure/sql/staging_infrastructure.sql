-- Infrastructure metrics from every back-end in one typed table. The year is the last year
-- named in the source's reference period (or the OSM data timestamp).
create or replace table staging.infrastructure_metrics as
with unioned as (
    select *, 'raw.osm_metrics' as raw_table from raw.osm_metrics
    union all by name
    select *, 'raw.ghsl_street_network' as raw_table from raw.ghsl_street_network
    union all by name
    select *, 'raw.health_facilities' as raw_table from raw.health_facilities
    union all by name
    select *, 'raw.sdg_11_2_1' as raw_table from raw.sdg_11_2_1
)
select
    city_id, metric_id, try_cast(value as double) as value, unit, boundary_type,
    boundary_ref::varchar as boundary_ref, osm_timestamp::varchar as osm_timestamp,
    try_cast(list_max(regexp_extract_all(
        coalesce(reference_period::varchar, '') || ' ' || coalesce(osm_timestamp::varchar, ''),
        '(19|20)\d{2}')) as integer) as year,
    reference_period::varchar as reference_period,
    source_id, source_uri, raw_table || '#' || city_id || '/' || metric_id as provenance,
    notes
from unioned
where city_id is not null;
