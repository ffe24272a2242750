"""Contacts that are not leads, beside the inbound leads of leads.py: a real portal holds both.

- Existing customers: people at companies that already buy from us, synced in from billing
  (hs_object_source INTEGRATION) with lifecycle stage customer from the day they are created.
  Some carry a lead status an account manager set for an upsell; account managers touch half of
  them within two days. They are not leads: their touches are not lead responses.
- Contacts created by reps: someone a rep met or called, entered by hand in the CRM (CRM_UI,
  hs_analytics_source OFFLINE / CRM_UI), lifecycle stage lead, answered minutes after (the rep
  logs the intro email). They are left out of lead response and conversion: the rep reached
  them before the CRM knew them.

Both never convert to a deal here. They share the columns of the leads frame (`kind` tells them
apart) and are merged into it in creation order by world.build_world.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.leads import (
    HOUR_WEIGHTS,
    JOB_TITLES,
    LEAD_SOURCES,
    _arrival_days,
    _pick_owners,
    day_weights,
)
from simulator.timeutil import MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE

INBOUND_LEAD, EXISTING_CUSTOMER, CREATED_BY_REP = 0, 1, 2
CONTACT_KINDS = ("inbound_lead", "existing_customer", "created_by_rep")
# hs_object_source of each kind (inbound leads from an offline source came in by list import).
OBJECT_SOURCES = ("FORM", "INTEGRATION", "CRM_UI")
CUSTOMER_SHARE = 0.05  # existing-customer contacts per inbound lead
REP_CREATED_SHARE = 0.04
OFFLINE = LEAD_SOURCES.index("OFFLINE")


def generate_other_contacts(
    rng: np.random.Generator,
    owners: pd.DataFrame,
    n_leads: int,
    window_start_ms: int,
    as_of_end_ms: int,
    horizon_end_ms: int,
) -> pd.DataFrame:
    """Existing-customer and rep-created contacts over the timeline, with the leads' columns."""
    first_day = window_start_ms // MS_PER_DAY
    n_days = (horizon_end_ms + 1 - window_start_ms) // MS_PER_DAY
    n_hist_days = (as_of_end_ms + 1 - window_start_ms) // MS_PER_DAY
    weights = day_weights(first_day, n_days)
    scale = weights.sum() / weights[:n_hist_days].sum()  # the horizon adds its share
    counts = (round(n_leads * CUSTOMER_SHARE * scale), round(n_leads * REP_CREATED_SHARE * scale))
    kind = np.repeat([EXISTING_CUSTOMER, CREATED_BY_REP], counts).astype(np.int8)
    n = kind.size
    day = _arrival_days(rng, weights, n)
    hour = rng.choice(24, size=n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    created = (first_day + day) * MS_PER_DAY + hour * MS_PER_HOUR + rng.integers(0, MS_PER_HOUR, n)
    order = np.argsort(created, kind="stable")
    kind, day, created = kind[order], day[order], created[order]
    owner = _pick_owners(rng, owners, first_day, day, n_days)

    by_rep = kind == CREATED_BY_REP
    touch = np.where(
        by_rep,
        created + rng.integers(MS_PER_MINUTE, 20 * MS_PER_MINUTE, n),
        created + rng.integers(30 * MS_PER_MINUTE, 48 * MS_PER_HOUR, n),
    )
    touched = by_rep | (rng.random(n) < 0.5)
    left = owners["left_ms"].to_numpy()[owner]
    touched &= (left < 0) | (touch < left)
    never = np.full(n, -1, dtype=np.int64)
    upsell_status = ~by_rep & (rng.random(n) < 0.5)
    return pd.DataFrame(
        {
            "created_ms": created.astype(np.int64),
            "owner_idx": owner,
            "source_idx": np.full(n, OFFLINE, dtype=np.int8),
            "first_idx": rng.integers(0, 26, n).astype(np.int16),
            "last_idx": rng.integers(0, 26, n).astype(np.int16),
            "title_idx": rng.integers(0, len(JOB_TITLES), n).astype(np.int16),
            "response_ms": np.where(touched, touch, -1).astype(np.int64),
            "connected_ms": never,
            "converted_ms": never,
            "unqualified_ms": never,
            "kind": kind,
            "upsell_status": upsell_status,
        }
    )


def merge_contacts(leads: pd.DataFrame, others: pd.DataFrame) -> pd.DataFrame:
    """Inbound leads and the other contacts as one frame in creation order (contact ids follow
    it, as HubSpot's do)."""
    leads = leads.assign(kind=np.int8(INBOUND_LEAD), upsell_status=False)
    merged = pd.concat([leads, others[leads.columns]], ignore_index=True)
    order = np.argsort(merged["created_ms"].to_numpy(), kind="stable")
    return merged.iloc[order].reset_index(drop=True)
