"""Fault injection for the demo APIs: every fault is off by default and deterministic.

Faults are keyed on the server's count of API requests (1-based; admin requests under
/_simulator are not counted): request n gets a fault when n is a multiple of that fault's
`*_every`. When several would fire on one request, the first in this order wins:
rate limit (429), server error (5xx), HTML page, dropped connection; slowness adds to any.
"""

from __future__ import annotations

from dataclasses import dataclass

RATE_LIMIT_DAILY = 500_000
RATE_LIMIT_INTERVAL_MS = 10_000
# The demo enforces no burst limit unless asked to: it reports one no client reaches.
RATE_LIMIT_MAX = 100_000


@dataclass(frozen=True)
class Faults:
    rate_limit_every: int = 0  # 429 with Retry-After and HubSpot's rate-limit headers
    retry_after_seconds: int = 1
    server_error_every: int = 0  # 5xx
    server_error_status: int = 503
    slow_every: int = 0  # sleep before answering
    slow_seconds: float = 2.0
    drop_every: int = 0  # send the headers and half the body, then close the connection
    # A proxy's or gateway's HTML page instead of the API's JSON, with this status (200 too:
    # some proxies and captive portals answer every request with a page and a success).
    html_every: int = 0
    html_status: int = 200

    def __post_init__(self) -> None:
        for name in (
            "rate_limit_every",
            "server_error_every",
            "slow_every",
            "drop_every",
            "html_every",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be 0 (off) or positive")
        if not 500 <= self.server_error_status <= 599:
            raise ValueError("server_error_status must be a 5xx status")
        if not 200 <= self.html_status <= 599:
            raise ValueError("html_status must be an HTTP status")
        if self.retry_after_seconds < 0 or self.slow_seconds < 0:
            raise ValueError("retry_after_seconds and slow_seconds must not be negative")

    @staticmethod
    def _hit(every: int, n: int) -> bool:
        return every > 0 and n % every == 0

    def decide(self, n: int) -> tuple[str | None, float]:
        """(fault for request n: 'rate_limit' | 'server_error' | 'html' | 'drop' | None,
        delay s)."""
        delay = self.slow_seconds if self._hit(self.slow_every, n) else 0.0
        for name, every in (
            ("rate_limit", self.rate_limit_every),
            ("server_error", self.server_error_every),
            ("html", self.html_every),
            ("drop", self.drop_every),
        ):
            if self._hit(every, n):
                return name, delay
        return None, delay

    @property
    def active(self) -> bool:
        return any(
            (
                self.rate_limit_every,
                self.server_error_every,
                self.slow_every,
                self.drop_every,
                self.html_every,
            )
        )


def hubspot_rate_headers(n: int, limited: bool) -> dict[str, str]:
    """HubSpot's X-HubSpot-RateLimit-* headers for the n-th request of the day. They describe
    the demo's own limit, which a client may honour: none is enforced (see rate_limits.py for
    one that is), so the burst limit reported is one no client reaches, not HubSpot's."""
    return {
        "X-HubSpot-RateLimit-Daily": str(RATE_LIMIT_DAILY),
        "X-HubSpot-RateLimit-Daily-Remaining": str(max(RATE_LIMIT_DAILY - n, 0)),
        "X-HubSpot-RateLimit-Interval-Milliseconds": str(RATE_LIMIT_INTERVAL_MS),
        "X-HubSpot-RateLimit-Max": str(RATE_LIMIT_MAX),
        "X-HubSpot-RateLimit-Remaining": "0" if limited else str(RATE_LIMIT_MAX - 1),
    }


PROXY_ERROR_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body>"
    b"<center><h1>502 Bad Gateway</h1></center><hr><center>proxy</center></body></html>\n"
)
