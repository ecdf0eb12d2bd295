-- Offending infrastructure rows.
select m.city_id, m.metric_id, m.value::varchar as value, 'unknown city id' as problem
from staging.infrastructure_metrics m
left join staging.cities c using (city_id)
where c.city_id is null
union all
select city_id, metric_id, value::varchar, 'negative or missing value'
from staging.infrastructure_metrics
where value is null or (value < 0 and unit <> 'ratio')  -- ratios such as land-use efficiency may be negative
union all
select city_id, metric_id, value::varchar, 'missing unit or boundary'
from staging.infrastructure_metrics where unit is null or boundary_type is null
union all
-- OSM values are of a measurement area, which has an id, a size and a definition.
select city_id, metric_id, value::varchar, 'OSM value without its measurement area'
from staging.infrastructure_metrics
where source_id in ('osm_overpass', 'osm_extract')
  and (measurement_area is null or measurement_area_km2 is null
       or measurement_area_definition is null)
union all
-- A measured zero is a value of 0, nothing else.
select city_id, metric_id, value::varchar, 'measured_zero on a value that is not 0'
from staging.infrastructure_metrics
where measured_zero and value <> 0
union all
select city_id, metric_id, count(*)::varchar, 'duplicate metric value'
from staging.infrastructure_metrics
group by city_id, metric_id, boundary_type, source_id, boundary_ref, measurement_area
having count(*) > 1;
