-- Comparable indicator values: the comparability rules of docs/METHODOLOGY.md, in SQL.
--
-- 1. Year alignment: each indicator has a reference year. For each (city, measure, boundary,
--    source) we take the value observed in the reference year; else interpolate linearly between
--    the nearest years before and after; else carry the nearest year forward or back. Only data
--    within max_year_gap years of the reference year are used; every non-observed value is
--    flagged estimated, and data_year/year_gap say which years it came from.
-- 2. Boundary: the numerator's boundary is chosen by boundary precedence (or fixed by the
--    catalogue). The denominator uses the figure with the same boundary when one exists; else the
--    best-precedence figure, and the value is flagged boundary_mismatch.
-- 3. Plausibility: values outside the catalogue's plausible range are flagged, kept, not scored;
--    values outside its typical range (e.g. U4SSC: electricity access below 90 %) are flagged
--    and still scored.

create or replace temp table indicator_needs as
select indicator_id, 'numerator' as role, numerator_measure as measure_id,
       nullif(numerator_boundary, '') as boundary_req, reference_year, max_year_gap
from staging.indicator_catalogue
union all
select indicator_id, 'denominator', denominator, null, reference_year, max_year_gap
from staging.indicator_catalogue
where denominator is not null;

create or replace temp table indicator_resolved as
with obs as (
    -- Only the measures the catalogue needs, within each indicator's year window.
    select n.indicator_id, n.role, n.reference_year as ref, m.city_id, m.boundary_type,
           m.source_id, m.year, m.value, m.provenance, m.vintage
    from indicator_needs n
    join staging.measures m
      on m.measure_id = n.measure_id
     and (n.boundary_req is null or m.boundary_type = n.boundary_req)
     and abs(m.year - n.reference_year) <= n.max_year_gap
     and m.value is not null
),
sides as (
    -- Nearest year at or before, and at or after, the reference year. Only keys and years
    -- are aggregated (small hash tables); values and provenance are joined back below.
    select indicator_id, role, ref, city_id, boundary_type, source_id,
           max(year) filter (where year <= ref) as b_year,
           min(year) filter (where year >= ref) as a_year
    from obs
    group by all
),
candidates as (
    select s.*, b.value as b_value, b.provenance as b_prov, a.value as a_value,
           a.provenance as a_prov, coalesce(b.vintage, a.vintage) as vintage,
        case when s.b_year = s.ref then 'observed'
             when s.b_year is not null and s.a_year is not null then 'interpolated'
             when s.b_year is not null then 'carried_forward'
             else 'carried_back' end as method
    from sides s
    left join obs b
      on b.indicator_id = s.indicator_id and b.role = s.role and b.city_id = s.city_id
     and b.boundary_type = s.boundary_type and b.source_id = s.source_id and b.year = s.b_year
    left join obs a
      on a.indicator_id = s.indicator_id and a.role = s.role and a.city_id = s.city_id
     and a.boundary_type = s.boundary_type and a.source_id = s.source_id and a.year = s.a_year
)
select c.indicator_id, c.role, c.city_id, c.boundary_type, c.source_id, c.method, c.vintage,
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
    case c.method
        when 'interpolated' then c.b_prov || ' + ' || c.a_prov
        when 'carried_back' then c.a_prov
        else c.b_prov end as provenance,
    -- Preference among candidates: boundary precedence, then observed over estimated, then the
    -- smallest year gap, then source id (stable).
    row_number() over (
        partition by c.indicator_id, c.role, c.city_id
        order by coalesce(bt.precedence, 99),
                 case c.method when 'observed' then 0 when 'interpolated' then 1 else 2 end,
                 abs(coalesce(c.b_year, c.a_year) - c.ref), c.source_id
    ) as preference
from candidates c
left join staging.boundary_types bt on bt.boundary_type = c.boundary_type;

create or replace temp table indicator_raw_values as
with num as (
    select * from indicator_resolved where role = 'numerator' and preference = 1
),
den as (
    -- Denominator with the same boundary as the numerator when there is one, else the best.
    select n.indicator_id, n.city_id,
           arg_min(d.value, (d.boundary_type <> n.boundary_type)::int * 1000 + d.preference)
               as value,
           arg_min(d.boundary_type, (d.boundary_type <> n.boundary_type)::int * 1000 + d.preference)
               as boundary_type,
           arg_min(d.data_year, (d.boundary_type <> n.boundary_type)::int * 1000 + d.preference)
               as data_year,
           arg_min(d.method, (d.boundary_type <> n.boundary_type)::int * 1000 + d.preference)
               as method,
           arg_min(d.provenance, (d.boundary_type <> n.boundary_type)::int * 1000 + d.preference)
               as provenance
    from num n
    join indicator_resolved d
      on d.role = 'denominator' and d.indicator_id = n.indicator_id and d.city_id = n.city_id
    group by n.indicator_id, n.city_id
)
select k.indicator_id, n.city_id, k.reference_year as year,
    case when k.denominator is null then n.value * k.scale
         when d.value > 0 then n.value / d.value * k.scale end as value,
    k.unit, n.data_year, n.year_gap, n.method,
    n.method <> 'observed' or coalesce(d.method, 'observed') <> 'observed' as estimated,
    n.boundary_type, d.boundary_type as denominator_boundary, d.data_year as denominator_year,
    d.boundary_type is not null and d.boundary_type <> n.boundary_type as boundary_mismatch,
    n.source_id, n.vintage,
    n.provenance || coalesce(' ÷ ' || d.provenance, '') as provenance,
    k.denominator is not null and d.value is null as missing_denominator
