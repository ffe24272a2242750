"""HubSpot CRM v3 contract over a Company: routing, auth, paging and JSON, no sockets.

`HubSpotApi.handle` maps one request to (status, JSON bytes); server.py puts it on HTTP.
Pages are sliced from the company's frames and only that page's rows become dicts.
"""

from __future__ import annotations

import hmac
import json
import uuid
from collections.abc import Callable, Mapping
from urllib.parse import parse_qs, urlencode, urlsplit

import numpy as np

from simulator.company import Company
from simulator.deals import deal_name
from simulator.stages import DEAL_STAGES, PIPELINE_ID, PIPELINE_LABEL, STAGE_IDS
from simulator.timeutil import iso_ms

OWNERS_LIMIT_DEFAULT, OWNERS_LIMIT_MAX = 100, 500
DEALS_LIMIT_DEFAULT, DEALS_LIMIT_MAX = 10, 100
DEALS_LIMIT_MAX_WITH_HISTORY = 50

DEAL_PROPERTIES = (
    "amount",
    "closedate",
    "createdate",
    "deal_currency_code",
    "dealname",
    "dealstage",
    "hs_lastmodifieddate",
    "hs_object_id",
    "hubspot_owner_id",
    "pipeline",
)
ALWAYS_RETURNED = ("createdate", "hs_lastmodifieddate", "hs_object_id")
# What HubSpot returns for deals when the request names no properties at all.
DEFAULT_DEAL_PROPERTIES = (
    "amount",
    "closedate",
    "createdate",
    "dealname",
    "dealstage",
    "hs_lastmodifieddate",
    "hs_object_id",
    "pipeline",
)
AUTH_MESSAGE = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you "
    "can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)

Response = tuple[int, bytes]
Query = dict[str, list[str]]


class ApiError(Exception):
    def __init__(self, status: int, category: str, message: str) -> None:
        super().__init__(message)
        self.status, self.category, self.message = status, category, message


def _json(status: int, body: object) -> Response:
    return status, json.dumps(body, separators=(",", ":")).encode()


def _error(status: int, category: str, message: str) -> Response:
    body = {
        "status": "error",
        "message": message,
        "correlationId": str(uuid.uuid4()),
        "category": category,
    }
    return _json(status, body)


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


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


