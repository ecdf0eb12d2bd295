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
select city_id, metric_id, count(*)::varchar, 'duplicate metric value'
from staging.infrastructure_metrics
group by city_id, metric_id, boundary_type, source_id, boundary_ref
having count(*) > 1;
