"""Publishing: the analysts' DuckDB file, its Parquet export and the data dictionary."""

from datetime import timedelta

import dagster as dg

from assets.publish.report import render_report
from pipelines.framework.discovery import family_asset_keys
from pipelines.framework.versions import build_if_changed, input_version
from pipelines.resources import WarehouseResource
from warehouse.dictionary import export_data_dictionary
from warehouse.publish import publication_problem, publish


@dg.asset(
    key=["publish", "warehouse"],
    group_name="publish",
    # Every marts table of the other families: a new published table needs no edit here.
    deps=family_asset_keys("marts", frozenset({"publish"})),
    kinds={"duckdb", "parquet"},
    # A missed night shows in the UI: by 04:00 the warehouse must be newer than 01:00.
    freshness_policy=dg.FreshnessPolicy.cron(
        deadline_cron="0 4 * * *",
        lower_bound_delta=timedelta(hours=3),
        timezone="Asia/Phnom_Penh",
    ),
)
def published_warehouse(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Atomically replace the published `ascn.duckdb` with the finished build; export Parquet,
    the data dictionary and the report."""
    settings = warehouse.settings
    report_index = settings.reports_dir / "index.html"
    with warehouse.connect() as con:

        def build() -> dict[str, dg.MetadataValue]:
            dictionary = export_data_dictionary(con, settings.output_dir)
            publication = publish(
                con, settings.published_db, settings.parquet_dir, context.run.run_id
            )
            context.log.info(f"published {publication.database} ({len(publication.tables)} marts)")
            report = render_report(settings.published_db, settings.reports_dir, settings.data_dir)
            context.log.info(f"report written to {report}")
            return {
                "parquet": dg.MetadataValue.path(str(publication.parquet_dir)),
                "data_dictionary": dg.MetadataValue.path(str(dictionary)),
                "published_at": dg.MetadataValue.text(publication.published_at.isoformat()),
                "tables": dg.MetadataValue.json(publication.tables),
            }

        # Unchanged marts: the published file, its Parquet and the report stay as they are.
        return build_if_changed(
            context,
            con,
            input_version(context, con),
            build,
            metadata={
                "dagster/uri": dg.MetadataValue.text(settings.published_db.as_uri()),
                "database": dg.MetadataValue.path(str(settings.published_db)),
                "report": dg.MetadataValue.url(report_index.as_uri()),
                "report_path": dg.MetadataValue.path(str(report_index)),
            },
            outputs=[settings.published_db, settings.parquet_dir, report_index],
            # A damaged or replaced published file is published again (warehouse/publish.py).
            verify=lambda: publication_problem(con, settings.published_db),
        )
