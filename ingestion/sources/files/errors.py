"""Errors the `files` source raises, each naming the mapping file or data file and the key or
column at fault, so that the person who owns the export can fix it."""


class FilesSourceError(RuntimeError):
    """The files source cannot load an export as its mapping describes it."""


class MappingError(FilesSourceError):
    """The mapping file itself is invalid: unknown entity or field, missing required mapping,
    bad option. Raised before any data file is read."""

    def __init__(self, mapping_path: str, key: str, problem: str) -> None:
        self.mapping_path = mapping_path
        self.key = key
        self.problem = problem
        where = f"{mapping_path}: {key}" if key else mapping_path
        super().__init__(f"invalid mapping {where}: {problem}")


class MissingColumnError(FilesSourceError):
    """A data file lacks a column that the mapping reads."""

    def __init__(self, file: str, column: str, entity: str, field: str, found: list[str]) -> None:
        self.file = file
        self.column = column
        self.entity = entity
        self.field = field
        shown = ", ".join(found[:30]) + (", …" if len(found) > 30 else "")
        super().__init__(
            f"{file}: missing column {column!r} (mapped to {entity}.{field}); the file has: {shown}"
        )


class NoMatchingFileError(FilesSourceError):
    """An entity's file pattern matches no file."""


class DatasetMismatchError(FilesSourceError):
    """The warehouse already holds another dataset than the mapping's: loading it would put a
    second company's records beside the first's, in the same raw tables and marts."""

    def __init__(
        self, dataset: str, mapping: str, held: str, held_mapping: str, raw_dataset: str
    ) -> None:
        self.dataset = dataset
        self.held = held
        super().__init__(
            f"{raw_dataset} holds the dataset {held!r} (loaded with {held_mapping}); the mapping "
            f"{mapping} loads the dataset {dataset!r}. A warehouse holds one dataset, so that "
            "one company's records never reach another's marts. Load it into a warehouse of its "
            "own (another SALESPULSE_HOME); or, if both mappings describe the same records, "
            f"give them the same `dataset:` name; or replace {held!r} with it: "
            "`salespulse ingest files --replace-dataset` drops what the files source loaded "
            "before, then loads this mapping."
        )
