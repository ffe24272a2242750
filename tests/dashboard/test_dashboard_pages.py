"""Every page of the dashboard on the published demo warehouse (streamlit's AppTest): the figures
shown are the marts' figures, read here straight from serving.duckdb, and the shared filters
(from the URL or the sidebar) change them."""

import pandas as pd
import pytest

from dashboard import formatting as fmt

# The demo company's as-of date is 2026-06-30 and the fiscal year starts in January.
CURRENT_QUARTER = "FY2026-Q2"
CURRENT_MONTH = "2026-06"


def metric(app, label: str):
    found = [m for m in app.metric if m.label == label]
    assert found, f"no metric {label!r} among {[m.label for m in app.metric]}"
    return found[0]


def dataframe(app, column: str) -> pd.DataFrame:
    """The first table on the page that shows `column`."""
    found = [frame.value for frame in app.dataframe if column in frame.value.columns]
    assert found, f"no table shows {column!r}"
    return found[0]


def test_overview_shows_the_company_kpis_of_the_quarter_holding_the_as_of_date(open_app, serving):
    app = open_app("overview")

    mart = serving(
        "select * from sales.company_performance "
        "where period_grain = 'fiscal_quarter' and period_label = ?",
        [CURRENT_QUARTER],
    ).iloc[0]
    assert mart["bookings"] > 0
    assert metric(app, "Bookings").value == fmt.money_short(mart["bookings"], "USD")
    assert metric(app, "Bookings").help == f"Exactly {fmt.money_exact(mart['bookings'], 'USD')}"
    assert metric(app, "Win rate").value == fmt.percent(mart["win_rate"])
    assert metric(app, "Win rate").delta == f"{mart['won_deals']} won · {mart['lost_deals']} lost"
    assert metric(app, "Quota attainment").value == fmt.percent(mart["quota_attainment"])
    assert metric(app, "Attainment on pace").value == fmt.percent(mart["prorated_quota_attainment"])
    assert metric(app, "Attainment on pace").delta == "period complete"  # 30 June: its last day
    assert metric(app, "Lead conversion").delta == f"of {mart['leads_created']:,} leads"
    assert metric(app, "Lead conversion").help.startswith(
        f"{mart['leads_maturing']:,} of them may still convert"
    )
    assert metric(app, "Average deal size").value == fmt.money_short(
        mart["average_deal_size"], "USD"
    )
    assert metric(app, "Leads answered within SLA").value == fmt.percent(
        mart["lead_response_sla_share"]
    )
    outlook = serving(
        "select forecast_bookings from sales.pipeline_weighted_forecast "
        "where forecast_level = 'company' order by quarter_start_date"
    )["forecast_bookings"]
    assert metric(app, f"{CURRENT_QUARTER} forecast").value == fmt.money_short(outlook[0], "USD")
    assert metric(app, "FY2026-Q3 forecast").value == fmt.money_short(outlook[1], "USD")
    assert any("Data as of" in caption.value for caption in app.caption)


def test_the_grain_filter_switches_the_overview_to_the_current_month(open_app, serving):
    app = open_app("overview")
    quarter = metric(app, "Bookings").value

    app.sidebar.selectbox(key="grain").set_value("month").run()

    assert app.sidebar.selectbox(key="period").value == CURRENT_MONTH
    mart = serving(
        "select bookings from sales.company_performance "
        "where period_grain = 'month' and period_label = ?",
        [CURRENT_MONTH],
    )["bookings"].iloc[0]
    assert metric(app, "Bookings").value == fmt.money_short(mart, "USD")
    assert metric(app, "Bookings").value != quarter


def test_a_team_in_the_url_shows_that_teams_figures(open_app, serving):
    team = serving(
        "select team_id, team_name from core.dim_teams where not is_unknown_member "
        "order by team_name limit 1"
    ).iloc[0]

    app = open_app("overview", team=team["team_name"], grain="Month", period="2026-05")

    mart = serving(
        "select bookings, win_rate from sales.team_performance "
        "where period_grain = 'month' and period_label = '2026-05' and team_id = ?",
        [team["team_id"]],
    ).iloc[0]
    assert app.sidebar.selectbox(key="team").value == team["team_id"]
    assert metric(app, "Bookings").value == fmt.money_short(mart["bookings"], "USD")
    assert metric(app, "Win rate").value == fmt.percent(mart["win_rate"])


