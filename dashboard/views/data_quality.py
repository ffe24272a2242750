"""Data quality: how fresh the published data is, what each publication wrote, and the rows each
source quarantined, where the serving warehouse holds them."""

import pandas as pd
import streamlit as st

from dashboard import formatting as fmt
from dashboard import marts
from dashboard.components import Kpi, kpi_tiles, page_header, table
from dashboard.pages import PageContext, page_context

# Facts that record when their rows were loaded, by source system.
LOADED_AT = [
    ("Activities", marts.FCT_ACTIVITIES, "loaded_at"),
    ("Deal stage history", marts.FCT_DEAL_STAGE_HISTORY, "loaded_at"),
]
RECENT_PUBLICATIONS = 2
EXCEPTIONS_SHOWN = 200


def publications(context: PageContext) -> pd.DataFrame:
    """Row counts per table of the latest publications, newest first."""
    return context.publication.query(
        f"""
        with recent as (
            select distinct published_at, run_id from {marts.PUBLICATIONS}
            order by published_at desc limit {RECENT_PUBLICATIONS}
        )
        select log.published_at, log.run_id, log.table_schema || '.' || log.table_name as relation,
            log.row_count
        from {marts.PUBLICATIONS} as log
        inner join recent on recent.run_id = log.run_id
        order by log.published_at desc, relation
        """
    )


def freshness(context: PageContext) -> pd.DataFrame:
    parts = [
        f"select '{label}' as records, source_system, max({column}) as last_loaded_at "
        f"from {relation} group by source_system"
        for label, relation, column in LOADED_AT
    ]
    return context.publication.query(" union all ".join(parts) + " order by records, source_system")


def record_exceptions(context: PageContext) -> pd.DataFrame:
    """The records left out of the metrics (or counted without their amount), and why; a
    manager sees those of their reps."""
    in_scope, scope_params = context.scope.reps_clause("owner_rep_id")
    return context.publication.query(
        f"""
        select source_system, entity, source_record_id, rule_name, reason, field, field_value,
            is_excluded
        from {marts.RECORD_EXCEPTIONS}
        where {in_scope}
        order by is_excluded desc, source_system, entity, rule_name, source_record_id
        """,
        scope_params,
    )


def load_accounting(context: PageContext) -> pd.DataFrame | None:
    """Rows read, loaded and quarantined per source in its latest load, from the sources'
    `load_accounting` tables if the serving warehouse holds them (publish copies marts only
    today); None when it holds none."""
    tables = context.publication.query(
        "select table_schema from information_schema.tables "
        "where table_catalog = 'serving' and table_name = 'load_accounting' order by 1"
    )["table_schema"].tolist()
    if not tables:
        return None
    parts = [
        f"""select '{schema}' as source, entity, rows_read, rows_loaded, rows_quarantined,
            loaded_at
        from "{schema}".load_accounting
        where load_id = (select max(load_id) from "{schema}".load_accounting)"""
        for schema in tables
    ]
    return context.publication.query(" union all ".join(parts) + " order by source, entity")


def render(context: PageContext) -> None:
    page_header(context, "Data quality")
    as_of = context.data_as_of
    log = publications(context)
    runs = log.drop_duplicates("run_id")
    kpi_tiles(
        [
            Kpi(
                "Published",
                fmt.day(as_of.published_at),
                f"{as_of.published_at:%H:%M %Z} · run {as_of.run_id[:8]}",
            ),
            Kpi("Figures through", fmt.day(as_of.as_of_date)),
            Kpi("Tables published", fmt.count((log["run_id"] == as_of.run_id).sum())),
            Kpi(
                "Publications kept in the log",
                fmt.count(
                    context.publication.query(
                        f"select count(distinct run_id) as n from {marts.PUBLICATIONS}"
                    )["n"].iloc[0]
                ),
            ),
        ],
        per_row=2,
    )

    st.subheader("Freshness by source", anchor=False)
    table(
        freshness(context),
        {
            "records": fmt.text_column("Records"),
            "source_system": fmt.text_column("Source"),
            "last_loaded_at": fmt.Column("Last loaded", fmt.timestamp),
        },
    )

    st.subheader("Records left out of the metrics", anchor=False)
    exceptions = record_exceptions(context)
    if exceptions.empty:
        st.caption("None: every record passed the plausibility rules.")
    else:
        excluded = exceptions[exceptions["is_excluded"]]
        st.caption(
            f"{fmt.count(len(excluded))} records count in no metric and "
            f"{fmt.count(len(exceptions) - len(excluded))} count without their amount until "
            "they are fixed in their source; the refresh's check warns while any is listed."
        )
        by_rule = (
            exceptions.groupby(["source_system", "entity", "rule_name"], dropna=False)
            .size()
            .rename("records")
            .reset_index()
        )
        table(
            by_rule,
            {
                "source_system": fmt.text_column("Source"),
                "entity": fmt.text_column("Record"),
                "rule_name": fmt.text_column("Rule"),
                "records": fmt.count_column("Records"),
            },
        )
        with st.expander(f"The {fmt.count(len(exceptions))} records"):
            table(
                exceptions.head(EXCEPTIONS_SHOWN),
                {
                    "source_record_id": fmt.text_column("Id in the source", pinned=True),
                    "entity": fmt.text_column("Record"),
                    "field": fmt.text_column("Field"),
                    "field_value": fmt.text_column("Value"),
                    "reason": fmt.text_column("Why"),
                },
            )

    st.subheader("Rows quarantined per source", anchor=False)
    accounting = load_accounting(context)
    if accounting is None:
        st.caption(
            "Not in the serving warehouse: the sources record rows read, loaded and quarantined "
            "in their `load_accounting` tables in the build warehouse, and publish copies the "
            "marts only. `salespulse status` reports the row-accounting checks of the last run."
        )
    else:
        table(
            accounting,
            {
                "source": fmt.text_column("Source"),
                "entity": fmt.text_column("Entity"),
                "rows_read": fmt.count_column("Read"),
                "rows_quarantined": fmt.count_column("Quarantined"),
            },
        )

    st.subheader("What the latest publications wrote", anchor=False)
    counts = log.pivot_table(
        index="relation", columns="published_at", values="row_count", aggfunc="first"
    )
    counts = counts[sorted(counts.columns, reverse=True)]
    labels = {stamp: f"Rows {fmt.timestamp(stamp)}" for stamp in counts.columns}
    counts = counts.rename(columns=labels).reset_index()
    table(
        counts,
        {
            "relation": fmt.text_column("Table"),
            **{label: fmt.count_column(label) for label in labels.values()},
        },
    )
    if len(runs) < 2:
        st.caption("Only one publication so far: the next refresh adds a column to compare.")


render(page_context())
