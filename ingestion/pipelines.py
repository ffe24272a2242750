"""Builds dlt pipelines for each source against the build warehouse."""

from collections.abc import Callable

import dlt
from dlt.common.destination import Destination
from dlt.common.pipeline import LoadInfo
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials
from dlt.sources import DltSource

from ingestion.memory import MemoryReleasingLogCollector
from ingestion.sources.files import files_source
from ingestion.sources.hubspot import hubspot_source
from ingestion.sources.typeform import typeform_source
from ingestion.warehouse import build_loader_duckdb_config, build_warehouse_path, dlt_pipelines_dir
from salespulse.settings import current_settings

RAW_DATASET_PREFIX = "raw_"


def raw_dataset_name(source_name: str) -> str:
    """Each source lands in its own raw schema, `raw_<source>`, which is also the dbt source name."""
    return f"{RAW_DATASET_PREFIX}{source_name}"


# The loader file format per warehouse: Parquet into DuckDB; CSV into PostgreSQL, which dlt
# loads with COPY (its Parquet loader needs an ADBC driver; insert-values is ten times slower).
LOADER_FILE_FORMAT = {"duckdb": "parquet", "postgres": "csv"}


def build_destination() -> Destination:
    """The build warehouse as a dlt destination, from the settings.

    The DuckDB path is set explicitly: dlt's default would silently create a second warehouse
    named after the pipeline in the working directory. PostgreSQL's connection string is dlt's
    own setting (DESTINATION__POSTGRES__CREDENTIALS or .dlt/secrets.toml), read as dlt reads it.
    """
    settings = current_settings()
    if settings.warehouse == "postgres":
        settings.postgres()  # a clear error when the connection string is missing
        return dlt.destinations.postgres()
    return dlt.destinations.duckdb(
        DuckDbCredentials(str(build_warehouse_path()), global_config=build_loader_duckdb_config()),
        # One load job at a time (a dlt capability set on the destination): DuckDB spreads each
        # insert over every core already, and dlt's default of up to 20 concurrent jobs made the
        # inserts into one file contend (the large files step's load stage: 28.5 s / 54 CPU-s
        # concurrent, 17.7 s / 32 CPU-s one at a time; docs/files-source.md, "Speed").
        loader_parallelism_strategy="sequential",
    )


def loader_file_format() -> str:
    """The loader file format of the configured warehouse (LOADER_FILE_FORMAT)."""
    return LOADER_FILE_FORMAT[current_settings().warehouse]


def build_pipeline(source_name: str) -> dlt.Pipeline:
    """A pipeline that loads `source_name` into `raw_<source>` of the build warehouse."""
    current_settings().ensure_home()
    return dlt.pipeline(
        pipeline_name=source_name,
        destination=build_destination(),
        dataset_name=raw_dataset_name(source_name),
        pipelines_dir=str(dlt_pipelines_dir()),
        progress=MemoryReleasingLogCollector(),
    )


# Source name -> the dlt source function; settings resolve through dlt's configuration
# (`files` reads its mapping from sources.files.mapping_path / SOURCES__FILES__MAPPING_PATH).
SOURCES: dict[str, Callable[[], DltSource]] = {
    "hubspot": hubspot_source,
    "files": files_source,
    "typeform": typeform_source,
}


def make_source(source_name: str) -> DltSource:
    """The configured source by name."""
    if source_name not in SOURCES:
        raise ValueError(f"unknown source {source_name!r}; expected one of: {', '.join(SOURCES)}")
    return SOURCES[source_name]()


def run_source(source_name: str, replace_dataset: bool = False) -> LoadInfo:
    """Loads one source into the build warehouse (the warehouse's fastest loader files).

    `replace_dataset` first drops every table and all state the source loaded before (dlt's
    `drop_sources` refresh): how the files source is pointed at another dataset than the one the
    warehouse holds."""
    pipeline = build_pipeline(source_name)
    load_info = pipeline.run(
        make_source(source_name),
        loader_file_format=loader_file_format(),
        refresh="drop_sources" if replace_dataset else None,
    )
    load_info.raise_on_failed_jobs()
    return load_info


def extract_source(
    source_name: str, resources: list[str] | None = None, refresh: str | None = None
) -> None:
    """dlt's extract stage of one source (of its `resources`, else all): the extracted package
    waits in the pipeline's folder for dlt's normalize and load stages (ingestion/
    extract_process.py runs this in a child process). `refresh` is dlt's (`drop_resources`
    for a full refresh). The local state goes first, as dagster-dlt's run does, and is restored
    from the warehouse (the incremental cursors with it): a package a failed run left is not
    loaded twice."""
    pipeline = build_pipeline(source_name)
    pipeline.drop()
    if pipeline.config.restore_from_destination:  # as dlt's `run` does before it extracts
        pipeline.sync_destination()
    source = make_source(source_name)
    if resources is not None:
        source = source.with_resources(*resources)
    pipeline.extract(source, refresh=refresh, loader_file_format=loader_file_format())


def normalize_and_load(source_name: str) -> tuple[dlt.Pipeline, LoadInfo]:
    """dlt's normalize and load stages of what `extract_source` left pending: the pipeline
    (its last trace holds the normalize step's row counts) and the load's info."""
    pipeline = build_pipeline(source_name)
    pipeline.normalize()
    load_info = pipeline.load()
    load_info.raise_on_failed_jobs()
    return pipeline, load_info
