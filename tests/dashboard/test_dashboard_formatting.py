"""Numbers as the dashboard shows them: currency, percentages, and NULL as a dash, never 0."""

import datetime as dt
import math

import pandas as pd
import pytest

from dashboard import formatting as fmt


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        (48365.23, "USD", "$48,365"),
        (1886244.03, "USD", "$1.89M"),
        (2000100, "EUR", "€2M"),
        (-2631.4, "USD", "-$2,631"),
        (1234567, "CHF", "CHF 1.23M"),
        (None, "USD", "–"),
        (math.nan, "USD", "–"),
    ],
)
def test_money_in_a_kpi_tile(value, currency, expected):
    assert fmt.money_short(value, currency) == expected


def test_money_to_the_cent_and_in_tables():
    assert fmt.money_exact(1886244.03, "USD") == "$1,886,244.03"
    assert fmt.money(1886244.03, "GBP") == "£1,886,244"
    assert fmt.money_column("Bookings", "USD").format(195315.45) == "$195,315"


def test_shares_counts_and_missing_values():
    assert fmt.percent(0.4337) == "43%"
    assert fmt.percent(1.9037) == "190%"
    assert fmt.percent(pd.NA) == "–"
    assert fmt.count(1183) == "1,183"
    assert fmt.signed_percent_points(0.192) == "+19.2 pts"
    assert fmt.signed_percent_points(None) is None
    assert fmt.number(52.0, 0, " days") == "52 days"


def test_timestamps_read_as_utc():
    aware = dt.datetime(2026, 6, 30, 22, 39, tzinfo=dt.UTC)
    assert fmt.timestamp(aware) == "30 Jun 2026, 22:39 UTC"
    assert fmt.timestamp(dt.datetime(2026, 6, 30, 7, 5)) == "30 Jun 2026, 07:05 UTC"
    assert fmt.day(dt.date(2026, 6, 30)) == "30 Jun 2026"
    assert fmt.timestamp(pd.NaT) == "–"


def test_reps_sharing_a_name_are_told_apart_by_team_then_id():
    reps = pd.DataFrame(
        {
            "rep_id": ["1", "2", "3", "4"],
            "rep_name": ["Wei Fischer", "Wei Fischer", "Ada Zimmer", "Wei Fischer"],
            "team_name": ["East", "West", "East", "West"],
        }
    )

    assert fmt.rep_labels(reps) == [
        "Wei Fischer (East)",
        "Wei Fischer (2)",
        "Ada Zimmer",
        "Wei Fischer (4)",
    ]
