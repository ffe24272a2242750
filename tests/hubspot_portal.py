"""A HubSpot portal of our own making, served on localhost as HubSpot's CRM API v3 documents it,
for tests that need what the demo company never produces: a record with a null id, an object
where a number belongs, an HTML page instead of JSON, a portal without companies or calls.

It is written from HubSpot's documentation, independently of `simulator/`:
- GET /crm/v3/owners and GET /crm/v3/pipelines/deals;
- GET /crm/v3/objects/{type} with limit (at most 100, 50 with propertiesWithHistory), after,
  archived, properties, propertiesWithHistory and associations; `paging.next.after` is omitted
  on the last page;
- POST /crm/v3/objects/{type}/search with GTE/GT/LTE/LT/EQ filters, one sort, limit (at most
  200), after, `total`, and a 400 past the 10,000th result;
- POST /crm/v3/objects/{type}/batch/read and POST /crm/v4/associations/{from}/{to}/batch/read.
Records are served as stored (properties narrowed to those asked for and present), so a
malformed record reaches the client exactly as the test wrote it. Errors have HubSpot's JSON
error shape; `answer_next` replaces answers with anything (an HTML page, a 502).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

TOKEN = "portal-test-token"
OBJECT_TYPES = ("companies", "contacts", "deals", "calls", "emails", "meetings", "tasks")
LIST_LIMIT_MAX, LIST_LIMIT_MAX_WITH_HISTORY, SEARCH_LIMIT_MAX = 100, 50, 200
SEARCH_RESULT_CAP = 10_000
SINGULAR = {
    "companies": "company",
    "contacts": "contact",
    "deals": "deal",
    "calls": "call",
    "emails": "email",
    "meetings": "meeting",
    "tasks": "task",
}


def iso(value: str | dt.datetime) -> str:
    """HubSpot's datetime format (ISO 8601, UTC, milliseconds, Z) of a datetime or an ISO text."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def crm_record(
    object_id: Any,
    properties: dict[str, Any] | None,
    updated: str,
    created: str | None = None,
    archived_at: str | None = None,
    history: dict[str, list[tuple[str, str]]] | None = None,
    associations: dict[str, list[str]] | None = None,
) -> dict:
    """One record in the shape of HubSpot's v3 object endpoints. `properties=None` leaves the
    properties object out; `history` is {property: [(value, timestamp)], newest first}."""
    record: dict[str, Any] = {"id": object_id}
    if properties is not None:
        record["properties"] = dict(properties)
    record["createdAt"] = created or updated
    record["updatedAt"] = updated
    record["archived"] = archived_at is not None
    if archived_at is not None:
        record["archivedAt"] = archived_at
    if history is not None:
        record["propertiesWithHistory"] = {
            name: [
                {"value": value, "timestamp": at, "sourceType": "CRM_UI", "sourceId": "userId:1"}
                for value, at in changes
            ]
            for name, changes in history.items()
        }
    if associations is not None:
        record["associations"] = {
            to_type: {"results": [{"id": str(i), "type": f"x_to_{SINGULAR[to_type]}"} for i in ids]}
            for to_type, ids in associations.items()
        }
    return record


def owner(owner_id: str, first: str, last: str, team: str = "10", archived: bool = False) -> dict:
    at = "2024-01-01T00:00:00.000Z"
    return {
        "id": owner_id,
        "email": f"{first.lower()}@example.com",
        "type": "PERSON",
        "firstName": first,
        "lastName": last,
        "userId": int(owner_id) + 1000,
        "createdAt": at,
        "updatedAt": at,
        "archived": archived,
        "teams": [{"id": team, "name": f"Team {team}", "primary": True}],
    }


