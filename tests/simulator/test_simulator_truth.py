"""The truth file agrees with what a client can compute from the API alone."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from simulator import Company


def test_truth_matches_an_independent_recomputation_from_the_api(walk, company: Company) -> None:
    pages = walk(
        "/crm/v3/objects/deals",
        limit="100",
        properties="amount,dealstage,closedate,hubspot_owner_id",
    )
    deals = pd.DataFrame([d["properties"] for page in pages for d in page.json()["results"]])
    closed = deals[deals["dealstage"].isin(["closedwon", "closedlost"])].copy()
    closed["month_start"] = (
        pd.to_datetime(closed["closedate"], utc=True).dt.tz_localize(None).dt.to_period("M")
    ).dt.start_time.dt.date
    closed["cents"] = closed["amount"].map(lambda a: int(Decimal(a) * 100))
    closed["won"] = closed["dealstage"] == "closedwon"
    closed["won_cents"] = closed["cents"].where(closed["won"], 0)
    closed["lost_cents"] = closed["cents"].where(~closed["won"], 0)
    expected = (
        closed.assign(won_deals=closed["won"].astype(int), lost_deals=(~closed["won"]).astype(int))
        .groupby(["hubspot_owner_id", "month_start"], as_index=False)[
            ["won_cents", "won_deals", "lost_deals", "lost_cents"]
        ]
        .sum()
        .rename(columns={"hubspot_owner_id": "rep_id"})
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
