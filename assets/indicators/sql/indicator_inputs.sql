-- The inputs shared by marts.indicator_values and marts.coverage, as temporary tables: the
-- comparability rules 1 and 2 of docs/METHODOLOGY.md, in SQL (rule 3: indicator_values.sql).
--
-- 1. Year alignment: each indicator has a reference year. For each (city, measure, boundary,
--    source) we take the value observed in the reference year; else interpolate linearly between
--    the nearest years before and after; else carry the nearest year forward or back. Only data
--    within max_year_gap years of the reference year are used; every non-observed value is
--    flagged estimated, and data_year/year_gap say which years it came from.
-- 2. Boundary: the numerator's boundary is chosen by boundary precedence (or fixed by the
--    catalogue). The denominator uses the figure with the same boundary when one exists; else the
--    best-precedence figure, and the value is flagged boundary_mismatch.
--
-- Leaves two temporary tables: indicator_raw_values (one wide row per indicator and city, read
-- by indicator_values.sql) and indicator_missing_denominator (read by coverage.sql). The marts
-- asset drops each as soon as the mart that reads it is built, so the wide raw values do not
-- hold memory during the next marts.

-- What each indicator needs: its numerator and denominator measures, boundary and year window.
-- Indicators with the same need (e.g. population as the denominator of most per-capita
-- indicators with the same reference year and gap) share one need_id, so the year alignment
-- below runs once per need, not once per indicator.
create or replace temp table indicator_needs as
with needs as (
    select indicator_id, 'numerator' as role, numerator_measure as measure_id,
           nullif(numerator_boundary, '') as boundary_req, reference_year, max_year_gap
    from staging.indicator_catalogue
    union all
    select indicator_id, 'denominator', denominator, null, reference_year, max_year_gap
    from staging.indicator_catalogue
    where denominator is not null
)
select *, dense_rank() over (
    order by measure_id, boundary_req, reference_year, max_year_gap) as need_id
from needs;

-- Year alignment (rule 1): one candidate per (need, city, boundary, source). Only narrow columns
-- are carried (numbers, short keys); the provenance and vintage of the staging.measures rows a
-- candidate uses are looked up by rowid (b_row, a_row) once the candidates are chosen.
create or replace temp table need_candidates as
with sides as (
    -- Only the measures the catalogue needs, within each need's year window: the nearest year at
    -- or before (b_) and at or after (a_) the reference year, with its value and rowid. A
    -- (city, measure, year, boundary, source) has one row (staging/measures.sql), so each
    -- arg_max/arg_min picks exactly the row of that year.
    select n.need_id, n.reference_year as ref, m.city_id, m.boundary_type, m.source_id,
           max(m.year) filter (where m.year <= n.reference_year) as b_year,
           arg_max(m.value, m.year) filter (where m.year <= n.reference_year) as b_value,
           arg_max(m.rowid, m.year) filter (where m.year <= n.reference_year) as b_row,
           min(m.year) filter (where m.year >= n.reference_year) as a_year,
           arg_min(m.value, m.year) filter (where m.year >= n.reference_year) as a_value,
           arg_min(m.rowid, m.year) filter (where m.year >= n.reference_year) as a_row
    from (select distinct need_id, measure_id, boundary_req, reference_year, max_year_gap
          from indicator_needs) n
    join staging.measures m
      on m.measure_id = n.measure_id
     and (n.boundary_req is null or m.boundary_type = n.boundary_req)
     and abs(m.year - n.reference_year) <= n.max_year_gap
     and m.value is not null
    group by all
),
candidates as (
    select *,
        case when b_year = ref then 'observed'
             when b_year is not null and a_year is not null then 'interpolated'
             when b_year is not null then 'carried_forward'
             else 'carried_back' end as method
    from sides
)
select c.need_id, c.city_id, c.boundary_type, c.source_id, c.method, c.b_row, c.a_row,
    case c.method
        when 'observed' then c.b_value
        when 'interpolated' then
            c.b_value + (c.a_value - c.b_value) * (c.ref - c.b_year) / (c.a_year - c.b_year)
        when 'carried_forward' then c.b_value
        else c.a_value end as value,
    case c.method
        when 'observed' then c.b_year::varchar
        when 'interpolated' then c.b_year || '-' || c.a_year
        when 'carried_forward' then c.b_year::varchar
        else c.a_year::varchar end as data_year,
    case c.method
        when 'observed' then 0
        when 'interpolated' then greatest(c.ref - c.b_year, c.a_year - c.ref)
        when 'carried_forward' then c.ref - c.b_year
        else c.a_year - c.ref end as year_gap,
    -- Preference among candidates: boundary precedence, then observed over estimated, then the
    -- smallest year gap, then source id (stable).
    row_number() over (
        partition by c.need_id, c.city_id
        order by coalesce(bt.precedence, 99),
                 case c.method when 'observed' then 0 when 'interpolated' then 1 else 2 end,
                 abs(coalesce(c.b_year, c.a_year) - c.ref), c.source_id
    ) as preference
