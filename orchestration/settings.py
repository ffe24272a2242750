"""The orchestration's fixed policy (the writers' pool, the schedules' clock, run tags), and the
deployment settings it reads through `salespulse.settings`, the one reader of SALESPULSE_*."""

from salespulse.settings import Settings, current_settings

BUILD_WAREHOUSE_POOL = "build_warehouse"  # DuckDB allows one writer: every writer runs in this pool
NIGHTLY_JOB = "nightly_refresh"  # the job the schedule and `salespulse run` run
NIGHTLY_CRON = "0 2 * * *"

# Raw tables that change during the working day; the intraday refresh reloads only these and
# rebuilds only what depends on them.
FAST_MOVING_RAW_TABLES = ("deals", "contacts", "calls", "emails", "meetings", "tasks")


def intraday_cron() -> str:
    """Every SALESPULSE_INTRADAY_INTERVAL_MINUTES (default 60), during 07:00-19:59."""
    minutes = current_settings().intraday_interval_minutes
    if minutes < 60:
        return f"*/{minutes} 7-19 * * *"
    return f"0 7-19/{minutes // 60} * * *"


def reporting_timezone() -> str:
    """IANA zone for the schedule and for bucketing timestamps (dbt var reporting_timezone)."""
    return current_settings().reporting_timezone


def enabled_sources() -> list[str]:
    """The sources this deployment loads (SALESPULSE_SOURCES; the demo's three with --demo).
    Each becomes assets in the graph and is enabled in dbt (var enabled_sources)."""
    return list(current_settings().sources)


def dbt_vars(settings: Settings | None = None) -> dict[str, object]:
    """The dbt vars of every dbt invocation (of this process's settings, or `settings`): the
    settings the marts share, validated, but the as-of day. dbt reads that from
    SALESPULSE_AS_OF_DATE (`Settings.export`) while it executes: a var that changed every day
    made every nightly run parse the whole project again (dbt_project/macros/as_of_date.sql)."""
    return {
        name: value
        for name, value in (settings or current_settings()).dbt_vars_for_run().items()
        if name != "as_of_date"
    }


FULL_REFRESH_TAG = "salespulse/full_refresh"


def is_full_refresh(run_tags: dict[str, str]) -> bool:
    """A run tagged for a full refresh rebuilds raw tables and incremental models from scratch."""
    return run_tags.get(FULL_REFRESH_TAG) == "true"
