-- marts.v_city_vs_peers: a city against its peers. For every ranked city value: the city's value
-- and rank beside the median, minimum and maximum of its comparison set and of its peer set
-- (same indicator, unit type, year and size class). A view: always in step with
-- marts.indicator_values.
create or replace view marts.v_city_vs_peers as
with ranked as (
    select * from marts.indicator_values where rank_position is not null
),
sets as (
    select comparison_set_id, median(value) as set_median, min(value) as set_min,
           max(value) as set_max
    from ranked group by comparison_set_id
),
peer_sets as (
    select peer_comparison_set_id, median(value) as peer_median, min(value) as peer_min,
           max(value) as peer_max
    from ranked where peer_rank_position is not null group by peer_comparison_set_id
)
select r.city_id, r.city_name, r.indicator_id, r.indicator_name, r.focus_area_id, r.year,
       r.unit_type, r.unit, r.direction, r.value, r.rank_label, r.rank_position, r.rank_set_size,
       s.set_median, s.set_min, s.set_max, r.peer_group, r.peer_rank_label,
       r.peer_rank_position, r.peer_rank_set_size, p.peer_median, p.peer_min, p.peer_max,
       case when p.peer_median is null then null
            when r.direction = 'higher_better' then r.value > p.peer_median
            else r.value < p.peer_median end as better_than_peer_median,
       r.comparison_set_id, r.peer_comparison_set_id
from ranked r
join sets s using (comparison_set_id)
left join peer_sets p using (peer_comparison_set_id)
order by r.city_id, r.indicator_id;

comment on view marts.v_city_vs_peers is 'A city against its peers: every ranked city value beside the median, minimum and maximum of its comparison set (same indicator, unit type, year) and of its peer set (same size class); e.g. where city_id = ''khm-battambang''.';
comment on column marts.v_city_vs_peers.city_id is 'Registry city id';
comment on column marts.v_city_vs_peers.city_name is 'City name';
comment on column marts.v_city_vs_peers.indicator_id is 'Indicator id';
comment on column marts.v_city_vs_peers.indicator_name is 'Indicator name';
comment on column marts.v_city_vs_peers.focus_area_id is 'Focus area';
comment on column marts.v_city_vs_peers.year is 'Reference year';
comment on column marts.v_city_vs_peers.unit_type is 'Unit type shared by every value of the comparison set';
comment on column marts.v_city_vs_peers.unit is 'Unit of value';
comment on column marts.v_city_vs_peers.direction is 'higher_better or lower_better';
comment on column marts.v_city_vs_peers.value is 'The city''s value';
comment on column marts.v_city_vs_peers.rank_label is 'Rank in the comparison set, ''position/set size''';
comment on column marts.v_city_vs_peers.rank_position is 'Rank in the comparison set (1 = best)';
comment on column marts.v_city_vs_peers.rank_set_size is 'Values in the comparison set';
comment on column marts.v_city_vs_peers.set_median is 'Median of the ranked values of the comparison set';
comment on column marts.v_city_vs_peers.set_min is 'Smallest value of the comparison set';
comment on column marts.v_city_vs_peers.set_max is 'Largest value of the comparison set';
comment on column marts.v_city_vs_peers.peer_group is 'Size class of the value''s unit';
comment on column marts.v_city_vs_peers.peer_rank_label is 'Rank in the peer set, or ''too few to rank''';
comment on column marts.v_city_vs_peers.peer_rank_position is 'Rank in the peer set (at least 5 values)';
comment on column marts.v_city_vs_peers.peer_rank_set_size is 'Values in the peer set';
comment on column marts.v_city_vs_peers.peer_median is 'Median of the peer set (null when it has fewer than 5 values)';
comment on column marts.v_city_vs_peers.peer_min is 'Smallest value of the peer set';
comment on column marts.v_city_vs_peers.peer_max is 'Largest value of the peer set';
comment on column marts.v_city_vs_peers.better_than_peer_median is 'True when the value is better than the peer median in the indicator''s direction';
comment on column marts.v_city_vs_peers.comparison_set_id is 'Comparison set (indicator|unit type|year)';
comment on column marts.v_city_vs_peers.peer_comparison_set_id is 'Peer set (comparison set|size class)';