from candidates c
left join staging.boundary_types bt on bt.boundary_type = c.boundary_type;

-- Boundary (rule 2): the chosen numerator and denominator candidate of each (indicator, city).
create or replace temp table indicator_choice as
with num as (
    select n.indicator_id, dn.need_id as den_need_id, c.*
    from indicator_needs n
    join need_candidates c on c.need_id = n.need_id
    left join indicator_needs dn on dn.indicator_id = n.indicator_id and dn.role = 'denominator'
    where n.role = 'numerator' and c.preference = 1
),
den as (
    -- Denominator with the same boundary as the numerator when there is one, else the best.
    -- The choice depends only on the denominator's need, the city and the numerator's
    -- boundary, so it is made once per such triple (population serves most indicators).
    select k.den_need_id, k.city_id, k.num_boundary,
           arg_min(d.value, (d.boundary_type <> k.num_boundary)::int * 1000 + d.preference)
               as value,
           arg_min(d.boundary_type, (d.boundary_type <> k.num_boundary)::int * 1000 + d.preference)
               as boundary_type,
           arg_min(d.data_year, (d.boundary_type <> k.num_boundary)::int * 1000 + d.preference)
               as data_year,
           arg_min(d.method, (d.boundary_type <> k.num_boundary)::int * 1000 + d.preference)
               as method,
           arg_min(d.b_row, (d.boundary_type <> k.num_boundary)::int * 1000 + d.preference)
               as b_row,
           arg_min(d.a_row, (d.boundary_type <> k.num_boundary)::int * 1000 + d.preference)
               as a_row
    from (select distinct den_need_id, city_id, boundary_type as num_boundary
          from num where den_need_id is not null) k
    join need_candidates d on d.need_id = k.den_need_id and d.city_id = k.city_id
    group by k.den_need_id, k.city_id, k.num_boundary
)
select n.indicator_id, n.city_id, n.value, n.boundary_type, n.source_id, n.method, n.data_year,
       n.year_gap, n.b_row, n.a_row,
       d.value as den_value, d.boundary_type as den_boundary, d.data_year as den_data_year,
       d.method as den_method, d.b_row as den_b_row, d.a_row as den_a_row
from num n
left join den d
       on d.den_need_id = n.den_need_id and d.city_id = n.city_id
      and d.num_boundary = n.boundary_type;

drop table need_candidates;

-- Provenance and vintage of only the staging.measures rows that the chosen candidates use.
create or replace temp table used_measure_rows as
select m.rowid as row_id, m.provenance, m.vintage
from staging.measures m
where m.rowid in (
    select unnest([b_row, a_row, den_b_row, den_a_row]) from indicator_choice
);

create or replace temp table indicator_raw_values as
with chosen as (
    -- A candidate's provenance: its one row, or both rows of an interpolation.
    select c.*, coalesce(nb.vintage, na.vintage) as vintage,
           case c.method
               when 'interpolated' then nb.provenance || ' + ' || na.provenance
               when 'carried_back' then na.provenance
               else nb.provenance end as num_provenance,
           case c.den_method
               when 'interpolated' then db.provenance || ' + ' || da.provenance
               when 'carried_back' then da.provenance
               else db.provenance end as den_provenance
    from indicator_choice c
    left join used_measure_rows nb on nb.row_id = c.b_row
    left join used_measure_rows na on na.row_id = c.a_row
    left join used_measure_rows db on db.row_id = c.den_b_row
    left join used_measure_rows da on da.row_id = c.den_a_row
)
select k.indicator_id, n.city_id, k.reference_year as year,
    case when k.denominator is null then n.value * k.scale
         when n.den_value > 0 then n.value / n.den_value * k.scale end as value,
    k.unit, n.data_year, n.year_gap, n.method,
    n.method <> 'observed' or coalesce(n.den_method, 'observed') <> 'observed' as estimated,
    n.boundary_type, n.den_boundary as denominator_boundary, n.den_data_year as denominator_year,
    n.den_boundary is not null and n.den_boundary <> n.boundary_type as boundary_mismatch,
    n.source_id, n.vintage,
    n.num_provenance || coalesce(' ÷ ' || n.den_provenance, '') as provenance,
    k.denominator is not null and n.den_value is null as missing_denominator
from chosen n
join staging.indicator_catalogue k on k.indicator_id = n.indicator_id;

drop table indicator_choice;
drop table used_measure_rows;
drop table indicator_needs;

-- The coverage mart needs only the cells that lack a denominator (a narrow table).
create or replace temp table indicator_missing_denominator as
select indicator_id, city_id from indicator_raw_values where missing_denominator;