def test_overview_lists_the_open_alerts_of_the_picked_team(open_app, serving):
    alerts = serving(
        "select alerts.team_id, teams.team_name, alerts.message from alerts.alerts "
        "left join core.dim_teams as teams on teams.team_id = alerts.team_id "
        "where alerts.status = 'open'"
    )
    assert len(alerts), "the demo publishes no open alert: the panel is not exercised"
    team_id, team_name = alerts.dropna().iloc[0][["team_id", "team_name"]]

    everything = dataframe(open_app("overview"), "message")
    one_team = dataframe(open_app("overview", team=team_name), "message")

    assert sorted(everything["message"]) == sorted(alerts["message"])
    assert sorted(one_team["message"]) == sorted(
        alerts.loc[alerts["team_id"] == team_id, "message"]
    )


def test_rep_page_shows_the_reps_kpis_against_the_team_median(open_app, serving):
    rep = serving(
        "select rep_id, rep_name from sales.rep_performance "
        "where period_grain = 'fiscal_quarter' and period_label = ? and won_deals > 0 "
        "order by bookings desc limit 1",
        [CURRENT_QUARTER],
    ).iloc[0]

    app = open_app("rep", rep=rep["rep_name"])

    performance = serving(
        "select * from sales.rep_performance "
        "where period_grain = 'fiscal_quarter' and period_label = ? and rep_id = ?",
        [CURRENT_QUARTER, rep["rep_id"]],
    ).iloc[0]
    coaching = serving(
        "select * from sales.rep_coaching_insights "
        "where period_grain = 'fiscal_quarter' and period_label = ? and rep_id = ?",
        [CURRENT_QUARTER, rep["rep_id"]],
    ).iloc[0]
    assert app.header[0].value == rep["rep_name"]
    assert metric(app, "Bookings").value == fmt.money_short(performance["bookings"], "USD")
    assert metric(app, "Win rate").value == fmt.percent(coaching["win_rate"])
    assert metric(app, "Win rate").delta == fmt.signed_percent_points(
        coaching["win_rate_vs_team_median"]
    )
    rows = app.dataframe[0].value.set_index("measure")
    assert rows.loc["Win rate", "team_median"] == fmt.percent(coaching["team_median_win_rate"])
    overdue = serving(
        "select count(*) as n from core.fct_deals where owner_rep_id = ? and status = 'open' "
        "and not is_deleted and expected_close_date < date '2026-06-30'",
        [rep["rep_id"]],
    )["n"].iloc[0]
    captions = " ".join(caption.value for caption in app.caption)
    assert ("every open deal is within its expected close date" in captions) == (overdue == 0)


def test_leaderboard_ranks_every_rep_with_the_deals_behind_the_figures(open_app, serving):
    app = open_app("leaderboard")

    board = dataframe(app, "deals")
    mart = serving(
        """
        select board.rep_name, board.attainment_rank_in_company, board.quota_attainment,
            performance.won_deals, performance.lost_deals
        from sales.rep_leaderboard as board
        inner join sales.rep_performance as performance using (period_grain, period_label, rep_id)
        where board.period_grain = 'fiscal_quarter' and board.period_label = ?
        order by board.attainment_rank_in_company, board.rep_name
        """,
        [CURRENT_QUARTER],
    )
    assert len(board) == len(mart) > 1
    assert board["attainment_rank"].tolist() == mart["attainment_rank_in_company"].tolist()
    assert board["quota_attainment"].tolist() == pytest.approx(mart["quota_attainment"].tolist())
    assert board["deals"].tolist() == [
        f"{won} won · {lost} lost"
        for won, lost in zip(mart["won_deals"], mart["lost_deals"], strict=True)
    ]


