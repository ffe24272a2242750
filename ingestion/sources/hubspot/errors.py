"""Errors the HubSpot source raises with a cause a person can act on, and never the token."""

import re

from requests import HTTPError, Response


class HubSpotSourceError(RuntimeError):
    """The HubSpot API refused or failed a request that the load cannot do without."""

    def __init__(self, message: str, status: int | None = None, transient: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self._transient = transient

    @property
    def is_transient(self) -> bool:
        """Rate limits, server errors and unreachable hosts may pass; a refused token will not."""
        if self._transient:
            return True
        return self.status == 429 or (self.status is not None and self.status >= 500)


def explain_http_error(error: HTTPError, request: str) -> HubSpotSourceError:
    """Turn a failed request into an error that names the cause (not the credentials)."""
    status = error.response.status_code if error.response is not None else None
    if status == 401:
        reason = (
            "HubSpot rejected the access token (HTTP 401). Set sources.hubspot.access_token "
            "in .dlt/secrets.toml or SOURCES__HUBSPOT__ACCESS_TOKEN."
        )
    elif status == 403:
        reason = (
            "HubSpot refused access (HTTP 403): the private app lacks a scope this source "
            "reads (crm.objects.owners.read, crm.objects.deals.read, crm.objects.contacts.read, "
            "crm.objects.companies.read and the engagement scopes)."
        )
    elif status == 429:
        reason = "HubSpot kept rate-limiting the requests (HTTP 429) after every retry."
    elif status is not None and status >= 500:
        reason = f"HubSpot kept failing with HTTP {status} after every retry."
    else:
        detail = ""
        if error.response is not None:
            try:
                body = error.response.json()
                detail = f": {body.get('message', '')}" if isinstance(body, dict) else ""
            except ValueError:
                detail = (
                    " with a page that is not HubSpot's JSON (is sources.hubspot.base_url "
                    "HubSpot's API address?)"
                )
        reason = f"HubSpot answered HTTP {status}{detail}."
    return HubSpotSourceError(f"{reason} Request: {request}", status=status)


_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def not_json(response: Response, request: str, authorization: str) -> HubSpotSourceError:
    """A success status whose body is not a JSON object, after every retry: typically a proxy's
    or gateway's HTML page. Transient: such pages come and go. The page's title helps tell a
    captive portal from a gateway error; it is stripped of the credentials, should a page echo
    the request's headers."""
    content_type = response.headers.get("Content-Type") or "no content type"
    title = _TITLE.search(response.content[:65536])
    shown = ""
    if title:
        text = " ".join(title.group(1).decode("utf-8", "replace").split())[:120]
        token = authorization.partition(" ")[2]
        if token:
            text = text.replace(token, "***")
        shown = f", titled {text!r}"
    return HubSpotSourceError(
        f"HubSpot answered HTTP {response.status_code} with a body that is not JSON "
        f"({content_type}, {len(response.content)} bytes{shown}) after every retry. "
        f"Request: {request}",
        status=response.status_code,
        transient=True,
    )
