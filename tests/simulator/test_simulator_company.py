"""Generation: determinism, the shape of the company, its invariants at the clock, and the
behaviour the KPIs must be able to find (each asserted on the generated data, not the knobs)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from simulator import SCALES, Company, generate_company
from simulator.leads import LEAD_SOURCES
from simulator.people import SEGMENTS
from simulator.stages import LOST, OPEN_STAGES, WON
from simulator.timeutil import MS_PER_DAY, MS_PER_MINUTE
from simulator.truth import first_responses


def test_scales_are_named_in_one_place() -> None:
    assert list(SCALES) == ["tiny", "small", "medium", "large"]
    small, large = SCALES["small"], SCALES["large"]
    assert (small.reps, small.teams, small.deals) == (20, 4, 4_000)
    assert small.activities <= 50_000
    assert SCALES["medium"].deals == 100_000
    assert large.reps >= 1_000 and large.deals >= 1_000_000 and large.activities >= 10_000_000


def test_same_inputs_give_the_same_company_and_truth(company: Company) -> None:
    again = generate_company(seed=7, scale="small", as_of=company.as_of)
    for name in ("teams", "owners", "leads", "companies", "deals", "activities", "responses"):
        pd.testing.assert_frame_equal(getattr(company.world, name), getattr(again.world, name))
    np.testing.assert_array_equal(company.world.stage_entered, again.world.stage_entered)
    np.testing.assert_array_equal(company.world.fx_micro, again.world.fx_micro)
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


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown scale 'huge'"):
        generate_company(scale="huge")
    with pytest.raises(ValueError, match="horizon_days"):
        generate_company(horizon_days=-1)


def test_counts_at_as_of_match_the_scale(company: Company) -> None:
    w, clock = company.world, company.clock_ms
    assert company.clock_ms == company.as_of_end_ms
    assert len(company.owners) == 20 and company.owners["archived"].sum() == 4
    inbound = w.leads["kind"] == 0  # the contacts frame also holds customers and rep-made ones
    assert ((w.leads["created_ms"] <= clock) & inbound).sum() == 16_000
    assert abs(len(company.deals) - 4_000) / 4_000 < 0.05
    logged = (w.activities["created_ms"] <= clock).sum()
    assert abs(logged - 45_000) / 45_000 < 0.05 and logged <= 50_000
    # the horizon holds more of everything for later clocks
    assert len(w.owners) > 20 and inbound.sum() > 16_000 and len(w.deals) > len(company.deals)


def test_people(company: Company) -> None:
    owners, teams = company.owners, company.teams
    assert len(teams) == 4 and teams["name"].is_unique and "Enterprise East" in set(teams["name"])
    assert owners["id"].str.fullmatch(r"\d+").all() and owners["id_num"].is_monotonic_increasing
    assert owners["hired_ms"].is_monotonic_increasing  # ids follow hiring order
    assert owners["email"].is_unique
    assert (owners.loc[owners["archived"], "left_ms"] > 0).all()
    assert (owners.loc[~owners["archived"], "left_ms"] == -1).all()
    assert (owners["updated_ms"] <= company.clock_ms).all()
    assert (owners["created_ms"] <= owners["updated_ms"]).all()
    managers = company.world.owners[company.world.owners["role_idx"] == 1]
    assert sorted(managers["team_idx"]) == [0, 1, 2, 3] and (managers["left_ms"] == -1).all()
    assert (owners.loc[owners["role_idx"] == 0, "manager_idx"] >= 0).all()
    # every team keeps an active rep, and team sizes differ (some teams are small)
    assert owners.loc[~owners["archived"], "team_idx"].nunique() == len(teams)
    sizes = owners["team_idx"].value_counts()
    assert sizes.max() >= 2 * sizes.min()


def test_deals_at_the_clock_are_consistent(company: Company) -> None:
    deals, end = company.deals, company.clock_ms
    closed = deals["closed_ms"] >= 0
    assert (deals["created_ms"] <= end).all()
    assert (deals.loc[closed, "closed_ms"] >= deals.loc[closed, "created_ms"]).all()
    assert (deals.loc[closed, "closed_ms"] <= end).all()
    assert (deals.loc[closed, "close_date_ms"] == deals.loc[closed, "closed_ms"]).all()
    assert (deals["last_modified_ms"] <= end).all()
    assert (deals["last_modified_ms"] >= deals["created_ms"]).all()
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
    assert (deals["kind"] == 0).all()  # junk and duplicates are archived by now or still live
    archived = company.archived_deals
    assert len(archived) > 0 and (archived["archived_ms"] <= end).all()
    assert set(archived["kind"]) == {1, 2}


def test_deals_come_from_converted_leads(company: Company) -> None:
    w, deals = company.world, company.deals
    real = deals[deals["kind"] == 0]
    contact = real["contact_idx"].to_numpy()
    assert (contact >= 0).all() and np.unique(contact).size == contact.size
    assert (w.leads["converted_ms"].to_numpy()[contact] == real["created_ms"].to_numpy()).all()
    # A deal starts with its lead's owner (some are reassigned later).
    first_owner = w.d["owner_idx"][real["row"].to_numpy()]
    assert (w.leads["owner_idx"].to_numpy()[contact] == first_owner).all()
    assert (real["owner_idx"].to_numpy() != first_owner).sum() > 10
    assert (w.leads["company_idx"].to_numpy()[contact] == real["company_idx"].to_numpy()).all()


def test_owner_is_employed_when_the_deal_is_created_and_closed(company: Company) -> None:
    deals = company.deals
    d = company.world.d
    creator = company.owners.iloc[d["owner_idx"][deals["row"].to_numpy()]].reset_index(drop=True)
    assert (creator["hired_ms"] <= deals["created_ms"]).all()
    # The owner now (after a reassignment, the new one) was employed when it took the deal over.
    owner = company.owners.iloc[deals["owner_idx"].to_numpy()].reset_index(drop=True)
    taken_over = np.maximum(deals["created_ms"], d["owner_change_ms"][deals["row"].to_numpy()])
    assert (owner["hired_ms"] <= taken_over).all()
    left = owner["left_ms"] >= 0
    assert (deals.loc[left, "created_ms"] < owner.loc[left, "left_ms"]).all()
    assert (deals.loc[left, "closed_ms"] >= 0).all(), "leavers leave no open deal behind"
    assert (deals.loc[left, "closed_ms"] <= owner.loc[left, "left_ms"]).all()


def test_outcomes_are_mixed_and_recent_deals_more_often_open(company: Company) -> None:
    deals = company.deals
    stage = deals["stage_idx"]
    assert (stage == WON).any() and (stage == LOST).any() and (deals["closed_ms"] < 0).any()
    recent = deals["created_ms"] > company.clock_ms - 60 * MS_PER_DAY
    open_share = (deals["closed_ms"] < 0).groupby(recent).mean()
    assert open_share[True] > 0.3 > open_share[False]


def test_reps_differ_in_win_rate_and_response_time(company: Company) -> None:
    closed = company.deals[company.deals["closed_ms"] >= 0]
    win_rate = (closed["stage_idx"] == WON).groupby(closed["owner_idx"]).mean()
    assert win_rate.max() - win_rate.min() > 0.15
    rows, first = first_responses(company)
    created = company.world.leads["created_ms"].to_numpy()[rows]
    minutes = pd.Series(np.where(first >= 0, (first - created) / MS_PER_MINUTE, np.nan))
    owner = company.world.leads["owner_idx"].to_numpy()[rows]
    medians = minutes.groupby(owner).median()
    assert medians.max() > 3 * medians.min()


def test_faster_first_response_converts_more_and_unanswered_never(company: Company) -> None:
    w = company.world
    rows, first = first_responses(company)
    created = w.leads["created_ms"].to_numpy()[rows]
    # leads old enough for their conversion window to have passed
    settled = created < company.clock_ms - 120 * MS_PER_DAY
    converted = w.leads["converted_ms"].to_numpy()[rows] >= 0
    minutes = (first - created) / MS_PER_MINUTE
    fast = settled & (first >= 0) & (minutes <= 60)
    slow = settled & (first >= 0) & (minutes > 240)
    unanswered = settled & (first < 0)
    assert fast.sum() > 500 and slow.sum() > 500
    assert converted[fast].mean() > 1.5 * converted[slow].mean()
    assert 0.02 < unanswered.mean() < 0.2 and not converted[unanswered].any()


def test_leads_grow_and_follow_the_seasons(company: Company) -> None:
    created = pd.to_datetime(company.world.leads["created_ms"], unit="ms")
    clock = pd.Timestamp(company.clock_ms, unit="ms")  # naive UTC, like `created`
    created = created[created <= clock]
    first_year = (created < created.min() + pd.Timedelta(days=365)).sum()
    last_year = (created > clock - pd.Timedelta(days=365)).sum()
    assert last_year > 1.3 * first_year
    per_month = created.dt.month.value_counts()
    assert per_month[4] > 1.2 * per_month[8] and per_month[4] > 1.2 * per_month[12]


def test_new_hires_ramp_up(company: Company) -> None:
    w = company.world
    owners = w.owners
    hired_during = owners[owners["hired_ms"] > company.world.window_start_ms]
    hired_during = hired_during[hired_during["hired_ms"] < company.clock_ms - 200 * MS_PER_DAY]
    assert len(hired_during) >= 2
    leads = w.leads
    tenure = (leads["created_ms"] - owners["hired_ms"].to_numpy()[leads["owner_idx"]]) / MS_PER_DAY
    mine = leads["owner_idx"].isin(hired_during.index)
    early = (mine & (tenure < 30)).sum() / (30 * len(hired_during))
    settled = (mine & (tenure >= 120) & (tenure < 180)).sum() / (60 * len(hired_during))
    assert early < 0.75 * settled
    # and their first quota month is a fraction of a ramped one
    quotas = company.table("quotas").frame
    rep = str(hired_during["id_num"].iloc[0])
    targets = quotas.loc[quotas["rep_id"] == rep, "target"].to_numpy()
    assert targets[0] < 0.5 * targets[6]


def test_win_rate_depends_on_lead_source_and_amounts_on_segment(company: Company) -> None:
    closed = company.deals[company.deals["closed_ms"] >= 0]
    won = (closed["stage_idx"] == WON).groupby(closed["source_idx"]).mean()
    assert won[LEAD_SOURCES.index("REFERRALS")] > won[LEAD_SOURCES.index("PAID_SOCIAL")] + 0.05
    segment = company.world.companies["segment_idx"].to_numpy()[company.deals["company_idx"]]
    median = company.deals["amount_cents"].groupby(segment).median()
    present = {SEGMENTS[s]: v for s, v in median.items()}
    assert present["SMB"] * 3 < max(present.get("Enterprise", 0), present.get("Strategic", 0))


def test_activity_goes_with_winning(company: Company) -> None:
    w = company.world
    closed = company.deals[company.deals["closed_ms"] >= 0]
    acts = w.activities
    per_deal = acts[acts["deal_idx"] >= 0].groupby("deal_idx").size()
    counts = per_deal.reindex(closed["row"]).fillna(0).to_numpy()
    days = (closed["closed_ms"] - closed["created_ms"]).to_numpy() / MS_PER_DAY
    rate = counts / np.maximum(days, 1.0)
    won = (closed["stage_idx"] == WON).to_numpy()
    assert rate[won].mean() > 1.1 * rate[~won].mean()


def test_amounts_are_whole_cents_and_usd_unless_asked(company: Company) -> None:
    cents = company.deals["amount_cents"]
    assert cents.dtype == np.int64 and (cents > 0).all()
    assert set(company.deals["currency"]) == {"USD"}
    assert (company.deals["amount_cents"] == company.deals["usd_cents"]).all()


def test_multi_currency_changes_only_currencies_and_amounts(company: Company) -> None:
    multi = generate_company(seed=7, scale="small", as_of=company.as_of, multi_currency=True)
    assert multi.multi_currency and not company.multi_currency
    assert len(set(multi.deals["currency"])) >= 3
    same = ["id", "owner_idx", "created_ms", "stage_idx", "closed_ms", "usd_cents"]
    pd.testing.assert_frame_equal(multi.deals[same], company.deals[same])
    # local amounts are the USD amounts at the creation day's rate
    w = multi.world
    rate = w.fx_rate_micro(
        multi.deals["created_ms"].to_numpy(), w.deals["currency_idx"].to_numpy()[multi.deals["row"]]
    )
    usd_again = multi.deals["amount_cents"].to_numpy() * rate / 1_000_000
    assert np.abs(usd_again - multi.deals["usd_cents"].to_numpy()).max() <= rate.max() / 1e6


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


def test_surveys_have_small_teams_varying_response_and_engagement(company: Company) -> None:
    enps = company.truth_enps()
    assert enps["is_suppressed"].any() and (~enps["is_suppressed"]).any()
    assert enps["response_rate"].dropna().std() > 0.05
    scored = enps[enps["responses"] > 0]
    assert (
        scored["enps"].between(-100, 100).all()
        and enps.loc[enps["responses"] == 0, "enps"].isna().all()
    )
    pulse = company.truth_pulse()
    assert pulse["ref"].nunique() <= 10
    scored = pulse.dropna(subset=["mean_score"])
    assert scored["mean_score"].between(scored["scale_min"], scored["scale_max"]).all()
    assert set(zip(pulse["scale_min"], pulse["scale_max"], strict=True)) == {
        (1, 5),
        (1, 7),
        (0, 10),
    }
    # the same team's eNPS moves from wave to wave
    spread = enps[enps["responses"] >= 3].groupby("team_id")["enps"].std()
    assert spread.max() > 10


def test_write_truth(company: Company, tmp_path) -> None:
    paths = company.write_truth(tmp_path / "truth")
    assert set(paths) == {
        "rep_monthly", "lead_response", "enps", "pulse", "quota_attainment", "account_performance",
        "pipeline_waterfall",
    }  # fmt: skip
    written = pd.read_csv(
        paths["rep_monthly"], dtype={"rep_id": str, "bookings": str, "lost_amount": str}
    )
    truth = company.truth_rep_monthly()
    assert len(written) == len(truth)
    assert list(written["bookings"]) == [str(v) for v in truth["bookings"]]
    assert list(written["month_start"]) == [v.isoformat() for v in truth["month_start"]]


def test_engagement_moves_with_team_performance(company: Company) -> None:
    """eNPS of a team-wave correlates with the team's attainment over the previous quarter."""
    enps = company.truth_enps()
    attainment = company.truth_quota_attainment().merge(
        company.table("reps").frame[["rep_id", "team_id"]], on="rep_id"
    )
    attainment["month"] = pd.to_datetime(attainment["month_start"])
    pairs = []
    for wave in enps[enps["responses"] > 0].itertuples():
        year, quarter = wave.wave.split("-Q")
        start = pd.Timestamp(int(year), 3 * (int(quarter) - 1) + 1, 1)
        prev = attainment[
            (attainment["team_id"] == wave.team_id)
            & (attainment["month"] >= start - pd.DateOffset(months=3))
            & (attainment["month"] < start)
        ]
        if len(prev):
            ratio = float(sum(prev["bookings"])) / float(sum(prev["quota"]))
            pairs.append((ratio, wave.enps))
    assert len(pairs) >= 30
    assert np.corrcoef(np.array(pairs).T)[0, 1] > 0.1


