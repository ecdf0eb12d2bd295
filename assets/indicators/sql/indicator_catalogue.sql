-- marts.indicator_catalogue: the validated catalogue (staging.indicator_catalogue), published.
create or replace table marts.indicator_catalogue as
select * from staging.indicator_catalogue order by focus_area_id, indicator_id;

-- Descriptions: shown by DBeaver and duckdb_columns(), exported as the data dictionary. The
-- columns take those of staging.indicator_catalogue: assets/indicators/catalogue.py DOC (marts.py).
comment on table marts.indicator_catalogue is 'The indicator catalogue (data/catalogue/indicators.csv): definitions, formulas, standards mapping and comparability settings.';
