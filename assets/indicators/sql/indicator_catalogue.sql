-- marts.indicator_catalogue: the validated catalogue (staging.indicator_catalogue), published.
create or replace table marts.indicator_catalogue as
select * from staging.indicator_catalogue order by focus_area_id, indicator_id;

-- Descriptions: shown by DBeaver and duckdb_columns(), exported as the data dictionary.
comment on table marts.indicator_catalogue is 'The indicator catalogue (data/catalogue/indicators.csv): definitions, formulas, standards mapping and comparability settings.';
comment on column marts.indicator_catalogue.indicator_id is 'Indicator id';
comment on column marts.indicator_catalogue.name is 'Name';
comment on column marts.indicator_catalogue.definition is 'Definition';
comment on column marts.indicator_catalogue.numerator_measure is 'Measure used as numerator (staging.measures.measure_id)';
comment on column marts.indicator_catalogue.unit_type is 'Unit type of the numerator: pilot (the registry''s pilot unit), a unit type (urban_centre, urban_extent, agglomeration, measurement_area, nation), or empty = any unit (pilot unit first, then boundary precedence)';
comment on column marts.indicator_catalogue.denominator is 'Measure used as denominator (empty = none); always of the same unit as the numerator';
comment on column marts.indicator_catalogue.denominator_alignment is 'year (default: aligned to the reference year like the numerator) or unit_attribute (a property of the unit such as the area of a fixed polygon, taken as it is)';
comment on column marts.indicator_catalogue.scale is 'Multiplier (e.g. 100000 for per 100,000)';
comment on column marts.indicator_catalogue.unit is 'Unit';
comment on column marts.indicator_catalogue.direction is 'higher_better, lower_better or neutral (not scored)';
comment on column marts.indicator_catalogue.direction_rationale is 'One line: why this direction, or why neutral';
comment on column marts.indicator_catalogue.focus_area_id is 'ASCN focus area';
comment on column marts.indicator_catalogue.level is 'city or national';
comment on column marts.indicator_catalogue.iso37120_2018 is 'ISO 37120:2018 indicator number, where one matches';
comment on column marts.indicator_catalogue.iso37122 is 'ISO 37122:2019 indicator number, where one matches';
comment on column marts.indicator_catalogue.u4ssc is 'ITU U4SSC KPI code, where one matches';
comment on column marts.indicator_catalogue.sdg11 is 'SDG 11 indicator, where one matches';
comment on column marts.indicator_catalogue.reference_year is 'Year values are aligned to';
comment on column marts.indicator_catalogue.max_year_gap is 'Largest gap in years between data and reference year';
comment on column marts.indicator_catalogue.plausible_min is 'Lower plausibility bound (outside: flagged implausible, not scored); for per-100,000 counts, plausible_max bounds the count by the population';
comment on column marts.indicator_catalogue.plausible_max is 'Upper plausibility bound';
comment on column marts.indicator_catalogue.typical_min is 'Lower typical bound (outside: flagged, still scored)';
comment on column marts.indicator_catalogue.typical_max is 'Upper typical bound';
comment on column marts.indicator_catalogue.source_tables is 'Warehouse tables the indicator is computed from';
comment on column marts.indicator_catalogue.min_data is 'Minimum data the indicator needs';
comment on column marts.indicator_catalogue.notes is 'Notes and caveats';
comment on column marts.indicator_catalogue.density_check is 'own_unit: the value must be within 5 % of the unit''s own published density (else implausible)';
comment on column marts.indicator_catalogue.zero_implausible_above_population is 'A zero numerator is implausible for a city with more people than this';
comment on column marts.indicator_catalogue.numerator_is_count is 'True when the numerator is a count: negative or (observed) fractional counts are implausible';
