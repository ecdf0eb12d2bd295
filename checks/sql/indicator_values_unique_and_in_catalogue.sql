-- Offending indicator values: a second value for a (city, indicator, year), or an indicator that
-- is not in the catalogue.
select city_id, indicator_id, 'duplicate value' as problem
from marts.indicator_values group by city_id, indicator_id, year having count(*) > 1
union all
select v.city_id, v.indicator_id, 'indicator not in catalogue'
from marts.indicator_values v left join staging.indicator_catalogue k using (indicator_id)
where k.indicator_id is null;
