-- Focus-area scores: the mean of a city's city-level indicator scores in that focus area. Each
-- indicator score is already comparable: computed only within its comparison set (same
-- indicator, unit type and year, at least 5 values; indicator_values.sql); implausible, neutral
-- and national values have none. A score is given only when the city has scores for at least
-- $min_coverage of the area's scorable city-level indicators, and ranked only among at least
-- $min_rank_set scored cities.
create or replace table marts.focus_area_scores as
with scorable as (
    select focus_area_id, count(*) as indicators_in_area
    from staging.indicator_catalogue
    where direction in ('higher_better', 'lower_better') and level = 'city'
    group by focus_area_id
),
per_city as (
    select c.city_id, f.focus_area_id, s.indicators_in_area,
           count(v.score) as indicators_scored,
           -- Scores have one decimal. Their mean is taken in whole tenths: the sums are exact
           -- integers, so the mean (and the ranks of near-ties) do not depend on the order in
           -- which a parallel aggregation adds rows, and halves round up (70.15 -> 70.2).
           sum(round(v.score * 10)::bigint)::double / nullif(count(v.score), 0) as mean_tenths,
           sum(round(v.peer_score * 10)::bigint)::double / nullif(count(v.peer_score), 0)
               as mean_peer_tenths
    from staging.cities c
    cross join staging.focus_areas f
    join scorable s on s.focus_area_id = f.focus_area_id
    left join marts.indicator_values v
      on v.city_id = c.city_id and v.focus_area_id = f.focus_area_id and v.level = 'city'
    group by all
),
gated as (
    select *, indicators_scored::double / indicators_in_area as coverage,
           indicators_scored::double / indicators_in_area >= $min_coverage as enough
    from per_city
),
scored_cities as (
    select focus_area_id, count(*) filter (where enough) as n_scored
    from gated
    group by focus_area_id
)
select g.city_id, g.focus_area_id, fa.name as focus_area_name,
       g.indicators_in_area, g.indicators_scored, round(g.coverage, 3) as coverage,
       case when g.enough then round(g.mean_tenths) / 10 end as score,
       case when g.enough then round(g.mean_peer_tenths) / 10 end as peer_score,
       case when g.enough and n.n_scored >= $min_rank_set then
           rank() over (partition by g.focus_area_id, g.enough order by g.mean_tenths desc)
       end::integer as rank_position,
       case when g.enough then n.n_scored end::integer as rank_set_size,
       case when g.enough and n.n_scored >= $min_rank_set then
           rank() over (partition by g.focus_area_id, g.enough order by g.mean_tenths desc)
           || '/' || n.n_scored
            when g.enough then 'too few to rank' end as rank_label,
       pg.size_class as peer_group,
       case when not g.enough then 'coverage ' || g.indicators_scored || ' of '
           || g.indicators_in_area || ' indicators is below the minimum ' || $min_coverage
       end as not_scored_reason
from gated g
join scored_cities n using (focus_area_id)
join staging.focus_areas fa using (focus_area_id)
join marts.city_peer_groups pg using (city_id)
order by g.focus_area_id, g.city_id;

-- Descriptions: shown by DBeaver and duckdb_columns(), exported as the data dictionary.
comment on table marts.focus_area_scores is 'Per city and focus area: mean of the city-level indicator scores (each within its comparison set), given only above the minimum coverage.';
comment on column marts.focus_area_scores.city_id is 'Registry city id';
comment on column marts.focus_area_scores.focus_area_id is 'Focus area id';
comment on column marts.focus_area_scores.focus_area_name is 'Focus area name';
comment on column marts.focus_area_scores.indicators_in_area is 'Scorable city-level indicators in the focus area';
comment on column marts.focus_area_scores.indicators_scored is 'Of those, how many have a score for this city';
comment on column marts.focus_area_scores.coverage is 'indicators_scored / indicators_in_area';
comment on column marts.focus_area_scores.score is 'Mean indicator score 0-100 (null below minimum coverage)';
comment on column marts.focus_area_scores.peer_score is 'Mean of the indicator peer scores 0-100 (each within the size class of the value''s own unit)';
comment on column marts.focus_area_scores.rank_position is 'Rank among the cities with a focus-area score (1 = best), only where at least 5 cities have one';
comment on column marts.focus_area_scores.rank_set_size is 'Cities with a score in this focus area';
comment on column marts.focus_area_scores.rank_label is '''position/set size'', or ''too few to rank''';
comment on column marts.focus_area_scores.peer_group is 'OECD city-size class';
comment on column marts.focus_area_scores.not_scored_reason is 'Why no score was given';
