"""Numbers as people read them: money with its currency, shares as percentages, counts with
thousands separators, and a dash (never 0) where a mart says NULL."""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

MISSING = "–"
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}
_STREAMLIT_MONEY_FORMATS = {"USD": "dollar", "EUR": "euro", "JPY": "yen"}


def is_missing(value: object) -> bool:
    """None, NaN, pandas' NA or NaT: a mart's NULL."""
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def money(value: object, currency: str, compact: bool = False) -> str:
    """`$1,234,567` (or `$1.23M` compact); other currencies by code: `CHF 1,234,567`."""
    if is_missing(value):
        return MISSING
    amount = float(value)
    sign = "-" if amount < 0 else ""
    text = _compact(abs(amount)) if compact else f"{abs(amount):,.0f}"
    symbol = _SYMBOLS.get(currency)
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{currency} {text}"


def money_short(value: object, currency: str) -> str:
    """For a KPI tile: whole units below a million (`$48,365`), then `$1.89M`."""
    if is_missing(value):
        return MISSING
    return money(value, currency, compact=abs(float(value)) >= 1e6)


def money_exact(value: object, currency: str) -> str:
    """To the cent, for a tooltip: `$1,886,244.03`."""
    if is_missing(value):
        return MISSING
    amount = float(value)
    symbol = _SYMBOLS.get(currency)
    text = f"{abs(amount):,.2f}"
    sign = "-" if amount < 0 else ""
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{currency} {text}"


def percent(value: object, decimals: int = 0) -> str:
    """A share in [0, 1] as `43%`."""
    if is_missing(value):
        return MISSING
    return f"{float(value) * 100:.{decimals}f}%"


def percent_interval(value: object, low: object, high: object) -> str:
    """A share with its interval as `32% (24–41%)`; the share alone when there is no interval."""
    if is_missing(value):
        return MISSING
    if is_missing(low) or is_missing(high):
        return percent(value)
    return f"{percent(value)} ({float(low) * 100:.0f}–{percent(high)})"


def count(value: object) -> str:
    if is_missing(value):
        return MISSING
    return f"{int(value):,}"


def number(value: object, decimals: int = 1, unit: str = "") -> str:
    if is_missing(value):
        return MISSING
    return f"{float(value):,.{decimals}f}{unit}"


def ratio(value: object) -> str:
    """A coverage-style ratio as `2.1×`."""
    return number(value, 1, "×")


def signed_percent_points(value: object) -> str | None:
    """A difference of two shares, for st.metric's delta: `+4.0 pts`."""
    if is_missing(value):
        return None
    return f"{float(value) * 100:+.1f} pts"


def signed(value: object, decimals: int = 1, unit: str = "") -> str | None:
    if is_missing(value):
        return None
    return f"{float(value):+,.{decimals}f}{unit}"


def day(value: date | datetime | None) -> str:
    if is_missing(value):
        return MISSING
    return f"{value:%-d %b %Y}"


def timestamp(value: datetime | None) -> str:
    """`30 Jun 2026, 22:35 UTC`; a naive timestamp is UTC (the warehouse's convention)."""
    if is_missing(value):
        return MISSING
    return f"{value:%-d %b %Y, %H:%M} {value.tzname() or 'UTC'}"


def _compact(amount: float) -> str:
    for threshold, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if amount >= threshold:
            return f"{amount / threshold:.3g}{suffix}"
    return f"{amount:,.0f}"


# Table columns: the value stays the mart's (sorting stays numeric); only its display is formatted.


@dataclass(frozen=True)
class Column:
    label: str
    format: Callable[[object], str] | None = None
    help: str | None = None
    width: str | None = None  # "small", "medium", "large"
    pinned: bool = False  # stays in view while a narrow screen scrolls the table sideways


def text_column(label: str, help: str | None = None, pinned: bool = False) -> Column:
    return Column(label, None, help, pinned=pinned)


def money_column(label: str, currency: str, help: str | None = None) -> Column:
    return Column(label, lambda value: money(value, currency), help)


def percent_column(label: str, help: str | None = None) -> Column:
    return Column(label, percent, help)


def count_column(label: str, help: str | None = None) -> Column:
    return Column(label, count, help)


def number_column(label: str, decimals: int = 1, unit: str = "", help: str | None = None):
    return Column(label, lambda value: number(value, decimals, unit), help)


def date_column(label: str, pattern: str = "%-d %b %Y") -> Column:
    return Column(label, lambda value: MISSING if is_missing(value) else f"{value:{pattern}}")


def rep_labels(frame: pd.DataFrame) -> list[str]:
    """Each row's rep name, with the team (or else the id) where two reps share a name."""
    names, ids = frame["rep_name"].tolist(), frame["rep_id"].tolist()
    teams = frame["team_name"].tolist() if "team_name" in frame else ids
    shared = Counter(names)
    labels = [
        f"{name} ({team})" if shared[name] > 1 else name
        for name, team in zip(names, teams, strict=True)
    ]
    still_shared = Counter(labels)
    return [
        f"{name} ({rep_id})" if still_shared[label] > 1 else label
        for name, rep_id, label in zip(names, ids, labels, strict=True)
    ]


def rep_labels_per_rep(frame: pd.DataFrame) -> list[str]:
    """rep_labels for a frame holding several rows of one rep (deals, quarters): each rep's
    label as among the distinct reps, so a rep's own rows never make them look shared."""
    distinct = frame.drop_duplicates("rep_id")
    labels = dict(zip(distinct["rep_id"], rep_labels(distinct), strict=True))
    return frame["rep_id"].map(labels).tolist()
