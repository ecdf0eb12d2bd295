-- Offending focus-area scores: a score given although the coverage is below the minimum.
select city_id, focus_area_id, 'focus-area score below minimum coverage' as problem
from marts.focus_area_scores where score is not null and not_scored_reason is not null;
