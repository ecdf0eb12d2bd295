-- Every published population (and land-area) figure of a city, side by side, with its unit.
-- Three sources: national censuses and statistics offices (curated), UN WUP 2018 agglomerations,
-- GHSL urban centres 2015. Projections are kept but never used as observed values.
-- unit_ref names the spatial unit within its source (GHSL uc_id, else the unit name; the unit id
-- is built from it in assets/indicators/sql/staging_measures.sql). provenance and row_key are
-- built from the row's content, never from its position in the file, so shuffled input rows give
-- the same keys (docs/METHODOLOGY.md, determinism).
create or replace table staging.population_figures as
select
    city_id, try_cast(year as integer) as year, try_cast(population as double) as population,
    try_cast(area_km2 as double) as area_km2, boundary_type, unit_name,
    figure_kind = 'projection' as is_projection, 'census_city' as source_id,
    unit_name as unit_ref, nullif(figure_kind, '') as figure_kind,
    city_id || '/' || boundary_type || '/' || coalesce(year::varchar, 'ny') || '/'
        || coalesce(population::varchar, 'np') as row_key,
    'raw.census_population#' || city_id || '/' || boundary_type || '/'
        || coalesce(year::varchar, 'ny') || '/' || coalesce(population::varchar, 'np')
        as provenance,
    'as published: ' || coalesce(nullif(figure_kind, ''), 'figure') || ' '
        || coalesce(year::varchar, 'year not stated') as vintage,
    source_url as source_ref
from raw.census_population
union all by name
select
    city_id, try_cast(year as integer) as year, try_cast(population as double) as population,
    null::double as area_km2, boundary_type, unit_name, is_projection::boolean as is_projection,
    'un_wup2018' as source_id, unit_name as unit_ref, 'estimate' as figure_kind,
    city_id || '/' || year as row_key,
    'raw.wup2018_population#' || city_id || '/' || year as provenance,
    'WUP 2018 revision' as vintage,
    'https://population.un.org/wup/' as source_ref
from raw.wup2018_population
union all by name
select
    city_id, try_cast(year as integer) as year, try_cast(population as double) as population,
    try_cast(area_km2 as double) as area_km2, boundary_type, unit_name, false as is_projection,
    'ghsl_ucdb2015' as source_id, uc_id::varchar as unit_ref, 'modelled' as figure_kind,
    city_id || '/' || uc_id as row_key,
    'raw.ghsl_urban_centres#' || city_id || '/' || uc_id as provenance,
    'GHS-UCDB R2019A v1.2' as vintage,
    'http://data.europa.eu/89h/53473144-b88c-44bc-b4a3-4583ed1f547e' as source_ref
from raw.ghsl_urban_centres;

-- National context series for the 10 ASEAN countries (World Bank WDI, several vintages).
-- When one (country, series, year) has several vintages, the newest vintage wins (then source
-- file, then value: a total order, so row order never decides).
create or replace table staging.country_indicators as
select country_iso3, indicator_code, try_cast(year as integer) as year,
       try_cast(value as double) as value, vintage, source_file
from raw.worldbank_indicators
where try_cast(value as double) is not null
qualify row_number() over (
    partition by country_iso3, indicator_code, try_cast(year as integer)
    order by regexp_extract(vintage, '\d{4}(-\d{2})?(-\d{2})?') desc, source_file,
             try_cast(value as double)
) = 1;

-- Descriptions: shown by DBeaver and duckdb_columns().
comment on table staging.population_figures is 'Every published population and land-area figure of a city, every unit and source side by side (census and statistics offices, UN WUP 2018, GHSL UCDB 2015); projections kept but flagged.';
comment on column staging.population_figures.city_id is 'Registry city id';
comment on column staging.population_figures.year is 'Year of the figure (null when the source states none)';
comment on column staging.population_figures.population is 'Population as published';
comment on column staging.population_figures.area_km2 is 'Land area of the same unit as published with the figure (km2)';
comment on column staging.population_figures.boundary_type is 'Boundary type (data/reference/boundary_types.csv)';
comment on column staging.population_figures.unit_name is 'Name of the unit in its source';
comment on column staging.population_figures.is_projection is 'True for a projection (UN WUP after 2018, or stated as such): never used as an observed value';
comment on column staging.population_figures.source_id is 'Source';
comment on column staging.population_figures.unit_ref is 'The unit within its source (GHSL uc_id, else the unit name)';
comment on column staging.population_figures.figure_kind is 'census, registered, estimate or modelled, as stated (null when not stated)';
comment on column staging.population_figures.row_key is 'Content key of the raw row (city/boundary/year/population; never the file row number)';
comment on column staging.population_figures.provenance is 'Raw record behind the figure (raw table#content key)';
comment on column staging.population_figures.vintage is 'Source vintage';
comment on column staging.population_figures.source_ref is 'URL of the source';
comment on table staging.country_indicators is 'National series of the 10 ASEAN countries (World Bank WDI, several vintages): one value per country, series and year, the newest vintage.';
comment on column staging.country_indicators.country_iso3 is 'ISO3 country code';
comment on column staging.country_indicators.indicator_code is 'World Bank series code';
comment on column staging.country_indicators.year is 'Year';
comment on column staging.country_indicators.value is 'Value as published';
comment on column staging.country_indicators.vintage is 'Source vintage';
comment on column staging.country_indicators.source_file is 'Source file or API answer';
