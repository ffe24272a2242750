"""A thin client for HubSpot's CRM API v3 (and v4 associations): paging, search windows,
batch reads. dlt's requests session does the retrying, with the [runtime] request settings:
429 (honouring Retry-After), 5xx, dropped connections and timeouts with exponential backoff,
and, as transient too, a success status whose body is not a JSON object (an HTML error page
from a proxy or gateway). Requests are counted, so loads can report what they cost.

Every error names the configured base URL and the request's path, never the token."""

import itertools
import logging
from collections.abc import Iterable, Iterator
from typing import Any

import orjson
from dlt.sources.helpers.requests import Client
from requests import HTTPError, RequestException, Response, Session
from requests.exceptions import InvalidSchema, InvalidURL, MissingSchema

from ingestion.sources.hubspot.errors import HubSpotSourceError, explain_http_error, not_json
from ingestion.sources.hubspot.rate_limit import RateLimiter
from ingestion.sources.hubspot.settings import (
    ASSOCIATIONS_BATCH_SIZE,
    OWNERS_PAGE_SIZE,
    SEARCH_PAGE_SIZE,
    SEARCH_RESULT_CAP,
    CrmObject,
)
from ingestion.sources.hubspot.validation import instant_ms

# HubSpot's documented per-app burst limit for the lowest tier: 100 requests every 10 seconds
# (higher tiers allow more, and every response reports the app's own: the limiter adopts it).
BURST_LIMIT = 100
BURST_INTERVAL_SECONDS = 10.0
# The CRM search endpoints: a few requests a second per account, reported by no header.
SEARCH_LIMIT_PER_SECOND = 4

logger = logging.getLogger(__name__)

# The parsed body of a response, kept on it by the retry check so it is decoded once.
_PARSED = "_salespulse_json"


def body_is_not_json(response: Response | None, exception: BaseException | None) -> bool:
    """Retry condition: a success whose body is not a JSON object (HubSpot always sends one)."""
    if response is None or not 200 <= response.status_code < 300:
        return False
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return True
    setattr(response, _PARSED, body)
    return not isinstance(body, dict)


class HubSpotClient:
    """Safe to share between threads: each thread gets its own session from dlt's Client, and
    every request waits for the rate limiters."""

    def __init__(
        self,
        base_url: str,
        access_token: str,
        burst_limit: int = BURST_LIMIT,
        search_limit: int = SEARCH_LIMIT_PER_SECOND,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = Client(raise_for_status=False, retry_condition=self._attempted)
        self._client.configure()  # request attempts, backoff and timeout from dlt's [runtime]
        self.limiter = RateLimiter(burst_limit, BURST_INTERVAL_SECONDS)
        self.search_limiter = RateLimiter(search_limit, 1.0)
        self._authorization = f"Bearer {access_token}"
        self._count = itertools.count(1)
        self.requests_made = 0

    def _attempted(self, response: Response | None, exception: BaseException | None) -> bool:
        """Called by dlt's retrying session after every attempt: the rate limiters learn from
        each response (a 429 holds every thread), and a body that is not JSON is retried."""
        if response is not None:
            is_search = response.request.path_url.split("?")[0].endswith("/search")
            limiter = self.search_limiter if is_search else self.limiter
            limiter.observe(response.status_code, response.headers)
        return body_is_not_json(response, exception)

    @property
    def session(self) -> Session:
        """This thread's session (dlt's Client keeps one per thread)."""
        session = self._client.session
        session.headers["Authorization"] = self._authorization
        return session

    # -- plumbing -------------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> dict:
        self.requests_made = next(self._count)
        request = f"{method} {self.base_url}{path}"
        is_search = path.endswith("/search")
        if is_search:
            self.search_limiter.acquire()
        self.limiter.acquire()
        try:
            response: Response = self.session.request(method, self.base_url + path, **kwargs)
            response.raise_for_status()
        except HTTPError as error:
            raise explain_http_error(error, request) from None
        except (MissingSchema, InvalidSchema, InvalidURL):
            raise HubSpotSourceError(
                f"the HubSpot base URL {self.base_url!r} is not an http(s) URL: set "
                "sources.hubspot.base_url (SOURCES__HUBSPOT__BASE_URL), e.g. "
                "https://api.hubapi.com",
                status=None,
            ) from None
        except RequestException as error:
            # The message of a connection error names the host, never the headers.
            raise HubSpotSourceError(
                f"HubSpot could not be reached at {self.base_url} ({type(error).__name__}) "
                f"for {request}, after every retry",
                status=None,
                transient=True,
            ) from error
        body = getattr(response, _PARSED, None)
        if body is None and not body_is_not_json(response, None):
            body = getattr(response, _PARSED)
        if not isinstance(body, dict):
            raise not_json(response, request, self._authorization)
        return body

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
                results = body.get("results") or []
                returned += len(results)
                if results:
                    instants = [_modified_ms(crm, record) for record in results]
                    last_seen = max(
                        (at for at in [last_seen, *instants] if at is not None), default=None
                    )
                    yield results
                after_next = ((body.get("paging") or {}).get("next") or {}).get("after")
                if not after_next or int(after_next) >= SEARCH_RESULT_CAP:
                    break
                after = int(after_next)
            if int(body.get("total", returned)) <= returned or last_seen is None:
                return
            next_lower = last_seen
            if next_lower <= lower:
                raise HubSpotSourceError(
                    f"more than {SEARCH_RESULT_CAP} {crm.name} share the modification time "
                    f"{last_seen} (epoch ms); the search endpoint cannot page past them",
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
            for result in body.get("results") or []:
                from_id = str(((result or {}).get("from") or {}).get("id") or "")
                if not from_id:  # cannot be attributed to a record: say so, never guess
                    logger.warning(
                        "HubSpot %s -> %s associations: a result without a from id was skipped",
                        from_type,
                        to_type,
                    )
                    continue
                found.setdefault(from_id, []).extend(result.get("to") or [])
                after = ((result.get("paging") or {}).get("next") or {}).get("after")
                if after:  # more associations of this record than one page holds
                    pending.append({"id": from_id, "after": after})
        return found


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _modified_ms(crm: CrmObject, record: Any) -> int | None:
    properties = record.get("properties") if isinstance(record, dict) else None
    return instant_ms((properties or {}).get(crm.modified_property))
