-- marts.project_places: every project placed in every registry city it has a location in, with
-- the match level and the location that shows it (assets/projects/placement.py): never by a
-- city name in the title. A project may have places in several cities.
create or replace table marts.project_places as
with placed as (
    select p.*, unnest(p.places) as pl from staging.projects p
)
select x.project_key, x.is_primary, x.source_id, x.source_project_id,
       x.pl.city_id as city_id, c.name as city_name, x.pl.level as match_level,
       x.pl.location_name as location_name, x.pl.latitude as latitude,
       x.pl.longitude as longitude, round(x.pl.distance_km, 2) as distance_km,
       x.pl.admin1 as admin1, x.pl.admin2 as admin2, x.pl.evidence as evidence,
       len(x.places) as cities_of_project, x.title, x.focus_area_id, x.status,
       x.status_as_of, x.status_is_current, x.status_display, x.start_date, x.end_date,
       x.cost, x.currency
from placed x
left join staging.cities c on c.city_id = x.pl.city_id
order by city_id, match_level, source_id, source_project_id;

comment on table marts.project_places is 'Projects placed in cities by their geocoded locations: one row per project record and city, with the match level and the location behind it.';
comment on column marts.project_places.project_key is 'Project (links the records of one project across sources)';
comment on column marts.project_places.is_primary is 'The record counted in totals';
comment on column marts.project_places.source_id is 'worldbank_projects, iati or project_register';
comment on column marts.project_places.source_project_id is 'Project id in its source';
comment on column marts.project_places.city_id is 'Registry city id';
comment on column marts.project_places.city_name is 'City name';
comment on column marts.project_places.match_level is 'site_in_city (a point within 10 km of the registry centre), admin_unit_of_city (the location is the city''s own unit), province_containing_city (the location is the city''s province), stated_by_city_register';
comment on column marts.project_places.location_name is 'Place name of the location, as the source gives it';
comment on column marts.project_places.latitude is 'Latitude of the location (WGS 84)';
comment on column marts.project_places.longitude is 'Longitude of the location (WGS 84)';
comment on column marts.project_places.distance_km is 'Great-circle distance from the registry centre, km';
comment on column marts.project_places.admin1 is 'First-level admin unit of the location, as the source names it';
comment on column marts.project_places.admin2 is 'Second-level admin unit of the location, as the source names it';
comment on column marts.project_places.evidence is 'Why the location places the project in the city';
comment on column marts.project_places.cities_of_project is 'Number of registry cities the project is placed in (a multi-location amount is not the city''s share)';
comment on column marts.project_places.title is 'Project title';
comment on column marts.project_places.focus_area_id is 'Primary focus area';
comment on column marts.project_places.status is 'Lifecycle status as of status_as_of';
comment on column marts.project_places.status_as_of is 'Date the status held';
comment on column marts.project_places.status_is_current is 'True when status_as_of is within the set age (ASCN_STATUS_MAX_AGE_DAYS)';
comment on column marts.project_places.status_display is 'Status as shown ("active as of <date>" when stale)';
comment on column marts.project_places.start_date is 'Start date';
comment on column marts.project_places.end_date is 'End or closing date';
comment on column marts.project_places.cost is 'Cost of the whole project in its currency (not the city''s share)';
comment on column marts.project_places.currency is 'Currency of cost';
