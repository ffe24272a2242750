"""Which ingestion failures waiting may cure: shared by the orchestration's retry policy and by
an extraction run in a child process, which reports the answer with its error."""

import requests


def is_transient(error: BaseException) -> bool:
    """True when any error in the chain is one that waiting may cure."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        # Every source's own error (HubSpotSourceError, TypeformSourceError, ExtractionFailed)
        # knows whether it is transient: rate limits and server errors are; refused tokens and
        # bad input are not.
        if isinstance(getattr(current, "is_transient", None), bool):
            return current.is_transient
        if isinstance(current, requests.ConnectionError | requests.Timeout):
            return True
        current = current.__cause__ or current.__context__
    return False
