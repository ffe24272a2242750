"""Errors the Typeform source raises with a cause a person can act on, and never the token."""

from requests import HTTPError


class TypeformSourceError(RuntimeError):
    """The Typeform API refused or failed a request that the load cannot do without, or the
    source is configured in a way it cannot load."""

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


def _api_code(error: HTTPError) -> tuple[str, str]:
    """Typeform's error body: {"code": ..., "description": ...} (either may be missing)."""
    if error.response is None:
        return "", ""
    try:
        body = error.response.json()
    except ValueError:
        return "", ""
    if not isinstance(body, dict):
        return "", ""
    return str(body.get("code") or ""), str(body.get("description") or "")


def explain_http_error(error: HTTPError, request: str, form_id: str | None) -> TypeformSourceError:
    """Turn a failed request into an error that names the cause (not the credentials)."""
    status = error.response.status_code if error.response is not None else None
    code, description = _api_code(error)
    if status == 401:
        reason = (
            "Typeform rejected the access token (HTTP 401). Set sources.typeform.access_token "
            "in .dlt/secrets.toml or SOURCES__TYPEFORM__ACCESS_TOKEN to a personal access "
            "token with the forms:read and responses:read scopes."
        )
    elif status == 403:
        reason = (
            "Typeform refused access (HTTP 403): the access token lacks the forms:read or "
            "responses:read scope"
            + (f", or form {form_id!r} belongs to a workspace it cannot read." if form_id else ".")
        )
    elif status == 404 and form_id is not None:
        reason = (
            f"Typeform has no form {form_id!r} that this token can read (HTTP 404"
            + (f" {code}" if code else "")
            + "). Check sources.typeform.form_ids (SOURCES__TYPEFORM__FORM_IDS) and "
            "sources.typeform.base_url (EU accounts use https://api.eu.typeform.com)."
        )
    elif status == 429:
        reason = "Typeform kept rate-limiting the requests (HTTP 429) after every retry."
    elif status is not None and status >= 500:
        reason = f"Typeform kept failing with HTTP {status} after every retry."
    else:
        detail = f" {code}: {description}" if code or description else ""
        reason = f"Typeform answered HTTP {status}{detail}."
    return TypeformSourceError(f"{reason} Request: {request}", status=status)
