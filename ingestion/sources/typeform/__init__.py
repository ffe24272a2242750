"""Typeform Responses API source: survey forms, questions, responses and answers."""

from ingestion.sources.typeform.errors import TypeformSourceError
from ingestion.sources.typeform.source import typeform_source

__all__ = ["TypeformSourceError", "typeform_source"]