from num n
join staging.indicator_catalogue k on k.indicator_id = n.indicator_id
left join den d on d.indicator_id = n.indicator_id and d.city_id = n.city_id;

-- Headline population of each city (boundary precedence, reference year 2020) and its peer group
-- by OECD city-size class.
create or replace table marts.city_peer_groups as
with headline as (
    select city_id, arg_min(population, coalesce(bt.precedence, 99) * 10000 + abs(year - 2020))
               as population,
           arg_min(year, coalesce(bt.precedence, 99) * 10000 + abs(year - 2020)) as year,
           arg_min(p.boundary_type, coalesce(bt.precedence, 99) * 10000 + abs(year - 2020))
               as boundary_type,
           arg_min(source_id, coalesce(bt.precedence, 99) * 10000 + abs(year - 2020))
               as source_id
    from staging.population_figures p
    left join staging.boundary_types bt using (boundary_type)
    where not is_projection and population is not null
    group by city_id
)
select c.city_id, c.name, c.country_iso3, h.population as headline_population,
       h.year as headline_population_year, h.boundary_type as headline_boundary_type,
       h.source_id as headline_population_source,
       case when h.population is null then 'unknown'
            when h.population < 50000 then 'below_50k'
            when h.population < 200000 then '50k_200k'
            when h.population < 500000 then '200k_500k'
            when h.population < 1500000 then '500k_1.5m'
            else '1.5m_plus' end as size_class
from staging.cities c
left join headline h using (city_id);

create or replace table marts.indicator_values as
with flagged as (
    select v.*, k.direction, k.focus_area_id, k.level, c.name as indicator_name,
        v.value is not null and (v.value < k.plausible_min or v.value > k.plausible_max)
            as implausible,
        v.value < coalesce(k.typical_min, v.value) or v.value > coalesce(k.typical_max, v.value)
            as outside_typical_range,
        pg.size_class, pg.country_iso3
    from indicator_raw_values v
    join staging.indicator_catalogue k using (indicator_id)
    join (select indicator_id, name from staging.indicator_catalogue) c using (indicator_id)
    join marts.city_peer_groups pg using (city_id)
    where v.value is not null
),
cross_rules as (
    -- U4SSC verifier rule: fixed broadband cannot exceed internet access in the same country.
    select f.indicator_id, f.city_id, true as exceeds_internet_access
    from flagged f
    join flagged i on i.city_id = f.city_id and i.indicator_id = 'national_internet_users_pct'
    where f.indicator_id = 'national_fixed_broadband_per_100' and f.value > i.value
),
scorable as (
    select f.*, coalesce(x.exceeds_internet_access, false) as exceeds_internet_access,
        f.direction in ('higher_better', 'lower_better')
            and not f.implausible and not coalesce(x.exceeds_internet_access, false) as scored
    from flagged f
    left join cross_rules x using (indicator_id, city_id)
),
stats as (
    select *,
        min(value) filter (where scored) over (partition by indicator_id) as all_min,
        max(value) filter (where scored) over (partition by indicator_id) as all_max,
        count(*) filter (where scored) over (partition by indicator_id) as all_n,
        min(value) filter (where scored) over (partition by indicator_id, size_class) as peer_min,
        max(value) filter (where scored) over (partition by indicator_id, size_class) as peer_max,
        count(*) filter (where scored) over (partition by indicator_id, size_class) as peer_n
    from scorable
)
select
    city_id, indicator_id, indicator_name, focus_area_id, level, year, value, unit,
    data_year, year_gap, method, estimated,
    case when scored and all_max > all_min then round(100 * case direction
        when 'higher_better' then (value - all_min) / (all_max - all_min)
        else (all_max - value) / (all_max - all_min) end, 1) end as score,
    case when scored and peer_max > peer_min then round(100 * case direction
        when 'higher_better' then (value - peer_min) / (peer_max - peer_min)
        else (peer_max - value) / (peer_max - peer_min) end, 1) end as peer_score,
    case when scored then rank() over (
        partition by indicator_id, scored
        order by case direction when 'higher_better' then -value else value end
    ) || '/' || all_n end as rank,
    case when scored then rank() over (
        partition by indicator_id, size_class, scored
        order by case direction when 'higher_better' then -value else value end
    ) || '/' || peer_n end as peer_rank,
    size_class as peer_group, country_iso3,
    boundary_type, denominator_boundary, denominator_year, boundary_mismatch,
    implausible, outside_typical_range, exceeds_internet_access,
    list_filter([
        case when estimated then 'estimated' end,
        case when year_gap > 0 then 'year_gap_' || year_gap end,
        case when boundary_mismatch then 'boundary_mismatch' end,
        case when implausible then 'implausible' end,
        case when outside_typical_range then 'outside_typical_range' end,
        case when exceeds_internet_access then 'exceeds_internet_access' end,
        case when level = 'national' then 'national_context' end
    ], lambda x: x is not null) as quality_flags,
    source_id, vintage, provenance
from stats
order by indicator_id, city_id;
