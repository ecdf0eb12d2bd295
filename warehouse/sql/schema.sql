-- Layers of the warehouse. Created idempotently at the start of every run.
create schema if not exists raw;         -- as received, plus lineage columns
create schema if not exists staging;     -- typed, conformed to registry city ids
create schema if not exists marts;       -- what analysts use
create schema if not exists quarantine;  -- rejected rows, with the reason
create schema if not exists meta;        -- run and source bookkeeping

create table if not exists quarantine.rejected_rows (
    source          varchar not null,   -- source id, e.g. 'project_register'
    source_uri      varchar,            -- file path or URL the row came from
    row_number      bigint,             -- 1-based data row in the file (header excluded)
    field           varchar,            -- column at fault (null when the whole row/file is bad)
    value           varchar,            -- offending value as text
    reason          varchar not null,
    record          varchar,            -- the full row as JSON, when available
    run_id          varchar,
    quarantined_at  timestamptz
);

create table if not exists meta.source_loads (
    source          varchar not null,
    source_uri      varchar,
    content_hash    varchar,
    vintage         varchar,            -- data vintage stated by the source (e.g. WB lastupdated)
    row_count       bigint,
    run_id          varchar,
    loaded_at       timestamptz
);
