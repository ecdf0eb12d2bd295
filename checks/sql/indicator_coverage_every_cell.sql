-- Coverage must hold one cell per city and catalogue indicator: a row here when it does not.
select 'all' as city_id, 'coverage' as indicator_id, 'coverage has ' || count(*)
    || ' cells, expected '
    || (select count(*) from staging.cities) * (select count(*) from staging.indicator_catalogue)
    as problem
from marts.coverage
having count(*) <> (select count(*) from staging.cities)
    * (select count(*) from staging.indicator_catalogue);
