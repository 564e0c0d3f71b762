"""The same store tests against SQLite and a real PostgreSQL (skipped, not failed, without its binaries)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa

from stp_data.store import make_engine
from tests.stp_data.store.postgres import binaries, postgres_server


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    bin_dir = binaries()
    if bin_dir is None:
        pytest.skip("PostgreSQL binaries not installed (Debian package 'postgresql'): PostgreSQL cases skipped")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg not installed: PostgreSQL cases skipped")
    with postgres_server(bin_dir) as url:
        yield url


def _fresh_postgres_database(server_url: str) -> str:
    """A new empty database per test, so each starts from no tables (migrations from empty)."""
    name = f"stp_test_{uuid.uuid4().hex[:16]}"  # unique even if this module is imported twice
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def new_postgres_database(postgres_url: str) -> Callable[[], str]:
    """Makes empty databases on the session's server (tests that need two: a live store and its restore)."""
    return lambda: _fresh_postgres_database(postgres_url)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """An empty database's URL: a SQLite file in the test's folder, or a new database on the test server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state' / 'stp-progress.sqlite'}"
    return _fresh_postgres_database(request.getfixturevalue("postgres_url"))


@pytest.fixture
def empty_engine(database_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()
