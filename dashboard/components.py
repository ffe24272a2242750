"""The building blocks every page uses: its header with "data as of", KPI tiles, tables and
charts that fit a phone's width."""

from dataclasses import dataclass

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import formatting as fmt
from dashboard.pages import PageContext


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str
    note: str | None = None  # grey line under the value: a sample size, the quota, a median
    delta: str | None = None  # coloured change, e.g. against the team median
    delta_color: str = "normal"
    help: str | None = None


def page_header(context: PageContext, title: str, about: str | None = None) -> None:
    """Title, what the page is about, when the data is from, and who may see what."""
    st.header(title, anchor=False)
    as_of = context.data_as_of
    through = f" · figures through {fmt.day(as_of.as_of_date)}" if as_of.as_of_date else ""
    line = f":material/schedule: Data as of {fmt.timestamp(as_of.published_at)}{through}"
    st.caption(f"{about} · {line}" if about else line)
    viewer = context.viewer
    if viewer.is_open_mode:
        st.caption(
            ":material/lock_open: Open mode: no sign-in is configured, so everything is visible "
            "(see docs/dashboard.md for sign-in)."
        )
    else:
        st.caption(f":material/lock: Signed in as {viewer.email} ({_role_text(context)})")


def _role_text(context: PageContext) -> str:
    viewer = context.viewer
    if viewer.role == "manager":
        return f"manager of {len(viewer.team_ids)} team{'s' * (len(viewer.team_ids) != 1)}"
    return {"rep": "rep: your own figures and your team's", "hr": "HR", "admin": "admin"}[
        viewer.role
    ]


def kpi_tiles(kpis: list[Kpi], per_row: int = 4) -> None:
    """KPI tiles in rows; Streamlit stacks the columns on a phone."""
    for start in range(0, len(kpis), per_row):
        row = kpis[start : start + per_row]
        for column, kpi in zip(st.columns(per_row), row, strict=False):
            with column:
                _tile(kpi)


def _tile(kpi: Kpi) -> None:
    if kpi.delta is not None:
        st.metric(
            kpi.label,
            kpi.value,
            delta=kpi.delta,
            delta_color=kpi.delta_color,
            help=kpi.help,
            border=True,
        )
    elif kpi.note is not None:
        st.metric(
            kpi.label,
            kpi.value,
            delta=kpi.note,
            delta_color="off",
            delta_arrow="off",
            help=kpi.help,
            border=True,
        )
    else:
        st.metric(kpi.label, kpi.value, help=kpi.help, border=True)


def table(frame: pd.DataFrame, columns: dict[str, fmt.Column]) -> None:
    """`frame` cut to `columns`, in that order, without the index. Values stay the mart's, so
    sorting by a column stays numeric; each column's formatter only changes how it reads."""
    shown = frame[list(columns)]
    formats = {name: column.format for name, column in columns.items() if column.format}
    st.dataframe(
        shown.style.format(formats, na_rep=fmt.MISSING) if formats else shown,
        column_config={
            name: st.column_config.Column(
                column.label, help=column.help, width=column.width, pinned=column.pinned
            )
            for name, column in columns.items()
        },
        hide_index=True,
        width="stretch",
        placeholder=fmt.MISSING,
    )


def chart(spec: alt.TopLevelMixin) -> None:
    """An Altair chart at the width of its container, whatever the screen."""
    st.altair_chart(spec, width="stretch")


def legend_below() -> alt.Legend:
    """Legends under the chart, so the plot keeps the width on a phone."""
    return alt.Legend(orient="bottom", title=None, columns=2)


def money_axis(title: str | None = None) -> alt.Axis:
    return alt.Axis(format="~s", title=title)


def nothing_to_show(message: str) -> None:
    st.info(message, icon=":material/info:")
