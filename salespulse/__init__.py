"""Settings shared by every layer of SalesPulse: ingestion, dbt and the orchestration."""
