"""Epoch-millisecond helpers: all simulator timestamps are int64 ms since 1970, UTC."""

from __future__ import annotations

import datetime as dt
import time

MS_PER_DAY = 86_400_000
_EPOCH = dt.date(1970, 1, 1)


def date_to_ms(day: dt.date) -> int:
    """Midnight UTC at the start of `day`."""
    return (day - _EPOCH).days * MS_PER_DAY


def iso_ms(ms: int) -> str:
    """HubSpot's datetime format: ISO 8601, UTC, milliseconds, 'Z'."""
    seconds, millis = divmod(int(ms), 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"
