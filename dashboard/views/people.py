"""People: eNPS and pulse scores by team and wave. A group below the anonymity threshold is
shown as suppressed, never as zero: the marts set its figures to NULL and flag it."""

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
    nothing_to_show,
    page_header,
    table,
)
from dashboard.pages import PageContext, page_context

SUPPRESSED = "Suppressed"
SUPPRESSED_HELP = (
    "Fewer responses than the anonymity threshold: the figure is withheld so that no one's "
    "answer can be worked out. It is not zero."
)


def enps_text(value: object, is_suppressed: bool) -> str:
    if is_suppressed:
        return SUPPRESSED
    if fmt.is_missing(value):
        return fmt.MISSING
    rounded = round(float(value))
    return f"{rounded:+d}" if rounded else "0"


def share_text(value: object, is_suppressed: bool) -> str:
    return SUPPRESSED if is_suppressed else fmt.percent(value)


def score_text(value: object, is_suppressed: bool, low: object, high: object) -> str:
    """The mean answer on the question's own scale: `3.92 (1–5)`."""
    if is_suppressed:
        return SUPPRESSED
    return f"{fmt.number(value, 2)} ({fmt.count(low)}–{fmt.count(high)})"


def waves(context: PageContext, relation: str) -> list[str]:
    found = context.publication.query(
        f"select wave, max(opened_date) as opened from {relation} group by wave "
        "order by opened desc, wave desc"
    )
    return found["wave"].tolist()


def team_rows(context: PageContext, relation: str, columns: str, wave: str | None) -> pd.DataFrame:
    filters = context.filters
    in_scope, scope_params = context.scope.teams_clause()
    team_clause = "true" if filters.team_id is None else "team_id = ?"
    team_params = [] if filters.team_id is None else [filters.team_id]
    wave_clause = "true" if wave is None else "wave = ?"
    wave_params = [] if wave is None else [wave]
    return context.publication.query(
        f"select {columns} from {relation} "
        f"where {wave_clause} and {team_clause} and {in_scope} "
        "order by opened_date, team_name",
        [*wave_params, *team_params, *scope_params],
    )


ENPS_COLUMNS = """
    wave, opened_date, team_name, invited, responses, response_rate, promoters, passives,
    detractors, enps, is_suppressed
"""


def enps_section(context: PageContext) -> None:
    st.subheader("eNPS", anchor=False)
    options = waves(context, marts.ENPS_BY_WAVE)
    if not options:
        nothing_to_show("No eNPS survey is published yet.")
        return
    wave = st.selectbox("eNPS wave", options, key="enps_wave", bind="query-params")
    filters = context.filters
    if filters.team_id is None:
        overall = context.publication.query(
            f"select {ENPS_COLUMNS.replace('team_name', 'null as team_name')} "
            f"from {marts.ENPS_BY_WAVE} where wave = ?",
            [wave],
        )
    else:
        overall = team_rows(context, marts.ENPS_BY_TEAM_WAVE, ENPS_COLUMNS, wave)
    if len(overall):
        row = overall.iloc[0]
        suppressed = bool(row["is_suppressed"])
        kpi_tiles(
            [
                Kpi(
                    "eNPS",
                    enps_text(row["enps"], suppressed),
                    "−100 to +100",
                    help=SUPPRESSED_HELP if suppressed else "% promoters − % detractors",
                ),
                Kpi(
                    "Responses",
                    fmt.count(row["responses"]),
                    f"{fmt.percent(row['response_rate'])} of {fmt.count(row['invited'])} invited",
                ),
                Kpi("Promoters (9–10)", _count_or_suppressed(row["promoters"], suppressed)),
                Kpi("Detractors (0–6)", _count_or_suppressed(row["detractors"], suppressed)),
            ]
        )

    by_team = team_rows(context, marts.ENPS_BY_TEAM_WAVE, ENPS_COLUMNS, wave)
    if filters.team_id is None and len(by_team):
        by_team["enps_shown"] = [
            enps_text(value, flag)
            for value, flag in zip(by_team["enps"], by_team["is_suppressed"], strict=True)
        ]
        table(
            by_team,
            {
                "team_name": fmt.text_column("Team"),
                "enps_shown": fmt.text_column("eNPS", help=SUPPRESSED_HELP),
                "responses": fmt.count_column("Responses"),
                "response_rate": fmt.percent_column("Response rate"),
            },
        )

    history = team_rows(context, marts.ENPS_BY_TEAM_WAVE, ENPS_COLUMNS, None)
    shown = history[~history["is_suppressed"]]
    st.markdown("**eNPS by wave**")
    if shown.empty:
        st.caption("Every team-wave in this view is suppressed.")
    else:
        chart(
            alt.Chart(shown)
            .mark_line(point=True)
            .encode(
                x=alt.X("wave:O", sort=None, title=None, axis=alt.Axis(labelAngle=0)),
                y=alt.Y("enps:Q", title="eNPS", scale=alt.Scale(domain=[-100, 100])),
                color=alt.Color("team_name:N", legend=legend_below()),
                tooltip=["wave:N", "team_name:N", "enps:Q", "responses:Q"],
            )
            .properties(height=240)
        )
    suppressed = int(history["is_suppressed"].sum())
    if suppressed:
        st.caption(
            f"{suppressed} of {len(history)} team-waves are suppressed (too few responses) and "
            "left out of the chart rather than drawn as zero."
        )


def _count_or_suppressed(value: object, suppressed: bool) -> str:
    return SUPPRESSED if suppressed else fmt.count(value)


def pulse_section(context: PageContext) -> None:
    st.subheader("Pulse", anchor=False)
    options = waves(context, marts.PULSE_SCORES_BY_TEAM_WAVE)
    if not options:
        nothing_to_show("No pulse survey is published yet.")
        return
    wave = st.selectbox("Pulse wave", options, key="pulse_wave", bind="query-params")
    rows = team_rows(
        context,
        marts.PULSE_SCORES_BY_TEAM_WAVE,
        "opened_date, team_name, question_id, question_text, scale_min, scale_max, responses, "
        "mean_score, favourable_share, is_suppressed",
        wave,
    )
    if rows.empty:
        nothing_to_show("No pulse answers in this wave for this view.")
        return
    rows = rows.sort_values(["question_id", "team_name"])
    rows["favourable_shown"] = [
        share_text(value, flag)
        for value, flag in zip(rows["favourable_share"], rows["is_suppressed"], strict=True)
    ]
    rows["mean_shown"] = [
        score_text(value, flag, low, high)
        for value, flag, low, high in zip(
            rows["mean_score"],
            rows["is_suppressed"],
            rows["scale_min"],
            rows["scale_max"],
            strict=True,
        )
    ]
    table(
        rows,
        {
            "question_text": fmt.text_column("Question"),
            "team_name": fmt.text_column("Team"),
            "favourable_shown": fmt.text_column(
                "Favourable", help="Share answering above the scale's midpoint. " + SUPPRESSED_HELP
            ),
            "mean_shown": fmt.text_column("Mean (scale)"),
        },
    )


def render(context: PageContext) -> None:
    page_header(context, "People", context.filters.subject)
    enps_section(context)
    pulse_section(context)


render(page_context())
