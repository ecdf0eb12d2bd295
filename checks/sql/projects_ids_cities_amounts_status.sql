-- Offending project rows. $statuses: the project lifecycle (assets/projects/schema.py STATUSES).
select source_id, source_project_id, 'duplicate id within source' as problem
from staging.projects group by source_id, source_project_id having count(*) > 1
union all
select p.source_id, p.source_project_id, 'unknown city ' || p.city_id
from staging.projects p left join staging.cities c using (city_id)
where p.city_id is not null and c.city_id is null
union all
select source_id, source_project_id, 'negative amount'
from staging.projects where try_cast(cost as double) < 0 or try_cast(cost_usd as double) < 0
union all
select source_id, source_project_id, 'currency is not an ISO 4217 code: ' || currency
from staging.projects where currency is not null and not regexp_full_match(currency, '[A-Z]{3}')
union all
select source_id, source_project_id, 'start date after end date'
from staging.projects
where try_cast(start_date as date) > try_cast(end_date as date)
union all
select source_id, source_project_id, 'status outside the lifecycle: ' || coalesce(status, 'null')
from staging.projects
where status is null or not list_contains($statuses, status)
union all
select min(source_id), project_key, 'linked project without exactly one primary record'
from staging.projects group by project_key having count(*) filter (where is_primary) <> 1;