def test_leaderboard_win_rates_carry_the_marts_wilson_interval(open_app, serving):
    """The interval beside each win rate is the mart's, and the mart's is statsmodels' Wilson
    interval of won out of closed deals (an independent computation)."""
    from statsmodels.stats.proportion import proportion_confint

    app = open_app("leaderboard")

    board = dataframe(app, "win_rate_with_interval").set_index("rep_label").sort_index()
    mart = serving(
        "select rep_id, rep_name, team_name, won_deals, lost_deals, win_rate, win_rate_ci_low, "
        "win_rate_ci_high from sales.rep_leaderboard "
        "where period_grain = 'fiscal_quarter' and period_label = ?",
        [CURRENT_QUARTER],
    )
    mart["rep_label"] = fmt.rep_labels(mart)
    mart = mart.set_index("rep_label").sort_index()
    assert board.index.tolist() == mart.index.tolist()
    assert board["win_rate_with_interval"].tolist() == [
        fmt.percent_interval(rate, low, high)
        for rate, low, high in zip(
            mart["win_rate"], mart["win_rate_ci_low"], mart["win_rate_ci_high"], strict=True
        )
    ]
    closed = mart[mart["won_deals"] + mart["lost_deals"] > 0]
    assert len(closed) > 1 and (closed["win_rate_ci_high"] - closed["win_rate_ci_low"] > 0).all()
    low, high = proportion_confint(
        closed["won_deals"], closed["won_deals"] + closed["lost_deals"], method="wilson"
    )
    assert closed["win_rate_ci_low"].tolist() == pytest.approx(list(low), abs=1e-4)
    assert closed["win_rate_ci_high"].tolist() == pytest.approx(list(high), abs=1e-4)
    assert mart.loc[mart["won_deals"] + mart["lost_deals"] == 0, "win_rate_ci_low"].isna().all()


def test_lead_response_by_team_and_rep_are_the_marts(open_app, serving):
    app = open_app("lead_response")

    company = serving(
        "select * from sales.company_performance "
        "where period_grain = 'fiscal_quarter' and period_label = ?",
        [CURRENT_QUARTER],
    ).iloc[0]
    assert metric(app, "Answered within SLA").value == fmt.percent(
        company["lead_response_sla_share"]
    )
    assert metric(app, "Unanswered").value == fmt.count(company["leads_unanswered"])
    reps = dataframe(app, "rep_label")
    mart = serving(
        "select rep_id, rep_name, team_name, lead_response_sla_share, leads_created "
        "from sales.rep_performance "
        "where period_grain = 'fiscal_quarter' and period_label = ? and leads_created > 0",
        [CURRENT_QUARTER],
    )
    mart["rep_label"] = fmt.rep_labels(mart)
    shown = reps.set_index("rep_label").sort_index()
    expected = mart.set_index("rep_label").sort_index()
    assert shown.index.tolist() == expected.index.tolist()
    assert shown["leads_created"].tolist() == expected["leads_created"].tolist()
    assert shown["lead_response_sla_share"].tolist() == pytest.approx(
        expected["lead_response_sla_share"].tolist(), nan_ok=True
    )


def test_lead_response_by_weekday_and_hour_is_the_mart_for_the_company_and_a_rep(open_app, serving):
    app = open_app("lead_response")

    columns = ["day_of_week", "hour_of_day", "leads_created", "lead_response_sla_share"]
    query = (
        "select * from sales.lead_response_by_hour_weekday where period_grain = 'fiscal_quarter' "
        "and period_label = ? and {} order by day_of_week, hour_of_day"
    )
    company = serving(query.format("scope = 'company'"), [CURRENT_QUARTER])
    shown = dataframe(app, "hour_of_day")
    assert len(shown) == len(company) > 20
    assert shown["hour_of_day"].tolist() == company["hour_of_day"].tolist()
    assert shown["leads_created"].tolist() == company["leads_created"].tolist()
    assert shown["day"].tolist() == [
        ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][day - 1] for day in company["day_of_week"]
    ]
    assert shown["lead_response_sla_share"].tolist() == pytest.approx(
        company["lead_response_sla_share"].tolist()
    )

    reps = serving(
        "select rep_id, rep_name, team_name from sales.rep_performance "
        "where period_grain = 'fiscal_quarter' and period_label = ? and leads_created > 0",
        [CURRENT_QUARTER],
    )
    reps["rep_label"] = fmt.rep_labels(reps)
    label = app.selectbox(key="hour_weekday_of").options[1]  # the first rep after the company
    app.selectbox(key="hour_weekday_of").select(label).run()
    rep_id = reps.set_index("rep_label").loc[label, "rep_id"]
    rep = serving(query.format("scope = 'rep' and rep_id = ?"), [CURRENT_QUARTER, rep_id])
    shown = dataframe(app, "hour_of_day")
    assert shown[columns[1:3]].values.tolist() == rep[columns[1:3]].values.tolist()
    assert int(rep["leads_created"].sum()) < int(company["leads_created"].sum())


