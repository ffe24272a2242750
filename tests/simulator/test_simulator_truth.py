"""The truth file agrees with what a client can compute from the API alone."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from simulator import Company


def _owner_at(changes: list[dict], when: str) -> str:
    """The owner in force at `when`, from HubSpot's property history (newest first)."""
    at = pd.Timestamp(when)
    return next(c["value"] for c in changes if pd.Timestamp(c["timestamp"]) <= at)


def test_truth_matches_an_independent_recomputation_from_the_api(walk, company: Company) -> None:
    pages = walk(
        "/crm/v3/objects/deals",
        limit="50",
        properties="amount,dealstage,closedate,hubspot_owner_id",
        propertiesWithHistory="hubspot_owner_id",
    )
    records = [d for page in pages for d in page.json()["results"]]
    deals = pd.DataFrame([d["properties"] for d in records])
    # Bookings go to the owner when the deal closed: some won deals were handed on since.
    deals["owner_at_close"] = [
        _owner_at(d["propertiesWithHistory"]["hubspot_owner_id"], d["properties"]["closedate"])
        for d in records
    ]
    closed = deals[deals["dealstage"].isin(["closedwon", "closedlost"])].copy()
    assert (closed["owner_at_close"] != closed["hubspot_owner_id"]).sum() > 10
    closed["month_start"] = (
        pd.to_datetime(closed["closedate"], utc=True).dt.tz_localize(None).dt.to_period("M")
    ).dt.start_time.dt.date
    closed["cents"] = closed["amount"].map(lambda a: int(Decimal(a) * 100))
    closed["won"] = closed["dealstage"] == "closedwon"
    closed["won_cents"] = closed["cents"].where(closed["won"], 0)
    closed["lost_cents"] = closed["cents"].where(~closed["won"], 0)
    expected = (
        closed.assign(won_deals=closed["won"].astype(int), lost_deals=(~closed["won"]).astype(int))
        .groupby(["owner_at_close", "month_start"], as_index=False)[
            ["won_cents", "won_deals", "lost_deals", "lost_cents"]
        ]
        .sum()
        .rename(columns={"owner_at_close": "rep_id"})
        .sort_values(["rep_id", "month_start"], ignore_index=True)
    )

    truth = company.truth_rep_monthly()
    assert len(truth) == len(expected) > 0
    assert list(truth["rep_id"]) == list(expected["rep_id"])
    assert list(truth["month_start"]) == list(expected["month_start"])
    assert list(truth["won_deals"]) == list(expected["won_deals"])
    assert list(truth["lost_deals"]) == list(expected["lost_deals"])
    assert [b * 100 for b in truth["bookings"]] == list(expected["won_cents"])
    assert [a * 100 for a in truth["lost_amount"]] == list(expected["lost_cents"])
