"""Row accounting (blocking): for sources that count what they read (files, typeform, HubSpot),
the rows read in the latest load equal the rows that landed in the raw table in that load plus
the rows quarantined with a reason (plus, for HubSpot, the record versions superseded by a newer
version of the same record read in that load). A difference means rows were dropped silently,
the one thing a load must never do, so publication stops. The files source's full exports write
back the rows that did not change with the load id that last changed them (`rows_unchanged`):
the rows of the table with the load's id are the rows loaded less those."""

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSpec,
    AssetKey,
    multi_asset_check,
)

from ingestion.sources.hubspot.settings import CRM_OBJECTS
from orchestration.defs.checks.warehouse import build_warehouse_reader
from orchestration.settings import BUILD_WAREHOUSE_POOL

ACCOUNTED_DATASETS = ("raw_files", "raw_typeform")
# HubSpot counts its CRM objects, owners and pipelines.
ACCOUNTED_HUBSPOT_TABLES = {crm.name for crm in CRM_OBJECTS} | {"owners", "deal_pipelines"}
CHECK_NAME = "rows_read_equal_rows_loaded_plus_quarantined"

_LATEST_LOAD = """
    select load_id, sum(rows_read), sum(rows_loaded), sum(rows_quarantined), {superseded},
           {unchanged}
    from {dataset}.load_accounting
    where entity = $entity
      and load_id = (select max(load_id) from {dataset}.load_accounting where entity = $entity)
    group by load_id
"""


def accounting_verdict(
    read: int,
    loaded: int,
    quarantined: int,
    landed: int,
    kept: int,
    superseded: int = 0,
    unchanged: int = 0,
):
    """(passed, why): read = loaded + quarantined (+ superseded), and each side is what the
    tables hold (the rows with the load's id: those loaded but `unchanged`)."""
    accounted = f"{loaded} loaded + {quarantined} quarantined" + (
        f" + {superseded} superseded" if superseded else ""
    )
    if read != loaded + quarantined + superseded:
        return False, f"{read} rows read but {accounted}"
    if landed != loaded - unchanged:
        kept_theirs = f" ({unchanged} unchanged, with their earlier load id)" if unchanged else ""
        return (
            False,
            f"{loaded} rows loaded by the source{kept_theirs} but {landed} in the raw table",
        )
    if kept != quarantined:
        return False, f"{quarantined} rows quarantined but {kept} in the quarantine table"
    return True, f"{read} rows read = {accounted}"


def latest_load_verdict(con, dataset: str, entity: str):
    """(passed, why, load_id, rows read) of the latest load of a raw table, from its
    load_accounting rows and what the table and the quarantine hold; None before any load."""
    superseded = _sum_if_counted(con, dataset, "rows_superseded")
    unchanged = _sum_if_counted(con, dataset, "rows_unchanged")
    latest = con.execute(
        _LATEST_LOAD.format(dataset=dataset, superseded=superseded, unchanged=unchanged),
        {"entity": entity},
    ).fetchone()
    if latest is None:
        return None
    load_id, read, loaded, quarantined, superseded_rows, unchanged_rows = latest
    landed = con.execute(
        f"select count(*) from {dataset}.{entity} where _dlt_load_id = ?", [load_id]
    ).fetchone()[0]
    kept = (
        con.execute(
            f"select count(*) from {dataset}.quarantine where entity = ? and load_id = ?",
            [entity, load_id],
        ).fetchone()[0]
        if quarantined
        else 0
    )
    passed, why = accounting_verdict(
        read, loaded, quarantined, landed, kept, superseded_rows, unchanged_rows
    )
    return passed, why, load_id, int(read)


def _sum_if_counted(con, dataset: str, column: str) -> str:
    """The SQL sum of a count that only some sources' load_accounting has; 0 where it has not."""
    has_column = con.execute(
        "select count(*) from information_schema.columns where table_schema = ? "
        "and table_name = 'load_accounting' and column_name = ?",
        [dataset, column],
    ).fetchone()[0]
    return f"coalesce(sum({column}), 0)" if has_column else "0"


def row_accounting_checks(raw_keys: list[AssetKey]):
    keys = [
        key
        for key in raw_keys
        if key.path[0] in ACCOUNTED_DATASETS
        or (key.path[0] == "raw_hubspot" and key.path[1] in ACCOUNTED_HUBSPOT_TABLES)
    ]
    if not keys:
        return []

    @multi_asset_check(
        specs=[AssetCheckSpec(CHECK_NAME, asset=key, blocking=True) for key in keys],
        name="raw_row_accounting",
        can_subset=True,
        pool=BUILD_WAREHOUSE_POOL,
        description="Rows read = rows loaded + rows quarantined, for the latest load of a table.",
    )
    def raw_row_accounting(context: AssetCheckExecutionContext):
        selected = {check.asset_key for check in context.selected_asset_check_keys}
        with build_warehouse_reader() as con:
            for key in (key for key in keys if key in selected):
                dataset, entity = key.path
                verdict = latest_load_verdict(con, dataset, entity)
                if verdict is None:
                    yield AssetCheckResult(
                        asset_key=key, check_name=CHECK_NAME, passed=True,
                        description="nothing loaded yet",
                    )  # fmt: skip
                    continue
                passed, why, load_id, read = verdict
                yield AssetCheckResult(
                    asset_key=key,
                    check_name=CHECK_NAME,
                    passed=passed,
                    description=why,
                    metadata={"load_id": load_id, "rows_read": read},
                )

    return [raw_row_accounting]
