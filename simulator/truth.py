"""The answers the warehouse must reproduce, computed straight from the generated frames."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from simulator.stages import LOST, WON

_CENT = Decimal("0.01")

TRUTH_REP_MONTHLY_COLUMNS = [
    "rep_id",
    "month_start",
    "bookings",
    "won_deals",
    "lost_deals",
    "lost_amount",
]


def _money(cents: int) -> Decimal:
    return (Decimal(int(cents)) / 100).quantize(_CENT)


def rep_monthly(owners: pd.DataFrame, deals: pd.DataFrame) -> pd.DataFrame:
    """Won/lost counts and amounts per owner and UTC month of closedate; exact Decimal money."""
    closed = deals[deals["closed_ms"] >= 0]
    stage = closed["stage_idx"].to_numpy()
    cents = closed["amount_cents"].to_numpy()
    month = closed["closed_ms"].to_numpy().astype("datetime64[ms]").astype("datetime64[M]")
    frame = pd.DataFrame(
        {
            "owner_idx": closed["owner_idx"].to_numpy(),
            "month": month,
            "won_cents": np.where(stage == WON, cents, 0),
            "lost_cents": np.where(stage == LOST, cents, 0),
            "won_deals": (stage == WON).astype(np.int64),
            "lost_deals": (stage == LOST).astype(np.int64),
        }
    )
    grouped = frame.groupby(["owner_idx", "month"], sort=False).sum().reset_index()
    result = pd.DataFrame(
        {
            "rep_id": owners["id"].to_numpy()[grouped["owner_idx"].to_numpy()],
            "month_start": [m.date() for m in pd.to_datetime(grouped["month"])],
            "bookings": [_money(c) for c in grouped["won_cents"]],
            "won_deals": grouped["won_deals"].astype(int),
            "lost_deals": grouped["lost_deals"].astype(int),
            "lost_amount": [_money(c) for c in grouped["lost_cents"]],
        }
    )
    return result.sort_values(["rep_id", "month_start"], ignore_index=True)
