"""Builds dlt pipelines for each source against the build warehouse."""

from collections.abc import Callable

import dlt
from dlt.common.pipeline import LoadInfo
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials
from dlt.sources import DltSource

from ingestion.sources.files import files_source
from ingestion.sources.hubspot import hubspot_source
from ingestion.sources.typeform import typeform_source
from ingestion.warehouse import BUILD_LOADER_DUCKDB_CONFIG, build_warehouse_path, dlt_pipelines_dir
from salespulse.settings import current_settings

RAW_DATASET_PREFIX = "raw_"


def raw_dataset_name(source_name: str) -> str:
    """Each source lands in its own raw schema, `raw_<source>`, which is also the dbt source name."""
    return f"{RAW_DATASET_PREFIX}{source_name}"


def build_pipeline(source_name: str) -> dlt.Pipeline:
    """A pipeline that loads `source_name` into `raw_<source>` of the build warehouse.

    The DuckDB path is set explicitly: dlt's default would silently create a second warehouse
    named after the pipeline in the working directory.
    """
    current_settings().ensure_home()
    build_path = build_warehouse_path()
    return dlt.pipeline(
        pipeline_name=source_name,
        destination=dlt.destinations.duckdb(
            DuckDbCredentials(str(build_path), global_config=dict(BUILD_LOADER_DUCKDB_CONFIG))
        ),
        dataset_name=raw_dataset_name(source_name),
        pipelines_dir=str(dlt_pipelines_dir()),
        progress="log",
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
    """Loads one source into the build warehouse (Parquet loader files: faster into DuckDB).

    `replace_dataset` first drops every table and all state the source loaded before (dlt's
    `drop_sources` refresh): how the files source is pointed at another dataset than the one the
    warehouse holds."""
    pipeline = build_pipeline(source_name)
    load_info = pipeline.run(
        make_source(source_name),
        loader_file_format="parquet",
        refresh="drop_sources" if replace_dataset else None,
    )
    load_info.raise_on_failed_jobs()
    return load_info
