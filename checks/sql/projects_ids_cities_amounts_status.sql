-- Offending project rows. $statuses: the project lifecycle (assets/projects/schema.py STATUSES).
-- Every status must carry the date it held; a missing status must carry its flag.
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
-- A source record whose own dates disagree (closing before approval) is kept with its flag.
select source_id, source_project_id, 'start date after end date'
from staging.projects
where try_cast(start_date as date) > try_cast(end_date as date)
  and not list_has_any(list_transform(record_flags, lambda f: split_part(f, ':', 1)),
                       ['closing_before_approval'])
union all
-- A record the source sent without a status (or with one outside the mapping) is published with
-- status empty and its flag (status_missing, status_unmapped:<value>): flagged, never blocking.
select source_id, source_project_id, 'status outside the lifecycle: ' || coalesce(status, 'null')
from staging.projects
where (status is not null and not list_contains($statuses, status))
   or (status is null and not list_has_any(list_transform(record_flags, lambda f:
           split_part(f, ':', 1)), ['status_missing', 'status_unmapped']))
union all
select source_id, source_project_id, 'status without an as-of date'
from staging.projects where status is not null and status_as_of is null
union all
select min(source_id), project_key, 'linked project without exactly one primary record'
from staging.projects group by project_key having count(*) filter (where is_primary) <> 1;
