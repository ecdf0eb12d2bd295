-- marts.coverage: which (city, indicator) cells are filled, and why the others are not. A cell
-- is empty when no data of the indicator's unit exist within the year window, or when the unit
-- has no denominator (a ratio is computed only within one unit: indicator_gaps, from
-- indicator_inputs.sql).
create or replace table marts.coverage as
with missing as (
    -- The empty cells only: their reasons are looked up, the filled ones need none.
    select c.city_id, k.indicator_id, k.numerator_measure, k.unit_type
    from staging.cities c
    cross join staging.indicator_catalogue k
    anti join marts.indicator_values v
           on v.city_id = c.city_id and v.indicator_id = k.indicator_id
),
numerator_data as (
    -- Numerator data of each empty (city, indicator) cell in any year: of the unit the
    -- indicator needs (the pilot unit, a unit type, or any), or only of other units.
    select k.indicator_id, k.city_id,
           bool_or(u.right_unit) as right_unit,
           bool_or(u.right_unit and m.year is not null) as right_unit_dated,
           string_agg(distinct m.unit_type, ', ' order by m.unit_type)
               filter (where not u.right_unit) as other_unit_types
    from missing k
    join staging.measures m on m.city_id = k.city_id and m.measure_id = k.numerator_measure
    cross join lateral (
        select nullif(k.unit_type, '') is null or m.unit_type = k.unit_type
               or (k.unit_type = 'pilot' and m.is_pilot_unit) as right_unit
    ) u
    group by all
)
select c.city_id, c.name as city_name, k.indicator_id, k.focus_area_id,
       coalesce(v.unit_type, case when k.unit_type = 'pilot' then pg.headline_unit_type
                                  else nullif(k.unit_type, '') end) as unit_type,
       v.value is not null as filled,
       case
           when v.value is not null then null
           when g.city_id is not null then g.gap_reason
           when d.right_unit_dated
               then 'data exist but not within ' || k.max_year_gap || ' years of '
                    || k.reference_year
           when d.right_unit
               then 'the source states no year for the figures of the '
                    || case when k.unit_type = 'pilot' then 'pilot unit (' || pg.headline_unit_name
                            || ')' else 'unit' end
           when k.unit_type = 'pilot' and pg.headline_unit_id is null
               then 'the registry''s pilot unit (' || pg.headline_unit_name
                    || ') has no figure in the sources'
           when d.other_unit_types is not null and k.unit_type = 'pilot'
               then 'data exist only for other units (' || d.other_unit_types
                    || '), not for the pilot unit (' || pg.headline_unit_name || ')'
           when d.other_unit_types is not null
               then 'data exist only for other unit types (' || d.other_unit_types
                    || '); the indicator is defined for ' || k.unit_type
           else 'no source data for this city'
       end as gap_reason
from staging.cities c
cross join staging.indicator_catalogue k
join marts.city_peer_groups pg on pg.city_id = c.city_id
left join indicator_gaps g  -- from indicator_inputs.sql
       on g.city_id = c.city_id and g.indicator_id = k.indicator_id
left join marts.indicator_values v on v.city_id = c.city_id and v.indicator_id = k.indicator_id
left join numerator_data d on d.city_id = c.city_id and d.indicator_id = k.indicator_id
order by k.indicator_id, c.city_id;

-- Descriptions: shown by DBeaver and duckdb_columns(), exported as the data dictionary.
comment on table marts.coverage is 'Every city x indicator cell: filled or not, and why not (no data, data too far from the reference year, data only for another unit, no denominator of the same unit).';
comment on column marts.coverage.city_id is 'Registry city id';
comment on column marts.coverage.city_name is 'City name';
comment on column marts.coverage.indicator_id is 'Indicator id';
comment on column marts.coverage.focus_area_id is 'Focus area';
comment on column marts.coverage.unit_type is 'Unit type of the value, or of the unit the indicator needs when the cell is empty';
comment on column marts.coverage.filled is 'True when marts.indicator_values has a value';
comment on column marts.coverage.gap_reason is 'Why the cell is empty: no source data, data too far from the reference year, data only for other units, or no denominator of the same unit';
