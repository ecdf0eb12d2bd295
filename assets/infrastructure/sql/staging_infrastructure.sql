-- Infrastructure metrics from every back-end in one typed table. The year is the last year
-- named in the source's reference period (or the OSM data timestamp).
--
-- OSM rows say which measurement area each value is of (ring_5km, ring_10km,
-- admin_adm2:<shapeID>, osm_relation:<id>), its area and definition, and whether a 0 is a
-- measured 0. Their plausibility is judged against the ranges of data/catalogue/osm_metrics.csv
-- (the asset registers them as the frame `osm_metric_ranges`): above the plausible maximum per
-- km2 or per 100,000 residents, or 0 road length / green area in a city of more people than the
-- catalogue's threshold, a value is kept and flagged `implausible` with the reason.
create or replace table staging.infrastructure_metrics as
with unioned as (
    -- The zero-row frame declares the OSM-only columns: NULL for the bundled sources.
    select * from (
        select null::varchar as measurement_area, null::double as measurement_area_km2,
               null::varchar as measurement_area_definition, null::boolean as measured_zero,
               null::varchar as unit_id
    ) where false
    union all by name
    select *, 'raw.osm_metrics' as raw_table from raw.osm_metrics
    union all by name
    select *, 'raw.ghsl_street_network' as raw_table from raw.ghsl_street_network
    union all by name
    select *, 'raw.health_facilities' as raw_table from raw.health_facilities
    union all by name
    select *, 'raw.sdg_11_2_1' as raw_table from raw.sdg_11_2_1
),
typed as (
    select
        city_id, metric_id, try_cast(value as double) as value, unit, boundary_type,
        boundary_ref::varchar as boundary_ref, osm_timestamp::varchar as osm_timestamp,
        try_cast(list_max(regexp_extract_all(
            coalesce(reference_period::varchar, '') || ' ' || coalesce(osm_timestamp::varchar, ''),
            '(19|20)\d{2}')) as integer) as year,
        reference_period::varchar as reference_period,
        source_id, source_uri,
        raw_table || '#' || city_id || '/' || metric_id
            || coalesce('@' || measurement_area::varchar, '') as provenance,
        notes,
        measurement_area::varchar as measurement_area,
        try_cast(measurement_area_km2 as double) as measurement_area_km2,
        measurement_area_definition::varchar as measurement_area_definition,
        coalesce(try_cast(measured_zero as boolean), false) as measured_zero,
        nullif(unit_id::varchar, '') as unit_id
    from unioned
    where city_id is not null
),
city_population as (
    -- The largest published population of the city's own units (city, urban centre,
    -- agglomeration, metro area, urban extent), never of a region or nation containing it.
    select p.city_id, max(p.population) as population
    from staging.population_figures p
    join staging.boundary_types b on b.boundary_type = p.boundary_type
    where not p.is_projection and p.population > 0
      and b.unit_type in ('city', 'urban_centre', 'agglomeration', 'metro_area', 'urban_extent')
    group by p.city_id
),
unit_population as (
    -- The latest population of the unit an administrative area is linked to (same unit id).
    select p.source_id || ':' || p.city_id || ':' || p.boundary_type || ':' || p.unit_ref
               as unit_id,
           arg_max(p.population, coalesce(p.year, 0)) as population
    from staging.population_figures p
    where not p.is_projection and p.population > 0
    group by all
),
judged as (
    select t.*,
           case when t.measurement_area_km2 > 0 then t.value / t.measurement_area_km2 end
               as value_per_km2,
           coalesce(u.population, c.population) as population_bound,
           r.plausible_max_per_km2, r.plausible_max_per_100k,
           r.zero_implausible_above_population, c.population as city_population
    from typed t
    left join osm_metric_ranges r
      on r.metric_id = t.metric_id and t.source_id in ('osm_overpass', 'osm_extract')
    left join city_population c on c.city_id = t.city_id
    left join unit_population u on u.unit_id = t.unit_id
)
select
    city_id, metric_id, value, unit, boundary_type, boundary_ref, osm_timestamp, year,
    reference_period, source_id, source_uri, provenance, notes, measurement_area,
    measurement_area_km2, measurement_area_definition, measured_zero, unit_id, value_per_km2,
    reason is not null as implausible,
    reason as plausibility_note
