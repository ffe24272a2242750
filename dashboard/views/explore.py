"""Explore: any metric of the semantic layer, split by any of its dimensions, over a period,
with a CSV download. The page only asks; MetricFlow writes the SQL from the one definition of
each metric (semantic/), so a figure here is the figure in the marts and in
`salespulse metrics query`. Survey metrics come back suppressed for any grouping below the
anonymity threshold, as everywhere else.

The semantic layer answers for every rep and team, so a narrower role explores through filters
that the page adds to every question and the viewer cannot remove
(dashboard.access.scope_filters): a manager within their teams; a rep within their own rows, or
their team's totals when the question is split by nothing finer than the team and time. Those
roles write no free-text filter (a MetricFlow filter is SQL: it could be written to undo the
scope) and pick among the metrics the scope applies to."""

from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import formatting as fmt
from dashboard.access import required_entities, scope_filters
from dashboard.components import nothing_to_show, page_header
from dashboard.pages import PageContext, page_context
from dashboard.warehouse import Publication

DEFAULT_METRICS = ["bookings", "win_rate"]
TIME_GRAINS = {
    "metric_time__month": "Month",
    "metric_time__fiscal_quarter": "Fiscal quarter",
    "metric_time__fiscal_year": "Fiscal year",
    "metric_time__week": "Week",
    "metric_time__day": "Day",
}
ROW_LIMIT = 5000


def _layer(path: str):
    """The semantic layer of the published file (semantic.layer caches one per file until a
    publish replaces it)."""
    from semantic.layer import semantic_layer

    return semantic_layer(Path(path))


def metric_choices(publication: Publication) -> dict[str, str]:
    layer = _layer(str(publication.path))
    return {info.name: info.label for info in layer.list_metrics()}


def group_by_choices(publication: Publication, metrics: list[str]) -> list[str]:
    layer = _layer(str(publication.path))
    names = layer.list_group_bys(metrics)
    # MetricFlow lists metric_time at its base grain (day); every coarser grain works too.
    # Time first, then the rest alphabetically.
    times = list(TIME_GRAINS) if any(n.startswith("metric_time__") for n in names) else []
    # It lists the entities' dimensions, not the entities: a rep or team id is a split too.
    entities = {name.split("__")[0] for name in names if not name.startswith("metric_time__")}
    others = entities | {name for name in names if not name.startswith("metric_time__")}
    return times + sorted(others)


def period_filter(start: date | None, end: date | None) -> list[str]:
    """MetricFlow filters keeping metric_time within [start, end] (either side optional)."""
    day = "{{ TimeDimension('metric_time', 'day') }}"
    where = []
    if start is not None:
        where.append(f"{day} >= '{start.isoformat()}'")
    if end is not None:
        where.append(f"{day} <= '{end.isoformat()}'")
    return where


@st.cache_data(ttl=600, max_entries=50, show_spinner=False)
def scopeable_metrics(
    path: str, identity: tuple[int, int, int], entities: frozenset[str]
) -> list[str]:
    """The metrics that can be split by every entity of `entities`, so a scope filter on them
    means something (a metric without a team, say, cannot be limited to a team)."""
    layer = _layer(path)  # `identity` keys the cache: a new publication misses it
    # MetricFlow lists the entities' dimensions (team__team_name), not the entities.
    return [
        info.name
        for info in layer.list_metrics()
        if entities <= {item.split("__")[0] for item in layer.list_group_bys([info.name])}
    ]


@st.cache_data(ttl=600, max_entries=200, show_spinner=False)
def explore(
    path: str,
    identity: tuple[int, int, int],
    metrics: tuple[str, ...],
    group_by: tuple[str, ...],
    where: tuple[str, ...],
) -> tuple[pd.DataFrame, str]:
    """The rows of one question and the SQL that answered it, cached per publication."""
    layer = _layer(path)  # `identity` keys the cache: a new publication misses it
    result = layer.query(list(metrics), list(group_by), list(where), limit=ROW_LIMIT)
    return result.frame, result.sql


def render(context: PageContext) -> None:
    from semantic.layer import MetricQueryError

    page_header(context, "Explore", "any metric by any dimension, from the semantic layer")
    publication = context.publication
    try:
        choices = metric_choices(publication)
    except Exception as error:  # no semantic manifest in an older publication, say
        st.warning(f"The semantic layer cannot be read from this publication: {error}")
        return
    viewer, scope = context.viewer, context.scope
    entities = required_entities(viewer, scope)
    if entities:
        allowed = set(
            scopeable_metrics(str(publication.path), publication.identity, frozenset(entities))
        )
        choices = {name: label for name, label in choices.items() if name in allowed}
        st.caption(
            ":material/lock: Every answer here is limited to "
            + (
                "your teams."
                if viewer.role == "manager"
                else "your own rows, or your team's totals."
            )
        )
    metrics = st.multiselect(
        "Metrics",
        list(choices),
        default=[name for name in DEFAULT_METRICS if name in choices],
        format_func=lambda name: f"{choices[name]} ({name})",
        key="explore_metrics",
        bind="query-params",
    )
    if not metrics:
        nothing_to_show("Pick one or more metrics.")
        return
    available = group_by_choices(publication, metrics)
    group_by = st.multiselect(
        "Split by",
        available,
        default=[grain for grain in ("metric_time__fiscal_quarter",) if grain in available],
        format_func=lambda name: TIME_GRAINS.get(name, name),
        key="explore_group_by",
        bind="query-params",
        help="Only the dimensions every chosen metric can be split by.",
    )
    start_column, end_column = st.columns(2)
    with start_column:
        start = st.date_input("From", value=None, key="explore_from", format="YYYY-MM-DD")
    with end_column:
        end = st.date_input("To", value=None, key="explore_to", format="YYYY-MM-DD")
    where = period_filter(start, end)
    if not entities:
        extra = st.text_input(
            "Filter (optional)",
            key="explore_where",
            placeholder="{{ Dimension('deal__lead_source') }} = 'organic_search'",
            help="MetricFlow's filter syntax, as in `salespulse metrics query --where`.",
        )
        if extra.strip():
            where.append(extra.strip())
    where += scope_filters(viewer, scope, group_by)

    try:
        frame, sql = explore(
            str(publication.path),
            publication.identity,
            tuple(metrics),
            tuple(group_by),
            tuple(where),
        )
    except MetricQueryError as error:
        st.error(str(error), icon=":material/error:")
        return
    if frame.empty:
        nothing_to_show("No rows for this question.")
        return
    if len(frame) >= ROW_LIMIT:
        st.caption(f"The first {ROW_LIMIT:,} rows; narrow the period or the split to see all.")
    if "is_suppressed" in frame.columns and frame["is_suppressed"].any():
        st.caption(
            ":material/visibility_off: Survey figures of groups below the anonymity threshold "
            "are suppressed (shown as –)."
        )
    st.dataframe(frame, hide_index=True, width="stretch", placeholder=fmt.MISSING)
    st.download_button(
        "Download CSV",
        frame.to_csv(index=False),
        file_name="salespulse_" + "_".join(metrics) + ".csv",
        mime="text/csv",
        icon=":material/download:",
    )
    with st.expander("SQL"):
        st.code(sql, language="sql")


render(page_context())
