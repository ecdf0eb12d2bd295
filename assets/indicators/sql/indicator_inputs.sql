-- The inputs shared by marts.indicator_values and marts.coverage, as temporary tables: rules 2
-- and 3 of docs/METHODOLOGY.md in SQL (rules 4-6: indicator_values.sql).
--
-- 2. Year alignment: each indicator has a reference year. For each (city, measure, unit, source)
--    we take the value observed in the reference year; else interpolate linearly between the
--    nearest years before and after; else carry the nearest year forward or back. Only data
--    within max_year_gap years of the reference year are used. The method and the source years
--    are kept for the numerator and for the denominator. A denominator that is a property of the
--    unit (catalogue denominator_alignment = unit_attribute: the area of the GHSL 2015 polygon in
--    which a 2020 street network was measured) is taken as it is, nearest year first.
-- 3. One unit per value: the numerator has the catalogue's unit type (`pilot` = the registry's
--    pilot unit). The denominator is a figure of the SAME unit (same unit_id); when the unit has
--    none, the value is not computed and marts.coverage says why.
--
-- Leaves two temporary tables: indicator_raw_values (one row per indicator and city, read by
-- indicator_values.sql) and indicator_gaps (cells with a numerator but no value, and why, read by
-- coverage.sql). The marts asset drops each as soon as the mart that reads it is built.

-- What each indicator needs. Indicators with the same need (population as the denominator of
-- most per-capita indicators) share one need_id, so the alignment below runs once per need.
create or replace temp table indicator_needs as
with needs as (
    select indicator_id, 'numerator' as role, numerator_measure as measure_id,
           nullif(unit_type, '') as unit_req, 'year' as alignment, reference_year, max_year_gap
    from staging.indicator_catalogue
    union all
    select indicator_id, 'denominator', denominator, null,
           coalesce(nullif(denominator_alignment, ''), 'year'), reference_year, max_year_gap
    from staging.indicator_catalogue
    where denominator is not null
)
select *, dense_rank() over (
    order by measure_id, unit_req, alignment, reference_year, max_year_gap) as need_id
from needs;

-- Year alignment: one candidate per (need, city, unit, source). Only narrow columns are carried;
-- the provenance of the staging.measures rows a candidate uses is looked up by rowid later.
create or replace temp table need_candidates as
with sides as (
    -- The nearest year at or before (b_) and at or after (a_) the reference year, within the
    -- need's window. A (city, measure, year, unit, source) has one row (staging_measures.sql).
    select n.need_id, n.alignment, n.reference_year as ref, m.city_id, m.unit_id, m.source_id,
           m.unit_type, m.boundary_type, m.is_pilot_unit as is_pilot,
           max(m.year) filter (where m.year <= n.reference_year) as b_year,
           arg_max(m.value, m.year) filter (where m.year <= n.reference_year) as b_value,
           arg_max(m.rowid, m.year) filter (where m.year <= n.reference_year) as b_row,
           min(m.year) filter (where m.year >= n.reference_year) as a_year,
           arg_min(m.value, m.year) filter (where m.year >= n.reference_year) as a_value,
           arg_min(m.rowid, m.year) filter (where m.year >= n.reference_year) as a_row
    from (select distinct need_id, measure_id, unit_req, alignment, reference_year, max_year_gap
          from indicator_needs) n
    join staging.measures m
      on m.measure_id = n.measure_id
     and abs(m.year - n.reference_year) <= n.max_year_gap
     and m.value is not null
    where n.unit_req is null or m.unit_type = n.unit_req
       or (n.unit_req = 'pilot' and m.is_pilot_unit)
    group by all
),
candidates as (
    select *,
        case when b_year = ref then 'observed'
             when alignment = 'unit_attribute' then 'unit_attribute'
             when b_year is not null and a_year is not null then 'interpolated'
             when b_year is not null then 'carried_forward'
             else 'carried_back' end as method,
        -- A unit attribute is the nearest observation (the later one on a tie), never a mix.
        alignment = 'unit_attribute' and coalesce(b_year <> ref, true)
            and (b_year is null or (a_year is not null and a_year - ref <= ref - b_year))
            as attribute_after
    from sides
)
select c.need_id, c.city_id, c.unit_id, c.source_id, c.unit_type, c.boundary_type,
    c.is_pilot, c.method,
    case when c.method = 'carried_back' or c.attribute_after then null else c.b_row end as b_row,
    case when c.method in ('observed', 'carried_forward')
              or (c.method = 'unit_attribute' and not c.attribute_after) then null
         else c.a_row end as a_row,
    case when c.method = 'interpolated' then
             c.b_value + (c.a_value - c.b_value) * (c.ref - c.b_year) / (c.a_year - c.b_year)
         when c.method = 'carried_back' or c.attribute_after then c.a_value
         else c.b_value end as value,
    case when c.method = 'interpolated' then [c.b_year, c.a_year]
         when c.method = 'carried_back' or c.attribute_after then [c.a_year]
         else [c.b_year] end::integer[] as source_years,
    case when c.method = 'interpolated'
             then case when c.ref - c.b_year <= c.a_year - c.ref then c.b_year else c.a_year end
         when c.method = 'carried_back' or c.attribute_after then c.a_year
         else c.b_year end::integer as data_year,
    case c.method when 'observed' then 0
                  when 'interpolated' then greatest(c.ref - c.b_year, c.a_year - c.ref)
                  when 'carried_forward' then c.ref - c.b_year
                  when 'carried_back' then c.a_year - c.ref
                  else abs(c.ref - case when c.attribute_after then c.a_year else c.b_year end)
    end::integer as year_gap,
    case c.method when 'observed' then 0 when 'unit_attribute' then 0 when 'interpolated' then 1
                  else 2 end as method_rank,
    coalesce(bt.precedence, 99) as precedence
