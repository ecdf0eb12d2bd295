-- meta.headline_history: the headline population of every city at every build of
-- marts.city_peer_groups (one build_seq per build; build_seq 0 = the table published before this
-- history existed). Read by the WARN check "headline_changed" (checks/indicators.py).
create table if not exists meta.headline_history (
    build_seq integer not null,
    recorded_at timestamptz not null,
    city_id varchar not null,
    population double,
    population_year integer,
    unit_type varchar,
    unit_id varchar,
    unit_name varchar,
    boundary_type varchar,
    source_id varchar
);

comment on table meta.headline_history is 'Headline population of every city at every build of marts.city_peer_groups (build_seq 0 = the table published before the history existed): what the headline-change warning compares.';
comment on column meta.headline_history.build_seq is 'Build number of marts.city_peer_groups in this build file (1, 2, ...)';
comment on column meta.headline_history.recorded_at is 'When the build recorded the headline';
comment on column meta.headline_history.city_id is 'Registry city id';
comment on column meta.headline_history.population is 'Headline population';
comment on column meta.headline_history.population_year is 'Year of the headline population';
comment on column meta.headline_history.unit_type is 'Unit type of the headline (null before the unit model)';
comment on column meta.headline_history.unit_id is 'Unit id of the headline (null before the unit model)';
comment on column meta.headline_history.unit_name is 'Unit name of the headline (null before the unit model)';
comment on column meta.headline_history.boundary_type is 'Boundary type of the headline';
comment on column meta.headline_history.source_id is 'Source of the headline population';

