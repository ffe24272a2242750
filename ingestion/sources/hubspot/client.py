"""A thin client for HubSpot's CRM API v3 (and v4 associations): paging, search windows,
batch reads. dlt's requests session does the retrying: 429 (honouring Retry-After) and 5xx
with exponential backoff. Requests are counted, so loads can report what they cost."""

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from dlt.sources.helpers.requests import Client
from requests import HTTPError, RequestException, Response

from ingestion.sources.hubspot.errors import HubSpotSourceError, explain_http_error
from ingestion.sources.hubspot.settings import (
    ASSOCIATIONS_BATCH_SIZE,
    OWNERS_PAGE_SIZE,
    SEARCH_PAGE_SIZE,
    SEARCH_RESULT_CAP,
    CrmObject,
)


class HubSpotClient:
    def __init__(self, base_url: str, access_token: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = Client(raise_for_status=False).session
        self.session.headers["Authorization"] = f"Bearer {access_token}"
        self.requests_made = 0

    # -- plumbing -------------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> dict:
        self.requests_made += 1
        try:
            response: Response = self.session.request(method, self.base_url + path, **kwargs)
            response.raise_for_status()
        except HTTPError as error:
            raise explain_http_error(error, f"{method} {path}") from None
        except RequestException as error:
            # The message of a connection error names the host, never the headers.
            raise HubSpotSourceError(
                f"HubSpot could not be reached ({type(error).__name__}) for {method} {path}",
                status=None,
                transient=True,
            ) from error
        return response.json()

    def get_pages(self, path: str, params: dict[str, Any]) -> Iterator[list[dict]]:
        """Every page of a list endpoint, following `paging.next.after`."""
        params = dict(params)
        while True:
            body = self._request("GET", path, params=params)
            yield body.get("results", [])
            after = ((body.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return
            params["after"] = after

    # -- endpoints ------------------------------------------------------------------------

    def owners(self, archived: bool) -> Iterator[list[dict]]:
        params = {"limit": OWNERS_PAGE_SIZE, "archived": str(archived).lower()}
        yield from self.get_pages("/crm/v3/owners", params)

    def deal_pipelines(self) -> Iterator[list[dict]]:
        yield from self.get_pages("/crm/v3/pipelines/deals", {})

    def list_objects(self, crm: CrmObject, archived: bool) -> Iterator[list[dict]]:
        """All records of a type, with history and associations inline (the first load)."""
        params: dict[str, Any] = {
            "limit": crm.list_page_size,
            "archived": str(archived).lower(),
            "properties": ",".join(crm.properties),
        }
        if crm.history:
            params["propertiesWithHistory"] = ",".join(crm.history)
        if crm.associations and not archived:
            params["associations"] = ",".join(crm.associations)
        yield from self.get_pages(f"/crm/v3/objects/{crm.name}", params)

    def modified_since(self, crm: CrmObject, since_ms: int) -> Iterator[list[dict]]:
        """Records modified at or after `since_ms`, oldest first, through the search endpoint.

        One search query returns at most 10,000 results; past that, a new query starts at the
        last modification time reached (records at that instant come again and are merged by
        id), so no record is lost however many changed.
        """
        lower = since_ms
        while True:
            last_seen = None
            returned = 0
            after = 0
            while True:
                body = self._request("POST", f"/crm/v3/objects/{crm.name}/search", json={
                    "filterGroups": [{"filters": [{
                        "propertyName": crm.modified_property,
                        "operator": "GTE",
                        "value": str(lower),
                    }]}],
                    "sorts": [{"propertyName": crm.modified_property, "direction": "ASCENDING"}],
                    "properties": list(crm.properties),
                    "limit": SEARCH_PAGE_SIZE,
                    "after": str(after),
                })  # fmt: skip
                results = body.get("results", [])
                returned += len(results)
                if results:
                    last_seen = results[-1]["properties"].get(crm.modified_property)
                    yield results
                after_next = ((body.get("paging") or {}).get("next") or {}).get("after")
                if not after_next or int(after_next) >= SEARCH_RESULT_CAP:
                    break
                after = int(after_next)
            if int(body.get("total", returned)) <= returned or last_seen is None:
                return
            next_lower = epoch_ms(last_seen)
            if next_lower <= lower:
                raise HubSpotSourceError(
                    f"more than {SEARCH_RESULT_CAP} {crm.name} share the modification time "
                    f"{last_seen}; the search endpoint cannot page past them",
                    status=None,
                )
            lower = next_lower

    def batch_read(self, crm: CrmObject, ids: list[str]) -> Iterator[list[dict]]:
        """Records by id with their properties and property history."""
        for chunk in _chunks(ids, crm.batch_read_size):
            body = self._request("POST", f"/crm/v3/objects/{crm.name}/batch/read", json={
                "inputs": [{"id": object_id} for object_id in chunk],
                "properties": list(crm.properties),
                "propertiesWithHistory": list(crm.history),
            })  # fmt: skip
            yield body.get("results", [])

    def associations(self, from_type: str, to_type: str, ids: list[str]) -> dict[str, list[dict]]:
        """{from id: [{toObjectId, associationTypes}]} through the v4 batch read."""
        found: dict[str, list[dict]] = {}
        pending = [{"id": object_id} for object_id in ids]
        while pending:
            chunk, pending = pending[:ASSOCIATIONS_BATCH_SIZE], pending[ASSOCIATIONS_BATCH_SIZE:]
            body = self._request(
                "POST",
                f"/crm/v4/associations/{from_type}/{to_type}/batch/read",
                json={"inputs": chunk},
            )
            for result in body.get("results", []):
                from_id = str(result["from"]["id"])
                found.setdefault(from_id, []).extend(result.get("to", []))
                after = ((result.get("paging") or {}).get("next") or {}).get("after")
                if after:  # more associations of this record than one page holds
                    pending.append({"id": from_id, "after": after})
        return found


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def epoch_ms(value: str) -> int:
    """HubSpot datetimes arrive as ISO 8601 strings or as epoch milliseconds."""
    if value.isdigit():
        return int(value)
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)
