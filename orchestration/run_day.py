"""The day a run reports on, fixed for the whole run.

Without SALESPULSE_AS_OF_DATE the marts report up to today in the reporting time zone. Each step
used to resolve "today" when it started, so a run that crossed midnight built the dbt marts as of
one day and the forecast (or the forecast's marts) as of the next. A run's day is now the day it
was created on; a re-execution (from failure, or of chosen steps) keeps the day of the run it
re-executes, since the steps it does not run again were built as of that day.
"""

import contextlib
import datetime as dt
import os
from collections.abc import Iterator

from dagster import AssetExecutionContext

from salespulse.settings import current_settings, env_name

AS_OF_DATE_ENV = env_name("as_of_date")


def run_reporting_day(context: AssetExecutionContext) -> dt.date:
    """SALESPULSE_AS_OF_DATE if set, else the reporting time zone's date when the run (or the
    run it re-executes) was created."""
    settings = current_settings()
    if settings.as_of_date:
        return settings.as_of_date
    root_run_id = context.run.root_run_id or context.run.run_id
    record = context.instance.get_run_record_by_id(root_run_id)
    if record is None:  # the root run was deleted from the history: the day is lost
        return settings.reporting_day()
    created = record.create_timestamp
    if created.tzinfo is None:  # run storage keeps UTC
        created = created.replace(tzinfo=dt.UTC)
    return settings.reporting_day(now=created)


@contextlib.contextmanager
def as_of_day_in_environment(day: dt.date) -> Iterator[None]:
    """SALESPULSE_AS_OF_DATE set to `day` for the child processes started meanwhile (dbt reads
    it there: dbt_project/macros/as_of_date.sql), and put back as it was afterwards, so a later
    run in the same process resolves its own day."""
    previous = os.environ.get(AS_OF_DATE_ENV)
    os.environ[AS_OF_DATE_ENV] = day.isoformat()
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(AS_OF_DATE_ENV, None)
        else:
            os.environ[AS_OF_DATE_ENV] = previous
