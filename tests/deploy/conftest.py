"""One trial cluster for every deploy test (starting one costs ~15 s): nginx, two replicas, a private PostgreSQL.

Anyone may publish on it (STP_PUBLISH=open, safe here: everything listens on 127.0.0.1), so the fault tests can
press Publish in a real browser without a sign-in provider. Tests that stop PostgreSQL or kill a replica put it
back: the database before the test ends, a killed replica before the next test that uses the trial.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from deploy.cluster import Cluster, cluster, nginx_binary, postgres_binaries


@pytest.fixture(scope="session")
def trial() -> Iterator[Cluster]:
    if nginx_binary() is None:
        pytest.skip("nginx not installed (Debian package 'nginx'): replica tests skipped")
    with cluster(
        replicas=2, use_postgres=postgres_binaries() is not None, extra_env={"STP_PUBLISH": "open"}
    ) as running:
        yield running


@pytest.fixture(scope="session")
def chromium(browser) -> Browser:
    """The run's one Chromium (tests/conftest.py): a second sync Playwright would clash with the first."""
    return browser


@pytest.fixture(autouse=True)
def two_replicas_alive(request: pytest.FixtureRequest) -> None:
    """A replica killed by an earlier test is started again, only when this test uses the trial (a restart costs
    seconds and its cache warm-up competes for the cores)."""
    if "trial" not in request.fixturenames:
        return
    running: Cluster = request.getfixturevalue("trial")
    for index, replica in enumerate(running.replicas):
        if replica.process.poll() is not None:
            running.restart_replica(index)
