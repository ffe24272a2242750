"""Pure policy functions of the orchestration: retries, volume anomalies, schedules."""

import pytest
import requests

from ingestion.sources.hubspot import HubSpotSourceError
from orchestration.defs.checks.volume import volume_verdict
from orchestration.defs.ingestion.retries import is_transient, retry_for
from orchestration.settings import intraday_cron


def _wrapped(error: BaseException) -> Exception:
    """As dlt raises it: the source's error as the cause of a pipeline failure."""
    try:
        try:
            raise error
        except BaseException as inner:
            raise RuntimeError("Pipeline execution failed at stage extract") from inner
    except RuntimeError as outer:
        return outer


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (HubSpotSourceError("rate limited", status=429), True),
        (HubSpotSourceError("server error", status=503), True),
        (HubSpotSourceError("token rejected", status=401), False),
        (HubSpotSourceError("scope missing", status=403), False),
        (requests.ConnectionError("connection dropped"), True),
        (requests.Timeout("slow"), True),
        (ValueError("bad mapping"), False),
    ],
)
def test_only_transient_failures_are_retried(error, transient):
    assert is_transient(_wrapped(error)) is transient
    assert (retry_for(_wrapped(error), retry_number=0) is not None) is transient


def test_retries_back_off_exponentially(monkeypatch):
    monkeypatch.setenv("SALESPULSE_RETRY_BASE_SECONDS", "10")
    error = HubSpotSourceError("rate limited", status=429)
    waits = [retry_for(error, retry_number=n).seconds_to_wait for n in range(3)]
    assert waits == [10, 20, 40]


@pytest.mark.parametrize(
    ("current", "previous", "passed"),
    [
        (100, [], True),
        (100, [100, 98, 95], True),
        (89, [100, 100, 100], False),  # more than 10% down
        (91, [100, 100, 100], True),
        (301, [100, 100, 100], False),  # more than three times
        (5, [0, 0], True),
    ],
)
def test_volume_verdict(current, previous, passed):
    assert volume_verdict(current, previous)[0] is passed


@pytest.mark.parametrize(
    ("minutes", "cron"),
    [("60", "0 7-19/1 * * *"), ("15", "*/15 7-19 * * *"), ("120", "0 7-19/2 * * *")],
)
def test_intraday_cron_from_the_interval(monkeypatch, minutes, cron):
    monkeypatch.setenv("SALESPULSE_INTRADAY_INTERVAL_MINUTES", minutes)
    assert intraday_cron() == cron


@pytest.mark.parametrize("minutes", ["7", "90", "0"])
def test_an_interval_that_does_not_fit_the_clock_is_refused(monkeypatch, minutes):
    monkeypatch.setenv("SALESPULSE_INTRADAY_INTERVAL_MINUTES", minutes)
    with pytest.raises(ValueError, match="must divide an hour"):
        intraday_cron()


@pytest.mark.parametrize(
    ("counts", "passed"),
    [
        ((10, 8, 2, 8, 2), True),
        ((10, 8, 1, 8, 1), False),  # a row read is neither loaded nor quarantined
        ((10, 8, 2, 7, 2), False),  # the raw table holds fewer rows than the source loaded
        ((10, 8, 2, 8, 0), False),  # quarantined rows that the quarantine table does not hold
    ],
)
def test_row_accounting_verdict(counts, passed):
    from orchestration.defs.checks.row_accounting import accounting_verdict

    assert accounting_verdict(*counts)[0] is passed