def test_deal_property_history_agrees_with_the_api_and_the_state(company: Company) -> None:
    """The vectorised history (exports, truth) equals the per-deal history the API serves, and
    each history ends with the value the deal has at the clock."""
    from simulator import state

    w = company.world
    rows = company.deals["row"].to_numpy()
    events = state.deal_history_events(w, rows, company.clock_ms)
    per_deal = {
        "amount": state.amount_changes,
        "closedate": state.closedate_changes,
        "hubspot_owner_id": state.owner_changes,
        "hs_forecast_category": state.forecast_category_changes,
    }
    sample = rows[:: max(1, rows.size // 300)]
    for (row, prop), group in events[events["row"].isin(sample)].groupby(["row", "property"]):
        expected = per_deal[prop](w, int(row), company.clock_ms)
        assert list(zip(group["changed_ms"], group["value"], strict=True)) == expected
    st = state.deal_state(w, rows, company.clock_ms)
    last = events.groupby(["property", "row"])["value"].last()
    assert (last["amount"].reindex(rows).to_numpy() == st["amount"]).all()
    assert (last["closedate"].reindex(rows).to_numpy() == st["close_date_ms"]).all()
    assert (last["hubspot_owner_id"].reindex(rows).to_numpy() == st["owner_idx"]).all()
    assert (
        last["hs_forecast_category"].reindex(rows).to_numpy() == st["forecast_category_idx"]
    ).all()
    # The company has every kind of change a pipeline review looks at.
    changes = events.groupby(["property", "row"]).size()
    assert (changes["amount"] >= 3).sum() > 20, "amounts changed twice"
    assert (changes["hubspot_owner_id"] >= 2).sum() > 20, "deals reassigned"
    assert (company.deals["stage_idx"] == 6).sum() > 100


def test_the_waterfall_truth_reconciles_per_owner_and_period(company: Company) -> None:
    from simulator.truth import WATERFALL_MOVEMENTS

    waterfall = company.truth_pipeline_waterfall()
    movements = sum(waterfall[m] for m in WATERFALL_MOVEMENTS)
    assert (waterfall["opening_pipeline"] + movements == waterfall["closing_pipeline"]).all()
    assert set(waterfall["period_grain"]) == {"week", "month", "fiscal_quarter"}
    quarters = waterfall[waterfall["period_grain"] == "fiscal_quarter"]
    for movement in ("created", "increased", "decreased", "pulled_in", "pushed_out", "won",
                     "lost", "transferred_in"):  # fmt: skip
        assert (quarters[movement] != 0).any(), movement
    # Transfers between owners cancel out over the company.
    assert quarters["transferred_in"].sum() == -quarters["transferred_out"].sum()
