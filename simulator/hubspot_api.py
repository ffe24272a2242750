"""HubSpot CRM v3 contract over a Company at its clock: routing, auth, paging, search, JSON.

`HubSpotApi.handle` maps one request to (status, JSON bytes); server.py puts it on HTTP.
Pages are sliced from the timeline's arrays and only that page's rows become dicts.

Endpoints: GET /crm/v3/owners[/{id}], GET /crm/v3/pipelines/deals[/{pipelineId}],
GET /crm/v3/objects/{type}[/{id}] and POST /crm/v3/objects/{type}/search for deals, contacts,
companies, calls, emails, meetings and tasks (or their object type ids 0-3, 0-1, ...).
"""

from __future__ import annotations

import hmac
import json
import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from urllib.parse import parse_qs, urlencode, urlsplit

import numpy as np

from simulator import state
from simulator.company import Company
from simulator.hubspot_objects import ASSOCIATION_TYPES, OBJECT_TYPES, ObjectType, resolve_type
from simulator.stages import DEAL_STAGES, PIPELINE_ID, PIPELINE_LABEL
from simulator.timeutil import iso_ms, parse_instant

OWNERS_LIMIT_DEFAULT, OWNERS_LIMIT_MAX = 100, 500
OBJECTS_LIMIT_DEFAULT, OBJECTS_LIMIT_MAX = 10, 100
OBJECTS_LIMIT_MAX_WITH_HISTORY = 50
SEARCH_LIMIT_DEFAULT, SEARCH_LIMIT_MAX = 10, 200
SEARCH_RESULT_CAP = 10_000
MAX_FILTER_GROUPS, MAX_FILTERS_PER_GROUP, MAX_FILTERS = 5, 10, 25
AUTH_MESSAGE = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you "
    "can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)
OPERATORS = {"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN"}
OPERATORS |= {"HAS_PROPERTY", "NOT_HAS_PROPERTY"}
# Kept for callers of the first slice.
DEAL_PROPERTIES = OBJECT_TYPES["deals"].properties  # type: ignore[attr-defined]

Response = tuple[int, bytes]
Query = dict[str, list[str]]

_OBJECT_PATH = re.compile(r"^/crm/v3/objects/([^/]+)(?:/([^/]+))?/?$")
_BATCH_READ_PATH = re.compile(r"^/crm/v3/objects/([^/]+)/batch/read/?$")
_ASSOCIATIONS_BATCH_PATH = re.compile(r"^/crm/v4/associations/([^/]+)/([^/]+)/batch/read/?$")
# Inputs per batch request: 100 records (50 with property history), 1,000 association reads.
BATCH_READ_MAX, BATCH_READ_MAX_WITH_HISTORY = 100, 50
ASSOCIATIONS_BATCH_MAX = 1_000
_OWNER_PATH = re.compile(r"^/crm/v3/owners/([^/]+)/?$")
_PIPELINE_PATH = re.compile(r"^/crm/v3/pipelines/deals/([^/]+)/?$")


class ApiError(Exception):
    def __init__(self, status: int, category: str, message: str) -> None:
        super().__init__(message)
        self.status, self.category, self.message = status, category, message


def _json(status: int, body: object) -> Response:
    return status, json.dumps(body, separators=(",", ":")).encode()


def error_body(status: int, category: str, message: str, **extra: object) -> Response:
    body = {
        "status": "error",
        "message": message,
        "correlationId": str(uuid.uuid4()),
        "category": category,
    }
    return _json(status, body | extra)


def _csv_param(query: Query, name: str) -> list[str] | None:
    """HubSpot takes both `a,b` and repeated parameters; None when the parameter is absent."""
    if name not in query:
        return None
    return [item.strip() for value in query[name] for item in value.split(",") if item.strip()]


def _limit(query: Query, default: int, maximum: int) -> int:
    raw = query.get("limit", [""])[-1]
    if raw == "":
        return default
    try:
        limit = int(raw)
    except ValueError:
        raise ApiError(400, "VALIDATION_ERROR", f"limit must be an integer, got {raw!r}") from None
    if limit < 1:
        raise ApiError(400, "VALIDATION_ERROR", "limit must be at least 1")
    return min(limit, maximum)  # HubSpot quietly serves at most its page maximum


