"""The pipeline page's outlook and deal lists on the published demo warehouse (streamlit's
AppTest): the forecast categories of this and the next quarter, the team and company coverage,
the deals older than their stage's norm, the most pushed deals and the quarter's won and lost
deals are the marts' figures, read here straight from serving.duckdb."""

import pandas as pd
import pytest

from dashboard.deal_lists import LIST_LENGTH

CURRENT_QUARTER = "FY2026-Q2"
# Each figure of the outlook table and the roll-up column it must show (docs/metrics.md).
OUTLOOK = {
    "Booked so far": "bookings_to_date",
    "Commit": "commit_amount",
    "Best case": "best_case_amount",
    "Pipeline": "pipeline_amount",
    "Not forecast": "not_forecast_amount",
    "Commit forecast": "commit_forecast",
    "Best-case forecast": "best_case_forecast",
    "Weighted forecast": "weighted_forecast_bookings",
    "Quota": "quota",
}


def table_with(app, column: str, nth: int = 0) -> pd.DataFrame:
    """The nth table on the page that shows `column`."""
    found = [frame.value for frame in app.dataframe if column in frame.value.columns]
    assert len(found) > nth, f"no table {nth} shows {column!r}"
    return found[nth]


def rollup(serving, level: str, team_id: str | None = None) -> pd.DataFrame:
    return serving(
        "select * from sales.forecast_category_rollup where forecast_level = ? "
        "and team_id is not distinct from ? order by quarter_start_date",
        [level, team_id],
    )


def assert_outlook_is(shown: pd.DataFrame, mart: pd.DataFrame) -> None:
    shown = shown.set_index("figure")
    assert len(mart) == 2 and mart["is_current_quarter"].tolist() == [True, False]
    assert shown.index.tolist() == list(OUTLOOK)
    for label, column in OUTLOOK.items():
        for quarter, shown_column in zip(
            mart.itertuples(), ("this_quarter", "next_quarter"), strict=True
        ):
            expected, got = getattr(quarter, column), shown.loc[label, shown_column]
            if pd.isna(expected):
                assert pd.isna(got), (label, shown_column)
            else:
                assert got == pytest.approx(float(expected)), (label, shown_column)


def test_pipeline_shows_the_companys_forecast_categories_of_this_and_next_quarter(
    open_app, serving
):
    app = open_app("pipeline")

    company = rollup(serving, "company")
    assert_outlook_is(table_with(app, "this_quarter"), company)
    # The demo holds every category next quarter, and bookings this quarter.
    next_quarter = company.iloc[1]
    assert min(next_quarter[["commit_amount", "best_case_amount", "pipeline_amount"]]) > 0
    assert company.iloc[0]["bookings_to_date"] > 0

    # Each rep's categories, per quarter: every rep row of the mart, with the same amounts.
    reps = serving(
        "select * from sales.forecast_category_rollup where forecast_level = 'rep' "
        "order by quarter_start_date"
    )
    for nth, is_current in enumerate((True, False)):
        shown = table_with(app, "best_case_amount", nth)
        expected = reps[reps["is_current_quarter"] == is_current]
        assert len(shown) == len(expected) > 0
        for column in ("commit_amount", "best_case_amount", "pipeline_amount", "bookings_to_date"):
            assert shown[column].sum() == pytest.approx(float(expected[column].sum()))
            assert sorted(shown[column]) == pytest.approx(sorted(expected[column].astype(float)))


