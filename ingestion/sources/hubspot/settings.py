"""What the HubSpot source asks the CRM API v3 for, object type by object type."""

from dataclasses import dataclass

DEFAULT_BASE_URL = "https://api.hubapi.com"

OWNERS_PAGE_SIZE = 500
# The objects list endpoints cap `limit` at 100, and at 50 once `propertiesWithHistory` is asked.
LIST_PAGE_SIZE = 100
LIST_PAGE_SIZE_WITH_HISTORY = 50
SEARCH_PAGE_SIZE = 200
# The search endpoint returns at most 10,000 results per query, whatever the paging says.
SEARCH_RESULT_CAP = 10_000
BATCH_READ_SIZE = 100
BATCH_READ_SIZE_WITH_HISTORY = 50
ASSOCIATIONS_BATCH_SIZE = 1_000


@dataclass(frozen=True)
class CrmObject:
    """One CRM object type: the properties loaded, the one whose changes drive incremental
    loads, the properties whose history is loaded, and the object types it is associated to."""

    name: str
    properties: tuple[str, ...]
    modified_property: str = "hs_lastmodifieddate"
    history: tuple[str, ...] = ()
    associations: tuple[str, ...] = ()

    @property
    def list_page_size(self) -> int:
        return LIST_PAGE_SIZE_WITH_HISTORY if self.history else LIST_PAGE_SIZE

    @property
    def batch_read_size(self) -> int:
        return BATCH_READ_SIZE_WITH_HISTORY if self.history else BATCH_READ_SIZE


_ENGAGEMENT_COMMON = ("hs_timestamp", "hubspot_owner_id", "hs_createdate", "hs_lastmodifieddate")
_ENGAGEMENT_ASSOCIATIONS = ("contacts", "companies", "deals")

CRM_OBJECTS: tuple[CrmObject, ...] = (
    CrmObject(
        "companies",
        (
            "name", "domain", "industry", "country", "segment", "numberofemployees",
            "lifecyclestage", "hubspot_owner_id", "createdate", "hs_lastmodifieddate",
        ),
    ),
    CrmObject(
        "contacts",
        (
            "firstname", "lastname", "email", "jobtitle", "company", "lifecyclestage",
            "hs_lead_status", "hs_analytics_source", "hubspot_owner_id", "associatedcompanyid",
            "hs_lifecyclestage_lead_date", "hs_lifecyclestage_marketingqualifiedlead_date",
            "hs_lifecyclestage_salesqualifiedlead_date", "hs_lifecyclestage_opportunity_date",
            "hs_lifecyclestage_customer_date", "createdate", "lastmodifieddate",
            # How the contact came in: hs_object_source CRM_UI is a contact a user (a rep)
            # created by hand; older records say it in hs_analytics_source_data_1.
            "hs_object_source", "hs_analytics_source_data_1",
        ),
        # Contacts carry their last change in `lastmodifieddate`, not hs_lastmodifieddate.
        modified_property="lastmodifieddate",
        associations=("companies", "deals"),
    ),
    CrmObject(
        "deals",
        (
            "dealname", "amount", "deal_currency_code", "dealstage", "pipeline", "closedate",
            "createdate", "hubspot_owner_id", "hs_analytics_source", "hs_merged_object_ids",
            "dealtype", "hs_lastmodifieddate", "hs_forecast_category", "closed_lost_reason",
        ),
        # The pipeline as it was: every value these had, with when it was set (at most 50
        # records a request once history is asked for: LIST/BATCH_READ_SIZE_WITH_HISTORY).
        history=("dealstage", "amount", "closedate", "hubspot_owner_id", "hs_forecast_category"),
        associations=("contacts", "companies"),
    ),
    CrmObject(
        "calls",
        (*_ENGAGEMENT_COMMON, "hs_call_direction", "hs_call_duration", "hs_call_status"),
        associations=_ENGAGEMENT_ASSOCIATIONS,
    ),
    CrmObject(
        "emails",
        (*_ENGAGEMENT_COMMON, "hs_email_direction", "hs_email_subject", "hs_email_status"),
        associations=_ENGAGEMENT_ASSOCIATIONS,
    ),
    CrmObject(
        "meetings",
        (
            *_ENGAGEMENT_COMMON, "hs_meeting_outcome", "hs_meeting_start_time",
            "hs_meeting_end_time",
            # Who booked it: MEETINGS_PUBLIC / MEETINGS_EMBEDDED is the prospect, through a
            # scheduling page; CRM_UI, calendar sync and integrations are the rep.
            "hs_meeting_source",
        ),
        associations=_ENGAGEMENT_ASSOCIATIONS,
    ),
    CrmObject(
        "tasks",
        (*_ENGAGEMENT_COMMON, "hs_task_type", "hs_task_status", "hs_task_subject"),
        associations=_ENGAGEMENT_ASSOCIATIONS,
    ),
)  # fmt: skip
