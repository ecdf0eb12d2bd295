-- marts.indicator_values: the values of indicator_inputs.sql (temporary table
-- indicator_raw_values: rules 2 and 3 of docs/METHODOLOGY.md) with rules 4 to 6.
--
-- 4. Plausibility, from the catalogue: outside the plausible range; a density more than
--    $density_tolerance off the unit's own published density (population / area of the same unit
--    and source year); zero road, street or green length/area for a city of more than
--    zero_implausible_above_population people; a count that is negative or not a whole number.
--    A value built from a row its source family flagged implausible (staging.infrastructure_
--    metrics: OSM ranges of data/catalogue/osm_metrics.csv) is implausible too. Implausible
--    values are kept, flagged with the reason, never scored or ranked.
-- 5. Comparison sets: a value is scored and ranked only among the values of the same indicator,
--    unit type and reference year (comparison_set_id), and only where that set has at least
--    $min_rank_set scored values (else 'too few to rank'). Peer ranks: the same within the size
--    class of the value's own unit.
-- 6. National context is never scored or ranked among cities: it is ranked among countries.

create or replace temp table indicator_scores as
with checked_units as (
    select distinct v.city_id, v.unit_id
    from indicator_raw_values v
    join staging.indicator_catalogue k using (indicator_id)
    where k.density_check = 'own_unit' and v.value is not null
),
own_density as (
    -- The unit's own published density: population / area of one unit, source and year.
    select p.city_id, p.unit_id, p.year, p.value / a.value as density
    from staging.measures p
    semi join checked_units u on u.city_id = p.city_id and u.unit_id = p.unit_id
    join staging.measures a
      on a.city_id = p.city_id and a.unit_id = p.unit_id and a.year = p.year
     and a.source_id = p.source_id and a.measure_id = 'land_area_km2' and a.value > 0
    where p.measure_id = 'population'
),
density_bounds as (
    select v.indicator_id, v.city_id, min(o.density) as own_min, max(o.density) as own_max
    from indicator_raw_values v
    join staging.indicator_catalogue k using (indicator_id)
    join own_density o
      on o.city_id = v.city_id and o.unit_id = v.unit_id
     and o.year between list_min(v.source_years) and list_max(v.source_years)
    where k.density_check = 'own_unit' and v.value is not null
    group by all
),
flagged as (
    select v.indicator_id, v.city_id, v.value, v.year, v.unit_type, k.direction, k.level,
           pg.country_iso3, pg.headline_population,
           -- Peer group: the size class of the value's own unit; the pilot unit's when the unit
           -- has no population figure (a UN SDG urban extent, a measurement area).
           coalesce(nullif(u.size_class, 'unknown'), pg.size_class) as peer_group,
           case when u.size_class is not null and u.size_class <> 'unknown'
                then 'own unit population' else 'pilot unit population' end as peer_group_basis,
           nullif(concat_ws('; ',
               'flagged by the source family: ' || v.source_implausible,
               case when v.value < k.plausible_min or v.value > k.plausible_max
                   then 'outside the plausible range ' || k.plausible_min || ' to '
                        || k.plausible_max end,
               case when v.value < d.own_min * (1 - $density_tolerance)
                         or v.value > d.own_max * (1 + $density_tolerance)
                   then 'differs by more than ' || round(100 * $density_tolerance)::integer || ' % from '
                        || 'the unit''s own published density (' || round(d.own_min, 1)
                        || case when d.own_max > d.own_min then '-' || round(d.own_max, 1)
                                else '' end || ')' end,
               case when v.numerator_value = 0 and pg.headline_population
                         > k.zero_implausible_above_population
                   then 'zero ' || k.numerator_measure || ' for a city of '
                        || pg.headline_population::bigint || ' people' end,
               case when k.numerator_is_count and (v.numerator_value < 0
                         or (v.estimate_method = 'observed'
                             and v.numerator_value <> floor(v.numerator_value)))
                   then 'a count must be a whole number of at least 0' end
           ), '') as implausible_reason,
           v.value < coalesce(k.typical_min, v.value) or v.value > coalesce(k.typical_max, v.value)
               as outside_typical_range
    from indicator_raw_values v
    join staging.indicator_catalogue k using (indicator_id)
    join marts.city_peer_groups pg using (city_id)
    left join marts.city_units u on u.city_id = v.city_id and u.unit_id = v.unit_id
    left join density_bounds d on d.indicator_id = v.indicator_id and d.city_id = v.city_id
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
    select f.*, implausible_reason is not null as implausible,
        f.indicator_id || '|' || f.unit_type || '|' || f.year as comparison_set_id,
        coalesce(x.exceeds_internet_access, false) as exceeds_internet_access,
        f.direction <> 'neutral' and f.implausible_reason is null
            and not coalesce(x.exceeds_internet_access, false) as directional_ok
    from flagged f
    left join cross_rules x using (indicator_id, city_id)
),
city_sets as (
    -- City values: rank and min-max range within the comparison set, and within its peer group.
    select indicator_id, city_id,
        count(*) over s as n, min(value) over s as lo, max(value) over s as hi,
        rank() over (s order by case direction when 'higher_better' then -value else value end)
            as pos,
        count(*) over p as peer_n, min(value) over p as peer_lo, max(value) over p as peer_hi,
        rank() over (p order by case direction when 'higher_better' then -value else value end)
            as peer_pos
    from scorable
    where directional_ok and level = 'city'
    window s as (partition by comparison_set_id),
           p as (partition by comparison_set_id, peer_group)
),
countries as (
    -- National values: one per country, ranked among countries (never among cities).
    select indicator_id, year, country_iso3, any_value(value) as value,
           any_value(direction) as direction
    from scorable
    where directional_ok and level = 'national'
    group by indicator_id, year, country_iso3
),
country_ranks as (
    select *, count(*) over c as n,
        rank() over (c order by case direction when 'higher_better' then -value else value end)
            as pos
    from countries
    window c as (partition by indicator_id, year)
)
select s.indicator_id, s.city_id, s.peer_group, s.peer_group_basis, s.country_iso3,
    s.comparison_set_id, s.implausible, s.implausible_reason, s.outside_typical_range,
    s.exceeds_internet_access,
    case when r.n >= $min_rank_set and r.hi > r.lo then round(100 * case s.direction
        when 'higher_better' then (s.value - r.lo) / (r.hi - r.lo)
        else (r.hi - s.value) / (r.hi - r.lo) end, 1) end as score,
    case when r.n >= $min_rank_set then r.pos end::integer as rank_position,
    r.n::integer as rank_set_size,
    case when r.n >= $min_rank_set then r.pos || '/' || r.n
         when r.n is not null then 'too few to rank' end as rank_label,
    case when r.city_id is not null then s.comparison_set_id || '|' || s.peer_group end
        as peer_comparison_set_id,
    case when r.peer_n >= $min_rank_set and r.peer_hi > r.peer_lo then round(100 * case s.direction
        when 'higher_better' then (s.value - r.peer_lo) / (r.peer_hi - r.peer_lo)
        else (r.peer_hi - s.value) / (r.peer_hi - r.peer_lo) end, 1) end as peer_score,
    case when r.peer_n >= $min_rank_set then r.peer_pos end::integer as peer_rank_position,
    r.peer_n::integer as peer_rank_set_size,
    case when r.peer_n >= $min_rank_set then r.peer_pos || '/' || r.peer_n
         when r.peer_n is not null then 'too few to rank' end as peer_rank_label,
    case when c.n >= $min_rank_set then c.pos end::integer as country_rank_position,
    c.n::integer as country_rank_set_size,
    case when c.n >= $min_rank_set then c.pos || '/' || c.n || ' countries'
         when c.n is not null then 'too few to rank' end as country_rank_label,
    case when s.level = 'national' and s.directional_ok
             then 'national context: ranked among countries, not among cities'
         when s.level = 'national' and s.direction = 'neutral'
             then 'national context, neutral direction: not ranked'
         when s.direction = 'neutral' then 'neutral direction: not scored or ranked'
         when s.implausible then 'implausible: ' || s.implausible_reason
         when s.exceeds_internet_access then 'fails the U4SSC broadband-internet rule'
         when s.level = 'national' then 'national context: not ranked'
         when r.n < $min_rank_set then 'too few to rank: ' || r.n || ' scored value'
             || case when r.n > 1 then 's' else '' end || ' in the comparison set, '
             || $min_rank_set || ' needed'
    end as not_ranked_reason
