"""Every shipped way of starting the dashboard keeps Streamlit's XSRF protection on, CORS closed and the upload
limit set, and nginx's body limit agrees with it; STP_PUBLISH=open is refused on a server others can reach.

The effective configuration is Streamlit's own reading of .streamlit/config.toml plus the command-line flags each
launcher passes (.ci/dashboard; deploy/cluster.py's replicas, captured without starting them).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from streamlit import config

import settings
from deploy import cluster
from tests.conftest import ROOT


@pytest.fixture
def fresh_config() -> Iterator[None]:
    """Streamlit's configuration is one per process: re-read from the files after each test."""
    yield
    config.get_config_options(force_reparse=True)


def _flags(argv: Sequence[str]) -> dict[str, str]:
    """`--server.port 8501 --server.address=x` -> {"server_port": "8501", ...}, as Streamlit's CLI hands them over."""
    flags: dict[str, str] = {}
    args = list(argv)
    for i, arg in enumerate(args):
        if arg.startswith("--") and "." in arg:
            name, _, value = arg[2:].partition("=")
            flags[name.replace(".", "_")] = value or args[i + 1]
    return flags


def _dashboard_script_args() -> list[str]:
    """The arguments .ci/dashboard passes to `python -m ui.serve` (shell variables as they read by default)."""
    line = next(line for line in (ROOT / ".ci" / "dashboard").read_text().splitlines() if "ui.serve" in line)
    words = shlex.split(line.replace("${PORT:-8501}", "8501").replace('"$@"', ""))
    return words[words.index("ui.serve") + 1 :]


def _replica_args(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """The command deploy/cluster.py starts each replica with, captured instead of run."""
    captured: list[list[str]] = []

    class NotStarted:
        def __init__(self, command: list[str], **_: object) -> None:
            captured.append(command)

    monkeypatch.setattr(cluster.subprocess, "Popen", NotStarted)
    cluster.start_replica(8501, tmp_path / "replica.log", {}, ())
    [command] = captured
    return command[command.index("ui.serve") + 1 :]


@pytest.mark.parametrize("launcher", ["bash .ci/dashboard", "deploy/cluster.py replica"])
def test_xsrf_on_cors_closed_and_the_upload_limit_set_in_every_shipped_configuration(
    launcher, monkeypatch, tmp_path, fresh_config
):
    args = _dashboard_script_args() if launcher.startswith("bash") else _replica_args(monkeypatch, tmp_path)
    assert not any(re.search(r"enableXsrfProtection|enableCORS|maxUploadSize", arg) for arg in args), args
    env = cluster.replica_env(None, "a-secret", base={})
    assert not any(name.startswith("STREAMLIT_SERVER_ENABLE") for name in env)  # no override by environment
    config.get_config_options(force_reparse=True, options_from_flags=_flags(args))
    assert config.get_option("server.enableXsrfProtection") is True
    assert config.get_option("server.enableCORS") is True  # True = CORS protection on: same origin only
    assert config.get_option("server.maxUploadSize") == settings.MAX_UPLOAD_MB
    assert config.get_option("server.address") in ("localhost", "127.0.0.1")  # nginx or a browser on this machine


def test_nginx_lets_through_an_upload_at_streamlits_limit_and_not_much_more(tmp_path):
    rendered = cluster.render_nginx_config(tmp_path, "127.0.0.1:8080", ["127.0.0.1:8501"])
    sizes = re.findall(r"client_max_body_size\s+(\d+)m;", rendered)
    assert sizes, "client_max_body_size must be set"
    limit = config.get_option("server.maxUploadSize")
    for size in map(int, sizes):  # every location that sets one (uploads included)
        assert limit <= size <= limit + 10, (size, limit)  # headroom for multipart framing only


def test_open_publishing_on_a_server_others_can_reach_serves_only_the_reason(monkeypatch, fresh_config):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("STP_PUBLISH", "open")
    config.set_option("server.address", "0.0.0.0")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error if "open is refused" in e.value]  # (markdown-escaped: STP\\_PUBLISH)
    assert "own machine" in at.error[0].value
    assert not at.get("plotly_chart")  # no page is served
