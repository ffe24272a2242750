"""Epoch-millisecond helpers: all simulator timestamps are int64 ms since 1970, UTC."""

from __future__ import annotations

import datetime as dt
import time

import numpy as np

MS_PER_SECOND = 1_000
MS_PER_MINUTE = 60_000
MS_PER_HOUR = 3_600_000
MS_PER_DAY = 86_400_000
_EPOCH = dt.date(1970, 1, 1)


def date_to_ms(day: dt.date) -> int:
    """Midnight UTC at the start of `day`."""
    return (day - _EPOCH).days * MS_PER_DAY


def ms_to_date(ms: int) -> dt.date:
    return _EPOCH + dt.timedelta(days=int(ms) // MS_PER_DAY)


def iso_ms(ms: int) -> str:
    """HubSpot's datetime format: ISO 8601, UTC, milliseconds, 'Z'."""
    seconds, millis = divmod(int(ms), 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


def iso_s(ms: int) -> str:
    """Typeform's datetime format: ISO 8601, UTC, whole seconds, 'Z'."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(ms) // 1000))


def iso_ms_array(ms: np.ndarray) -> np.ndarray:
    """Vectorised iso_ms; -1 (unset) becomes None."""
    ms = np.asarray(ms, dtype=np.int64)
    text = np.datetime_as_string(ms.astype("datetime64[ms]"), unit="ms", timezone="UTC")
    out = text.astype(object)
    out[ms < 0] = None
    return out


def parse_instant(value: str) -> int:
    """Epoch ms from HubSpot filter values: epoch-ms digits or an ISO 8601 date/datetime."""
    text = value.strip()
    if text.lstrip("-").isdigit():
        return int(text)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = dt.datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return round(parsed.timestamp() * 1000)


def month_starts_ms(first_ms: int, last_ms: int) -> np.ndarray:
    """Midnight UTC of the first day of every month touching [first_ms, last_ms]."""
    first = np.datetime64(int(first_ms), "ms").astype("datetime64[M]")
    last = np.datetime64(int(last_ms), "ms").astype("datetime64[M]")
    months = np.arange(first, last + 1)
    return months.astype("datetime64[ms]").astype(np.int64)


def month_index(ms: np.ndarray) -> np.ndarray:
    """Months since 1970-01 of each timestamp (UTC)."""
    return (
        np.asarray(ms, dtype=np.int64)
        .astype("datetime64[ms]")
        .astype("datetime64[M]")
        .astype(np.int64)
    )


def month_index_to_ms(index: np.ndarray) -> np.ndarray:
    return (
        np.asarray(index, dtype=np.int64)
        .astype("datetime64[M]")
        .astype("datetime64[ms]")
        .astype(np.int64)
    )
