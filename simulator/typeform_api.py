"""Typeform Create/Responses API contract over the company's surveys at its clock.

GET /forms, GET /forms/{form_id}, GET /forms/{form_id}/responses with page_size (max 1000),
since/until (inclusive; unix seconds or ISO 8601), before/after response tokens (exclusive),
sort=submitted_at,{asc|desc} and completed. Default order is newest first; `after` returns the
responses after a token oldest first and `before` those before it newest first, so either walks
the whole set without repeats (as Typeform documents). Bearer-token auth.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import math
import re
from collections.abc import Mapping
from urllib.parse import parse_qs, urlsplit

import numpy as np

from simulator.company import Company
from simulator.surveys import SURVEYS, Survey, comment_text
from simulator.timeutil import iso_s

PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX = 25, 1000
FORMS_PAGE_SIZE_DEFAULT, FORMS_PAGE_SIZE_MAX = 10, 200
DISPLAY = "https://salespulse-demo.typeform.com/to/"
_FORM_PATH = re.compile(r"^/forms/([^/]+)(/responses)?/?$")

Response = tuple[int, bytes]


class TypeformError(Exception):
    def __init__(self, status: int, code: str, description: str, field: str | None = None):
        super().__init__(description)
        self.status, self.code, self.description, self.field = status, code, description, field


def _json(status: int, body: object) -> Response:
    return status, json.dumps(body, separators=(",", ":")).encode()


def error_body(status: int, code: str, description: str, field: str | None = None) -> Response:
    body: dict = {"code": code, "description": description}
    if field is not None:
        body["details"] = [
            {"code": code, "description": description, "field": field, "in": "query"}
        ]
    return _json(status, body)


def _parse_time(raw: str, name: str) -> int:
    """Epoch ms from unix seconds or ISO 8601 (UTC, to the second)."""
    text = raw.strip()
    try:
        if text.isdigit():
            return int(text) * 1000
        parsed = dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        raise TypeformError(
            400, "VALIDATION_ERROR", f"{name} must be unix seconds or ISO 8601", name
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return int(parsed.timestamp()) * 1000


class TypeformApi:
    """The demo company's Typeform at the company's clock."""

    def __init__(self, company: Company, token: str) -> None:
        self.company = company
        self._token = token
        self._forms = {s.form_id: (i, s) for i, s in enumerate(SURVEYS)}
        self._rows: dict[int, np.ndarray] = {}
        self._tokens: dict[int, dict[str, int]] = {}

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
            return error_body(
                401,
                "AUTHENTICATION_FAILED",
                "Authentication credentials not found on the Request Headers",
            )
        url = urlsplit(target)
        query = parse_qs(url.query, keep_blank_values=True)
        try:
            if url.path in ("/forms", "/forms/"):
                self._allow(method, url.path)
                return self._list_forms(query, base_url)
            match = _FORM_PATH.match(url.path)
            if match is None:
                return error_body(404, "NOT_FOUND", f"No route for {method} {url.path}")
            self._allow(method, url.path)
            form_id = match.group(1)
            if form_id not in self._forms:
                return error_body(404, "FORM_NOT_FOUND", f"Non existing form with uid {form_id}")
            if match.group(2):
                return self._responses(form_id, query)
            return _json(200, self._form(form_id, base_url))
        except TypeformError as exc:
            return error_body(exc.status, exc.code, exc.description, exc.field)

    @staticmethod
    def _allow(method: str, path: str) -> None:
        if method != "GET":
            raise TypeformError(405, "METHOD_NOT_ALLOWED", f"{method} is not allowed on {path}")

    def _created(self) -> str:
        return iso_s(self.company.world.window_start_ms)

    def _list_forms(self, query: dict, base_url: str) -> Response:
        page_size = self._int(query, "page_size", FORMS_PAGE_SIZE_DEFAULT, FORMS_PAGE_SIZE_MAX)
        page = self._int(query, "page", 1, 1_000_000)
        items = [
            {
                "id": s.form_id,
                "title": s.title,
                "created_at": self._created(),
                "last_updated_at": self._created(),
                "settings": {"is_public": True, "is_trial": False},
                "self": {"href": f"{base_url}/forms/{s.form_id}"},
                "theme": {"href": f"{base_url}/themes/qHWOQ7"},
                "_links": {"display": f"{DISPLAY}{s.form_id}"},
            }
            for s in SURVEYS
        ]
        chunk = items[(page - 1) * page_size : page * page_size]
        body = {
            "total_items": len(items),
            "page_count": max(1, math.ceil(len(items) / page_size)),
            "items": chunk,
        }
        return _json(200, body)

    def _form(self, form_id: str, base_url: str) -> dict:
        _, survey = self._forms[form_id]
        return {
            "id": survey.form_id,
            "type": "form",
            "title": survey.title,
            "workspace": {"href": f"{base_url}/workspaces/SalesPulse"},
            "theme": {"href": f"{base_url}/themes/qHWOQ7"},
            "settings": {
                "language": "en",
                "progress_bar": "proportion",
                "show_progress_bar": True,
                "is_public": True,
                "is_trial": False,
                "meta": {"allow_indexing": False},
            },
            "welcome_screens": [],
            "thankyou_screens": [
                {
                    "id": "DefaultTyScreen",
                    "ref": "default_tys",
                    "title": "Thanks for your answers - they are anonymous.",
                    "type": "thankyou_screen",
                    "properties": {"show_button": False, "share_icons": False},
                }
            ],
            "fields": [self._field(q) for q in survey.questions],
            "hidden": ["team", "wave"],
            "created_at": self._created(),
            "last_updated_at": self._created(),
            "published_at": self._created(),
            "_links": {"display": f"{DISPLAY}{survey.form_id}"},
        }

    @staticmethod
    def _field(q) -> dict:
        if q.type == "opinion_scale":
            properties = {
                "steps": q.steps,
                "start_at_one": q.scale[0] == 1,
                "labels": {
                    "left": "Strongly disagree",
                    "center": "Neutral",
                    "right": "Strongly agree",
                },
            }
        elif q.type == "nps":
            properties = {
                "steps": 11,
                "start_at_one": False,
                "labels": {
                    "left": "Not at all likely",
                    "center": "Neutral",
                    "right": "Extremely likely",
                },
            }
        else:
            properties = {}
        return {
            "id": q.field_id,
            "title": q.title,
            "ref": q.ref,
            "properties": properties,
            "validations": {"required": q.type != "long_text"},
            "type": q.type,
        }

    @staticmethod
    def _int(query: dict, name: str, default: int, maximum: int) -> int:
        raw = query.get(name, [""])[-1]
        if raw == "":
            return default
        if not raw.isdigit() or int(raw) < 1:
            raise TypeformError(400, "VALIDATION_ERROR", f"{name} must be a positive integer", name)
        if int(raw) > maximum:
            raise TypeformError(
                400, "VALIDATION_ERROR", f"{name} must be less than or equal to {maximum}", name
            )
        return int(raw)

    def _form_rows(self, survey_idx: int) -> np.ndarray:
        """Rows of the form's responses submitted by the clock, oldest first."""
        if survey_idx not in self._rows:
            r = self.company.world.responses
            mine = np.flatnonzero(r["survey_idx"].to_numpy() == survey_idx)
            submitted = r["submitted_ms"].to_numpy()[mine]
            self._rows[survey_idx] = mine[submitted <= self.company.clock_ms]
        return self._rows[survey_idx]

    def _position(self, survey_idx: int, token: str, name: str) -> int:
        if survey_idx not in self._tokens:
            tokens = self.company.world.responses["token"].to_numpy()[self._form_rows(survey_idx)]
            self._tokens[survey_idx] = {t: i for i, t in enumerate(tokens)}
        try:
            return self._tokens[survey_idx][token]
        except KeyError:
            raise TypeformError(
                400, "VALIDATION_ERROR", f"{name} is not a response token of this form", name
            ) from None

    def _responses(self, form_id: str, query: dict) -> Response:
        survey_idx, survey = self._forms[form_id]
        page_size = self._int(query, "page_size", PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX)
        rows = self._form_rows(survey_idx)
        submitted = self.company.world.responses["submitted_ms"].to_numpy()[rows]
        lo, hi = 0, rows.size
        if since := query.get("since", [""])[-1]:
            lo = max(lo, int(np.searchsorted(submitted, _parse_time(since, "since"), "left")))
        if until := query.get("until", [""])[-1]:
            hi = min(
                hi, int(np.searchsorted(submitted, _parse_time(until, "until") + 999, "right"))
            )
        after, before = query.get("after", [""])[-1], query.get("before", [""])[-1]
        sort = query.get("sort", [""])[-1]
        if (after or before) and sort:
            raise TypeformError(
                400, "VALIDATION_ERROR", "sort cannot be used together with before or after", "sort"
            )
        if after and before:
            raise TypeformError(400, "VALIDATION_ERROR", "use either before or after", "after")
        completed = query.get("completed", [""])[-1].lower()
        if completed not in ("", "true", "false"):
            raise TypeformError(
                400, "VALIDATION_ERROR", "completed must be true or false", "completed"
            )
        ascending = False
        if after:
            lo = max(lo, self._position(survey_idx, after, "after") + 1)
            ascending = True
        if before:
            hi = min(hi, self._position(survey_idx, before, "before"))
        if sort:
            field, _, direction = sort.partition(",")
            if field != "submitted_at" or direction not in ("", "asc", "desc"):
                raise TypeformError(
                    400,
                    "VALIDATION_ERROR",
                    "sort must be submitted_at,asc or submitted_at,desc",
                    "sort",
                )
            ascending = direction == "asc"
        selected = rows[lo : max(lo, hi)]
        if completed == "false":  # every demo response is complete
            selected = selected[:0]
        ordered = selected if ascending else selected[::-1]
        page = ordered[:page_size]
        body = {
            "total_items": int(selected.size),
            "page_count": max(1, math.ceil(selected.size / page_size)),
            "items": [self._item(survey, int(i)) for i in page],
        }
        return _json(200, body)

    def _item(self, survey: Survey, row: int) -> dict:
        w = self.company.world
        r = w.responses
        token = str(r["token"].iat[row])
        team_wave = int(r["team_wave"].iat[row])
        answers = []
        for q_idx, q in enumerate(survey.questions):
            field = {"id": q.field_id, "type": q.type, "ref": q.ref}
            if q.type == "long_text":
                text_idx = int(r["text_idx"].iat[row])
                if text_idx >= 0:
                    answers.append({"field": field, "type": "text", "text": comment_text(text_idx)})
            else:
                answers.append(
                    {"field": field, "type": "number", "number": int(r[f"a{q_idx}"].iat[row])}
                )
        return {
            "landing_id": token,
            "token": token,
            "response_id": token,
            "response_type": "completed",
            "landed_at": iso_s(r["landed_ms"].iat[row]),
            "submitted_at": iso_s(r["submitted_ms"].iat[row]),
            "metadata": {
                "user_agent": "Mozilla/5.0 (SalesPulse demo)",
                "platform": "other",
                "referer": f"{DISPLAY}{survey.form_id}",
                "network_id": token[:10],
                "browser": "default",
            },
            "hidden": {
                "team": str(w.teams["id"].iat[int(r["team_idx"].iat[row])]),
                "wave": str(w.team_waves["wave"].iat[team_wave]),
            },
            "calculated": {"score": 0},
            "answers": answers,
        }
