"""Write-audit-publish on PostgreSQL: a BI user reading the serving schemas without pause, on a
connection of its own, through several publishes, never errors and never sees two versions of
the marts in one statement; a failed publish leaves the published version in place."""

from __future__ import annotations

import threading
import time
from contextlib import closing

import psycopg2
import pytest

from orchestration.defs.publish.postgres import READER_ROLE, publish_marts_postgres

pytestmark = pytest.mark.postgres

ROWS = 50_000  # enough that a copy takes a while: readers run during the write, too
MARTS = [("sales", "rep_kpis"), ("core", "dim_things")]
BI_USER, BI_PASSWORD = "salespulse_test_bi", "bi-password"
# One statement over two published schemas and the history: every value names one version.
READ_ALL = """
select
    (select min(version) from serving_sales.rep_kpis),
    (select max(version) from serving_sales.rep_kpis),
    (select min(version) from serving_core.dim_things),
    (select max(version) from serving_core.dim_things),
    (select count(*) from serving_sales.rep_kpis),
    (select run_id from serving_salespulse.publications order by published_at desc limit 1)
"""


def _execute(database, *statements: str) -> None:
    with (
        closing(psycopg2.connect(**database.psycopg_kwargs())) as connection,
        connection,
        connection.cursor() as cursor,
    ):
        for statement in statements:
            cursor.execute(statement)


def _build_version(database, version: int) -> None:
    """What dbt would have built for run `version`: both marts, every row stamped."""
    _execute(
        database,
        "create schema if not exists sales",
        "create schema if not exists core",
        "drop table if exists sales.rep_kpis",
        "drop table if exists core.dim_things",
        f"create table sales.rep_kpis as select g as rep_id, {version} as version, "
        f"g * 1.25 as bookings from generate_series(1, {ROWS}) as g",
        f"create table core.dim_things as select g as thing_id, {version} as version "
        f"from generate_series(1, {ROWS // 10}) as g",
    )


@pytest.fixture(scope="module")
def bi_reader(postgres_warehouse):
    """A login in the readers' role, as a BI tool would connect; removed after the module."""
    _, database = postgres_warehouse
    with closing(psycopg2.connect(**database.psycopg_kwargs())) as connection:
        connection.autocommit = True
        cursor = connection.cursor()
        cursor.execute("select 1 from pg_roles where rolname = %s", (READER_ROLE,))
        created_role = cursor.fetchone() is None
        if created_role:
            cursor.execute(f"create role {READER_ROLE} nologin")
        cursor.execute(f"drop role if exists {BI_USER}")
        cursor.execute(
            f"create role {BI_USER} login password '{BI_PASSWORD}' in role {READER_ROLE}"
        )
    yield database.model_copy(update={"user": BI_USER, "password": BI_PASSWORD})
    with closing(psycopg2.connect(**database.psycopg_kwargs())) as connection:
        connection.autocommit = True
        cursor = connection.cursor()
        cursor.execute(f"drop owned by {BI_USER}")
        cursor.execute(f"drop role {BI_USER}")
        if created_role:
            cursor.execute(f"drop owned by {READER_ROLE}")
            cursor.execute(f"drop role {READER_ROLE}")


def test_a_reader_during_publishes_never_errors_nor_sees_two_versions(
    postgres_warehouse, bi_reader
):
    _, database = postgres_warehouse
    _build_version(database, 1)
    publish_marts_postgres(database, MARTS, "run-1")

    reads: list[tuple] = []
    errors: list[BaseException] = []
    slowest = [0.0]
    stop = threading.Event()

    def read_continuously() -> None:
        with closing(psycopg2.connect(**bi_reader.psycopg_kwargs())) as connection:
            connection.autocommit = True
            cursor = connection.cursor()
            while not stop.is_set():
                started = time.monotonic()
                try:
                    cursor.execute(READ_ALL)
                    reads.append(cursor.fetchone())
                except psycopg2.Error as error:
                    errors.append(error)
                    return
                slowest[0] = max(slowest[0], time.monotonic() - started)

    reader = threading.Thread(target=read_continuously)
    reader.start()
    try:
        for version in (2, 3, 4):
            _build_version(database, version)
            publish_marts_postgres(database, MARTS, f"run-{version}")
            time.sleep(0.2)  # let the reader see this version before the next publish
    finally:
        stop.set()
        reader.join(timeout=60)

    assert errors == []
    assert len(reads) > 10
    for low_a, high_a, low_b, high_b, rows, run_id in reads:
        assert low_a == high_a == low_b == high_b, "two versions in one statement"
        assert run_id == f"run-{low_a}" and rows == ROWS
    seen = [row[0] for row in reads]
    assert set(seen) >= {2, 3, 4}  # the reader read across the publishes...
    assert seen == sorted(seen)  # ...and never went back to an older version
    print(f"\n{len(reads)} reads during 3 publishes; slowest read {slowest[0] * 1000:.0f} ms")


def test_a_failed_publish_leaves_the_published_marts_and_the_bi_user_reads_only_them(
    postgres_warehouse, bi_reader
):
    _, database = postgres_warehouse
    _build_version(database, 5)
    publish_marts_postgres(database, MARTS, "run-5")
    with pytest.raises(psycopg2.errors.UndefinedTable):
        publish_marts_postgres(database, [*MARTS, ("sales", "not_built")], "run-6")

    with closing(psycopg2.connect(**bi_reader.psycopg_kwargs())) as connection:
        cursor = connection.cursor()
        cursor.execute(READ_ALL)
        assert cursor.fetchone() == (5, 5, 5, 5, ROWS, "run-5")
        cursor.execute("select run_id from serving_salespulse.publications order by published_at")
        history = [run_id for (run_id,) in cursor.fetchall()]
        assert history[-1] == "run-5" and "run-6" not in history
        connection.rollback()
        # The build schemas are dbt's, mid-build during a run: not the readers'.
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cursor.execute("select count(*) from sales.rep_kpis")


def test_a_partial_publish_carries_the_other_marts_over_as_published(postgres_warehouse):
    """The intraday job's publish: the rebuilt mart from its build schema, the other one from
    its published schema (not the build's newer, unpublished version), named in the history."""
    _, database = postgres_warehouse
    _build_version(database, 7)
    publish_marts_postgres(database, MARTS, "run-7")
    _build_version(database, 8)

    rebuilt, carried = MARTS
    published = publish_marts_postgres(database, [rebuilt], "run-8", carried_over=[carried])

    assert [(t.relation, t.carried_over) for t in published] == [
        ("sales.rep_kpis", False),
        ("core.dim_things", True),
    ]
    with (
        closing(psycopg2.connect(**database.psycopg_kwargs())) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute(READ_ALL)
        assert cursor.fetchone()[:5] == (8, 8, 7, 7, ROWS)
        cursor.execute(
            "select run_id, table_schema || '.' || table_name, carried_over "
            "from serving_salespulse.publications "
            "where run_id in ('run-7', 'run-8') order by published_at, 2"
        )
        assert cursor.fetchall() == [
            ("run-7", "core.dim_things", False),
            ("run-7", "sales.rep_kpis", False),
            ("run-8", "core.dim_things", True),
            ("run-8", "sales.rep_kpis", False),
        ]
