"""The demo company's export with a handful of bad records slipped in, as a real CRM has them: a
deal closed before it was created, one created in 1900, one with a negative amount, one in a
currency nobody has a rate for, an open deal created in the future, a deal won without an
amount, a deal without an owner, a lead of 1900 and an activity of 1900 - and money at the size
a CRM allows: a deal of 10,000,000,000 in a currency other than USD and a quota of
50,000,000 EUR.

The build goes through (one bad record never stops the refresh), every bad record is listed in
core.record_exceptions with its rule and left out of the metrics (with a warning), and the marts
match pandas computations from the same files with those records set aside."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from marts_helpers import (
    MAPPINGS,
    WITHOUT_FORECAST,
    assert_close,
    cents,
    deals_in_usd,
    export_simulator,
    load_files,
    read,
    read_csv,
    run_dbt,
)

pytestmark = pytest.mark.integration

MAPPING = MAPPINGS / "salespulse_export.yml"
SEED, SCALE, AS_OF = 7, "small", "2026-06-30"
VARS = {"enabled_sources": ["files"], "as_of_date": AS_OF}
TEN_BILLION = "10000000000.00"
FIFTY_MILLION = "50000000.00"


def _iso(moment: pd.Timestamp) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


@pytest.fixture(scope="module")
def export_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_simulator(tmp_path_factory.mktemp("export"), SEED, SCALE, AS_OF)


@pytest.fixture(scope="module")
def bad(export_dir: Path) -> dict[str, str]:
    """Rewrite the export's files in place with the bad records; returns who is who."""
    deals = read_csv(export_dir, "deals")
    live = deals[deals["is_deleted"] == "false"].sort_values("deal_id")
    won = live[live["status"] == "won"]
    won_foreign = won[won["currency"] != "USD"]
    open_usd = live[(live["status"] == "open") & (live["currency"] == "USD")]
    chosen = {
        "closed_before_created": won.index[0],
        "created_in_1900": won.index[1],
        "negative_amount": won.index[2],
        "won_without_amount": won.index[3],
        "without_owner": won.index[4],
        "unknown_currency": won_foreign.index[5],
        "ten_billion": won_foreign.index[6],
        "created_in_the_future": open_usd.index[0],
    }
    assert len(set(chosen.values())) == len(chosen)
    row = chosen["closed_before_created"]
    closed_at = pd.Timestamp(deals.at[row, "closed_at"])
    deals.at[row, "created_at"] = _iso(closed_at + pd.Timedelta(days=2))
    deals.at[chosen["created_in_1900"], "created_at"] = "1900-01-01T00:00:00.000Z"
    deals.at[chosen["negative_amount"], "amount"] = "-500.00"
    deals.at[chosen["won_without_amount"], "amount"] = ""
    deals.at[chosen["without_owner"], "owner_id"] = ""
    deals.at[chosen["unknown_currency"], "currency"] = "XYZ"
    deals.at[chosen["ten_billion"], "amount"] = TEN_BILLION
    deals.at[chosen["created_in_the_future"], "created_at"] = "2027-01-05T10:00:00.000Z"
    deals.to_csv(export_dir / "deals.csv", index=False)
    # The deal without an owner never had one: its owner history goes too.
    history = read_csv(export_dir, "deal_property_history")
    ownerless = deals.at[chosen["without_owner"], "deal_id"]
    history = history[~((history["deal_id"] == ownerless) & (history["property"] == "owner_id"))]
    history.to_csv(export_dir / "deal_property_history.csv", index=False)

    contacts = read_csv(export_dir, "contacts")
    contacts.at[contacts.index[10], "created_at"] = "1900-01-01T00:00:00.000Z"
    contacts.to_csv(export_dir / "contacts.csv", index=False)
    activities = read_csv(export_dir, "activities")
    activities.at[activities.index[10], "occurred_at"] = "1900-01-01T00:00:00.000Z"
    activities.to_csv(export_dir / "activities.csv", index=False)
    quotas = read_csv(export_dir, "quotas")
    big = quotas.index[(quotas["period_start"] == "2026-05-01")][0]
    quotas.at[big, "target"] = FIFTY_MILLION
    quotas.at[big, "currency"] = "EUR"
    quotas.to_csv(export_dir / "quotas.csv", index=False)

    ids = {name: deals.at[row, "deal_id"] for name, row in chosen.items()}
    ids["lead_of_1900"] = contacts.at[contacts.index[10], "contact_id"]
    ids["activity_of_1900"] = activities.at[activities.index[10], "activity_id"]
    ids["big_quota_rep"] = quotas.at[big, "rep_id"]
    return ids


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, export_dir: Path, bad: dict) -> tuple:
    work = tmp_path_factory.mktemp("bad_records")
    home = work / "warehouse"
    load_files(home, MAPPING, base_dir=export_dir)
    output = run_dbt(home, "build", *WITHOUT_FORECAST, dbt_vars=VARS, work_dir=work)
    return home, output


