-- Offending indicator rows.
select city_id, indicator_id, 'duplicate value' as problem
from marts.indicator_values group by city_id, indicator_id, year having count(*) > 1
union all
select v.city_id, v.indicator_id, 'indicator not in catalogue'
from marts.indicator_values v left join staging.indicator_catalogue k using (indicator_id)
where k.indicator_id is null
union all
select 'all', 'coverage', 'coverage has ' || count(*) || ' cells, expected '
    || (select count(*) from staging.cities) * (select count(*) from staging.indicator_catalogue)
from marts.coverage
having count(*) <> (select count(*) from staging.cities)
    * (select count(*) from staging.indicator_catalogue)
union all
select city_id, focus_area_id, 'focus-area score below minimum coverage'
from marts.focus_area_scores where score is not null and not_scored_reason is not null;