from (
    select *,
           nullif(concat_ws('; ',
               case when value_per_km2 > plausible_max_per_km2
                    then printf('%.4g per km2 is above the plausible %.4g per km2',
                                value_per_km2, plausible_max_per_km2) end,
               case when population_bound > 0
                     and value > plausible_max_per_100k * population_bound / 100000
                    then printf('%.0f is above %.4g per 100,000 residents of %.0f people',
                                value, plausible_max_per_100k, population_bound) end,
               case when value = 0 and city_population > zero_implausible_above_population
                    then printf('0 in a city of %.0f people (more than %.0f)',
                                city_population, zero_implausible_above_population) end
           ), '') as reason
    from judged
) j;

comment on table staging.infrastructure_metrics is 'Infrastructure metrics of every city from every back-end (OSM live / extract, GHSL street network, official facility lists, SDG 11.2.1), one row per city, metric, boundary and source; OSM rows carry their measurement area and a plausibility flag.';
comment on column staging.infrastructure_metrics.city_id is 'Registry city id';
comment on column staging.infrastructure_metrics.metric_id is 'Metric id (OSM metrics: data/catalogue/osm_metrics.csv; land_area_km2: the measurement area itself)';
comment on column staging.infrastructure_metrics.value is 'Value of the metric, in unit';
comment on column staging.infrastructure_metrics.unit is 'Unit of the value';
comment on column staging.infrastructure_metrics.boundary_ref is 'The area the value is of, as the source names it';
comment on column staging.infrastructure_metrics.osm_timestamp is 'Timestamp of the OSM data measured (''unknown'' when not stated; null for non-OSM sources)';
comment on column staging.infrastructure_metrics.year is 'Last year named in the reference period or the OSM timestamp';
comment on column staging.infrastructure_metrics.reference_period is 'Period the value refers to, as stated by the source';
comment on column staging.infrastructure_metrics.source_id is 'Source of the value';
comment on column staging.infrastructure_metrics.source_uri is 'File (or URL) the value was read from';
comment on column staging.infrastructure_metrics.provenance is 'Raw record behind the value (raw table#city/metric[@measurement area])';
comment on column staging.infrastructure_metrics.notes is 'What the value counts, and the source''s caveats';
comment on column staging.infrastructure_metrics.boundary_type is 'Shared boundary type (data/reference/boundary_types.csv): ring_5km / ring_10km for the standard OSM rings, the admin unit''s type for an administrative polygon.';
comment on column staging.infrastructure_metrics.measurement_area is 'OSM rows: the measurement area of the value: ring_5km, ring_10km, admin_adm2:<geoBoundaries shapeID>[+...], osm_relation:<id>. NULL for bundled sources.';
comment on column staging.infrastructure_metrics.measurement_area_km2 is 'Geodesic area of the measurement area in km2 (land and water alike).';
comment on column staging.infrastructure_metrics.measurement_area_definition is 'How the measurement area is defined (ring radius and centre, or the admin polygon and its source).';
comment on column staging.infrastructure_metrics.measured_zero is 'True when the source answered and found none: a measured 0, not a gap.';
comment on column staging.infrastructure_metrics.unit_id is 'Population unit an administrative measurement area is the same extent as (data/reference/city_boundaries.csv population_unit_id); NULL for rings.';
comment on column staging.infrastructure_metrics.value_per_km2 is 'value / measurement_area_km2 (OSM rows).';
comment on column staging.infrastructure_metrics.implausible is 'True when the value breaks a plausibility range of data/catalogue/osm_metrics.csv; the value is kept, with the reason in plausibility_note.';
comment on column staging.infrastructure_metrics.plausibility_note is 'Why the value is implausible (NULL when plausible or not judged).';
