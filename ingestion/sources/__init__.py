"""dlt sources, one package per source system."""
