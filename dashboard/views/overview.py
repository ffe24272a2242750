"""Company and team overview: the period's KPIs, this quarter and next, and monthly bookings
with the statistical forecast and its interval."""

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import formatting as fmt
from dashboard import marts
from dashboard.components import (
    Kpi,
    chart,
    kpi_tiles,
    legend_below,
    money_axis,
    nothing_to_show,
    page_header,
    table,
)
from dashboard.pages import PageContext, page_context

PERFORMANCE_COLUMNS = """
    is_period_complete, days_elapsed_in_period, days_in_period, reporting_currency, bookings,
    won_deals, lost_deals, win_rate, average_deal_size, sales_cycle_days_median,
    sales_cycle_days_mean, leads_created, leads_maturing, lead_response_minutes_median,
    lead_response_sla_share, lead_conversion_rate, quota, quota_attainment,
    prorated_quota_attainment
"""
TREND_MONTHS = 12


def performance(context: PageContext, grain: str, where: str, params: list) -> pd.DataFrame:
    """Rows of the company or, with a team picked, the team performance mart."""
    team_id = context.filters.team_id
    if team_id is None:
        return context.publication.query(
            f"select period_start_date, period_label, {PERFORMANCE_COLUMNS} "
            f"from {marts.COMPANY_PERFORMANCE} where period_grain = ? and {where} "
            "order by period_start_date",
            [grain, *params],
        )
    in_scope, scope_params = context.scope.teams_clause()
    return context.publication.query(
        f"select period_start_date, period_label, {PERFORMANCE_COLUMNS} "
        f"from {marts.TEAM_PERFORMANCE} where period_grain = ? and team_id = ? and {in_scope} "
        f"and {where} order by period_start_date",
        [grain, team_id, *scope_params, *params],
    )


def open_alerts(context: PageContext) -> pd.DataFrame:
    """Open KPI alerts the viewer may see: of the picked team (else all), a rep's only for the
    reps in scope, the company's (no team: outside any team list) only to viewers who see
    every team."""
    published = context.publication.query(
        "select count(*) as n from duckdb_tables() "
        "where schema_name = 'alerts' and table_name = 'alerts'"
    )
    if not published["n"].iloc[0]:
        return pd.DataFrame()  # published before alerts existed
    teams, team_params = context.scope.teams_clause()
    reps, rep_params = context.scope.reps_clause("subject_id")
    picked = context.filters.team_id
    return context.publication.query(
        f"""
        select severity, message, first_seen_at from {marts.ALERTS}
        where status = 'open'
            and {teams}
            and (level <> 'rep' or {reps})
            and (cast(? as varchar) is null or team_id = ?)
        order by case severity when 'critical' then 0 when 'warning' then 1 else 2 end,
            first_seen_at, message
        """,
        [*team_params, *rep_params, picked, picked],
    )


def period_kpis(row: pd.Series) -> list[Kpi]:
    currency = row["reporting_currency"]
    return [
        Kpi(
            "Bookings",
            fmt.money_short(row["bookings"], currency),
            f"{fmt.count(row['won_deals'])} deals won",
            help=f"Exactly {fmt.money_exact(row['bookings'], currency)}",
        ),
        Kpi(
            "Quota attainment",
            fmt.percent(row["quota_attainment"]),
            f"of {fmt.money_short(row['quota'], currency)} quota",
        ),
        Kpi(
            "Attainment on pace",
            fmt.percent(row["prorated_quota_attainment"]),
            "period complete"
            if row["is_period_complete"]
            else f"day {row['days_elapsed_in_period']} of {row['days_in_period']}",
            help="Bookings ÷ the part of the quota due so far in the period (all of it once the "
            "period is complete).",
        ),
        Kpi(
            "Win rate",
            fmt.percent(row["win_rate"]),
            f"{fmt.count(row['won_deals'])} won · {fmt.count(row['lost_deals'])} lost",
            help="Won ÷ (won + lost) among deals closed in the period, by count.",
        ),
        Kpi("Average deal size", fmt.money_short(row["average_deal_size"], currency)),
        Kpi(
            "Sales cycle (median)",
            fmt.number(row["sales_cycle_days_median"], 0, " days"),
            f"mean {fmt.number(row['sales_cycle_days_mean'], 0, ' days')}",
        ),
        Kpi(
            "Leads answered within SLA",
            fmt.percent(row["lead_response_sla_share"]),
            f"median {fmt.number(row['lead_response_minutes_median'], 0, ' min')}",
        ),
        Kpi(
            "Lead conversion",
            fmt.percent(row["lead_conversion_rate"]),
            f"of {fmt.count(row['leads_created'])} leads",
            help=f"{fmt.count(row['leads_maturing'])} of them may still convert: their "
            "conversion window is still open.",
        ),
    ]


def quarter_outlook(context: PageContext) -> pd.DataFrame:
    """The pipeline-weighted forecast of the current and next fiscal quarter."""
    team_id = context.filters.team_id
    level = "company" if team_id is None else "team"
    return context.publication.query(
        f"""
        select quarters.fiscal_quarter_label, forecast.is_current_quarter,
            forecast.reporting_currency, forecast.bookings_to_date, forecast.open_pipeline,
            forecast.weighted_pipeline, forecast.forecast_bookings
        from {marts.PIPELINE_WEIGHTED_FORECAST} as forecast
        inner join {marts.DIM_DATES} as quarters on quarters.date_day = forecast.quarter_start_date
        where forecast.forecast_level = ? and forecast.team_id is not distinct from ?
        order by forecast.quarter_start_date
        """,
        [level, team_id],
    )


