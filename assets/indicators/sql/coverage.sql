-- marts.coverage: which (city, indicator) cells are filled, and why the others are not.
create or replace table marts.coverage as
with numerator_data as (
    -- (city, indicator) pairs with numerator data at the required boundary, in any year.
    select distinct m.city_id, k.indicator_id
    from staging.indicator_catalogue k
    join staging.measures m
      on m.measure_id = k.numerator_measure
     and (nullif(k.numerator_boundary, '') is null or m.boundary_type = k.numerator_boundary)
)
select c.city_id, c.name as city_name, k.indicator_id, k.focus_area_id,
       v.value is not null as filled,
       case
           when v.value is not null then null
           when r.city_id is not null then 'no population figure to divide by'
           when d.city_id is not null
               then 'data exist but not within ' || k.max_year_gap || ' years of '
                    || k.reference_year
           else 'no source data for this city'
       end as gap_reason
from staging.cities c
cross join staging.indicator_catalogue k
left join indicator_missing_denominator r  -- from indicator_inputs.sql
       on r.city_id = c.city_id and r.indicator_id = k.indicator_id
left join marts.indicator_values v on v.city_id = c.city_id and v.indicator_id = k.indicator_id
left join numerator_data d on d.city_id = c.city_id and d.indicator_id = k.indicator_id
order by k.indicator_id, c.city_id;

-- Descriptions: shown by DBeaver and duckdb_columns(), exported as the data dictionary.
comment on table marts.coverage is 'Every city x indicator cell: filled or not, and why not.';
comment on column marts.coverage.city_id is 'Registry city id';
comment on column marts.coverage.city_name is 'City name';
comment on column marts.coverage.indicator_id is 'Indicator id';
comment on column marts.coverage.focus_area_id is 'Focus area';
comment on column marts.coverage.filled is 'True when marts.indicator_values has a value';
comment on column marts.coverage.gap_reason is 'Why the cell is empty: no source data, data too far from the reference year, or no population to divide by';
