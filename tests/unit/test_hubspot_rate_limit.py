"""The HubSpot client's rate limiter: a sliding window shared by threads, that adopts the limit
HubSpot reports and stops sending when HubSpot says nothing is left (a fake clock: no timing)."""

import pytest

from ingestion.sources.hubspot.rate_limit import RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_requests_within_the_limit_are_not_held(clock):
    limiter = RateLimiter(3, 10.0, clock, clock.sleep)

    for _ in range(3):
        limiter.acquire()

    assert clock.slept == []


def test_a_request_over_the_limit_waits_until_the_oldest_leaves_the_window(clock):
    limiter = RateLimiter(3, 10.0, clock, clock.sleep)
    for step in (0.0, 2.0, 2.0):
        clock.now += step
        limiter.acquire()

    limiter.acquire()  # the 4th within 10 s of the 1st

    assert clock.slept == [6.0]  # until 10 s after the first
    assert limiter.waited == 6.0


def test_the_limit_hubspot_reports_replaces_the_configured_one(clock):
    limiter = RateLimiter(100, 10.0, clock, clock.sleep)

    limiter.observe(
        200,
        {
            "X-HubSpot-RateLimit-Max": "2",
            "X-HubSpot-RateLimit-Remaining": "1",
            "X-HubSpot-RateLimit-Interval-Milliseconds": "1000",
        },
    )
    limiter.acquire()
    limiter.acquire()
    limiter.acquire()

    assert (limiter.limit, limiter.interval) == (2, 1.0)
    assert clock.slept == [1.0]


def test_every_thread_waits_out_the_retry_after_of_a_429(clock):
    limiter = RateLimiter(190, 10.0, clock, clock.sleep)

    limiter.observe(429, {"Retry-After": "3", "X-HubSpot-RateLimit-Remaining": "0"})
    limiter.acquire()

    assert clock.slept == [3.0]


def test_a_success_that_leaves_nothing_holds_the_next_request_for_its_share(clock):
    limiter = RateLimiter(100, 10.0, clock, clock.sleep)

    limiter.observe(200, {"X-HubSpot-RateLimit-Remaining": "0"})
    limiter.acquire()

    assert clock.slept == [0.1]  # 10 s / 100 requests


def test_headers_that_are_not_numbers_are_ignored(clock):
    limiter = RateLimiter(5, 10.0, clock, clock.sleep)

    limiter.observe(200, {"X-HubSpot-RateLimit-Max": "lots", "X-HubSpot-RateLimit-Remaining": ""})

    assert (limiter.limit, limiter.interval) == (5, 10.0)