def outlook_kpis(outlook: pd.DataFrame) -> list[Kpi]:
    kpis = []
    for _, quarter in outlook.iterrows():
        currency, label = quarter["reporting_currency"], quarter["fiscal_quarter_label"]
        kpis.append(
            Kpi(
                f"{label} forecast",
                fmt.money_short(quarter["forecast_bookings"], currency),
                f"{fmt.money_short(quarter['bookings_to_date'], currency)} booked so far",
                help="Pipeline-weighted: bookings to date, open deals × stage probability by "
                "expected close, and the run-rate of deals created and won within a month.",
            )
        )
        kpis.append(
            Kpi(
                f"{label} pipeline",
                fmt.money_short(quarter["open_pipeline"], currency),
                f"{fmt.money_short(quarter['weighted_pipeline'], currency)} weighted",
                help="Open deals expected to close in the quarter (overdue ones count as now).",
            )
        )
    return kpis


def statistical_forecast(context: PageContext) -> pd.DataFrame:
    team_id = context.filters.team_id
    series_id = "company" if team_id is None else f"team:{team_id}"
    return context.publication.query(
        f"""
        select month_start_date, method, forecast_bookings,
            forecast_bookings_lo_80, forecast_bookings_hi_80
        from {marts.FORECAST_BOOKINGS_MONTHLY}
        where series_id = ? and is_chosen
        order by month_start_date
        """,
        [series_id],
    )


def bookings_chart(actuals: pd.DataFrame, forecast: pd.DataFrame) -> alt.LayerChart:
    actual = actuals.assign(kind="Bookings")
    bars = (
        alt.Chart(actual)
        .mark_bar(opacity=0.85)
        .encode(
            x=alt.X("yearmonth(period_start_date):T", title=None),
            y=alt.Y("bookings:Q", axis=money_axis()),
            color=alt.Color("kind:N", legend=legend_below()),
            tooltip=[
                alt.Tooltip("period_label:N", title="Month"),
                alt.Tooltip("bookings:Q", title="Bookings", format=",.0f"),
                alt.Tooltip("quota:Q", title="Quota", format=",.0f"),
            ],
        )
    )
    quota = (
        alt.Chart(actual.assign(kind="Quota"))
        .mark_tick(thickness=2, color="#64748b")
        .encode(x="yearmonth(period_start_date):T", y="quota:Q")
    )
    layers = [bars, quota]
    if len(forecast):
        forecast = forecast.assign(kind="Forecast (80% interval)")
        band = (
            alt.Chart(forecast)
            .mark_area(opacity=0.2)
            .encode(
                x="yearmonth(month_start_date):T",
                y="forecast_bookings_lo_80:Q",
                y2="forecast_bookings_hi_80:Q",
                color=alt.Color("kind:N", legend=legend_below()),
            )
        )
        line = (
            alt.Chart(forecast)
            .mark_line(point=True)
            .encode(
                x="yearmonth(month_start_date):T",
                y="forecast_bookings:Q",
                color=alt.Color("kind:N", legend=legend_below()),
                tooltip=[
                    alt.Tooltip("yearmonth(month_start_date):T", title="Month"),
                    alt.Tooltip("forecast_bookings:Q", title="Forecast", format=",.0f"),
                    alt.Tooltip("forecast_bookings_lo_80:Q", title="80% low", format=",.0f"),
                    alt.Tooltip("forecast_bookings_hi_80:Q", title="80% high", format=",.0f"),
                    alt.Tooltip("method:N", title="Method"),
                ],
            )
        )
        layers += [band, line]
    return alt.layer(*layers).properties(height=280)


def render(context: PageContext) -> None:
    filters = context.filters
    current = performance(context, filters.grain, "period_label = ?", [filters.period_label])
    in_progress = len(current) and not current["is_period_complete"].iloc[0]
    about = f"{filters.subject} · {filters.period_label}{' (in progress)' if in_progress else ''}"
    page_header(context, "Overview", about)

    if current.empty:
        nothing_to_show("No figures for this period.")
    else:
        kpi_tiles(period_kpis(current.iloc[0]))

    alerts = open_alerts(context)
    if len(alerts):
        st.subheader(f"Open alerts ({len(alerts)})", anchor=False)
        table(
            alerts,
            {
                "severity": fmt.text_column("Severity"),
                "message": fmt.text_column("Alert"),
                "first_seen_at": fmt.Column("Since", fmt.timestamp),
            },
        )

    outlook = quarter_outlook(context)
    if len(outlook):
        st.subheader("This quarter and next", anchor=False)
        kpi_tiles(outlook_kpis(outlook))

    st.subheader("Bookings by month, with the forecast", anchor=False)
    as_of = context.data_as_of.as_of_date
    actuals = performance(context, "month", "period_start_date <= ?", [as_of]).tail(TREND_MONTHS)
    forecast = statistical_forecast(context)
    chart(bookings_chart(actuals, forecast))
    if len(forecast):
        st.caption(
            f"Forecast: {forecast['method'].iloc[0]}, chosen by backtest; the band is its 80% "
            "prediction interval. Quota shown as grey ticks."
        )


render(page_context())