def test_pipeline_shows_the_snapshot_of_the_as_of_date(open_app, serving):
    app = open_app("pipeline")

    coverage = dataframe(app, "fiscal_quarter_coverage")
    mart = serving(
        "select rep_id, rep_name, team_name, pipeline_closing_this_fiscal_quarter as closing, "
        "fiscal_quarter_remaining_quota as quota_left "
        "from sales.pipeline_coverage_daily where snapshot_date = date '2026-06-30'"
    )
    assert len(mart) > 0
    mart["rep_label"] = fmt.rep_labels(mart)
    shown = coverage.set_index("rep_label").sort_index()
    expected = mart.set_index("rep_label").sort_index()
    assert shown.index.tolist() == expected.index.tolist()
    assert shown["fiscal_quarter_remaining_quota"].tolist() == pytest.approx(
        expected["quota_left"].tolist()
    )
    assert shown["pipeline_closing_this_fiscal_quarter"].tolist() == pytest.approx(
        expected["closing"].tolist()
    )
    forecast = serving(
        "select forecast_bookings from sales.pipeline_weighted_forecast "
        "where forecast_level = 'company' and is_current_quarter"
    )["forecast_bookings"].iloc[0]
    assert metric(app, "Forecast").value == fmt.money_short(forecast, "USD")


def test_pipeline_shows_how_the_quarter_moved_and_time_in_stage_from_the_marts(open_app, serving):
    """The company waterfall of the quarter holding the as-of date, movement by movement, as
    the mart states it (opening + movements = closing), and the stage velocity table."""
    app = open_app("pipeline")

    moves = dataframe(app, "movement").set_index("movement")["amount"].astype(float)
    mart = serving(
        "select * from sales.pipeline_waterfall where waterfall_level = 'company' "
        "and period_grain = 'fiscal_quarter' and period_label = ?",
        [CURRENT_QUARTER],
    ).iloc[0]
    assert moves["Opening"] == pytest.approx(float(mart["opening_pipeline"]))
    assert moves["Won"] == pytest.approx(float(mart["won"])) and moves["Won"] < 0
    assert moves["Pushed out (slipped)"] == pytest.approx(float(mart["pushed_out"]))
    assert moves["Closing"] == pytest.approx(float(mart["closing_pipeline"]))
    assert moves.drop("Closing").sum() == pytest.approx(moves["Closing"], abs=0.01)

    stages = dataframe(app, "p80_days_in_stage")
    velocity = serving("select * from sales.stage_velocity")
    assert len(stages) == len(velocity) > 0
    assert stages["aged_open_deals"].sum() == velocity["aged_open_deals"].sum()


def test_forecast_page_shows_the_chosen_methods_accuracy_and_months_ahead(open_app, serving):
    app = open_app("forecast")

    accuracy = serving(
        "select * from forecast.forecast_accuracy where series_id = 'company' and is_chosen"
    ).iloc[0]
    assert metric(app, "WAPE").value == fmt.percent(accuracy["wape"])
    assert metric(app, "MASE").value == fmt.number(accuracy["mase"], 2)
    assert metric(app, "80% interval").value == fmt.percent(accuracy["coverage_80"])
    ahead = dataframe(app, "forecast_bookings_lo_80")
    mart = serving(
        "select forecast_bookings, forecast_bookings_lo_80 from forecast.forecast_bookings_monthly "
        "where series_id = 'company' and is_chosen order by month_start_date"
    )
    assert len(ahead) == len(mart) >= 6
    assert ahead["forecast_bookings"].tolist() == pytest.approx(mart["forecast_bookings"].tolist())


