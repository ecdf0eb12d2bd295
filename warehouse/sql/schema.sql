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

-- Descriptions: shown by DBeaver and duckdb_columns() (set again every run, like the tables).
comment on table quarantine.rejected_rows is 'Rows (or whole files) a source refused, one row per problem found, with the field, value and reason; each source''s rows are replaced when it is read again (warehouse/db.py quarantine).';
comment on column quarantine.rejected_rows.source is 'Source id, e.g. project_register';
comment on column quarantine.rejected_rows.source_uri is 'File path or URL the row came from';
comment on column quarantine.rejected_rows.row_number is '1-based data row in the file (header excluded); null when the whole file is refused';
comment on column quarantine.rejected_rows.field is 'Column at fault (null when the whole row or file is bad)';
comment on column quarantine.rejected_rows.value is 'Offending value as text';
comment on column quarantine.rejected_rows.reason is 'Why the row was refused';
comment on column quarantine.rejected_rows.record is 'The full row as JSON, when available';
comment on column quarantine.rejected_rows.run_id is 'Dagster run that refused the row';
comment on column quarantine.rejected_rows.quarantined_at is 'When the row was refused';
comment on table quarantine.file_feedback is 'What happened to each file a data officer or operator supplied (project and company registers): one row per file of the last run that read them, with its status, row counts and the reason.';
comment on column quarantine.file_feedback.source is 'Source id, e.g. project_register';
comment on column quarantine.file_feedback.file is 'File name';
comment on column quarantine.file_feedback.source_uri is 'Full path of the file';
comment on column quarantine.file_feedback.status is 'accepted, partial, refused, missing, removed or not_read';
comment on column quarantine.file_feedback.rows_in_file is 'Non-blank data rows read (null: not read)';
comment on column quarantine.file_feedback.rows_loaded is 'Rows published from this version of the file';
comment on column quarantine.file_feedback.rows_quarantined is 'Rows put in quarantine.rejected_rows';
comment on column quarantine.file_feedback.rows_kept_from_last_good is 'Rows still published from the file''s last good version';
comment on column quarantine.file_feedback.last_good_version_date is 'Date of that last good version';
comment on column quarantine.file_feedback.reason is 'What to do, and every warning about the file';
comment on column quarantine.file_feedback.run_id is 'Dagster run that read the file';
comment on column quarantine.file_feedback.checked_at is 'When the file was read';
comment on table meta.source_loads is 'Every landing of a source in raw: one row per load, with what was delivered (content hash), its stated vintage and the rows written (pipelines/framework/landing.py).';
comment on column meta.source_loads.source is 'Source id (the _source of the raw rows)';
comment on column meta.source_loads.source_uri is 'File(s), folder or API URL the source was read from';
comment on column meta.source_loads.content_hash is 'sha256 of what the source delivered (the _content_hash of the raw rows)';
comment on column meta.source_loads.vintage is 'Data vintage stated by the source (e.g. World Bank lastupdated)';
comment on column meta.source_loads.row_count is 'Rows written to the raw table';
comment on column meta.source_loads.run_id is 'Dagster run of the load';
comment on column meta.source_loads.loaded_at is 'When the load was recorded';
comment on table meta.asset_versions is 'What each asset was last built from, one row per asset: the hash of the code and of its inputs; a run skips an asset whose inputs hash to it (pipelines/framework/versions.py).';
comment on column meta.asset_versions.asset_key is 'Asset key, e.g. staging/measures';
comment on column meta.asset_versions.version is 'Hash of the code version and of the asset''s inputs';
comment on column meta.asset_versions.run_id is 'Dagster run that built the asset';
comment on column meta.asset_versions.built_at is 'When it was built';
comment on column meta.asset_versions.metadata is 'The materialization''s metadata (Dagster-serialized), reported again when the asset is skipped';
comment on table meta.publications is 'Each publication of the analysts'' file (warehouse/publish.py), one row per publication, recorded in the build file after the copy (a published file holds the publications before it).';
comment on column meta.publications.run_id is 'Dagster run that published';
comment on column meta.publications.published_at is 'When the file was published';
comment on column meta.publications.path is 'Path of the published file';
comment on column meta.publications.sha256 is 'sha256 of the published file';
comment on column meta.publications.bytes is 'Size of the published file in bytes';
comment on table meta.asset_inputs is 'The files and folders each asset''s last build read (pipelines/framework/reads.py), one row per asset and path, with their digest: part of its version, compared before the asset is skipped.';
comment on column meta.asset_inputs.asset_key is 'Asset key, e.g. staging/measures';
comment on column meta.asset_inputs.path is 'Path of the file or folder read';
comment on column meta.asset_inputs.kind is 'file or folder';
comment on column meta.asset_inputs.digest is 'sha256 of the file (of a folder: of its entry names); absent when gone';
comment on table meta.check_results is 'Outcome of each blocking check on each asset version, one row per check and version: replayed when the asset is unchanged.';
comment on column meta.check_results.check_key is 'Check key: <asset>:<check name>';
comment on column meta.check_results.asset_version is 'Version of the asset checked (meta.asset_versions.version)';
comment on column meta.check_results.passed is 'True when the check passed';
comment on column meta.check_results.metadata is 'The check''s Dagster metadata (serialized)';
comment on column meta.check_results.run_id is 'Dagster run that evaluated the check';
comment on column meta.check_results.checked_at is 'When the check was evaluated';
