"""The nightly and intraday refreshes and their schedules."""

from dagster import (
    AssetKey,
    AssetSelection,
    DefaultScheduleStatus,
    ScheduleDefinition,
    define_asset_job,
)

from orchestration.defs.forecast.assets import bookings_forecast
from orchestration.defs.ingestion.assets import raw_assets
from orchestration.defs.transformation.assets import forecast_dbt_models
from orchestration.settings import (
    FAST_MOVING_RAW_TABLES,
    NIGHTLY_CRON,
    NIGHTLY_JOB,
    intraday_cron,
    reporting_timezone,
)

nightly_refresh = define_asset_job(
    name=NIGHTLY_JOB,
    selection=AssetSelection.all(),
    description="Ingest every source, build and test the marts, publish if every check passed.",
)


def fast_moving_raw_keys() -> list[AssetKey]:
    return [
        key
        for assets in raw_assets
        for key in assets.keys
        if key.path[0] == "raw_hubspot" and key.path[-1] in FAST_MOVING_RAW_TABLES
    ]


def fast_moving_selection() -> AssetSelection:
    """The fast-moving raw tables and everything downstream of them, ending in the publish."""
    return AssetSelection.assets(*fast_moving_raw_keys()).downstream()


def forecast_selection() -> AssetSelection:
    """The monthly bookings forecast and its marts, with their checks."""
    return AssetSelection.assets(bookings_forecast, forecast_dbt_models)


def intraday_selection() -> AssetSelection:
    """What the fast-moving sources feed, but the monthly forecast: a forecast of whole months
    does not move within a day, so the published forecast marts are carried over (the publish
    copies every mart the job does not build from the serving warehouse as last published)."""
    return fast_moving_selection() - forecast_selection()


intraday_refresh = define_asset_job(
    name="intraday_refresh",
    selection=intraday_selection(),
    description=(
        "Reload the fast-moving sources, rebuild and test what depends on them (not the monthly "
        "forecast), publish the rebuilt marts beside the others as last published."
    ),
)

nightly_refresh_schedule = ScheduleDefinition(
    name="nightly_refresh_schedule",
    job=nightly_refresh,
    cron_schedule=NIGHTLY_CRON,
    execution_timezone=reporting_timezone(),
    default_status=DefaultScheduleStatus.RUNNING,
    description="The nightly refresh at 02:00 in the reporting time zone.",
)

intraday_refresh_schedule = ScheduleDefinition(
    name="intraday_refresh_schedule",
    job=intraday_refresh,
    cron_schedule=intraday_cron(),
    execution_timezone=reporting_timezone(),
    default_status=DefaultScheduleStatus.RUNNING,
    description="The intraday refresh during the working day (SALESPULSE_INTRADAY_INTERVAL_MINUTES).",
)