def deal_pipeline() -> dict:
    stages = [
        ("appointmentscheduled", "Appointment scheduled", "0.2", "false"),
        ("qualifiedtobuy", "Qualified to buy", "0.4", "false"),
        ("closedwon", "Closed won", "1.0", "true"),
        ("closedlost", "Closed lost", "0.0", "true"),
    ]
    at = "2024-01-01T00:00:00.000Z"
    return {
        "id": "default",
        "label": "Sales Pipeline",
        "displayOrder": 0,
        "archived": False,
        "createdAt": at,
        "updatedAt": at,
        "stages": [
            {
                "id": stage_id,
                "label": label,
                "displayOrder": order,
                "metadata": {"probability": probability, "isClosed": closed},
                "archived": False,
                "createdAt": at,
                "updatedAt": at,
            }
            for order, (stage_id, label, probability, closed) in enumerate(stages)
        ],
    }


@dataclass
class CannedAnswer:
    """An answer served instead of the portal's own, to requests whose path starts with
    `path_prefix`, `times` times."""

    status: int
    body: bytes
    content_type: str
    path_prefix: str
    times: int


HTML_ERROR_PAGE = (
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>Bad Gateway</h1><p>The proxy received an invalid response.</p></body></html>"
)


class HubSpotPortal:
    """`with HubSpotPortal(records) as portal:` serves the records at `portal.base_url`."""

    def __init__(
        self,
        records: dict[str, list[dict]] | None = None,
        owners: list[dict] | None = None,
        pipelines: list[dict] | None = None,
        token: str = TOKEN,
    ) -> None:
        self.records = {name: list((records or {}).get(name, [])) for name in OBJECT_TYPES}
        self.owners = owners if owners is not None else [owner("1", "Ada", "Lovelace")]
        self.pipelines = pipelines if pipelines is not None else [deal_pipeline()]
        self.token = token
        self.requests: list[tuple[str, str]] = []
        self._canned: list[CannedAnswer] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- changing the portal ------------------------------------------------------------------

    def put(self, object_type: str, record: dict) -> None:
        """Adds a record, or replaces the stored record with the same id (if it has one)."""
        with self._lock:
            stored = self.records[object_type]
            if record.get("id") is not None:
                stored[:] = [r for r in stored if r.get("id") != record.get("id")]
            stored.append(record)

    def answer_next(
        self,
        times: int,
        status: int = 200,
        body: bytes = HTML_ERROR_PAGE,
        content_type: str = "text/html; charset=utf-8",
        path_prefix: str = "/",
    ) -> None:
        with self._lock:
            self._canned.append(CannedAnswer(status, body, content_type, path_prefix, times))

    @classmethod
    def copy_of(
        cls, base_url: str, token: str, without: Iterable[str] = (), **properties: tuple[str, ...]
    ) -> HubSpotPortal:
        """A portal holding what another HubSpot API serves (owners, pipelines, every record
        with its property history and associations), less the object types `without`.
        `properties` names the properties to copy per object type."""
        without = set(without)
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {token}"

        def pages(path: str, params: dict) -> Iterable[dict]:
            params = dict(params)
            while True:
                body = http.get(base_url + path, params=params, timeout=60).json()
                yield from body["results"]
                after = body.get("paging", {}).get("next", {}).get("after")
                if not after:
                    return
                params["after"] = after

        records: dict[str, list[dict]] = {}
        for name in OBJECT_TYPES:
            if name in without:
                continue
            history = "dealstage" if name == "deals" else None
            associations = ",".join(t for t in ("contacts", "companies", "deals") if t != name)
            for archived in ("false", "true"):
                params = {
                    "limit": LIST_LIMIT_MAX_WITH_HISTORY if history else LIST_LIMIT_MAX,
                    "archived": archived,
                    "properties": ",".join(properties.get(name, ())),
                    "associations": associations,
                }
                if history:
                    params["propertiesWithHistory"] = history
                for record in pages(f"/crm/v3/objects/{name}", params):
                    links = record.get("associations") or {}
                    record["associations"] = {
                        to: block for to, block in links.items() if to not in without
                    }
                    records.setdefault(name, []).append(record)
        owners = [
            o
            for archived in ("false", "true")
            for o in pages("/crm/v3/owners", {"limit": 500, "archived": archived})
        ]
        pipelines = list(pages("/crm/v3/pipelines/deals", {}))
        http.close()
        return cls(records, owners, pipelines, token)

    # -- serving ------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        assert self._server is not None, "the portal is not running"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> HubSpotPortal:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def answer(
        self, method: str, target: str, headers: dict, body: bytes
    ) -> tuple[int, str, bytes]:
        url = urlsplit(target)
        with self._lock:
            self.requests.append((method, url.path))
            for canned in self._canned:
                if canned.times > 0 and url.path.startswith(canned.path_prefix):
                    canned.times -= 1
                    return canned.status, canned.content_type, canned.body
        if headers.get("authorization", "") != f"Bearer {self.token}":
            return _error(401, "INVALID_AUTHENTICATION", "Authentication credentials not found.")
        query = parse_qs(url.query, keep_blank_values=True)
        try:
            request = json.loads(body) if body else {}
            with self._lock:
                return self._route(method, url.path.rstrip("/"), query, request)
        except _ApiError as error:
            return _error(error.status, "VALIDATION_ERROR", str(error))

    def _route(self, method: str, path: str, query: dict, request: dict) -> tuple[int, str, bytes]:
        parts = path.strip("/").split("/")
        if method == "GET" and path == "/crm/v3/owners":
            archived = _flag(query, "archived")
            owners = [o for o in self.owners if o["archived"] == archived]
            return self._page(owners, query, 500)
        if method == "GET" and path == "/crm/v3/pipelines/deals":
            return _ok({"results": copy.deepcopy(self.pipelines)})
        if parts[:3] == ["crm", "v3", "objects"] and len(parts) >= 4 and parts[3] in OBJECT_TYPES:
            name = parts[3]
            if method == "GET" and len(parts) == 4:
                return self._list(name, query)
            if method == "POST" and parts[4:] == ["search"]:
                return self._search(name, request)
            if method == "POST" and parts[4:] == ["batch", "read"]:
                return self._batch_read(name, request)
        if parts[:3] == ["crm", "v4", "associations"] and parts[5:] == ["batch", "read"]:
            return self._associations(parts[3], parts[4], request)
        return _error(404, "OBJECT_NOT_FOUND", f"No route for {method} {path}")

    def _page(self, items: list[dict], query: dict, maximum: int, default: int = 10):
        limit = min(int(query.get("limit", [default])[-1]), maximum)
        start = int(query.get("after", ["0"])[-1] or 0)
        body: dict[str, Any] = {"results": items[start : start + limit]}
        if start + limit < len(items):
            body["paging"] = {"next": {"after": str(start + limit), "link": "?after="}}
        return _ok(body)

    def _list(self, name: str, query: dict) -> tuple[int, str, bytes]:
        archived = _flag(query, "archived")
        wanted = _csv(query, "properties")
        history = _csv(query, "propertiesWithHistory")
        associations = _csv(query, "associations")
        maximum = LIST_LIMIT_MAX_WITH_HISTORY if history else LIST_LIMIT_MAX
        stored = [r for r in self.records[name] if bool(r.get("archived")) == archived]
        shaped = [_shape(r, wanted, history, associations) for r in stored]
        return self._page(shaped, query, maximum)

    def _search(self, name: str, request: dict) -> tuple[int, str, bytes]:
        limit = min(int(request.get("limit", 10)), SEARCH_LIMIT_MAX)
        after = int(request.get("after") or 0)
        if after + limit > SEARCH_RESULT_CAP:
            raise _ApiError(400, f"cannot page past {SEARCH_RESULT_CAP} results")
        found = [r for r in self.records[name] if not r.get("archived")]
        for group in request.get("filterGroups") or []:  # one group: AND of its filters
            for spec in group.get("filters") or []:
                found = [r for r in found if _matches(r, spec)]
        for sort in request.get("sorts") or []:
            prop = sort["propertyName"]
            found.sort(
                key=lambda r: (
                    _instant((r.get("properties") or {}).get(prop)) or 0,
                    str(r.get("id")),
                ),
                reverse=sort.get("direction") == "DESCENDING",
            )
        wanted = request.get("properties") or []
        page = [_shape(r, wanted, [], []) for r in found[after : after + limit]]
        body: dict[str, Any] = {"total": len(found), "results": page}
        if after + limit < len(found):
            body["paging"] = {"next": {"after": str(after + limit)}}
        return _ok(body)

    def _batch_read(self, name: str, request: dict) -> tuple[int, str, bytes]:
        ids = [str(item["id"]) for item in request.get("inputs", [])]
        by_id = {str(r.get("id")): r for r in self.records[name]}
        wanted = request.get("properties") or []
        history = request.get("propertiesWithHistory") or []
        results = [_shape(by_id[i], wanted, history, []) for i in ids if i in by_id]
        return _ok({"status": "COMPLETE", "results": results})

    def _associations(self, from_type: str, to_type: str, request: dict):
        by_id = {str(r.get("id")): r for r in self.records.get(from_type, [])}
        results = []
        for item in request.get("inputs", []):
            record = by_id.get(str(item["id"]))
            links = ((record or {}).get("associations") or {}).get(to_type, {}).get("results", [])
            if links:
                to = [
                    {
                        "toObjectId": int(link["id"]),
                        "associationTypes": [
                            {"category": "HUBSPOT_DEFINED", "typeId": 1, "label": None}
                        ],
                    }
                    for link in links
                ]
                results.append({"from": {"id": str(item["id"])}, "to": to})
        return _ok({"status": "COMPLETE", "results": results})

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        portal = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _dispatch(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, content_type, payload = portal.answer(
                    self.command, self.path, headers, body
                )
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _dispatch

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


class _ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _ok(body: dict) -> tuple[int, str, bytes]:
    return 200, "application/json;charset=utf-8", json.dumps(body).encode()


def _error(status: int, category: str, message: str) -> tuple[int, str, bytes]:
    body = {"status": "error", "message": message, "correlationId": "0", "category": category}
    return status, "application/json;charset=utf-8", json.dumps(body).encode()


def _flag(query: dict, name: str) -> bool:
    return query.get(name, ["false"])[-1].lower() == "true"


def _csv(query: dict, name: str) -> list[str]:
    return [item for value in query.get(name, []) for item in value.split(",") if item]


def _shape(record: dict, wanted: list[str], history: list[str], associations: list[str]) -> dict:
    """The record as an endpoint returns it: the properties asked for that it has."""
    shaped = {k: copy.deepcopy(v) for k, v in record.items() if k not in ("associations",)}
    shaped.pop("propertiesWithHistory", None)
    if isinstance(record.get("properties"), dict):
        shaped["properties"] = {
            k: v for k, v in record["properties"].items() if k in wanted or k == "hs_object_id"
        }
    if history:
        stored = record.get("propertiesWithHistory") or {}
        shaped["propertiesWithHistory"] = {p: copy.deepcopy(stored.get(p, [])) for p in history}
    links = {
        to: block for to, block in (record.get("associations") or {}).items() if to in associations
    }
    if links:
        shaped["associations"] = copy.deepcopy(links)
    return shaped


def _instant(value: Any) -> int | None:
    """Epoch milliseconds of an ISO 8601 text or epoch-milliseconds text; None if neither."""
    if not isinstance(value, str) or not value:
        return None
    if value.isdigit():
        return int(value)
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return int(parsed.timestamp() * 1000)


def _matches(record: dict, spec: dict) -> bool:
    value = _instant((record.get("properties") or {}).get(spec["propertyName"]))
    if value is None:  # the search index holds no value it could not read
        return False
    bound = _instant(str(spec.get("value")))
    if bound is None:
        raise _ApiError(400, f"{spec.get('value')!r} is not a valid value")
    return {
        "GTE": value >= bound,
        "GT": value > bound,
        "LTE": value <= bound,
        "LT": value < bound,
        "EQ": value == bound,
    }[spec.get("operator", "EQ")]