def test_pipeline_shows_a_teams_forecast_categories_and_every_levels_coverage(open_app, serving):
    team = serving(
        "select team_id, team_name from core.dim_teams as teams where exists ("
        " select 1 from sales.forecast_category_rollup as rollup"
        " where rollup.team_id = teams.team_id and rollup.best_case_amount > 0)"
        " order by team_name limit 1"
    ).iloc[0]
    app = open_app("pipeline", team=team["team_name"])

    assert_outlook_is(table_with(app, "this_quarter"), rollup(serving, "team", team["team_id"]))
    reps = table_with(app, "best_case_amount", 1)
    team_reps = serving(
        "select rep_id from sales.forecast_category_rollup where forecast_level = 'rep' "
        "and team_id = ? and not is_current_quarter",
        [team["team_id"]],
    )
    assert len(reps) == len(team_reps)

    coverage = table_with(app, "this_quarter_coverage").set_index("level_name")
    forecast = serving(
        "select coalesce(teams.team_name, 'Company') as level_name, forecast.is_current_quarter,"
        " forecast.pipeline_coverage, forecast.remaining_quota"
        " from sales.pipeline_weighted_forecast as forecast"
        " left join core.dim_teams as teams using (team_id)"
        " where forecast.forecast_level in ('team', 'company')"
    )
    this = forecast[forecast["is_current_quarter"]].set_index("level_name")
    following = forecast[~forecast["is_current_quarter"]].set_index("level_name")
    assert sorted(coverage.index) == sorted(this.index)
    assert coverage["this_quarter_coverage"].tolist() == pytest.approx(
        this.loc[coverage.index, "pipeline_coverage"].tolist(), nan_ok=True
    )
    assert coverage["this_quarter_remaining_quota"].tolist() == pytest.approx(
        this.loc[coverage.index, "remaining_quota"].tolist(), nan_ok=True
    )
    assert coverage["next_quarter_coverage"].tolist() == pytest.approx(
        following.loc[coverage.index, "pipeline_coverage"].tolist(), nan_ok=True
    )


def test_pipeline_lists_the_aged_and_the_most_pushed_deals_of_the_marts(open_app, serving):
    app = open_app("pipeline")

    aged = table_with(app, "stage_norm_days")
    mart = serving(
        "select aging.*, deals.deal_name as fct_deal_name from sales.open_deal_aging as aging"
        " inner join core.fct_deals as deals using (deal_id) where aging.is_older_than_norm"
    )
    assert len(aged) == min(LIST_LENGTH, len(mart)) > 0
    by_name = mart.set_index("deal_name")
    assert set(aged["deal_name"]) <= set(by_name.index)
    assert aged["days_in_stage"].tolist() == pytest.approx(
        by_name.loc[aged["deal_name"], "days_in_stage"].tolist()
    )
    assert aged["amount_reporting"].tolist() == pytest.approx(
        by_name.loc[aged["deal_name"], "amount_reporting"].astype(float).tolist()
    )
    assert (aged["days_in_stage"] > aged["stage_norm_days"]).all()
    over = (aged["days_in_stage"] - aged["stage_norm_days"]).tolist()
    assert over == sorted(over, reverse=True)  # the furthest over its norm first

    pushed = table_with(app, "times_pushed")
    slippage = serving(
        "select times_pushed, days_pushed from sales.deal_slippage"
        " where status = 'open' and times_pushed > 0"
        " order by times_pushed desc, days_pushed desc"
    )
    assert len(pushed) == min(LIST_LENGTH, len(slippage)) > 0
    assert pushed["times_pushed"].tolist() == slippage["times_pushed"][: len(pushed)].tolist()
    assert pushed["days_pushed"].tolist() == slippage["days_pushed"][: len(pushed)].tolist()


def test_pipeline_shows_the_quarters_bookings_by_deal_type_and_losses_by_reason(open_app, serving):
    """Won by deal type sums to the company's bookings of the quarter (company_performance), and
    lost by reason to its lost deals."""
    app = open_app("pipeline")

    won = table_with(app, "deal_type_label")
    lost = table_with(app, "reason_label")
    company = serving(
        "select bookings, won_deals, lost_deals from sales.company_performance"
        " where period_grain = 'fiscal_quarter' and period_label = ?",
        [CURRENT_QUARTER],
    ).iloc[0]
    assert won["amount"].sum() == pytest.approx(float(company["bookings"]))
    assert won["deals"].sum() == company["won_deals"]
    assert lost["deals"].sum() == company["lost_deals"]
    assert {"New business", "Renewal / expansion"} <= set(won["deal_type_label"])
    assert len(lost) > 2
