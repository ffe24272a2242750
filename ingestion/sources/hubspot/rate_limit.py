"""Keeps the HubSpot source under HubSpot's per-app rate limits while requests run concurrently.

HubSpot documents a burst limit per app and account, reported on every response as
`X-HubSpot-RateLimit-Max` requests per `X-HubSpot-RateLimit-Interval-Milliseconds`, with
`X-HubSpot-RateLimit-Remaining` left in the current interval; the CRM search endpoints have a
limit of their own per account (a few requests a second) and report no headers. Going over
either answers 429 with `Retry-After`. A limiter admits a request only when fewer than its
limit were sent in the last interval (a sliding window), takes the limit the API reports over
the configured one, holds every thread for `Retry-After` after a 429 (not only the one that
met it), and for one request's share of the interval when a success says nothing is left
(other clients of the same app use the quota too), so that concurrency fills the limit without
burning retries on 429s.
"""

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping

MAX_HEADER = "X-HubSpot-RateLimit-Max"
REMAINING_HEADER = "X-HubSpot-RateLimit-Remaining"
INTERVAL_HEADER = "X-HubSpot-RateLimit-Interval-Milliseconds"


class RateLimiter:
    """At most `limit` requests in any `interval` seconds, shared by every thread."""

    def __init__(
        self,
        limit: int,
        interval: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if limit < 1 or interval <= 0:
            raise ValueError("a rate limit needs at least one request per positive interval")
        self.limit, self.interval = limit, interval
        self._clock, self._sleep = clock, sleep
        self._sent: deque[float] = deque()
        self._paused_until = 0.0
        self._lock = threading.Lock()
        self.waited = 0.0  # seconds spent waiting for the limit, for benchmarks and logs

    def acquire(self) -> None:
        """Blocks until a request may be sent, and counts it as sent."""
        while True:
            with self._lock:
                now = self._clock()
                while self._sent and self._sent[0] <= now - self.interval:
                    self._sent.popleft()
                wait = self._paused_until - now
                if wait <= 0 and len(self._sent) < self.limit:
                    self._sent.append(now)
                    return
                if wait <= 0:
                    wait = self._sent[0] + self.interval - now
            self.waited += wait
            self._sleep(wait)

    def observe(self, status: int, headers: Mapping[str, str]) -> None:
        """Adopts the limit a response reports, and pauses after a 429 or when none is left."""
        limit = _int(headers.get(MAX_HEADER))
        interval_ms = _int(headers.get(INTERVAL_HEADER))
        remaining = _int(headers.get(REMAINING_HEADER))
        with self._lock:
            if limit and interval_ms:
                self.limit, self.interval = limit, interval_ms / 1000
            if status == 429:
                retry_after = _int(headers.get("Retry-After"))
                pause = float(retry_after) if retry_after is not None else 1.0
            elif remaining == 0:
                pause = self.interval / self.limit
            else:
                return
            self._paused_until = max(self._paused_until, self._clock() + pause)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
