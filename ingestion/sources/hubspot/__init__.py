"""HubSpot CRM API v3 source."""

from ingestion.sources.hubspot.errors import HubSpotSourceError
from ingestion.sources.hubspot.source import hubspot_source

__all__ = ["HubSpotSourceError", "hubspot_source"]
