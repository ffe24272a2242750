"""A thin client for Typeform's Create (form definitions) and Responses APIs. dlt's requests
session does the retrying: 429 (honouring Retry-After), 5xx, dropped connections and a success
whose body is not a JSON object (a proxy's HTML page), with exponential backoff, as set in
dlt's [runtime] configuration. Requests are counted, so loads can report what they cost.

Every error names the configured base URL and the request's path, never the token.
"""

from collections.abc import Iterator
from typing import Any

import orjson
from dlt.sources.helpers.requests import Client
from requests import HTTPError, RequestException, Response
from requests.exceptions import InvalidSchema, InvalidURL, MissingSchema

from ingestion.sources.typeform.errors import TypeformSourceError, explain_http_error

# The parsed body of a response, kept on it by the retry check so it is decoded once.
_PARSED = "_salespulse_json"


def body_is_not_json(response: Response | None, exception: BaseException | None) -> bool:
    """Retry condition: a success whose body is not a JSON object (Typeform always sends one)."""
    if response is None or not 200 <= response.status_code < 300:
        return False
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return True
    setattr(response, _PARSED, body)
    return not isinstance(body, dict)


class TypeformClient:
    def __init__(self, base_url: str, access_token: str, page_size: int) -> None:
        self.base_url = base_url.rstrip("/")
        self.page_size = page_size
        client = Client(raise_for_status=False, retry_condition=body_is_not_json)
        client.configure()  # request attempts, backoff and timeout from dlt's [runtime]
        self.session = client.session
        self.session.headers["Authorization"] = f"Bearer {access_token}"
        self.requests_made = 0

    def _get(self, path: str, params: dict[str, Any], form_id: str | None) -> dict:
        self.requests_made += 1
        request = f"GET {self.base_url}{path}"
        try:
            response: Response = self.session.get(self.base_url + path, params=params)
            response.raise_for_status()
        except HTTPError as error:
            raise explain_http_error(error, request, form_id) from None
        except (MissingSchema, InvalidSchema, InvalidURL):
            raise TypeformSourceError(
                f"the Typeform base URL {self.base_url!r} is not an http(s) URL: set "
                "sources.typeform.base_url (SOURCES__TYPEFORM__BASE_URL), e.g. "
                "https://api.typeform.com"
            ) from None
        except RequestException as error:
            # The message of a connection error names the host, never the headers.
            raise TypeformSourceError(
                f"Typeform could not be reached at {self.base_url} ({type(error).__name__}) "
                f"for {request}, after every retry",
                status=None,
                transient=True,
            ) from error
        body = getattr(response, _PARSED, None)
        if body is None and not body_is_not_json(response, None):
            body = getattr(response, _PARSED)
        if not isinstance(body, dict):
            content_type = response.headers.get("Content-Type") or "no content type"
            raise TypeformSourceError(
                f"Typeform answered HTTP {response.status_code} with a body that is not a JSON "
                f"object ({content_type}, {len(response.content)} bytes) after every retry. "
                f"Request: {request}",
                status=response.status_code,
                transient=True,
            )
        return body

    def form(self, form_id: str) -> dict:
        """The form's definition: title, fields (with types and properties), hidden fields."""
        return self._get(f"/forms/{form_id}", {}, form_id)

    def responses(self, form_id: str, since_s: int | None) -> Iterator[list[dict]]:
        """Completed responses submitted at or after `since_s` (unix seconds; all when None),
        newest first, page by page.

        Pages follow Typeform's documented traversal: the default order (newest submission
        first) and `before` = the token of the last response of the previous page, which
        walks the whole set once without repeats.
        """
        path = f"/forms/{form_id}/responses"
        params: dict[str, Any] = {"page_size": self.page_size, "response_type": "completed"}
        if since_s is not None:
            params["since"] = since_s
        seen_tokens: set[str] = set()
        while True:
            body = self._get(path, params, form_id)
            items = body.get("items") or []
            if items:
                yield items
            total = body.get("total_items")
            if not items:
                return
            if isinstance(total, int) and len(items) >= total:
                return
            if total is None and len(items) < self.page_size:
                return
            token = items[-1].get("token") or items[-1].get("response_id")
            if not token or token in seen_tokens:
                raise TypeformSourceError(
                    f"Typeform's paging of form {form_id!r} did not move past response "
                    f"{token!r}; the responses cannot be walked without repeats"
                )
            seen_tokens.add(token)
            params["before"] = token