def _flag(query: Query, name: str) -> bool:
    raw = query.get(name, ["false"])[-1].lower()
    if raw not in ("true", "false"):
        raise ApiError(400, "VALIDATION_ERROR", f"{name} must be true or false")
    return raw == "true"


def _start(query: Query, ids: np.ndarray) -> int:
    """Position of the `after` cursor (the id of the first row of the page) in sorted ids."""
    after = query.get("after", [""])[-1]
    if after == "":
        return 0
    if not after.isdigit():
        raise ApiError(400, "VALIDATION_ERROR", f"invalid paging cursor {after!r}")
    return int(np.searchsorted(ids, int(after), side="left"))


def _change(value: str | None, ts: int, user_id: int) -> dict:
    return {
        "value": value,
        "timestamp": iso_ms(ts),
        "sourceType": "CRM_UI",
        "sourceId": f"userId:{user_id}",
        "updatedByUserId": user_id,
    }


class HubSpotApi:
    """The demo company's HubSpot at the company's clock: `handle(method, target, headers,
    base_url, body)`. Build a new one for another clock (DemoApi.advance does)."""

    def __init__(self, company: Company, token: str) -> None:
        self.company = company
        self._token = token
        self._types: dict[str, ObjectType] = {}
        self._searches: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()  # the server answers requests on several threads

    def object_type(self, name: str) -> ObjectType:
        with self._lock:
            if name not in self._types:
                self._types[name] = OBJECT_TYPES[name](self.company)
            return self._types[name]

    def authorised(self, headers: Mapping[str, str]) -> bool:
        lowered = {key.lower(): value for key, value in headers.items()}
        scheme, _, token = lowered.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode(), self._token.encode()
        )

    def handle(
        self,
        method: str,
        target: str,
        headers: Mapping[str, str],
        base_url: str,
        body: bytes = b"",
    ) -> Response:
        if not self.authorised(headers):
            return error_body(401, "INVALID_AUTHENTICATION", AUTH_MESSAGE)
        url = urlsplit(target)
        try:
            route, args, allowed = self._route(url.path)
            if route is None:
                return error_body(404, "OBJECT_NOT_FOUND", f"No route for {method} {url.path}")
            if method not in allowed:
                return error_body(405, "VALIDATION_ERROR", f"{method} is not allowed on {url.path}")
            query = parse_qs(url.query, keep_blank_values=True)
            return route(method, query, url.path, base_url, body, *args)
        except ApiError as exc:
            return error_body(exc.status, exc.category, exc.message)

    def _route(self, path: str) -> tuple[Callable | None, tuple, tuple[str, ...]]:
        if path in ("/crm/v3/owners", "/crm/v3/owners/"):
            return self._owners, (), ("GET",)
        if match := _OWNER_PATH.match(path):
            return self._owner_by_id, (match.group(1),), ("GET",)
        if path in ("/crm/v3/pipelines/deals", "/crm/v3/pipelines/deals/"):
            return self._pipelines, (), ("GET",)
        if match := _PIPELINE_PATH.match(path):
            return self._pipeline_by_id, (match.group(1),), ("GET",)
        if match := _BATCH_READ_PATH.match(path):
            name = resolve_type(match.group(1))
            return (self._batch_read, (name,), ("POST",)) if name else (None, (), ())
        if match := _ASSOCIATIONS_BATCH_PATH.match(path):
            names = resolve_type(match.group(1)), resolve_type(match.group(2))
            if None in names:
                return None, (), ()
            return self._associations_batch, names, ("POST",)
        if match := _OBJECT_PATH.match(path):
            name = resolve_type(match.group(1))
            if name is None:
                return None, (), ()
            if match.group(2) == "search":
                return self._search, (name,), ("POST",)
            if match.group(2) is not None:
                return self._object_by_id, (name, match.group(2)), ("GET",)
            return self._list, (name,), ("GET",)
        return None, (), ()

    @staticmethod
    def _paging(body: dict, query: Query, next_id: int | None, path: str, base_url: str) -> dict:
        if next_id is not None:  # HubSpot omits `paging` on the last page
            params = [(k, v) for k, values in query.items() if k != "after" for v in values]
            link = f"{base_url}{path}?{urlencode([*params, ('after', next_id)])}"
            body["paging"] = {"next": {"after": str(next_id), "link": link}}
        return body

    # --- owners -------------------------------------------------------------------------------

    def _owners(self, method, query, path, base_url, body) -> Response:
        limit = _limit(query, OWNERS_LIMIT_DEFAULT, OWNERS_LIMIT_MAX)
        st = state.owner_state(self.company.world, self.company.clock_ms)
        mask = st["archived"] == _flag(query, "archived")
        email = query.get("email", [""])[-1]
        if email:
            mask &= self.company.world.o["email"][: mask.size] == email
        rows = np.flatnonzero(mask)
        ids = self.company.world.o["id_num"][rows]
        start = _start(query, ids)
        page = rows[start : start + limit]
        next_id = int(ids[start + limit]) if start + limit < rows.size else None
        results = [self._owner(int(i), st) for i in page]
        return _json(200, self._paging({"results": results}, query, next_id, path, base_url))

    def _owner_by_id(self, method, query, path, base_url, body, owner_id: str) -> Response:
        st = state.owner_state(self.company.world, self.company.clock_ms)
        ids = self.company.world.o["id"][: st["rows"].size]
        hits = np.flatnonzero(ids == owner_id)
        if not hits.size or bool(st["archived"][hits[0]]) != _flag(query, "archived"):
            return error_body(404, "OBJECT_NOT_FOUND", f"Owner {owner_id} does not exist")
        return _json(200, self._owner(int(hits[0]), st))

    def _owner(self, i: int, st: dict) -> dict:
        w = self.company.world
        o = w.o
        team = int(o["team_idx"][i])
        return {
            "id": str(o["id"][i]),
            "email": str(o["email"][i]),
            "type": "PERSON",
            "firstName": str(o["first_name"][i]),
            "lastName": str(o["last_name"][i]),
            "userId": int(o["user_id"][i]),
            "userIdIncludingInactive": int(o["user_id"][i]),
            "createdAt": iso_ms(o["created_ms"][i]),
            "updatedAt": iso_ms(st["updated_ms"][i]),
            "archived": bool(st["archived"][i]),
            "teams": [
                {
                    "id": str(w.teams["id"].iat[team]),
                    "name": str(w.teams["name"].iat[team]),
                    "primary": True,
                }
            ],
        }

    # --- pipelines ----------------------------------------------------------------------------

    def _pipeline(self) -> dict:
        created = iso_ms(self.company.world.o["created_ms"].min())
        stages = [
            {
                "id": stage.id,
                "label": stage.label,
                "displayOrder": order,
                "metadata": {
                    "isClosed": "true" if stage.is_closed else "false",
                    "probability": stage.probability,
                },
                "archived": False,
                "createdAt": created,
                "updatedAt": created,
                "writePermissions": "CRUD_ALL",
            }
            for order, stage in enumerate(DEAL_STAGES)
        ]
        return {
            "id": PIPELINE_ID,
            "label": PIPELINE_LABEL,
            "displayOrder": 0,
            "archived": False,
            "createdAt": created,
            "updatedAt": created,
            "stages": stages,
        }

    def _pipelines(self, method, query, path, base_url, body) -> Response:
        return _json(200, {"results": [self._pipeline()]})

    def _pipeline_by_id(self, method, query, path, base_url, body, pipeline_id) -> Response:
        if pipeline_id != PIPELINE_ID:
            return error_body(404, "OBJECT_NOT_FOUND", f"Pipeline {pipeline_id} does not exist")
        return _json(200, self._pipeline())

    # --- objects: list and read ---------------------------------------------------------------

    def _record(
        self,
        kind: ObjectType,
        item: dict,
        props: list[str],
        history_props: list[str] | None,
        associations: list[str],
    ) -> dict:
        values = item["values"]
        record: dict = {"id": values["hs_object_id"], "properties": {p: values[p] for p in props}}
        if history_props is not None:
            user_id = self._user_id(values)
            record["propertiesWithHistory"] = {
                p: [
                    _change(v, ts, user_id)
                    for ts, v in reversed(kind.history(item["row"], p, item))
                ]
                for p in history_props
            }
        record["createdAt"] = values[kind.created_prop]
        record["updatedAt"] = iso_ms(item["modified"])
        archived = item["archived_ms"] >= 0
        record["archived"] = archived
        if archived:
            record["archivedAt"] = iso_ms(item["archived_ms"])
        if associations:
            found = {}
            for to in associations:
                ids = sorted(kind.associations(item["row"], to))
                if ids:
                    unlabeled, primary = _association_types(kind, to)
                    found[to] = {
                        "results": [
                            {"id": str(i), "type": name}
                            for i in ids
                            for _, name, _ in (
                                [primary, unlabeled]
                                if primary and kind.is_primary(item["row"], to, i)
                                else [unlabeled]
                            )
                        ]
                    }
            if found:
                record["associations"] = found
        return record

    def _user_id(self, values: dict) -> int:
        owner = values.get("hubspot_owner_id")
        w = self.company.world
        if owner is None:
            return int(w.o["user_id"][0])
        pos = int(np.searchsorted(w.o["id_num"], int(owner)))
        return int(w.o["user_id"][min(pos, w.o["user_id"].size - 1)])

    def _properties(
        self, kind: ObjectType, requested: list[str] | None, history: list[str]
    ) -> list[str]:
        wanted = set(kind.defaults if requested is None else requested)
        wanted |= set(kind.always) | set(history)
        return [p for p in kind.properties if p in wanted]

    def _read_params(self, kind: ObjectType, query: Query):
        requested = _csv_param(query, "properties")
        with_history = _csv_param(query, "propertiesWithHistory")
        history_props = None
        if with_history is not None:
            history_props = [p for p in dict.fromkeys(with_history) if p in kind.properties]
        associations = []
        for item in _csv_param(query, "associations") or []:
            name = resolve_type(item)
            if name is not None and name in kind.associable and name not in associations:
                associations.append(name)
        props = self._properties(kind, requested, history_props or [])
        return props, history_props, associations, with_history is not None

    def _list(self, method, query, path, base_url, body, name: str) -> Response:
        kind = self.object_type(name)
        props, history_props, associations, history = self._read_params(kind, query)
        maximum = OBJECTS_LIMIT_MAX_WITH_HISTORY if history else OBJECTS_LIMIT_MAX
        limit = _limit(query, OBJECTS_LIMIT_DEFAULT, maximum)
        rows = kind.listed(_flag(query, "archived"))
        ids = kind.all_ids()[rows]
        start = _start(query, ids)
        stop = min(start + limit, rows.size)
        next_id = int(ids[stop]) if stop < rows.size else None
        items = kind.page(rows[start:stop])
        results = [self._record(kind, it, props, history_props, associations) for it in items]
        return _json(200, self._paging({"results": results}, query, next_id, path, base_url))

    def _object_by_id(
        self, method, query, path, base_url, body, name: str, raw_id: str
    ) -> Response:
        kind = self.object_type(name)
        props, history_props, associations, _ = self._read_params(kind, query)
        id_property = query.get("idProperty", ["hs_object_id"])[-1]
        if id_property != "hs_object_id" or not raw_id.isdigit():
            return self._not_found(raw_id)
        archived = _flag(query, "archived")
        row = kind.find(int(raw_id), archived)
        if row is None and name == "deals" and not archived:
            row = self._merged_survivor(kind, int(raw_id))
        if row is None:
            return self._not_found(raw_id)
        [item] = kind.page(np.array([row]))
        return _json(200, self._record(kind, item, props, history_props, associations))

    def _merged_survivor(self, kind: ObjectType, object_id: int) -> int | None:
        """HubSpot answers a merged-away id with the record it was merged into."""
        w = self.company.world
        row = kind.find(object_id, archived=True)
        if row is None or w.d["merged_into"][row] < 0:
            return None
        survivor = int(w.d["merged_into"][row])
        return kind.find(int(w.d["id"][survivor]), archived=False)

    @staticmethod
    def _not_found(raw_id: str) -> Response:
        return error_body(
            404,
            "OBJECT_NOT_FOUND",
            "Object not found.  objectId are usually numeric.",
            context={"id": [raw_id]},
        )

    # --- batch reads ----------------------------------------------------------------------------

    @staticmethod
    def _batch_inputs(body: bytes, maximum: int) -> tuple[dict, list[str]]:
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            raise ApiError(400, "VALIDATION_ERROR", "Invalid input JSON on line 1") from None
        inputs = request.get("inputs") if isinstance(request, dict) else None
        if not isinstance(inputs, list) or not all(isinstance(i, dict) for i in inputs):
            raise ApiError(400, "VALIDATION_ERROR", "inputs must be a list of {id} objects")
        if len(inputs) > maximum:
            raise ApiError(
                400, "VALIDATION_ERROR", f"at most {maximum} inputs per batch, got {len(inputs)}"
            )
        return request, [str(i.get("id", "")) for i in inputs]

    def _batch_response(self, results: list[dict], missing: list[str]) -> Response:
        stamp = iso_ms(self.company.clock_ms)
        body: dict = {
            "status": "COMPLETE",
            "results": results,
            "startedAt": stamp,
            "completedAt": stamp,
        }
        if not missing:
            return _json(200, body)
        body["numErrors"] = 1
        body["errors"] = [
            {
                "status": "error",
                "category": "OBJECT_NOT_FOUND",
                "message": "Could not get some objects, they may be deleted or not exist.",
                "context": {"ids": missing},
            }
        ]
        return _json(207, body)  # HubSpot answers a partly failed batch with Multi-Status

    def _batch_read(self, method, query, path, base_url, body: bytes, name: str) -> Response:
        """POST /crm/v3/objects/{type}/batch/read: records by id, with history if asked."""
        kind = self.object_type(name)
        request, _ = self._batch_inputs(body, BATCH_READ_MAX)
        with_history = request.get("propertiesWithHistory") or []
        maximum = BATCH_READ_MAX_WITH_HISTORY if with_history else BATCH_READ_MAX
        request, ids = self._batch_inputs(body, maximum)
        history_props = [p for p in dict.fromkeys(with_history) if p in kind.properties]
        props = self._properties(kind, request.get("properties") or None, history_props)
        results, missing = [], []
        for raw_id in ids:
            row = kind.find(int(raw_id), archived=False) if raw_id.isdigit() else None
            if row is None:
                missing.append(raw_id)
                continue
            [item] = kind.page(np.array([row]))
            results.append(self._record(kind, item, props, history_props or None, []))
        return self._batch_response(results, missing)

    def _associations_batch(
        self, method, query, path, base_url, body: bytes, name: str, to: str
    ) -> Response:
        """POST /crm/v4/associations/{from}/{to}/batch/read: associated ids per record."""
        kind = self.object_type(name)
        _, ids = self._batch_inputs(body, ASSOCIATIONS_BATCH_MAX)
        if to not in kind.associable:
            raise ApiError(400, "VALIDATION_ERROR", f"{name} cannot be associated with {to}")
        unlabeled, primary = _association_types(kind, to)
        results, missing = [], []
        for raw_id in ids:
            row = kind.find(int(raw_id), archived=False) if raw_id.isdigit() else None
            if row is None:
                missing.append(raw_id)
                continue
            linked = sorted(kind.associations(row, to))
            if linked:  # HubSpot leaves records with no association out of the results
                results.append(
                    {
                        "from": {"id": raw_id},
                        "to": [
                            {
                                "toObjectId": int(i),
                                "associationTypes": [
                                    {"category": "HUBSPOT_DEFINED", "typeId": t, "label": label}
                                    for t, _, label in (
                                        [primary, unlabeled]
                                        if primary and kind.is_primary(row, to, i)
                                        else [unlabeled]
                                    )
                                ],
                            }
                            for i in linked
                        ],
                    }
                )
        return self._batch_response(results, missing)

    # --- search -------------------------------------------------------------------------------

    def _search(self, method, query, path, base_url, body: bytes, name: str) -> Response:
        kind = self.object_type(name)
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            raise ApiError(400, "VALIDATION_ERROR", "Invalid input JSON on line 1") from None
        if not isinstance(request, dict):
            raise ApiError(400, "VALIDATION_ERROR", "the search body must be a JSON object")
        if request.get("query"):
            raise ApiError(400, "VALIDATION_ERROR", "free-text query is not supported here")
        limit = request.get("limit", SEARCH_LIMIT_DEFAULT)
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise ApiError(400, "VALIDATION_ERROR", "limit must be a positive integer")
        if limit > SEARCH_LIMIT_MAX:
            raise ApiError(
                400, "VALIDATION_ERROR", f"limit must be at most {SEARCH_LIMIT_MAX}, got {limit}"
            )
        after_raw = request.get("after", "0") or "0"
        if not str(after_raw).isdigit():
            raise ApiError(400, "VALIDATION_ERROR", f"invalid paging cursor {after_raw!r}")
        after = int(after_raw)
        if after >= SEARCH_RESULT_CAP:
            raise ApiError(
                400,
                "VALIDATION_ERROR",
                f"Search results are limited to {SEARCH_RESULT_CAP} per query; narrow the "
                "filters (for example on the last modification date) instead of paging past it.",
            )
        requested = request.get("properties")
        if requested is not None and not (
            isinstance(requested, list) and all(isinstance(p, str) for p in requested)
        ):
            raise ApiError(400, "VALIDATION_ERROR", "properties must be a list of strings")

        matched = self._matching_rows(kind, request)
        total = int(matched.size)
        stop = min(after + limit, total, SEARCH_RESULT_CAP)
        rows = kind.listed(False)[matched[after:stop]]
        props = self._properties(kind, requested if requested else None, [])
        results = []
        for item in kind.page(rows):
            record = self._record(kind, item, props, None, [])
            results.append(record)
        response: dict = {"total": total, "results": results}
        if stop < total:
            response["paging"] = {"next": {"after": str(stop), "link": f"?after={stop}"}}
        return _json(200, response)

    def _matching_rows(self, kind: ObjectType, request: dict) -> np.ndarray:
        """Positions in kind.listed(False) that match, in the requested order (cached)."""
        key = json.dumps(
            [kind.name, request.get("filterGroups"), request.get("sorts")], sort_keys=True
        )
        with self._lock:
            cached = self._searches.get(key)
            if cached is not None:
                self._searches.move_to_end(key)
                return cached
        groups = request.get("filterGroups") or []
        if not isinstance(groups, list):
            raise ApiError(400, "VALIDATION_ERROR", "filterGroups must be a list")
        if len(groups) > MAX_FILTER_GROUPS:
            raise ApiError(
                400, "VALIDATION_ERROR", f"at most {MAX_FILTER_GROUPS} filterGroups are allowed"
            )
        n = kind.listed(False).size
        mask = np.zeros(n, dtype=bool) if groups else np.ones(n, dtype=bool)
        total_filters = 0
        for group in groups:
            filters = group.get("filters", []) if isinstance(group, dict) else None
            if not isinstance(filters, list):
                raise ApiError(400, "VALIDATION_ERROR", "each filterGroup needs a filters list")
            if len(filters) > MAX_FILTERS_PER_GROUP:
                raise ApiError(
                    400,
                    "VALIDATION_ERROR",
                    f"at most {MAX_FILTERS_PER_GROUP} filters are allowed per filterGroup",
                )
            total_filters += len(filters)
            group_mask = np.ones(n, dtype=bool)
            for spec in filters:
                group_mask &= self._filter(kind, spec)
            mask |= group_mask
        if total_filters > MAX_FILTERS:
            raise ApiError(400, "VALIDATION_ERROR", f"at most {MAX_FILTERS} filters are allowed")
        positions = np.flatnonzero(mask)
        positions = self._sort(kind, positions, request.get("sorts") or [])
        with self._lock:
            self._searches[key] = positions
            if len(self._searches) > 8:
                self._searches.popitem(last=False)
        return positions

    def _column(self, kind: ObjectType, prop: str) -> np.ndarray:
        if kind.name == "contacts" and prop == "hs_lastmodifieddate":
            raise ApiError(
                400,
                "VALIDATION_ERROR",
                "contacts keep their modification time in lastmodifieddate: filter and sort "
                "contacts on lastmodifieddate (HubSpot does not reliably search contacts on "
                "hs_lastmodifieddate)",
            )
        column = kind.vector(prop)
        if column is None:
            raise ApiError(
                400,
                "VALIDATION_ERROR",
                f"the demo company cannot search {kind.name} on {prop!r}; searchable: "
                f"hs_object_id, {kind.created_prop}, {kind.modified_prop}, hubspot_owner_id"
                + (", dealstage" if kind.name == "deals" else ""),
            )
        return column

    def _filter(self, kind: ObjectType, spec: object) -> np.ndarray:
        if not isinstance(spec, dict) or not isinstance(spec.get("propertyName"), str):
            raise ApiError(400, "VALIDATION_ERROR", "each filter needs a propertyName")
        prop, operator = spec["propertyName"], spec.get("operator", "EQ")
        if operator not in OPERATORS:
            raise ApiError(400, "VALIDATION_ERROR", f"unknown filter operator {operator!r}")
        column = self._column(kind, prop)
        if operator == "HAS_PROPERTY":
            return np.ones(column.size, dtype=bool)
        if operator == "NOT_HAS_PROPERTY":
            return np.zeros(column.size, dtype=bool)

        def value(raw: object) -> object:
            if raw is None:
                raise ApiError(400, "VALIDATION_ERROR", f"filter on {prop} needs a value")
            if column.dtype == object:
                return str(raw)
            try:
                if prop in (kind.created_prop, kind.modified_prop):
                    return parse_instant(str(raw))
                return int(str(raw))
            except ValueError:
                raise ApiError(
                    400, "VALIDATION_ERROR", f"{raw!r} is not a valid value for {prop}"
                ) from None

        if operator in ("IN", "NOT_IN"):
            values = spec.get("values")
            if not isinstance(values, list) or not values:
                raise ApiError(400, "VALIDATION_ERROR", f"{operator} needs a values list")
            hit = np.isin(column, np.array([value(v) for v in values], dtype=column.dtype))
            return hit if operator == "IN" else ~hit
        low = value(spec.get("value"))
        if operator == "BETWEEN":
            high = value(spec.get("highValue"))
            return (column >= low) & (column <= high)
        return {
            "EQ": lambda: column == low,
            "NEQ": lambda: column != low,
            "LT": lambda: column < low,
            "LTE": lambda: column <= low,
            "GT": lambda: column > low,
            "GTE": lambda: column >= low,
        }[operator]()

    def _sort(self, kind: ObjectType, positions: np.ndarray, sorts: object) -> np.ndarray:
        if not isinstance(sorts, list):
            raise ApiError(400, "VALIDATION_ERROR", "sorts must be a list")
        if len(sorts) > 1:
            raise ApiError(400, "VALIDATION_ERROR", "only one sort is allowed per search")
        if not sorts:
            return positions  # listed order = id order
        spec = sorts[0]
        if isinstance(spec, str):
            prop, descending = spec.lstrip("-"), spec.startswith("-")
        elif isinstance(spec, dict) and isinstance(spec.get("propertyName"), str):
            direction = str(spec.get("direction", "ASCENDING")).upper()
            if direction not in ("ASCENDING", "DESCENDING"):
                raise ApiError(400, "VALIDATION_ERROR", f"unknown sort direction {direction!r}")
            prop, descending = spec["propertyName"], direction == "DESCENDING"
        else:
            raise ApiError(400, "VALIDATION_ERROR", "each sort needs a propertyName")
        keys = self._column(kind, prop)[positions]
        if keys.dtype == object:
            keys = np.unique(keys.astype(str), return_inverse=True)[1]
        keys = keys.astype(np.int64)
        # Ties keep id order in either direction.
        return positions[np.lexsort((positions, -keys if descending else keys))]


def _association_types(kind: ObjectType, to: str) -> tuple[tuple, tuple | None]:
    """(unlabeled, primary or None), each as a (typeId, v3 name, v4 label) triple."""
    unlabeled_id, unlabeled_name, primary_id, primary_name, primary_label = ASSOCIATION_TYPES[
        (kind.name, to)
    ]
    unlabeled = (unlabeled_id, unlabeled_name, None)
    primary = (primary_id, primary_name, primary_label) if primary_id else None
    return unlabeled, primary
