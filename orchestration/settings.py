"""Settings the orchestration shares with dbt: read from the environment, with the defaults of
dbt_project.yml, so that the schedule and the marts agree on the reporting time zone."""

import json
import os

BUILD_WAREHOUSE_POOL = "build_warehouse"  # DuckDB allows one writer: every writer runs in this pool
NIGHTLY_CRON = "0 2 * * *"

# Raw tables that change during the working day; the intraday refresh reloads only these and
# rebuilds only what depends on them.
FAST_MOVING_RAW_TABLES = ("deals", "contacts", "calls", "emails", "meetings", "tasks")


def intraday_cron() -> str:
    """Every SALESPULSE_INTRADAY_INTERVAL_MINUTES (default 60), during 07:00-19:59."""
    minutes = int(os.environ.get("SALESPULSE_INTRADAY_INTERVAL_MINUTES", "60"))
    if minutes <= 0 or (minutes < 60 and 60 % minutes) or (minutes >= 60 and minutes % 60):
        raise ValueError(
            "SALESPULSE_INTRADAY_INTERVAL_MINUTES must divide an hour (5, 10, 15, 20, 30) "
            f"or be whole hours (60, 120, ...), not {minutes}"
        )
    if minutes < 60:
        return f"*/{minutes} 7-19 * * *"
    return f"0 7-19/{minutes // 60} * * *"


def reporting_timezone() -> str:
    """IANA zone for the schedule and for bucketing timestamps (dbt var reporting_timezone)."""
    return os.environ.get("SALESPULSE_REPORTING_TIMEZONE", "UTC")


KNOWN_SOURCES = ("hubspot", "typeform", "files")


def enabled_sources() -> list[str]:
    """The sources this deployment loads: SALESPULSE_SOURCES, comma-separated (default hubspot).
    Each becomes assets in the graph and is enabled in dbt (var enabled_sources)."""
    names = [n.strip() for n in os.environ.get("SALESPULSE_SOURCES", "hubspot").split(",")]
    names = [name for name in names if name]
    unknown = sorted(set(names) - set(KNOWN_SOURCES))
    if unknown or not names:
        raise ValueError(
            f"SALESPULSE_SOURCES names unknown sources {unknown}; choose from {list(KNOWN_SOURCES)}"
        )
    return names


def dbt_vars() -> dict[str, object]:
    """dbt vars that the environment overrides; the rest keep dbt_project.yml's defaults."""
    overrides = {
        "reporting_timezone": os.environ.get("SALESPULSE_REPORTING_TIMEZONE"),
        "reporting_currency": os.environ.get("SALESPULSE_REPORTING_CURRENCY"),
        "as_of_date": os.environ.get("SALESPULSE_AS_OF_DATE"),
        "enabled_sources": enabled_sources(),
    }
    overrides = {name: value for name, value in overrides.items() if value}
    # Any other dbt var, as JSON: SALESPULSE_DBT_VARS='{"fiscal_year_start_month": 2}'.
    extra = os.environ.get("SALESPULSE_DBT_VARS")
    return {**json.loads(extra), **overrides} if extra else overrides


FULL_REFRESH_TAG = "salespulse/full_refresh"


def is_full_refresh(run_tags: dict[str, str]) -> bool:
    """A run tagged for a full refresh rebuilds raw tables and incremental models from scratch."""
    return run_tags.get(FULL_REFRESH_TAG) == "true"
