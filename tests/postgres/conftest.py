"""The PostgreSQL warehouse under test: the server named by dlt's own setting,
DESTINATION__POSTGRES__CREDENTIALS (a user that may create databases), as `.ci/run` exports it.
Every test module gets a database of its own, dropped after it. Without a reachable server the
`postgres` tests are skipped, saying why."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from salespulse.settings import HOME_SETTINGS_FILE, POSTGRES_CREDENTIALS_ENV, PostgresConnection

# The mart tests' helpers and assertions, re-run here against PostgreSQL.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "marts"))


def _server() -> PostgresConnection:
    url = os.environ.get(POSTGRES_CREDENTIALS_ENV, "").strip()
    if not url:
        pytest.skip(f"no PostgreSQL server: set {POSTGRES_CREDENTIALS_ENV} (as .ci/run does)")
    server = PostgresConnection.from_url(url)
    import psycopg2

    try:
        psycopg2.connect(**server.psycopg_kwargs(), connect_timeout=5).close()
    except psycopg2.OperationalError as error:
        pytest.skip(f"PostgreSQL at {server.host}:{server.port} is not reachable: {error}")
    return server


@pytest.fixture(scope="session")
def postgres_server() -> PostgresConnection:
    return _server()


def admin_execute(server: PostgresConnection, sql: str) -> None:
    import psycopg2

    with closing(psycopg2.connect(**server.psycopg_kwargs())) as connection:
        connection.autocommit = True  # CREATE/DROP DATABASE run outside a transaction
        connection.cursor().execute(sql)


@pytest.fixture(scope="module")
def postgres_warehouse(
    request: pytest.FixtureRequest,
    postgres_server: PostgresConnection,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Path, PostgresConnection]]:
    """(home, database): a fresh database for this module, and a warehouse home whose
    salespulse.toml chooses PostgreSQL; dlt's credentials name the database while the module
    runs."""
    name = "salespulse_test_" + re.sub(r"\W", "_", request.module.__name__.split(".")[-1])[:40]
    admin_execute(postgres_server, f'drop database if exists "{name}" with (force)')
    admin_execute(postgres_server, f'create database "{name}"')
    database = postgres_server.model_copy(update={"database": name})
    home = tmp_path_factory.mktemp("postgres") / "warehouse"
    home.mkdir()
    (home / HOME_SETTINGS_FILE).write_text('warehouse = "postgres"\n')
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(POSTGRES_CREDENTIALS_ENV, database.url())
        yield home, database
    admin_execute(postgres_server, f'drop database if exists "{name}" with (force)')
