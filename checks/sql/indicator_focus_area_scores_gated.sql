-- Offending focus-area scores: a score given although the coverage is below the minimum, or a
-- rank among fewer than $min_rank_set scored cities.
select city_id, focus_area_id, 'focus-area score below minimum coverage' as problem
from marts.focus_area_scores where score is not null and not_scored_reason is not null
union all
select city_id, focus_area_id, 'focus-area rank among fewer than ' || $min_rank_set || ' cities'
from marts.focus_area_scores where rank_position is not null and rank_set_size < $min_rank_set;
