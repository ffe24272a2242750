"""Which ingestion failures are worth a retry, and when to retry them.

A Dagster RetryPolicy retries every failure; a refused token or a bad mapping fails the same way
each time, so retrying them only delays the alert. Transient failures (rate limits, server
errors, dropped connections, timeouts) are retried with exponential backoff instead.
"""

from dagster import RetryRequested

from ingestion.failures import is_transient
from salespulse.settings import current_settings

MAX_RETRIES = 3


def retry_for(error: BaseException, retry_number: int) -> RetryRequested | None:
    """A RetryRequested with exponential backoff for a transient error, else None."""
    if not is_transient(error):
        return None
    base_seconds = current_settings().retry_base_seconds
    return RetryRequested(max_retries=MAX_RETRIES, seconds_to_wait=base_seconds * 2**retry_number)