from candidates c
left join staging.boundary_types bt on bt.boundary_type = c.boundary_type;

-- The denominator of each (denominator need, city, unit): only a figure of that same unit; among
-- that unit's candidates (several sources) observed first, then the smallest gap, then source.
create or replace temp table denominator_choice as
select * from need_candidates
where need_id in (select need_id from indicator_needs where role = 'denominator')
qualify row_number() over (
    partition by need_id, city_id, unit_id order by method_rank, year_gap, source_id
) = 1;

-- The numerator of each (indicator, city). Total order (docs/METHODOLOGY.md, determinism): a
-- candidate whose unit has a denominator first (a ratio is computed only within one unit), then
-- the pilot unit, boundary precedence, observed over estimated, the smallest year gap, source,
-- boundary type and unit id.
create or replace temp table indicator_choice as
select n.indicator_id, c.*, dn.need_id as den_need_id,
       d.value as den_value, d.unit_id as den_unit_id, d.method as den_method,
       d.source_years as den_source_years, d.b_row as den_b_row, d.a_row as den_a_row,
       -- Several candidates equal on everything but the unit (Vientiane's two UN SDG cities):
       -- the unit id decides, and the value is flagged.
       count(*) over (partition by n.indicator_id, c.city_id, (d.need_id is not null),
                      c.is_pilot, c.precedence, c.method_rank, c.year_gap) > 1 as tied_candidates
from indicator_needs n
join need_candidates c on c.need_id = n.need_id
left join indicator_needs dn on dn.indicator_id = n.indicator_id and dn.role = 'denominator'
left join denominator_choice d
       on d.need_id = dn.need_id and d.city_id = c.city_id and d.unit_id = c.unit_id
where n.role = 'numerator'
qualify row_number() over (
    partition by n.indicator_id, c.city_id
    order by (dn.need_id is null or d.need_id is not null) desc, c.is_pilot desc, c.precedence,
             c.method_rank, c.year_gap, c.source_id, c.boundary_type, c.unit_id
) = 1;

drop table need_candidates;
drop table denominator_choice;

-- Provenance, vintage and unit of only the staging.measures rows that the chosen candidates use.
create or replace temp table used_measure_rows as
select m.rowid as row_id, m.provenance, m.vintage, m.unit_name, m.unit_vintage,
       m.conflicting_source_values, m.source_implausible
from staging.measures m
where m.rowid in (select unnest([b_row, a_row, den_b_row, den_a_row]) from indicator_choice);

create or replace temp table indicator_raw_values as
with chosen as (
    select c.*, coalesce(nb.vintage, na.vintage) as vintage,
           coalesce(nb.unit_name, na.unit_name) as unit_name,
           coalesce(nb.unit_vintage, na.unit_vintage) as unit_vintage,
           coalesce(nb.conflicting_source_values, false)
               or coalesce(na.conflicting_source_values, false) as conflicting_source_values,
           nullif(concat_ws('; ', nb.source_implausible, na.source_implausible,
                            db.source_implausible, da.source_implausible), '')
               as source_implausible,
           concat_ws(' + ', nb.provenance, na.provenance) as num_provenance,
           nullif(concat_ws(' + ', db.provenance, da.provenance), '') as den_provenance
    from indicator_choice c
    left join used_measure_rows nb on nb.row_id = c.b_row
    left join used_measure_rows na on na.row_id = c.a_row
    left join used_measure_rows db on db.row_id = c.den_b_row
    left join used_measure_rows da on da.row_id = c.den_a_row
)
select k.indicator_id, n.city_id, k.reference_year::integer as year,
    case when k.denominator is null then n.value * k.scale
         when n.den_value > 0 then n.value / n.den_value * k.scale end as value,
    n.value as numerator_value, k.unit, n.data_year, n.source_years, n.year_gap,
    n.method as estimate_method,
    n.den_method as denominator_estimate_method, n.den_source_years as denominator_source_years,
    n.method not in ('observed', 'unit_attribute')
        or coalesce(n.den_method, 'observed') not in ('observed', 'unit_attribute') as estimated,
    n.unit_type, n.unit_id, n.unit_name, n.unit_vintage, n.is_pilot as is_pilot_unit,
    n.boundary_type, n.den_unit_id as denominator_unit_id, n.source_id, n.vintage,
    n.tied_candidates, n.conflicting_source_values, n.source_implausible,
    n.num_provenance || coalesce(' ÷ ' || n.den_provenance, '') as provenance,
    k.denominator is not null and n.den_value is null as missing_denominator,
    n.den_value is not null and n.den_value <= 0 as zero_denominator
from chosen n
join staging.indicator_catalogue k on k.indicator_id = n.indicator_id;

drop table indicator_choice;
drop table used_measure_rows;

-- Cells with a numerator but no value (coverage.sql gives every other reason): the chosen unit
-- has no denominator figure, or none within the year window.
create or replace temp table indicator_gaps as
with missing as (
    select distinct v.city_id, v.unit_id, k.denominator as measure_id
    from indicator_raw_values v
    join staging.indicator_catalogue k using (indicator_id)
    where v.missing_denominator or v.zero_denominator
),
unit_denominators as (
    -- Does the unit have the denominator in any year, and only without a year?
    select m.city_id, m.unit_id, m.measure_id, bool_and(m.year is null) as undated
    from staging.measures m
    semi join missing x
           on x.city_id = m.city_id and x.unit_id = m.unit_id and x.measure_id = m.measure_id
    group by all
)
select v.indicator_id, v.city_id,
       case when v.zero_denominator
                then 'the ' || k.denominator || ' of the unit (' || v.unit_name || ') is zero'
            when u.undated
                then 'the unit (' || v.unit_name || ') has a ' || k.denominator
                     || ' figure but its year is not stated'
            when u.unit_id is not null
                then 'the unit (' || v.unit_name || ') has a ' || k.denominator
                     || ' figure but not within ' || k.max_year_gap || ' years of '
                     || k.reference_year
            else 'no ' || k.denominator || ' figure of the same unit (' || v.unit_type || ': '
                 || v.unit_name || '): a ratio is computed only within one unit'
       end as gap_reason
from indicator_raw_values v
join staging.indicator_catalogue k using (indicator_id)
left join unit_denominators u
       on u.city_id = v.city_id and u.unit_id = v.unit_id and u.measure_id = k.denominator
where v.missing_denominator or v.zero_denominator;

drop table indicator_needs;
