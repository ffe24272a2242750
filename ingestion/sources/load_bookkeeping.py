"""What every source writes beside its data: rows to the shared `quarantine` and
`load_accounting` tables, stamped with the load they belong to."""

import datetime as dt
from typing import Any

import dlt
from dlt.common.storages.exceptions import CurrentLoadPackageStateNotAvailable
from dlt.sources import DltResource


def side_table(item: Any, table_name: str) -> Any:
    """Route an item (Arrow table or dict) to a shared side table: append, no key."""
    hints = dlt.mark.make_hints(table_name=table_name, write_disposition="append", primary_key=[])
    return dlt.mark.with_hints(item, hints, create_table_variant=True)


def declare_side_tables(resource: DltResource, *table_names: str) -> DltResource:
    """Registers the side tables a resource writes with hints of their own. A table variant
    starts from a copy of its resource's hints, so without this a resource's column hints (a
    non-nullable `id`, its nested tables) would be imposed on its quarantine rows."""
    for table_name in table_names:
        resource.apply_hints(
            table_name=table_name,
            write_disposition="append",
            primary_key=[],
            columns={},
            nested_hints={},
            create_table_variant=True,
        )
    return resource


def current_load() -> tuple[str | None, dt.datetime]:
    """The id and start time of the load being extracted (none outside a pipeline run)."""
    try:
        package = dlt.current.load_package_state()
    except CurrentLoadPackageStateNotAvailable:
        return None, dt.datetime.now(dt.UTC)
    created = package["state"].get("created_at")
    loaded_at = (
        dt.datetime.fromtimestamp(created.timestamp(), dt.UTC)
        if created is not None
        else dt.datetime.now(dt.UTC)
    )
    return package["load_id"], loaded_at
