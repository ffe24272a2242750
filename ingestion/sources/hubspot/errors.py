"""Errors the HubSpot source raises with a cause a person can act on, and never the token."""

from requests import HTTPError


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
                detail = f": {error.response.json().get('message', '')}"
            except ValueError:
                detail = ""
        reason = f"HubSpot answered HTTP {status}{detail}."
    return HubSpotSourceError(f"{reason} Request: {request}", status=status)
