"""What the HubSpot source asks the CRM API v3 for."""

DEFAULT_BASE_URL = "https://api.hubapi.com"

# Page sizes: the objects endpoints cap `limit` at 100, and at 50 once
# `propertiesWithHistory` is requested; owners allow 500.
OWNERS_PAGE_SIZE = 500
DEALS_PAGE_SIZE = 50

DEAL_PROPERTIES = (
    "dealname",
    "amount",
    "deal_currency_code",
    "dealstage",
    "pipeline",
    "closedate",
    "createdate",
    "hubspot_owner_id",
    "hs_lastmodifieddate",
)
DEAL_PROPERTIES_WITH_HISTORY = ("dealstage",)
