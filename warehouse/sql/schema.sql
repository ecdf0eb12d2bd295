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

-- What happened to each file a data officer or an operator supplied (project and company
-- registers), one row per file of the last run that read them (warehouse/db.py file_feedback).
create table if not exists quarantine.file_feedback (
    source                    varchar not null,  -- e.g. 'project_register'
    file                      varchar not null,  -- file name
    source_uri                varchar,           -- full path
    status                    varchar not null,  -- accepted, partial, refused, missing, removed, not_read
    rows_in_file              bigint,            -- non-blank data rows read (null: not read)
    rows_loaded               bigint,            -- rows published from this version
    rows_quarantined          bigint,            -- rows in quarantine.rejected_rows
    rows_kept_from_last_good  bigint,            -- rows still published from the last good version
    last_good_version_date    date,              -- date of that version
    reason                    varchar,           -- what to do, and every warning about the file
    run_id                    varchar,
    checked_at                timestamptz
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

-- What each asset was last built from: a hash of the code version and of its inputs (the
-- content hash of a source, or the versions of its upstream assets and the files it reads).
-- A run skips an asset whose inputs hash to the recorded version (pipelines/framework/versions.py).
create table if not exists meta.asset_versions (
    asset_key       varchar primary key,  -- e.g. 'staging/measures'
    version         varchar not null,
    run_id          varchar not null,     -- the run that built it
    built_at        timestamptz not null,
    metadata        varchar               -- the materialization's metadata (Dagster-serialized)
);
-- Build files made before the metadata column existed.
alter table meta.asset_versions add column if not exists metadata varchar;

-- Each publication of the analysts' file (warehouse/publish.py): every run checks the published
-- file against the last one and publishes again when it is missing, damaged or replaced.
create table if not exists meta.publications (
    run_id          varchar not null,
    published_at    timestamptz not null,
    path            varchar not null,
    sha256          varchar not null,
    bytes           bigint not null
);

-- The files and folders each asset's last build read (pipelines/framework/reads.py), with their
-- sha256 ('absent' when gone): part of its version, compared before the asset is skipped.
create table if not exists meta.asset_inputs (
    asset_key       varchar not null,
    path            varchar not null,
    kind            varchar not null,     -- 'file' or 'folder' (digest of its entry names)
    digest          varchar not null
);

-- Outcome of each blocking check on each asset version, replayed when the asset is unchanged.
create table if not exists meta.check_results (
    check_key       varchar not null,     -- '<asset>:<check name>'
    asset_version   varchar not null,
    passed          boolean not null,
    metadata        varchar not null,     -- the check's Dagster metadata (serialized)
    run_id          varchar not null,     -- the run that evaluated it
    checked_at      timestamptz not null,
    primary key (check_key, asset_version)
);
