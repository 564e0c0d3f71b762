"""Who may do what: viewers and publishers from configuration, with no Streamlit and no database.

Configuration comes from environment variables or the `[stp_progress]` table of `.streamlit/secrets.toml`
(the environment wins, so an operator can override a file they cannot edit):

    STP_PUBLISHERS="a.analyst@nhs.net,@trust.nhs.uk"   emails, or whole domains written as @domain
    STP_VIEWERS="@nhs.net"                            who may view once signed in (empty: anyone signed in)
    STP_PUBLIC_VIEWING=true|false                     may anyone view without signing in
    STP_PUBLISH=open                                  no sign-in at all: everyone publishes (one analyst's machine)

The store calls `require_publisher` on every write, so a role is enforced on the server whatever the page shows.
`check_open_publish` refuses STP_PUBLISH=open on a server that listens beyond this machine.
"""

from __future__ import annotations

import enum
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

ENV_PUBLISHERS = "STP_PUBLISHERS"
ENV_VIEWERS = "STP_VIEWERS"
ENV_PUBLIC_VIEWING = "STP_PUBLIC_VIEWING"
ENV_PUBLISH = "STP_PUBLISH"
SECRETS_SECTION = "stp_progress"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class Role(enum.IntEnum):
    """Ordered, so `role >= Role.VIEWER` reads as 'may at least view'."""

    NONE = 0  # may see the bundled (public) data only
    VIEWER = 1  # may also see published data
    PUBLISHER = 2  # may also publish, restore and withdraw


@dataclass(frozen=True)
class Actor:
    """Who is asking: a verified email (None when not signed in) and the role configuration gives it."""

    email: str | None
    role: Role

    @property
    def label(self) -> str:
        """For logs and the version history: the email, or who an unsigned-in publisher is."""
        return self.email or "anonymous"

    @property
    def can_view(self) -> bool:
        return self.role >= Role.VIEWER

    @property
    def can_publish(self) -> bool:
        return self.role >= Role.PUBLISHER


ANONYMOUS_VIEWER = Actor(None, Role.VIEWER)


@dataclass(frozen=True)
class RolesConfig:
    publishers: frozenset[str] = frozenset()
    viewers: frozenset[str] = frozenset()  # empty: anyone signed in may view
    public_viewing: bool | None = None  # None: public unless a sign-in provider is configured
    open_publish: bool = False  # STP_PUBLISH=open
    auth_configured: bool = False  # an OpenID Connect provider is set up ([auth] in secrets.toml)

    @property
    def publishing_enabled(self) -> bool:
        """With no provider nobody can prove who they are, so publishing is off unless explicitly opened."""
        return self.auth_configured or self.open_publish

    @property
    def anyone_may_view(self) -> bool:
        if not self.auth_configured or self.open_publish:
            return True  # nothing to sign in with: the dashboard is public (read-only unless open)
        return bool(self.public_viewing) if self.public_viewing is not None else False


def parse_list(value: object) -> frozenset[str]:
    """'a@x.nhs.uk, @trust.nhs.uk' or a TOML list -> normalised lower-case entries."""
    items: Iterable[object] = value.split(",") if isinstance(value, str) else (value or [])  # type: ignore[assignment]
    return frozenset(str(item).strip().lower() for item in items if str(item).strip())


def parse_bool(value: object, name: str) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{name}={value!r}: expected true or false")


def load_config(env: Mapping[str, str], secrets: Mapping[str, object], *, auth_configured: bool) -> RolesConfig:
    """Environment first, then the secrets section (keys publishers, viewers, public_viewing, publish)."""

    def pick(env_name: str, key: str) -> object:
        return env[env_name] if env.get(env_name, "") != "" else secrets.get(key)

    publish = str(pick(ENV_PUBLISH, "publish") or "").strip().lower()
    if publish not in ("", "open", "off"):
        raise ValueError(f"{ENV_PUBLISH}={publish!r}: expected 'open' or nothing")
    return RolesConfig(
        publishers=parse_list(pick(ENV_PUBLISHERS, "publishers")),
        viewers=parse_list(pick(ENV_VIEWERS, "viewers")),
        public_viewing=parse_bool(pick(ENV_PUBLIC_VIEWING, "public_viewing"), ENV_PUBLIC_VIEWING),
        open_publish=publish == "open",
        auth_configured=auth_configured,
    )


def matches(email: str, entries: frozenset[str]) -> bool:
    """An exact email, or a domain entry '@trust.nhs.uk' matching that domain only (not 'eviltrust.nhs.uk')."""
    email = email.strip().lower()
    domain = "@" + email.rpartition("@")[2]
    return email in entries or domain in entries


def role_for(email: str | None, config: RolesConfig) -> Role:
    """The role of a verified email (None when not signed in)."""
    if config.open_publish:
        return Role.PUBLISHER
    if email and config.auth_configured and "@" in email:
        if matches(email, config.publishers):
            return Role.PUBLISHER
        if not config.viewers or matches(email, config.viewers):
            return Role.VIEWER
    return Role.VIEWER if config.anyone_may_view else Role.NONE


def actor_for(email: str | None, config: RolesConfig) -> Actor:
    return Actor(email.strip().lower() if email else None, role_for(email, config))


def require_publisher(actor: object) -> Actor:
    """Raise PermissionError unless `actor` is an Actor with the publisher role (the store calls this)."""
    if not isinstance(actor, Actor) or not actor.can_publish:
        who = actor.label if isinstance(actor, Actor) else repr(actor)
        raise PermissionError(f"{who} is not a publisher: publishing, restoring and withdrawing need that role")
    return actor


class OpenPublishError(RuntimeError):
    """STP_PUBLISH=open on a server other machines can reach."""


def listens_only_locally(server_address: str | None) -> bool:
    """Does Streamlit's `server.address` keep the server to this machine? Unset (None or "") is every interface:
    Streamlit then binds 0.0.0.0 / ::, reachable from the network."""
    host = (server_address or "").strip().strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback  # 127.0.0.0/8 and ::1
    except ValueError:  # "", 0.0.0.0 is an address but not loopback; a host name other than localhost
        return False


def check_open_publish(config: RolesConfig, server_address: str | None) -> None:
    """Raise OpenPublishError when STP_PUBLISH=open and the server listens on anything but localhost: open
    publishing has no sign-in, so anyone who can reach the server could publish for everyone."""
    if not config.open_publish or listens_only_locally(server_address):
        return
    where = f"address {server_address!r}" if server_address else "every network interface (server.address unset)"
    raise OpenPublishError(
        f"{ENV_PUBLISH}=open is refused: this server listens on {where}, so anyone who can reach it could publish "
        "for everyone without signing in. Open publishing is for one analyst's own machine: start it with "
        f"--server.address localhost, or remove {ENV_PUBLISH}=open and configure sign-in with publishers "
        "(deploy/README-auth.md)."
    )
