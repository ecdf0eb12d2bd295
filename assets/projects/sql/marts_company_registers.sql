-- marts.company_registers: the company registers supplied (data/companies/*.csv, *.xlsx), or,
-- when none was, one row saying so and how to supply one. Business matching needs the user's
-- own register: the platform bundles none.
create or replace table marts.company_registers as
select file::varchar as file, companies::integer as companies,
       rejected_rows::integer as rejected_rows, status::varchar as status,
       how_to_supply::varchar as how_to_supply
from staging.company_registers
order by file nulls first;

-- Descriptions: shown by DBeaver and duckdb_columns(), exported as the data dictionary.
comment on table marts.company_registers is 'Company registers supplied for business matching; when none was: "no company register supplied; see docs/PROJECT_REGISTER.md" and how to supply one.';
comment on column marts.company_registers.file is 'Register file read (null: none supplied)';
comment on column marts.company_registers.companies is 'Companies read from the file';
comment on column marts.company_registers.rejected_rows is 'Rows refused (see quarantine.rejected_rows, source company_register)';
comment on column marts.company_registers.status is 'read, or "no company register supplied; see docs/PROJECT_REGISTER.md"';
comment on column marts.company_registers.how_to_supply is 'How to supply a register when none was';
