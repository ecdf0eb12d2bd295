-- Offending indicator values against the comparability rules (docs/METHODOLOGY.md §3-§6):
-- a comparison set with more than one unit type; a rank over fewer than $min_rank_set values;
-- a national value ranked or scored among cities; a ratio whose denominator is of another unit;
-- a neutral or implausible value with a score or rank; a country rank on a city value.
select comparison_set_id as city_id, 'all' as indicator_id,
       'comparison set mixes unit types: ' || string_agg(distinct unit_type, ', ') as problem
from marts.indicator_values
group by comparison_set_id having count(distinct unit_type) > 1
union all
select peer_comparison_set_id, 'all', 'peer set mixes unit types or size classes'
from marts.indicator_values where peer_comparison_set_id is not null
group by peer_comparison_set_id
having count(distinct unit_type) > 1 or count(distinct peer_group) > 1
union all
select city_id, indicator_id, 'rank over fewer than ' || $min_rank_set || ' values'
from marts.indicator_values
where (rank_position is not null and rank_set_size < $min_rank_set)
   or (peer_rank_position is not null and peer_rank_set_size < $min_rank_set)
   or (country_rank_position is not null and country_rank_set_size < $min_rank_set)
   or (rank_label is not null and rank_position is null and rank_label <> 'too few to rank')
union all
select city_id, indicator_id, 'national value ranked or scored among cities'
from marts.indicator_values
where level = 'national' and (rank_position is not null or rank_label is not null
      or score is not null or peer_score is not null or peer_rank_label is not null)
union all
select city_id, indicator_id, 'country rank on a city value'
from marts.indicator_values where level = 'city' and country_rank_label is not null
union all
select city_id, indicator_id, 'denominator of another unit: ' || denominator_unit_id
from marts.indicator_values
where denominator_unit_id is not null and denominator_unit_id <> unit_id
union all
select v.city_id, v.indicator_id, 'neutral or implausible value scored or ranked'
from marts.indicator_values v
where (v.direction = 'neutral' or v.implausible)
  and (v.score is not null or v.rank_label is not null or v.peer_score is not null
       or v.peer_rank_label is not null or v.country_rank_label is not null);