def test_people_show_suppressed_groups_as_suppressed_never_as_zero(open_app, serving):
    waves = serving(
        "select wave, is_suppressed, enps from people.enps_by_wave order by opened_date desc"
    )
    suppressed_wave = waves[waves["is_suppressed"]]["wave"].iloc[0]

    app = open_app("people", enps_wave=suppressed_wave)

    assert metric(app, "eNPS").value == "Suppressed"
    teams = dataframe(app, "enps_shown")
    mart = serving(
        "select team_name, enps, is_suppressed from people.enps_by_team_wave where wave = ? "
        "order by team_name",
        [suppressed_wave],
    )
    assert teams["team_name"].tolist() == mart["team_name"].tolist()
    for shown, value, is_suppressed in zip(
        teams["enps_shown"], mart["enps"], mart["is_suppressed"], strict=True
    ):
        if is_suppressed:
            assert shown == "Suppressed"
        else:
            assert shown == f"{round(value):+d}" if round(value) else shown == "0"
    pulse = dataframe(app, "favourable_shown")
    pulse_wave = serving(
        "select wave from people.pulse_scores_by_team_wave order by opened_date desc limit 1"
    )["wave"].iloc[0]
    pulse_mart = serving(
        "select question_id, team_name, favourable_share, is_suppressed "
        "from people.pulse_scores_by_team_wave where wave = ? order by question_id, team_name",
        [pulse_wave],
    )
    assert pulse_mart["is_suppressed"].any(), "the tiny demo suppresses some pulse groups"
    assert pulse["favourable_shown"].tolist() == [
        "Suppressed" if is_suppressed else fmt.percent(share)
        for share, is_suppressed in zip(
            pulse_mart["favourable_share"], pulse_mart["is_suppressed"], strict=True
        )
    ]


def test_people_show_a_waves_enps_from_the_mart(open_app, serving):
    wave = serving(
        "select wave, enps, responses from people.enps_by_wave where not is_suppressed "
        "order by opened_date desc limit 1"
    ).iloc[0]

    app = open_app("people", enps_wave=wave["wave"])

    expected = f"{round(wave['enps']):+d}" if round(wave["enps"]) else "0"
    assert metric(app, "eNPS").value == expected
    assert metric(app, "Responses").value == fmt.count(wave["responses"])


def test_data_quality_shows_the_publication_and_freshness_by_source(open_app, serving):
    app = open_app("data_quality")

    published = serving("select published_at, run_id from salespulse.data_as_of").iloc[0]
    tables = serving(
        "select count(*) as n from salespulse.publications where run_id = ?", [published["run_id"]]
    )["n"].iloc[0]
    assert metric(app, "Published").value == fmt.day(published["published_at"])
    assert metric(app, "Tables published").value == fmt.count(tables)
    fresh = dataframe(app, "last_loaded_at")
    loaded = serving(
        "select max(loaded_at) as last from core.fct_activities where source_system = 'hubspot'"
    )["last"].iloc[0]
    activities = fresh[fresh["records"] == "Activities"].set_index("source_system")
    assert activities.loc["hubspot", "last_loaded_at"] == loaded
    captions = " ".join(caption.value for caption in app.caption)
    assert "Not in the serving warehouse" in captions
    excluded = serving("select count(*) as n from core.record_exceptions")["n"].iloc[0]
    assert ("None: every record passed the plausibility rules." in captions) == (excluded == 0)


