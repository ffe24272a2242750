"""What one resource of the HubSpot source read in one load, and what became of each record:
loaded, quarantined with a reason, or superseded by a newer version of itself.

A record can come twice in one load: list paging over a portal that changes while it is read,
the search windows that meet at one modification time, a record read active and then archived.
The newest version (by `updatedAt`) is loaded; of two versions with the same `updatedAt`, the
first read. An older version read after a newer one is never yielded; a newer one read after an
older one is, and the destination's merge keeps the row with the latest `updated_at` (the
column's `dedup_sort` hint). Either way the load accounting counts the version set aside as
superseded, and the log says which records came twice.
"""

import logging
from typing import Any

import pyarrow as pa

from ingestion.sources.hubspot.tables import (
    LOAD_ACCOUNTING_SCHEMA,
    LOAD_ACCOUNTING_TABLE,
    QUARANTINE_SCHEMA,
    QUARANTINE_TABLE,
)
from ingestion.sources.hubspot.validation import Rejection
from ingestion.sources.hubspot.versions import UNSEEN, Versions
from ingestion.sources.load_bookkeeping import current_load, side_table

logger = logging.getLogger(__name__)

# How many ids of records read twice the log names (the count is always complete).
LOGGED_IDS = 20


class LoadBook:
    """Counts and verdicts of one entity (a CRM object type, owners, pipelines) in one load."""

    def __init__(self, entity: str) -> None:
        self.entity = entity
        self.read = 0
        self.quarantined = 0
        self.superseded = 0
        self._versions = Versions()
        self._rejections: list[Rejection] = []
        self._twice: list[str] = []

    @property
    def loaded(self) -> int:
        """Distinct records loaded: each one's newest version is the row that lands."""
        return len(self._versions)

    def reject(self, rejection: Rejection) -> None:
        self.read += 1
        self.quarantined += 1
        self._rejections.append(rejection)

    def accept(self, object_id: str, version: int | None) -> bool:
        """Counts a valid record read; True when it is to be yielded (first or newer version)."""
        return self.accept_page([(object_id, version)])[0]

    def accept_page(self, records: list[tuple[str, int | None]]) -> list[bool]:
        """accept() for a page of (id, version), looked up at once."""
        previous = self._versions.previous([object_id for object_id, _ in records])
        in_page: dict[str, object] = {}
        verdicts = []
        for (object_id, version), before in zip(records, previous, strict=True):
            self.read += 1
            before = in_page.get(object_id, before)
            if before is UNSEEN:
                verdict = True
            else:
                self.superseded += 1
                if len(self._twice) < LOGGED_IDS:
                    self._twice.append(object_id)
                verdict = version is not None and before is not None and version > before
            if verdict and before is UNSEEN:
                self._versions.add(object_id, version)
            elif verdict:
                self._versions.set(object_id, version)
            if verdict:
                in_page[object_id] = version
            verdicts.append(verdict)
        return verdicts

    def quarantine(self) -> list[Any]:
        """The rejections since the last call, as a quarantine side table (or nothing)."""
        if not self._rejections:
            return []
        load_id, loaded_at = current_load()
        rows = [
            {
                "entity": self.entity,
                "record_id": rejection.record_id,
                "field": rejection.field,
                "value": rejection.value,
                "reason": rejection.reason,
                "record": rejection.record,
                "load_id": load_id,
                "loaded_at": loaded_at,
            }
            for rejection in self._rejections
        ]
        self._rejections = []
        return [side_table(pa.Table.from_pylist(rows, schema=QUARANTINE_SCHEMA), QUARANTINE_TABLE)]

    def accounting(self) -> Any:
        """The entity's row in `load_accounting`; logs what was quarantined or read twice."""
        if self.quarantined:
            logger.warning(
                "HubSpot %s: %d record(s) quarantined (see raw_hubspot.quarantine)",
                self.entity,
                self.quarantined,
            )
        if self.superseded:
            logger.warning(
                "HubSpot %s: %d record version(s) superseded by a newer version of the same "
                "record read in this load (the newest is loaded); ids: %s%s",
                self.entity,
                self.superseded,
                ", ".join(self._twice),
                ", ..." if self.superseded > len(self._twice) else "",
            )
        load_id, loaded_at = current_load()
        row = {
            "entity": self.entity,
            "rows_read": self.read,
            "rows_loaded": self.loaded,
            "rows_quarantined": self.quarantined,
            "rows_superseded": self.superseded,
            "load_id": load_id,
            "loaded_at": loaded_at,
        }
        table = pa.Table.from_pylist([row], schema=LOAD_ACCOUNTING_SCHEMA)
        return side_table(table, LOAD_ACCOUNTING_TABLE)


def empty_quarantine() -> Any:
    """The quarantine table exists after every load, even one that quarantined nothing."""
    return side_table(QUARANTINE_SCHEMA.empty_table(), QUARANTINE_TABLE)
