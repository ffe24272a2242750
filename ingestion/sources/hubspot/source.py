"""The `hubspot` dlt source: owners with teams, deal pipelines with stages, deals with stage history.

Follows HubSpot's CRM API v3 contract: cursor paging on `paging.next.after`, property values as
strings (cast in dbt staging, not here), bearer-token auth. Records are merged on `id`, so a
rerun updates rows in place instead of duplicating them.
"""

from collections.abc import Iterable, Iterator
from typing import Any

import dlt
from dlt.sources import DltResource
from dlt.sources.helpers.requests import Client
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import BearerTokenAuth
from dlt.sources.helpers.rest_client.paginators import JSONResponseCursorPaginator
from requests import HTTPError

from ingestion.sources.hubspot.errors import explain_http_error
from ingestion.sources.hubspot.settings import (
    DEAL_PROPERTIES,
    DEAL_PROPERTIES_WITH_HISTORY,
    DEALS_PAGE_SIZE,
    DEFAULT_BASE_URL,
    OWNERS_PAGE_SIZE,
)


@dlt.source(name="hubspot", max_table_nesting=2)
def hubspot_source(
    base_url: str = DEFAULT_BASE_URL,
    access_token: str = dlt.secrets.value,
) -> Iterable[DltResource]:
    """HubSpot CRM: owners (reps, with their teams), deal pipelines (with stages) and deals."""
    client = RESTClient(
        base_url=base_url.rstrip("/"),
        auth=BearerTokenAuth(access_token),
        paginator=JSONResponseCursorPaginator(
            cursor_path="paging.next.after", cursor_param="after"
        ),
        data_selector="results",
        # dlt's session retries 429 (honouring Retry-After) and 5xx with exponential backoff.
        session=Client(raise_for_status=False).session,
    )
    return (owners(client), deal_pipelines(client), deals(client))


def _paginate(client: RESTClient, path: str, params: dict[str, Any]) -> Iterator[list[dict]]:
    try:
        yield from client.paginate(path, params=params)
    except HTTPError as error:
        raise explain_http_error(error, path) from None


@dlt.resource(name="owners", write_disposition="merge", primary_key="id")
def owners(client: RESTClient) -> Iterator[list[dict]]:
    """Active and archived owners (reps who left still own history); their teams land in the
    child table `owners__teams`."""
    for archived in ("false", "true"):
        params = {"limit": OWNERS_PAGE_SIZE, "archived": archived}
        for page in _paginate(client, "/crm/v3/owners", params):
            yield [_with_owner_id_on_teams(owner) for owner in page]


@dlt.resource(name="deal_pipelines", write_disposition="merge", primary_key="id")
def deal_pipelines(client: RESTClient) -> Iterator[list[dict]]:
    """Deal pipelines; their stages (with `metadata.probability` and `metadata.isClosed`) land
    in the child table `deal_pipelines__stages`."""
    for page in _paginate(client, "/crm/v3/pipelines/deals", {}):
        yield [_with_pipeline_id_on_stages(pipeline) for pipeline in page]


@dlt.resource(name="deals", write_disposition="merge", primary_key="id")
def deals(client: RESTClient) -> Iterator[list[dict]]:
    """Deals with their properties as columns and their `dealstage` history in the child table
    `deals__stage_history` (one row per stage change)."""
    params = {
        "limit": DEALS_PAGE_SIZE,
        "archived": "false",
        "properties": ",".join(DEAL_PROPERTIES),
        "propertiesWithHistory": ",".join(DEAL_PROPERTIES_WITH_HISTORY),
    }
    for page in _paginate(client, "/crm/v3/objects/deals", params):
        yield [flatten_deal(deal) for deal in page]


def flatten_deal(deal: dict) -> dict:
    """One row per deal: properties become columns; the stage history keeps the deal id so that
    staging needs no join to the parent row."""
    history = (deal.get("propertiesWithHistory") or {}).get("dealstage") or []
    return {
        "id": deal["id"],
        **{name: deal["properties"].get(name) for name in DEAL_PROPERTIES},
        "created_at": deal.get("createdAt"),
        "updated_at": deal.get("updatedAt"),
        "archived": deal.get("archived", False),
        "stage_history": [
            {
                "deal_id": deal["id"],
                "stage_id": change.get("value"),
                "changed_at": change.get("timestamp"),
                "source_type": change.get("sourceType"),
            }
            for change in history
        ],
    }


# Child rows carry their parent's id so that staging reads them without a join.
def _with_owner_id_on_teams(owner: dict) -> dict:
    teams = [{**team, "owner_id": owner["id"]} for team in owner.get("teams") or []]
    return {**owner, "teams": teams}


def _with_pipeline_id_on_stages(pipeline: dict) -> dict:
    stages = [{**stage, "pipeline_id": pipeline["id"]} for stage in pipeline.get("stages", [])]
    return {**pipeline, "stages": stages}