from scorable s
left join city_sets r on r.indicator_id = s.indicator_id and r.city_id = s.city_id
left join country_ranks c
       on s.level = 'national' and s.directional_ok and c.indicator_id = s.indicator_id
      and c.year = s.year and c.country_iso3 = s.country_iso3;

create or replace table marts.indicator_values as
select
    v.city_id, pg.name as city_name, v.indicator_id, k.name as indicator_name, k.focus_area_id,
    k.level, v.year, v.value, v.unit, k.direction,
    v.unit_type, v.unit_id, v.unit_name, v.unit_vintage, v.is_pilot_unit, v.boundary_type,
    v.data_year, v.source_years, v.year_gap, v.estimate_method,
    v.denominator_unit_id, v.denominator_source_years, v.denominator_estimate_method, v.estimated,
    s.comparison_set_id, s.score, s.rank_position, s.rank_set_size, s.rank_label,
    case when k.level = 'city' then s.peer_group end as peer_group,
    case when k.level = 'city' then s.peer_group_basis end as peer_group_basis,
    s.peer_comparison_set_id, s.peer_score,
    s.peer_rank_position, s.peer_rank_set_size, s.peer_rank_label,
    s.country_rank_position, s.country_rank_set_size, s.country_rank_label, s.not_ranked_reason,
    s.country_iso3, s.implausible, s.implausible_reason, s.outside_typical_range,
    s.exceeds_internet_access,
    list_filter([
        case when v.estimate_method not in ('observed', 'unit_attribute')
            then 'estimated_numerator' end,
        case when v.denominator_estimate_method not in ('observed', 'unit_attribute')
            then 'estimated_denominator' end,
        case when v.year_gap > 0 then 'year_gap_' || v.year_gap end,
        case when s.implausible then 'implausible' end,
        case when s.outside_typical_range then 'outside_typical_range' end,
        case when s.exceeds_internet_access then 'exceeds_internet_access' end,
        case when k.level = 'national' then 'national_context' end,
        case when v.is_pilot_unit and not pg.pilot_unit_confirmed
            then 'pilot_unit_unconfirmed' end,
        case when v.tied_candidates then 'tied_candidates' end,
        case when v.conflicting_source_values then 'conflicting_source_values' end
    ], lambda x: x is not null) as quality_flags,
    v.source_id, v.vintage, v.provenance
