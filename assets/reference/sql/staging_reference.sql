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
