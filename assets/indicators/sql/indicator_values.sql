-- marts.indicator_values: the values of indicator_inputs.sql (comparability rules 1 and 2 of
-- docs/METHODOLOGY.md, temporary table indicator_raw_values), with rule 3 and the scores.
--
-- 3. Plausibility: values outside the catalogue's plausible range are flagged, kept, not scored;
--    values outside its typical range (e.g. U4SSC: electricity access below 90 %) are flagged
--    and still scored.

-- Plausibility flags and scores: 0-100 min-max scores and ranks among all cities and
-- within the peer group. Computed on narrow rows (keys, value, flags); the mart joins them back.
create or replace temp table indicator_scores as
with flagged as (
    select v.indicator_id, v.city_id, v.value, k.direction, pg.size_class, pg.country_iso3,
        v.value is not null and (v.value < k.plausible_min or v.value > k.plausible_max)
            as implausible,
        v.value < coalesce(k.typical_min, v.value) or v.value > coalesce(k.typical_max, v.value)
            as outside_typical_range
    from indicator_raw_values v
    join staging.indicator_catalogue k using (indicator_id)
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
all_stats as (
    -- Range and count of the scored values of each indicator ...
    select indicator_id, min(value) as all_min, max(value) as all_max, count(*) as all_n
    from scorable where scored
    group by indicator_id
),
peer_stats as (
    -- ... and of each indicator within each peer group (city-size class).
    select indicator_id, size_class, min(value) as peer_min, max(value) as peer_max,
           count(*) as peer_n
    from scorable where scored
    group by indicator_id, size_class
),
ranks as (
    -- Rank 1 = best value among the scored values (ties share a rank).
    select indicator_id, city_id,
        rank() over (
            partition by indicator_id
            order by case direction when 'higher_better' then -value else value end
        ) as all_rank,
        rank() over (
            partition by indicator_id, size_class
            order by case direction when 'higher_better' then -value else value end
        ) as peer_rank
    from scorable where scored
)
select s.indicator_id, s.city_id, s.size_class, s.country_iso3, s.implausible,
    s.outside_typical_range, s.exceeds_internet_access,
    case when s.scored and a.all_max > a.all_min then round(100 * case s.direction
        when 'higher_better' then (s.value - a.all_min) / (a.all_max - a.all_min)
        else (a.all_max - s.value) / (a.all_max - a.all_min) end, 1) end as score,
    case when s.scored and p.peer_max > p.peer_min then round(100 * case s.direction
        when 'higher_better' then (s.value - p.peer_min) / (p.peer_max - p.peer_min)
        else (p.peer_max - s.value) / (p.peer_max - p.peer_min) end, 1) end as peer_score,
    case when s.scored then r.all_rank || '/' || a.all_n end as rank,
    case when s.scored then r.peer_rank || '/' || p.peer_n end as peer_rank
from scorable s
left join all_stats a on a.indicator_id = s.indicator_id
left join peer_stats p on p.indicator_id = s.indicator_id and p.size_class = s.size_class
left join ranks r on r.indicator_id = s.indicator_id and r.city_id = s.city_id;

create or replace table marts.indicator_values as
select
    v.city_id, v.indicator_id, k.name as indicator_name, k.focus_area_id, k.level, v.year,
    v.value, v.unit, v.data_year, v.year_gap, v.method, v.estimated, s.score, s.peer_score,
    s.rank, s.peer_rank, s.size_class as peer_group, s.country_iso3,
    v.boundary_type, v.denominator_boundary, v.denominator_year, v.boundary_mismatch,
    s.implausible, s.outside_typical_range, s.exceeds_internet_access,
    list_filter([
        case when v.estimated then 'estimated' end,
        case when v.year_gap > 0 then 'year_gap_' || v.year_gap end,
        case when v.boundary_mismatch then 'boundary_mismatch' end,
        case when s.implausible then 'implausible' end,
        case when s.outside_typical_range then 'outside_typical_range' end,
        case when s.exceeds_internet_access then 'exceeds_internet_access' end,
        case when k.level = 'national' then 'national_context' end
    ], lambda x: x is not null) as quality_flags,
    v.source_id, v.vintage, v.provenance
from indicator_raw_values v
join staging.indicator_catalogue k using (indicator_id)
join indicator_scores s using (indicator_id, city_id)
order by v.indicator_id, v.city_id;

drop table indicator_scores;

-- Descriptions: shown by DBeaver and duckdb_columns(), exported as the data dictionary.
comment on table marts.indicator_values is 'One row per city, indicator and reference year: the comparable value, its score and rank, peer group, quality flags and provenance. Start here.';
comment on column marts.indicator_values.city_id is 'Registry city id (see marts.city_peer_groups)';
comment on column marts.indicator_values.indicator_id is 'Indicator id (see marts.indicator_catalogue)';
comment on column marts.indicator_values.indicator_name is 'Indicator name';
comment on column marts.indicator_values.focus_area_id is 'ASCN focus area of the indicator';
comment on column marts.indicator_values.level is 'city = a city value; national = the country''s value shown as context';
comment on column marts.indicator_values.year is 'Reference year of the indicator (values are aligned to it)';
comment on column marts.indicator_values.value is 'Indicator value in unit';
comment on column marts.indicator_values.unit is 'Unit of value';
comment on column marts.indicator_values.data_year is 'Year(s) of the source data: one year, or ''first-last'' when interpolated';
comment on column marts.indicator_values.year_gap is 'Years between the source data and the reference year (0 = observed in the reference year)';
comment on column marts.indicator_values.method is 'observed, interpolated, carried_forward or carried_back (see docs/METHODOLOGY.md)';
comment on column marts.indicator_values.estimated is 'True when the value (or its denominator) was not observed in the reference year';
comment on column marts.indicator_values.score is '0-100 min-max score among all pilot cities with a scored value (100 = best; null when not scored)';
comment on column marts.indicator_values.peer_score is '0-100 min-max score within the city-size peer group';
comment on column marts.indicator_values.rank is 'Rank among all scored cities, written ''rank/n''; ties share a rank';
comment on column marts.indicator_values.peer_rank is 'Rank within the peer group, ''rank/n''';
comment on column marts.indicator_values.peer_group is 'OECD city-size class of the city''s headline population';
comment on column marts.indicator_values.country_iso3 is 'ISO 3166-1 alpha-3 country code';
comment on column marts.indicator_values.boundary_type is 'Spatial unit of the numerator (municipality, urban_centre, agglomeration, country, ...)';
comment on column marts.indicator_values.denominator_boundary is 'Spatial unit of the population or area the value was divided by';
comment on column marts.indicator_values.denominator_year is 'Year(s) of the denominator';
comment on column marts.indicator_values.boundary_mismatch is 'True when numerator and denominator come from different spatial units';
comment on column marts.indicator_values.implausible is 'True when outside the catalogue''s plausible range: kept, flagged, not scored';
comment on column marts.indicator_values.outside_typical_range is 'True when outside the catalogue''s typical range (e.g. U4SSC: electricity access below 90 %): kept and scored';
comment on column marts.indicator_values.exceeds_internet_access is 'U4SSC rule: fixed broadband above internet access in the same country';
comment on column marts.indicator_values.quality_flags is 'All flags of the value as a list';
comment on column marts.indicator_values.source_id is 'Source of the numerator';
comment on column marts.indicator_values.vintage is 'Source vintage (publication or retrieval date as stated by the source)';
comment on column marts.indicator_values.provenance is 'Raw records behind the value: raw table#row key, numerator then denominator (see README: tracing a value)';