class HubSpotApi:
    """The demo company's HubSpot: `handle(method, target, headers, base_url)`."""

    def __init__(self, company: Company, token: str) -> None:
        self.company = company
        self._token = token
        self._routes: dict[tuple[str, str], Callable[[Query, str, str], Response]] = {
            ("GET", "/crm/v3/owners"): self._owners,
            ("GET", "/crm/v3/owners/"): self._owners,
            ("GET", "/crm/v3/objects/deals"): self._deals,
            ("GET", "/crm/v3/pipelines/deals"): self._pipelines,
        }
        owners = company.owners
        self._owner_ids = owners["id"].to_numpy()
        self._owner_user_ids = owners["user_id"].to_numpy()
        self._team_ids = company.teams["id"].to_numpy()
        self._team_names = company.teams["name"].to_numpy()
        deals = company.deals
        self._deal_ids = deals["id"].to_numpy()
        self._deal_cols = {name: deals[name].to_numpy() for name in deals.columns}

    def handle(
        self, method: str, target: str, headers: Mapping[str, str], base_url: str
    ) -> Response:
        if not self._authorised(headers):
            return _error(401, "INVALID_AUTHENTICATION", AUTH_MESSAGE)
        url = urlsplit(target)
        route = self._routes.get((method, url.path))
        if route is None:
            if any(path == url.path for _, path in self._routes):
                return _error(405, "VALIDATION_ERROR", f"{method} is not allowed on {url.path}")
            return _error(404, "OBJECT_NOT_FOUND", f"No route for {method} {url.path}")
        try:
            return route(parse_qs(url.query, keep_blank_values=True), url.path, base_url)
        except ApiError as exc:
            return _error(exc.status, exc.category, exc.message)

    def _authorised(self, headers: Mapping[str, str]) -> bool:
        lowered = {key.lower(): value for key, value in headers.items()}
        scheme, _, token = lowered.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode(), self._token.encode()
        )

    @staticmethod
    def _paging(body: dict, query: Query, next_id: int | None, path: str, base_url: str) -> dict:
        if next_id is not None:  # HubSpot omits `paging` on the last page
            params = [(k, v) for k, values in query.items() if k != "after" for v in values]
            link = f"{base_url}{path}?{urlencode([*params, ('after', next_id)])}"
            body["paging"] = {"next": {"after": str(next_id), "link": link}}
        return body

    def _owners(self, query: Query, path: str, base_url: str) -> Response:
        limit = _limit(query, OWNERS_LIMIT_DEFAULT, OWNERS_LIMIT_MAX)
        owners = self.company.owners
        mask = owners["archived"].to_numpy() == _flag(query, "archived")
        email = query.get("email", [""])[-1]
        if email:
            mask &= owners["email"].to_numpy() == email
        rows = np.flatnonzero(mask)
        ids = owners["id_num"].to_numpy()[rows]
        start = _start(query, ids)
        page = rows[start : start + limit]
        next_id = int(ids[start + limit]) if start + limit < rows.size else None
        results = [self._owner(int(i)) for i in page]
        return _json(200, self._paging({"results": results}, query, next_id, path, base_url))

    def _owner(self, i: int) -> dict:
        o = self.company.owners.iloc[i]
        team = int(o["team_idx"])
        return {
            "id": o["id"],
            "email": o["email"],
            "type": "PERSON",
            "firstName": o["first_name"],
            "lastName": o["last_name"],
            "userId": int(o["user_id"]),
            "userIdIncludingInactive": int(o["user_id"]),
            "createdAt": iso_ms(o["created_ms"]),
            "updatedAt": iso_ms(o["updated_ms"]),
            "archived": bool(o["archived"]),
            "teams": [
                {"id": str(self._team_ids[team]), "name": self._team_names[team], "primary": True}
            ],
        }

    def _deals(self, query: Query, path: str, base_url: str) -> Response:
        requested = _csv_param(query, "properties")
        with_history = _csv_param(query, "propertiesWithHistory")
        history_props = [p for p in dict.fromkeys(with_history or []) if p in DEAL_PROPERTIES]
        maximum = DEALS_LIMIT_MAX_WITH_HISTORY if with_history else DEALS_LIMIT_MAX
        limit = _limit(query, DEALS_LIMIT_DEFAULT, maximum)
        if _flag(query, "archived"):  # the demo company never deletes deals
            return _json(200, {"results": []})

        wanted = set(DEFAULT_DEAL_PROPERTIES if requested is None else requested)
        wanted |= set(ALWAYS_RETURNED) | set(history_props)
        props = [p for p in DEAL_PROPERTIES if p in wanted]

        start = _start(query, self._deal_ids)
        stop = min(start + limit, self._deal_ids.size)
        next_id = int(self._deal_ids[stop]) if stop < self._deal_ids.size else None
        history = with_history is not None
        results = [self._deal(i, props, history_props, history) for i in range(start, stop)]
        return _json(200, self._paging({"results": results}, query, next_id, path, base_url))

    def _deal(self, i: int, props: list[str], history_props: list[str], history: bool) -> dict:
        c = self._deal_cols
        owner = int(c["owner_idx"][i])
        values = self._deal_values(i, owner)
        record: dict = {"id": values["hs_object_id"], "properties": {p: values[p] for p in props}}
        if history:
            record["propertiesWithHistory"] = {
                p: self._history(i, p, values, owner) for p in history_props
            }
        record["createdAt"] = values["createdate"]
        record["updatedAt"] = values["hs_lastmodifieddate"]
        record["archived"] = False
        return record

    def _deal_values(self, i: int, owner: int) -> dict[str, str | None]:
        c = self._deal_cols
        return {
            "amount": _money(int(c["amount_cents"][i])),
            "closedate": iso_ms(c["close_date_ms"][i]),
            "createdate": iso_ms(c["created_ms"][i]),
            "deal_currency_code": "USD",
            "dealname": deal_name(c["account_idx"][i], c["suffix_idx"][i], c["product_idx"][i]),
            "dealstage": STAGE_IDS[c["stage_idx"][i]],
            "hs_lastmodifieddate": iso_ms(c["last_modified_ms"][i]),
            "hs_object_id": str(c["id"][i]),
            "hubspot_owner_id": str(self._owner_ids[owner]),
            "pipeline": PIPELINE_ID,
        }

    def _history(self, i: int, prop: str, values: dict, owner: int) -> list[dict]:
        """Newest first, as HubSpot returns it; only dealstage changes more than once here."""
        c = self._deal_cols
        if prop == "dealstage":
            n_open = int(c["n_open_entered"][i])
            changes = [(STAGE_IDS[k], self.company.stage_entered_ms[i, k]) for k in range(n_open)]
            if c["closed_ms"][i] >= 0:
                changes.append((STAGE_IDS[c["stage_idx"][i]], c["closed_ms"][i]))
        elif prop == "closedate" and c["closed_ms"][i] >= 0:
            changes = [(values[prop], c["closed_ms"][i])]
        elif prop == "hs_lastmodifieddate":
            changes = [(values[prop], c["last_modified_ms"][i])]
        else:
            changes = [(values[prop], c["created_ms"][i])]
        user_id = int(self._owner_user_ids[owner])
        return [
            {
                "value": value,
                "timestamp": iso_ms(ts),
                "sourceType": "CRM_UI",
                "sourceId": f"userId:{user_id}",
                "updatedByUserId": user_id,
            }
            for value, ts in reversed(changes)
        ]

    def _pipelines(self, query: Query, path: str, base_url: str) -> Response:
        created = iso_ms(self.company.owners["created_ms"].min())
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
        pipeline = {
            "id": PIPELINE_ID,
            "label": PIPELINE_LABEL,
            "displayOrder": 0,
            "archived": False,
            "createdAt": created,
            "updatedAt": created,
            "stages": stages,
        }
        return _json(200, {"results": [pipeline]})