@pytest.fixture(scope="module")
def counted_deals(export_dir: Path, bad: dict) -> pd.DataFrame:
    """The deals the metrics should count: the export's, without the excluded bad records."""
    deals = deals_in_usd(export_dir)
    excluded = [bad[name] for name in ("closed_before_created", "created_in_1900")]
    excluded += [bad[name] for name in ("negative_amount", "unknown_currency")]
    excluded.append(bad["created_in_the_future"])
    return deals[~deals["deal_id"].isin(excluded)]


def test_bad_records_do_not_stop_the_build_and_raise_warnings(built: tuple) -> None:
    _, output = built
    assert "ERROR=0" in output
    warned = [line for line in output.splitlines() if " WARN " in line]
    assert any("assert_no_record_is_excluded_from_the_metrics" in line for line in warned)
    assert any("assert_won_deals_have_an_amount" in line for line in warned)


def test_every_bad_record_is_listed_with_its_rule_and_nothing_else(built: tuple, bad: dict) -> None:
    home, _ = built
    listed = read(home, "select * from core.record_exceptions")
    got = {
        (row.entity, row.record_id, row.rule_name, row.is_excluded) for row in listed.itertuples()
    }
    assert got == {
        ("deal", f"files:{bad['closed_before_created']}", "closed_before_created", True),
        ("deal", f"files:{bad['created_in_1900']}", "created_before_calendar_start", True),
        ("deal", f"files:{bad['negative_amount']}", "negative_amount", True),
        ("deal", f"files:{bad['unknown_currency']}", "no_fx_rate", True),
        ("deal", f"files:{bad['created_in_the_future']}", "created_after_as_of_date", True),
        ("deal", f"files:{bad['won_without_amount']}", "won_without_amount", False),
        ("lead", f"files:{bad['lead_of_1900']}", "created_before_calendar_start", True),
        ("activity", f"files:{bad['activity_of_1900']}", "occurred_before_calendar_start", True),
    }
    assert listed["reason"].notna().all() and listed["source_record_id"].notna().all()
    money = listed.set_index("rule_name")["field_value"]
    assert money["negative_amount"].startswith("-500.0")
    assert money["no_fx_rate"].startswith("XYZ on ")


