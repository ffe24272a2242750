"""Generation: determinism, the shape of the company, and the invariants of its deals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from simulator import SCALES, Company, generate_company
from simulator.stages import LOST, OPEN_STAGES, WON
from simulator.timeutil import MS_PER_DAY


def test_scales_are_named_in_one_place() -> None:
    assert list(SCALES) == ["small", "medium", "large"]
    assert (SCALES["small"].reps, SCALES["small"].teams, SCALES["small"].deals) == (20, 4, 4_000)
    assert SCALES["medium"].deals == 100_000
    assert (SCALES["large"].reps, SCALES["large"].deals) == (1_000, 1_000_000)


def test_same_inputs_give_the_same_company_and_truth(company: Company) -> None:
    again = generate_company(seed=7, scale="small", as_of=company.as_of)
    for name in ("teams", "owners", "deals"):
        pd.testing.assert_frame_equal(getattr(company, name), getattr(again, name))
    np.testing.assert_array_equal(company.stage_entered_ms, again.stage_entered_ms)
    pd.testing.assert_frame_equal(company.truth_rep_monthly(), again.truth_rep_monthly())


def test_other_seed_or_as_of_gives_another_company(company: Company) -> None:
    other_seed = generate_company(seed=8, scale="small", as_of=company.as_of)
    assert not company.deals.equals(other_seed.deals)
    assert not company.truth_rep_monthly().equals(other_seed.truth_rep_monthly())
    next_day = company.as_of + dt.timedelta(days=1)
    other_day = generate_company(seed=7, scale="small", as_of=next_day)
    assert not company.deals.equals(other_day.deals)


def test_as_of_defaults_to_today_utc() -> None:
    assert generate_company(seed=1).as_of == dt.datetime.now(dt.UTC).date()


def test_unknown_scale_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown scale 'huge'"):
        generate_company(scale="huge")


def test_people(company: Company) -> None:
    owners, teams = company.owners, company.teams
    assert len(owners) == 20 and len(teams) == 4
    assert teams["name"].is_unique and "Enterprise East" in set(teams["name"])
    assert owners["id"].str.fullmatch(r"\d+").all() and owners["id"].is_unique
    assert owners["email"].is_unique
    assert owners["archived"].sum() == 4
    assert (owners.loc[owners["archived"], "left_ms"] > 0).all()
    assert (owners.loc[~owners["archived"], "left_ms"] == -1).all()
    assert owners["hired_ms"].nunique() == len(owners)
    assert (owners["updated_ms"] <= company.as_of_end_ms).all()
    assert (owners["created_ms"] <= owners["updated_ms"]).all()
    # every team keeps at least one active rep
    assert owners.loc[~owners["archived"], "team_idx"].nunique() == len(teams)


def test_deal_timestamps_are_consistent(company: Company) -> None:
    deals, end = company.deals, company.as_of_end_ms
    closed = deals["closed_ms"] >= 0
    assert (deals["created_ms"] <= end).all()
    assert (deals.loc[closed, "closed_ms"] >= deals.loc[closed, "created_ms"]).all()
    assert (deals.loc[closed, "closed_ms"] <= end).all()
    assert (deals.loc[closed, "close_date_ms"] == deals.loc[closed, "closed_ms"]).all()
    assert (deals["last_modified_ms"] <= end).all()
    # open deals carry an expected close date in the future, at midnight UTC
    expected = deals.loc[~closed, "close_date_ms"]
    assert (expected > end).all() and (expected % MS_PER_DAY == 0).all()

    entered = company.stage_entered_ms
    n_open = deals["n_open_entered"].to_numpy()
    assert (n_open >= 1).all() and (n_open <= OPEN_STAGES).all()
    assert (entered[:, 0] == deals["created_ms"].to_numpy()).all()
    for k in range(1, OPEN_STAGES):
        both = n_open > k
        assert (entered[both, k] > entered[both, k - 1]).all()
        assert (entered[n_open <= k, k] == -1).all()
    last_entry = entered[np.arange(len(deals)), n_open - 1]
    assert (deals.loc[closed, "closed_ms"].to_numpy() > last_entry[closed.to_numpy()]).all()
    won = deals["stage_idx"] == WON
    assert (deals.loc[won, "n_open_entered"] == OPEN_STAGES).all()  # won deals pass every stage
    assert (deals.loc[~closed, "stage_idx"] == deals.loc[~closed, "n_open_entered"] - 1).all()
    assert deals["id"].is_monotonic_increasing and deals["id"].is_unique


def test_owner_is_employed_when_the_deal_is_created_and_closed(company: Company) -> None:
    deals = company.deals
    owner = company.owners.iloc[deals["owner_idx"].to_numpy()].reset_index(drop=True)
    assert (owner["hired_ms"] <= deals["created_ms"]).all()
    left = owner["left_ms"] >= 0
    assert (deals.loc[left, "created_ms"] < owner.loc[left, "left_ms"]).all()
    assert (deals.loc[left, "closed_ms"] >= 0).all(), "leavers leave no open deal behind"
    assert (deals.loc[left, "closed_ms"] <= owner.loc[left, "left_ms"]).all()


def test_outcomes_are_mixed_and_recent_deals_more_often_open(company: Company) -> None:
    deals = company.deals
    stage = deals["stage_idx"]
    assert (stage == WON).any() and (stage == LOST).any() and (deals["closed_ms"] < 0).any()
    recent = deals["created_ms"] > company.as_of_end_ms - 60 * MS_PER_DAY
    open_share = (deals["closed_ms"] < 0).groupby(recent).mean()
    assert open_share[True] > 0.3 > open_share[False]


def test_reps_differ_in_win_rate(company: Company) -> None:
    closed = company.deals[company.deals["closed_ms"] >= 0]
    win_rate = (closed["stage_idx"] == WON).groupby(closed["owner_idx"]).mean()
    assert win_rate.max() - win_rate.min() > 0.15


def test_amounts_are_whole_cents(company: Company) -> None:
    cents = company.deals["amount_cents"]
    assert cents.dtype == np.int64 and (cents > 0).all()


def test_truth_rep_monthly(company: Company) -> None:
    truth = company.truth_rep_monthly()
    assert list(truth.columns) == [
        "rep_id",
        "month_start",
        "bookings",
        "won_deals",
        "lost_deals",
        "lost_amount",
    ]
    assert all(isinstance(v, str) for v in truth["rep_id"])
    assert all(type(v) is dt.date and v.day == 1 for v in truth["month_start"])
    assert all(isinstance(v, Decimal) and v.as_tuple().exponent == -2 for v in truth["bookings"])
    assert not truth.duplicated(["rep_id", "month_start"]).any()
    assert ((truth["won_deals"] + truth["lost_deals"]) > 0).all()

    deals = company.deals
    won_cents = deals.loc[deals["stage_idx"] == WON, "amount_cents"].sum()
    assert sum(truth["bookings"]) == Decimal(int(won_cents)) / 100
    assert truth["won_deals"].sum() == (deals["stage_idx"] == WON).sum()
    assert truth["lost_deals"].sum() == (deals["stage_idx"] == LOST).sum()


def test_write_truth(company: Company, tmp_path) -> None:
    path = company.write_truth(tmp_path / "truth")
    written = pd.read_csv(path, dtype={"rep_id": str, "bookings": str, "lost_amount": str})
    truth = company.truth_rep_monthly()
    assert len(written) == len(truth)
    assert list(written["bookings"]) == [str(v) for v in truth["bookings"]]
    assert list(written["month_start"]) == [v.isoformat() for v in truth["month_start"]]