def test_data_quality_lists_the_records_left_out_of_the_metrics(open_app, published_home, tmp_path):
    import shutil

    import duckdb

    home = tmp_path / "warehouse"
    home.mkdir()
    shutil.copy(published_home / "serving.duckdb", home / "serving.duckdb")
    with duckdb.connect(str(home / "serving.duckdb")) as con:
        con.execute(
            """
            insert into core.record_exceptions values
                ('deal', 'd1', '101', 'hubspot', null, 'closed_before_created', 'why', 'closed_at',
                 '2026-01-01 < 2026-02-01', true),
                ('deal', 'd2', '102', 'hubspot', null, 'closed_before_created', 'why', 'closed_at',
                 '2026-01-03 < 2026-02-01', true),
                ('deal', 'd3', '103', 'hubspot', null, 'won_without_amount', 'why', 'amount',
                 null, false)
            """
        )

    app = open_app("data_quality", home=home)

    by_rule = dataframe(app, "rule_name").set_index("rule_name")
    assert by_rule.loc["closed_before_created", "records"] == 2
    assert by_rule.loc["won_without_amount", "records"] == 1
    captions = " ".join(caption.value for caption in app.caption)
    assert "2 records count in no metric and 1 count without their amount" in captions
    listed = dataframe(app, "source_record_id")
    assert sorted(listed["source_record_id"]) == ["101", "102", "103"]


def test_data_quality_shows_rows_quarantined_once_the_serving_warehouse_holds_them(
    open_app, published_home, tmp_path
):
    import shutil

    import duckdb

    home = tmp_path / "warehouse"
    home.mkdir()
    shutil.copy(published_home / "serving.duckdb", home / "serving.duckdb")
    with duckdb.connect(str(home / "serving.duckdb")) as con:
        con.execute("attach ? as build (read_only)", [str(published_home / "build.duckdb")])
        con.execute("create schema raw_typeform")
        con.execute(
            "create table raw_typeform.load_accounting as "
            "select * from build.raw_typeform.load_accounting"
        )
        expected = con.execute(
            "select entity, rows_quarantined from raw_typeform.load_accounting "
            "where load_id = (select max(load_id) from raw_typeform.load_accounting) "
            "order by entity"
        ).df()

    app = open_app("data_quality", home=home)

    shown = dataframe(app, "rows_quarantined")
    typeform = shown[shown["source"] == "raw_typeform"].sort_values("entity")
    assert typeform["entity"].tolist() == expected["entity"].tolist()
    assert typeform["rows_quarantined"].tolist() == expected["rows_quarantined"].tolist()


def test_explore_answers_from_the_semantic_layer_with_the_marts_figures(open_app, serving):
    """Bookings and win rate by fiscal quarter (the page's default question) equal the company
    rows of company_performance; a period and a split by team change the rows."""
    app = open_app("explore")

    shown = app.dataframe[0].value
    assert list(shown.columns) == ["metric_time__fiscal_quarter", "bookings", "win_rate"]
    mart = serving(
        "select period_start_date, bookings, win_rate from sales.company_performance "
        "where period_grain = 'fiscal_quarter' and won_deals + lost_deals > 0"
    )
    mart["quarter"] = pd.to_datetime(mart["period_start_date"])
    shown = shown.assign(quarter=pd.to_datetime(shown["metric_time__fiscal_quarter"]))
    merged = mart.merge(shown, on="quarter", how="outer")
    assert len(merged) == len(mart) == len(shown) > 1
    assert (
        merged["bookings_x"].astype(float).round(2) == merged["bookings_y"].astype(float).round(2)
    ).all()
    assert (
        merged["win_rate_x"].astype(float).round(6) == merged["win_rate_y"].astype(float).round(6)
    ).all()
    assert any(button.label == "Download CSV" for button in app.get("download_button"))

    app.multiselect(key="explore_group_by").set_value(["metric_time__fiscal_quarter", "team"]).run()
    app.date_input(key="explore_from").set_value(pd.Timestamp("2026-04-01").date()).run()
    split = app.dataframe[0].value
    assert "team" in split.columns
    assert (pd.to_datetime(split["metric_time__fiscal_quarter"]) >= "2026-04-01").all()
    teams = serving(
        "select team_id, bookings from sales.team_performance "
        "where period_grain = 'fiscal_quarter' and period_label = ? and won_deals > 0",
        [CURRENT_QUARTER],
    )
    merged = teams.merge(split, left_on="team_id", right_on="team")
    assert len(merged) == len(teams) > 1
    assert (
        merged["bookings_x"].astype(float).round(2) == merged["bookings_y"].astype(float).round(2)
    ).all()
