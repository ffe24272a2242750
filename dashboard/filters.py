"""The filters every page shares: period grain, fiscal period, team and rep.

Each is a sidebar widget bound to a URL query parameter (`?grain=Month&period=2026-06&team=...`,
the labels people read),
so a view can be shared as a link and survives a reload; a value left at its default stays out
of the URL. A filter that does not apply to the page is shown disabled, keeping its value.
"""

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from dashboard import formatting as fmt
from dashboard import marts
from dashboard.access import Scope
from dashboard.warehouse import Publication

GRAIN, PERIOD, TEAM, REP = "grain", "period", "team", "rep"
ALL_FILTERS = (GRAIN, PERIOD, TEAM, REP)
DEFAULT_GRAIN = "fiscal_quarter"


@dataclass(frozen=True)
class Filters:
    grain: str
    period_label: str | None
    period_start: date | None
    period_end: date | None
    team_id: str | None  # None: the whole company (within the viewer's scope)
    team_name: str | None
    rep_id: str | None  # None: every rep in the team (or the company)
    rep_name: str | None

    @property
    def subject(self) -> str:
        """What the page is about: 'Enterprise East' or 'Company'."""
        return self.team_name or "Company"


def sidebar_filters(
    publication: Publication,
    as_of_date: date | None,
    scope: Scope,
    applies: tuple[str, ...],
    fixed_rep: str | None = None,
) -> Filters:
    """Render the filters in the sidebar and return the chosen values. `fixed_rep`: a rep
    viewer's own rep, the only one they may pick."""
    sidebar = st.sidebar
    grain = sidebar.selectbox(
        "Period grain",
        list(marts.GRAINS),
        index=list(marts.GRAINS).index(DEFAULT_GRAIN),
        format_func=marts.GRAINS.get,
        key=GRAIN,
        bind="query-params",
        disabled=GRAIN not in applies,
    )
    periods = marts.periods(publication, grain, as_of_date)
    labels = periods["period_label"].tolist()
    label = sidebar.selectbox(
        "Fiscal period" if grain.startswith("fiscal") else "Period",
        labels,
        index=0 if labels else None,
        key=PERIOD,
        bind="query-params",
        disabled=PERIOD not in applies,
        help="The latest period is the one still running, up to the data's as-of date.",
    )
    period = periods[periods["period_label"] == label]

    teams = _in_scope(marts.teams(publication), "team_id", scope.team_ids)
    team_names = dict(zip(teams["team_id"], teams["team_name"], strict=True))
    team_id = sidebar.selectbox(
        "Team",
        list(team_names),
        index=None,
        placeholder="Company",
        format_func=team_names.get,
        key=TEAM,
        bind="query-params",
        disabled=TEAM not in applies,
    )

    reps = _in_scope(marts.reps(publication), "rep_id", scope.rep_ids)
    if team_id is not None:
        reps = reps[reps["team_id"] == team_id]
    rep_names = dict(zip(reps["rep_id"], fmt.rep_labels(reps), strict=True))
    rep_id = sidebar.selectbox(
        "Rep",
        list(rep_names),
        index=list(rep_names).index(fixed_rep) if fixed_rep in rep_names else None,
        placeholder="All reps",
        format_func=rep_names.get,
        key=REP,
        bind="query-params",
        disabled=REP not in applies or fixed_rep is not None,
    )
    return Filters(
        grain=grain,
        period_label=label,
        period_start=_date(period, "period_start_date"),
        period_end=_date(period, "period_end_date"),
        team_id=team_id,
        team_name=team_names.get(team_id),
        rep_id=rep_id,
        rep_name=rep_names.get(rep_id),
    )


def _in_scope(frame: pd.DataFrame, column: str, allowed: frozenset[str] | None) -> pd.DataFrame:
    return frame if allowed is None else frame[frame[column].isin(allowed)]


def _date(period: pd.DataFrame, column: str) -> date | None:
    return pd.Timestamp(period[column].iloc[0]).date() if len(period) else None
