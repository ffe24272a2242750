"""HubSpot's rate limits, enforced (off by default): at most `max_requests` API requests in any
rolling `interval_ms` (the per-app burst limit), and at most `search_per_second` requests a
second to the CRM search endpoints. A request over either limit is answered 429 with
`Retry-After` and HubSpot's RATE_LIMIT body; the others carry `X-HubSpot-RateLimit-Max`,
`-Remaining` and `-Interval-Milliseconds` as counted here (the search endpoints carry none, as
HubSpot's do not). For benchmarks: how fast a client loads at a given limit."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field


@dataclass
class EnforcedRateLimit:
    max_requests: int
    interval_ms: int = 10_000
    search_per_second: int = 0  # 0: the search endpoints share only the burst limit
    _sent: deque = field(default_factory=deque, repr=False)
    _searches: deque = field(default_factory=deque, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    limited: int = 0  # requests answered 429

    def __post_init__(self) -> None:
        if self.max_requests < 1 or self.interval_ms < 1 or self.search_per_second < 0:
            raise ValueError("a rate limit needs a positive number of requests and interval")

    def admit(self, is_search: bool) -> tuple[bool, dict[str, str], str | None]:
        """(admitted, rate-limit headers, policy name when refused) for one request now."""
        now = time.monotonic()
        interval = self.interval_ms / 1000
        with self._lock:
            _forget(self._sent, now - interval)
            _forget(self._searches, now - 1.0)
            searches_full = len(self._searches) >= self.search_per_second
            if is_search and self.search_per_second and searches_full:
                self.limited += 1
                wait = self._searches[0] + 1.0 - now
                return False, {"Retry-After": _seconds(wait)}, "SECONDLY"
            if len(self._sent) >= self.max_requests:
                self.limited += 1
                wait = self._sent[0] + interval - now
                headers = self._headers(0) | {"Retry-After": _seconds(wait)}
                return False, headers, "TEN_SECONDLY_ROLLING"
            self._sent.append(now)
            if is_search:
                self._searches.append(now)
                return True, {}, None
            return True, self._headers(self.max_requests - len(self._sent)), None

    def _headers(self, remaining: int) -> dict[str, str]:
        return {
            "X-HubSpot-RateLimit-Max": str(self.max_requests),
            "X-HubSpot-RateLimit-Remaining": str(remaining),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(self.interval_ms),
        }


def _forget(sent: deque, before: float) -> None:
    while sent and sent[0] <= before:
        sent.popleft()


def _seconds(wait: float) -> str:
    return str(max(1, math.ceil(wait)))
