-- Offending registry rows: duplicate ids, missing names/countries/coordinates; wrong focus areas.
select city_id, 'duplicate city_id' as problem from staging.cities group by city_id
having count(*) > 1
union all
select city_id, 'missing name, country or coordinates' from staging.cities
where name is null or country_iso3 is null or lat is null or lon is null
union all
select 'focus_areas', 'expected 6 focus areas, found ' || count(*) from staging.focus_areas
having count(*) <> 6;
