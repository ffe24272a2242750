"""Forecast vs actual and accuracy: the statistical monthly forecast of the company or a team
with its intervals, how past forecasts compared with what was booked, and each method's
backtest accuracy."""

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

HORIZONS = [1, 3, 6]


def series_id(context: PageContext) -> str:
    team_id = context.filters.team_id
    return "company" if team_id is None else f"team:{team_id}"


def accuracy(context: PageContext) -> pd.DataFrame:
    return context.publication.query(
        f"""
        select method, is_chosen, flag, wape, mase, coverage_80, coverage_95, backtest_points
        from {marts.FORECAST_ACCURACY}
        where series_id = ?
        order by is_chosen desc, wape nulls last, method
        """,
        [series_id(context)],
    )


def future(context: PageContext) -> pd.DataFrame:
    return context.publication.query(
        f"""
        select month_start_date, method, reporting_currency, forecast_bookings,
            forecast_bookings_lo_80, forecast_bookings_hi_80,
            forecast_bookings_lo_95, forecast_bookings_hi_95
        from {marts.FORECAST_BOOKINGS_MONTHLY}
        where series_id = ? and is_chosen
        order by month_start_date
        """,
        [series_id(context)],
    )


def backtest(context: PageContext, method: str, horizon: int) -> pd.DataFrame:
    return context.publication.query(
        f"""
        select month_start_date, actual_bookings, forecast_bookings, is_within_80
        from {marts.FORECAST_VS_ACTUAL}
        where series_id = ? and method = ? and horizon_months = ?
        order by month_start_date
        """,
        [series_id(context), method, horizon],
    )


def forecast_chart(past: pd.DataFrame, ahead: pd.DataFrame) -> alt.LayerChart:
    past_long = past.melt(
        id_vars="month_start_date",
        value_vars=["actual_bookings", "forecast_bookings"],
        var_name="series",
        value_name="amount",
    ).replace({"series": {"actual_bookings": "Actual", "forecast_bookings": "Forecast then"}})
    ahead = ahead.assign(series="Forecast ahead (80% interval)")
    x = alt.X("yearmonth(month_start_date):T", title=None)
    lines = (
        alt.Chart(past_long)
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y("amount:Q", axis=money_axis()),
            color=alt.Color("series:N", legend=legend_below()),
            strokeDash=alt.StrokeDash("series:N", legend=None),
            tooltip=[
                alt.Tooltip("yearmonth(month_start_date):T", title="Month"),
                alt.Tooltip("series:N", title=""),
                alt.Tooltip("amount:Q", title="Bookings", format=",.0f"),
            ],
        )
    )
    band = (
        alt.Chart(ahead)
        .mark_area(opacity=0.2)
        .encode(
            x=x,
            y="forecast_bookings_lo_80:Q",
            y2="forecast_bookings_hi_80:Q",
            color=alt.Color("series:N", legend=legend_below()),
        )
    )
    line = (
        alt.Chart(ahead)
        .mark_line(point=True)
        .encode(
            x=x,
            y="forecast_bookings:Q",
            color=alt.Color("series:N", legend=legend_below()),
            tooltip=[
                alt.Tooltip("yearmonth(month_start_date):T", title="Month"),
                alt.Tooltip("forecast_bookings:Q", title="Forecast", format=",.0f"),
                alt.Tooltip("forecast_bookings_lo_80:Q", title="80% low", format=",.0f"),
                alt.Tooltip("forecast_bookings_hi_80:Q", title="80% high", format=",.0f"),
            ],
        )
    )
    return alt.layer(lines, band, line).properties(height=300)


def render(context: PageContext) -> None:
    page_header(context, "Forecast", f"{context.filters.subject} · monthly bookings")
    methods = accuracy(context)
    if methods.empty:
        nothing_to_show("No forecast is published for this series yet.")
        return
    chosen = methods[methods["is_chosen"]]
    best = chosen.iloc[0] if len(chosen) else methods.iloc[0]
    st.caption(
        f"Method {best['method']}, chosen for this series by rolling-origin backtest over "
        f"{fmt.count(best['backtest_points'])} months."
    )
    kpi_tiles(
        [
            Kpi(
                "WAPE",
                fmt.percent(best["wape"]),
                "absolute error",
                help="Weighted absolute percentage error: Σ |actual − forecast| ÷ Σ actual.",
            ),
            Kpi(
                "MASE",
                fmt.number(best["mase"], 2),
                "< 1 beats naive",
                help="Mean absolute scaled error: below 1, better than the naive forecast.",
            ),
            Kpi("80% interval", fmt.percent(best["coverage_80"]), "of actuals inside"),
            Kpi("95% interval", fmt.percent(best["coverage_95"]), "of actuals inside"),
        ]
    )
    if not pd.isna(best["flag"]):
        st.caption(f"Note on this series: {best['flag']}.")

    horizon = st.segmented_control(
        "Forecast made this many months ahead",
        HORIZONS,
        default=1,
        format_func=lambda months: f"{months} month{'s' * (months > 1)}",
        key="horizon",
        bind="query-params",
        required=True,
    )
    ahead = future(context)
    past = backtest(context, best["method"], horizon)
    st.subheader("Actual and forecast bookings", anchor=False)
    chart(forecast_chart(past, ahead))

    if len(ahead):
        currency = ahead["reporting_currency"].iloc[0]
        st.subheader("Months ahead", anchor=False)
        table(
            ahead,
            {
                "month_start_date": fmt.date_column("Month", "%b %Y"),
                "forecast_bookings": fmt.money_column("Forecast", currency),
                "forecast_bookings_lo_80": fmt.money_column("80% low", currency),
                "forecast_bookings_hi_80": fmt.money_column("80% high", currency),
            },
        )

    st.subheader("Accuracy of every method", anchor=False)
    table(
        methods,
        {
            "method": fmt.text_column("Method"),
            "is_chosen": fmt.Column("Chosen", lambda chosen: "✓" if chosen else ""),
            "wape": fmt.percent_column("WAPE"),
            "mase": fmt.number_column("MASE", 2),
            "coverage_80": fmt.percent_column("80% coverage"),
        },
    )


render(page_context())
