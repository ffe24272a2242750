"""Which ingestion failures are worth a retry, and when to retry them.

A Dagster RetryPolicy retries every failure; a refused token or a bad mapping fails the same way
each time, so retrying them only delays the alert. Transient failures (rate limits, server
errors, dropped connections, timeouts) are retried with exponential backoff instead.
"""

import requests
from dagster import RetryRequested

from salespulse.settings import current_settings

MAX_RETRIES = 3


def is_transient(error: BaseException) -> bool:
    """True when any error in the chain is one that waiting may cure."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        # Every source's own error (HubSpotSourceError, TypeformSourceError) knows whether it
        # is transient: rate limits and server errors are; refused tokens and bad input are not.
        if isinstance(getattr(current, "is_transient", None), bool):
            return current.is_transient
        if isinstance(current, requests.ConnectionError | requests.Timeout):
            return True
        current = current.__cause__ or current.__context__
    return False


def retry_for(error: BaseException, retry_number: int) -> RetryRequested | None:
    """A RetryRequested with exponential backoff for a transient error, else None."""
    if not is_transient(error):
        return None
    base_seconds = current_settings().retry_base_seconds
    return RetryRequested(max_retries=MAX_RETRIES, seconds_to_wait=base_seconds * 2**retry_number)
