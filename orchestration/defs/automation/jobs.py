"""The nightly refresh and its schedule."""

from dagster import AssetSelection, DefaultScheduleStatus, ScheduleDefinition, define_asset_job

from orchestration.settings import NIGHTLY_CRON, reporting_timezone

nightly_refresh = define_asset_job(
    name="nightly_refresh",
    selection=AssetSelection.all(),
    description="Ingest every source, build and test the marts, publish them if every check passed.",
)

nightly_refresh_schedule = ScheduleDefinition(
    name="nightly_refresh_schedule",
    job=nightly_refresh,
    cron_schedule=NIGHTLY_CRON,
    execution_timezone=reporting_timezone(),
    default_status=DefaultScheduleStatus.RUNNING,
    description="The nightly refresh at 02:00 in the reporting time zone.",
)
