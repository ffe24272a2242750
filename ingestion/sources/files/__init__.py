"""Export files (CSV, Parquet) described by a declarative mapping file."""

from ingestion.sources.files.errors import (
    FilesSourceError,
    MappingError,
    MissingColumnError,
    NoMatchingFileError,
)
from ingestion.sources.files.mapping import load_mapping
from ingestion.sources.files.source import files_source

__all__ = [
    "FilesSourceError",
    "MappingError",
    "MissingColumnError",
    "NoMatchingFileError",
    "files_source",
    "load_mapping",
]
