-- Registry of pilot cities, focus areas and boundary types, typed.
create or replace table staging.cities as
select
    city_id,
    name,
    nullif(local_name, '') as local_name,
    country_iso3,
    nullif(country_name, '') as country_name,
    try_cast(lat as double) as lat,
    try_cast(lon as double) as lon,
    try_cast(joined_year as integer) as joined_year,
    admin_unit_type,
    -- The registry's pilot unit (headline population and pilot-unit indicators: assets/indicators).
    nullif(pilot_boundary_type, '') as pilot_boundary_type,
    nullif(pilot_unit_name, '') as pilot_unit_name,
    coalesce(lower(pilot_unit_confirmed) = 'yes', false) as pilot_unit_confirmed,
    -- First-level admin unit containing the city, ';'-separated spellings (assets/projects).
    nullif(province_name, '') as province_name
from raw.cities;

create or replace table staging.focus_areas as
select focus_area_id, name, description from raw.focus_areas;

create or replace table staging.boundary_types as
select boundary_type, try_cast(precedence as integer) as precedence,
       nullif(unit_type, '') as unit_type, description
from raw.boundary_types;

-- Descriptions: shown by DBeaver and duckdb_columns().
comment on table staging.cities is 'The city registry (data/reference/cities.csv), typed: one row per ASCN pilot city, with its pilot unit.';
comment on column staging.cities.city_id is 'Registry city id';
comment on column staging.cities.name is 'City name, ASCN spelling';
comment on column staging.cities.local_name is 'Name in the local script (null unless certain)';
comment on column staging.cities.country_iso3 is 'ISO3 country code';
comment on column staging.cities.country_name is 'Country name';
comment on column staging.cities.lat is 'Latitude (WGS84 degrees)';
comment on column staging.cities.lon is 'Longitude (WGS84 degrees)';
comment on column staging.cities.joined_year is 'Year the city joined ASCN';
comment on column staging.cities.admin_unit_type is 'Unit of the city''s headline figure in the reference city table';
comment on column staging.cities.pilot_boundary_type is 'Boundary type of the pilot unit (headline population and pilot-unit indicators)';
comment on column staging.cities.pilot_unit_name is 'Name of the pilot unit in census_city_figures.csv';
comment on column staging.cities.pilot_unit_confirmed is 'True when the registry confirms the pilot unit';
comment on column staging.cities.province_name is 'First-level admin unit containing the city, '';''-separated spellings (project placement)';
comment on table staging.focus_areas is 'The six ASCN focus areas (data/reference/focus_areas.csv), one row per area.';
comment on column staging.focus_areas.focus_area_id is 'Focus area id';
comment on column staging.focus_areas.name is 'Focus area name';
comment on column staging.focus_areas.description is 'Short description';
comment on table staging.boundary_types is 'Boundary types (data/reference/boundary_types.csv), typed: one row per type, with the precedence that orders candidate units and its unit type.';
comment on column staging.boundary_types.boundary_type is 'Boundary type id';
comment on column staging.boundary_types.precedence is 'Order of choice among candidate units (1 first; country 7)';
comment on column staging.boundary_types.unit_type is 'Unit type (null when the file gives none)';
comment on column staging.boundary_types.description is 'What the boundary type covers';