def test_the_marts_count_every_other_deal_and_no_excluded_one(
    built: tuple, counted_deals: pd.DataFrame
) -> None:
    home, _ = built
    closed = counted_deals[counted_deals["status"].isin(["won", "lost"])].copy()
    closed["month"] = closed["closed_at"].dt.strftime("%Y-%m")
    closed["won"] = closed["status"] == "won"
    closed["won_usd"] = [
        a if w and a is not None else Decimal(0)
        for a, w in zip(closed["amount_usd"], closed["won"], strict=True)
    ]
    closed["no_amount"] = closed["won"] & closed["amount_usd"].isna()
    closed["cycle_days"] = (
        closed["closed_at"].dt.normalize() - closed["created_at"].dt.normalize()
    ).dt.days
    keys = ["rep_id", "month"]
    expected = closed.groupby(keys).agg(
        bookings=("won_usd", "sum"),
        won_deals=("won", "sum"),
        closed_deals=("won", "size"),
        won_deals_without_amount=("no_amount", "sum"),
    )
    won = closed[closed["won"]]
    expected["cycle_median"] = won.groupby(keys)["cycle_days"].median()
    expected["cycle_mean"] = won.groupby(keys)["cycle_days"].mean()
    expected = expected.reset_index()

    mart = read(home, "select * from sales.rep_performance where period_grain = 'month'")
    mart["month"] = pd.to_datetime(mart["period_start_date"]).dt.strftime("%Y-%m")
    merged = expected.merge(mart, on=keys, how="left", suffixes=("_e", ""))
    assert merged["bookings"].notna().all() and len(merged) > 400
    assert (merged["won_deals"] == merged["won_deals_e"]).all()
    assert (merged["lost_deals"] == merged["closed_deals"] - merged["won_deals_e"]).all()
    assert (merged["bookings"].map(cents) == merged["bookings_e"]).all()
    assert (merged["won_deals_without_amount"] == merged["won_deals_without_amount_e"]).all()
    assert merged["won_deals_without_amount"].sum() == 1
    # Average deal size over the won deals that have an amount: the one without never deflates it.
    with_amount = merged["won_deals_e"] - merged["won_deals_without_amount_e"]
    sizes = [
        cents(b / n) if n else None for b, n in zip(merged["bookings_e"], with_amount, strict=True)
    ]
    assert (
        list(merged["average_deal_size"].map(lambda v: None if pd.isna(v) else cents(v))) == sizes
    )
    assert_close(merged["sales_cycle_days_median"], merged["cycle_median"], "cycle median")
    assert_close(merged["sales_cycle_days_mean"], merged["cycle_mean"], "cycle mean")
    longest = read(home, "select max(sales_cycle_days_median) as d from sales.company_performance")
    assert longest["d"][0] < 1000  # never the 46,105 days of a deal created in 1900
    # The deal without an owner counts under 'unassigned', and the monthly mart agrees to the row.
    assert (merged["rep_id"] == "unassigned").sum() == 1
    monthly = read(
        home, "select * from sales.rep_performance_monthly order by rep_id, month_start_date"
    )
    months = mart.rename(columns={"period_start_date": "month_start_date"})
    months = months.sort_values(["rep_id", "month_start_date"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(monthly, months[list(monthly.columns)])


def test_money_of_any_size_converts_without_overflow(
    built: tuple, export_dir: Path, bad: dict
) -> None:
    home, _ = built
    rates = read_csv(export_dir, "fx_rates").set_index(["currency", "rate_date"])[
        "rate_to_reporting"
    ]
    deal = read(home, f"select * from core.fct_deals where deal_id = 'files:{bad['ten_billion']}'")
    currency = deal["currency"][0]
    assert currency != "USD"
    rate = Decimal(rates[(currency, deal["closed_date"][0].strftime("%Y-%m-%d"))])
    assert cents(deal["amount"][0]) == Decimal(TEN_BILLION)
    assert cents(deal["amount_reporting"][0]) == cents(Decimal(TEN_BILLION) * rate)

    quota = read(
        home,
        "select * from sales.rep_performance where period_grain = 'month' "
        f"and period_start_date = '2026-05-01' and rep_id = 'files:{bad['big_quota_rep']}'",
    )
    expected_quota = cents(Decimal(FIFTY_MILLION) * Decimal(rates[("EUR", "2026-05-01")]))
    assert cents(quota["quota"][0]) == expected_quota
    assert_close(
        quota["quota_attainment"],
        pd.Series([float(Decimal(str(quota["bookings"][0])) / expected_quota)]),
        "attainment",
        1e-15,
    )
    # The company's totals hold the 10-billion deal, to the cent.
    totals = read(
        home,
        "select sum(bookings) as b from sales.company_performance where period_grain = 'fiscal_year'",
    )
    fact = read(
        home,
        "select sum(amount_reporting) as b from core.fct_deals where is_won and not is_deleted",
    )
    assert cents(totals["b"][0]) == cents(fact["b"][0]) > Decimal(TEN_BILLION) * rate


def test_the_reconciliation_check_accounts_for_the_excluded_deals(
    built: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    home, _ = built
    monkeypatch.setenv("SALESPULSE_HOME", str(home))
    from orchestration.defs.checks.reconciliation import bookings_reconcile_with_staging

    result = bookings_reconcile_with_staging()
    assert result.passed, result.metadata
