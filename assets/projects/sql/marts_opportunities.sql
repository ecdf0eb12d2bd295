-- marts.opportunities: for each city, the focus areas where it ranks low among the cities it
-- is ranked with and where no active project is known: the list planners, donors and
-- investors start from, with the evidence behind each line.
-- Ranks come from marts.focus_area_scores through the temporary table focus_area_ranks
-- (assets/projects/marts.py reads rank_position/rank_set_size when the scores carry them, else
-- the 'position/size' text of rank). Low = in the bottom part of the set: rank_position >
-- rank_set_size x $low_rank_share, in a set of at least $min_rank_set cities. Areas where an
-- active project is known (in the city or its province) are left out; areas where no current
-- project source was held are listed with project_check 'no_current_source' (unknown, not a gap).
create or replace table marts.opportunities as
select r.city_id, g.city_name, r.focus_area_id, g.focus_area_name, r.score,
       r.rank_position, r.rank_set_size, r.rank_basis, g.gap_status as project_check,
       g.funding_gap as confirmed_gap, g.stale_active_projects, g.pipeline_projects,
       g.sources_checked,
       'score ' || r.score || ', rank ' || r.rank_position || ' of ' || r.rank_set_size || ' ('
           || r.rank_basis || ')' as score_evidence,
       g.statement as project_evidence,
       'score ' || r.score || ', rank ' || r.rank_position || ' of ' || r.rank_set_size
           || '; ' || g.statement as evidence
from focus_area_ranks r
join marts.focus_area_funding_gaps g using (city_id, focus_area_id)
where r.rank_position is not null
  and r.rank_set_size >= $min_rank_set
  and r.rank_position > r.rank_set_size * $low_rank_share
  and g.gap_status in ('no_active_project_known', 'no_current_source')
order by confirmed_gap desc nulls last, r.focus_area_id, r.rank_position desc, r.city_id;

-- Descriptions: shown by DBeaver and duckdb_columns(), exported as the data dictionary.
comment on table marts.opportunities is 'Per city: focus areas where it ranks low among comparable cities and no active project is known, with the score, rank, set size and the project sources checked (as-of dates).';
comment on column marts.opportunities.city_id is 'Registry city id';
comment on column marts.opportunities.city_name is 'City name';
comment on column marts.opportunities.focus_area_id is 'Focus area id';
comment on column marts.opportunities.focus_area_name is 'Focus area name';
comment on column marts.opportunities.score is 'Focus-area score 0-100 (marts.focus_area_scores)';
comment on column marts.opportunities.rank_position is 'Rank of the city in its set (1 = best)';
comment on column marts.opportunities.rank_set_size is 'Number of cities ranked in the set';
comment on column marts.opportunities.rank_basis is 'Which cities the rank is among';
comment on column marts.opportunities.project_check is 'no_active_project_known (a current source was checked) or no_current_source (no current project source: unknown)';
comment on column marts.opportunities.confirmed_gap is 'True when current project sources were checked and none lists an active project; null when none was held';
comment on column marts.opportunities.stale_active_projects is 'Projects shown active only by a stale status (not counted)';
comment on column marts.opportunities.pipeline_projects is 'Pipeline projects with a current status';
comment on column marts.opportunities.sources_checked is 'Project sources checked, with their as-of dates';
comment on column marts.opportunities.score_evidence is 'Score and rank in words';
comment on column marts.opportunities.project_evidence is 'What the project sources say, in words';
comment on column marts.opportunities.evidence is 'The line''s evidence in one sentence: score, rank and what the project sources say';