from indicator_raw_values v
join staging.indicator_catalogue k using (indicator_id)
join indicator_scores s using (indicator_id, city_id)
join marts.city_peer_groups pg using (city_id)
order by v.indicator_id, v.city_id;

drop table indicator_scores;

-- Descriptions: shown by DBeaver and duckdb_columns(), exported as the data dictionary.
comment on table marts.indicator_values is 'One row per city, indicator and reference year: the value, its spatial unit, how it was estimated, its score and rank within its comparison set (same indicator, unit type and year; at least 5 values), peer group, quality flags and provenance. Start here.';
comment on column marts.indicator_values.city_id is 'Registry city id (see marts.city_peer_groups)';
comment on column marts.indicator_values.city_name is 'City name';
comment on column marts.indicator_values.indicator_id is 'Indicator id (see marts.indicator_catalogue)';
comment on column marts.indicator_values.indicator_name is 'Indicator name';
comment on column marts.indicator_values.focus_area_id is 'ASCN focus area of the indicator';
comment on column marts.indicator_values.level is 'city = a city value; national = the country''s value shown as context (never ranked among cities)';
comment on column marts.indicator_values.year is 'Reference year of the indicator (values are aligned to it)';
comment on column marts.indicator_values.value is 'Indicator value in unit';
comment on column marts.indicator_values.unit is 'Unit of value';
comment on column marts.indicator_values.direction is 'higher_better, lower_better or neutral (not scored); see marts.indicator_catalogue.direction_rationale';
comment on column marts.indicator_values.unit_type is 'Spatial unit type of the value: city, admin_region, urban_centre, agglomeration, metro_area, urban_extent, measurement_area or nation';
comment on column marts.indicator_values.unit_id is 'Spatial unit id; numerator and denominator always share it (see marts.city_units)';
comment on column marts.indicator_values.unit_name is 'Name of the spatial unit in its source';
comment on column marts.indicator_values.unit_vintage is 'Vintage of the unit''s boundary (e.g. GHSL 2015 delineation, census boundary as published 2019)';
comment on column marts.indicator_values.is_pilot_unit is 'True when the value is of the registry''s pilot unit of the city';
comment on column marts.indicator_values.boundary_type is 'Boundary type as stated by the numerator''s source';
comment on column marts.indicator_values.data_year is 'Year of the numerator data (for an interpolation: the source year nearest the reference year)';
comment on column marts.indicator_values.source_years is 'Every year of numerator data used (two for an interpolation)';
comment on column marts.indicator_values.year_gap is 'Years between the numerator data and the reference year (0 = observed in the reference year)';
comment on column marts.indicator_values.estimate_method is 'Numerator: observed, interpolated, carried_forward or carried_back (see docs/METHODOLOGY.md)';
comment on column marts.indicator_values.denominator_unit_id is 'Unit id of the denominator: always equal to unit_id (null when there is no denominator)';
comment on column marts.indicator_values.denominator_source_years is 'Every year of denominator data used';
comment on column marts.indicator_values.denominator_estimate_method is 'Denominator: observed, interpolated, carried_forward, carried_back or unit_attribute (an area of the unit, not a time series)';
comment on column marts.indicator_values.estimated is 'True when the numerator or the denominator was estimated (not observed in the reference year)';
comment on column marts.indicator_values.comparison_set_id is 'indicator|unit type|reference year: the only values a value is scored and ranked against';
comment on column marts.indicator_values.score is '0-100 min-max score within the comparison set (100 = best); null when not ranked';
comment on column marts.indicator_values.rank_position is 'Rank within the comparison set (1 = best; ties share a rank); only where the set has at least 5 scored values';
comment on column marts.indicator_values.rank_set_size is 'Scored values in the comparison set';
comment on column marts.indicator_values.rank_label is '''position/set size'', or ''too few to rank'' when the set has fewer than 5 scored values; null when not ranked (see not_ranked_reason)';
comment on column marts.indicator_values.peer_group is 'OECD size class of the value''s own unit (the pilot unit''s when the unit has no population)';
comment on column marts.indicator_values.peer_group_basis is 'own unit population, or pilot unit population';
comment on column marts.indicator_values.peer_comparison_set_id is 'comparison_set_id|peer_group: the peer set';
comment on column marts.indicator_values.peer_score is '0-100 min-max score within the peer set (at least 5 scored values)';
comment on column marts.indicator_values.peer_rank_position is 'Rank within the peer set (at least 5 scored values)';
comment on column marts.indicator_values.peer_rank_set_size is 'Scored values in the peer set';
comment on column marts.indicator_values.peer_rank_label is '''position/set size'' within the peer set, or ''too few to rank''';
comment on column marts.indicator_values.country_rank_position is 'National values only: rank of the country among the countries with a value (1 = best)';
comment on column marts.indicator_values.country_rank_set_size is 'National values only: countries with a value';
comment on column marts.indicator_values.country_rank_label is 'National values only: e.g. ''9/10 countries''';
comment on column marts.indicator_values.not_ranked_reason is 'Why the value has no city rank: neutral direction, implausible, national context, too few to rank';
comment on column marts.indicator_values.country_iso3 is 'ISO 3166-1 alpha-3 country code';
comment on column marts.indicator_values.implausible is 'True when a plausibility rule of the catalogue fails: kept, flagged, never scored or ranked';
comment on column marts.indicator_values.implausible_reason is 'Which plausibility rule failed, with the numbers';
comment on column marts.indicator_values.outside_typical_range is 'True when outside the catalogue''s typical range (e.g. U4SSC: electricity access below 90 %): kept and scored';
comment on column marts.indicator_values.exceeds_internet_access is 'U4SSC rule: fixed broadband above internet access in the same country';
comment on column marts.indicator_values.quality_flags is 'All flags of the value as a list (estimated_numerator, estimated_denominator, year_gap_N, implausible, national_context, pilot_unit_unconfirmed, tied_candidates, conflicting_source_values, ...)';
comment on column marts.indicator_values.source_id is 'Source of the numerator';
comment on column marts.indicator_values.vintage is 'Source vintage (publication or retrieval date as stated by the source)';
comment on column marts.indicator_values.provenance is 'Raw records behind the value: raw table#content key, numerator then denominator after ÷ (see README: tracing a value)';
