"""Sign-in (Streamlit's st.login with any OpenID Connect provider) and the current actor's role.

The provider is `[auth]` in `.streamlit/secrets.toml` (deploy/README-auth.md: Microsoft Entra ID); roles come from
STP_PUBLISHERS / STP_VIEWERS / STP_PUBLIC_VIEWING / STP_PUBLISH or `[stp_progress]` there (stp_data.store.roles).
The actor is worked out on the server from Streamlit's signed identity cookie on every call: nothing the browser
sends can make a viewer a publisher.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

import streamlit as st

from stp_data.links import escape_markdown
from stp_data.store.roles import (
    SECRETS_SECTION,
    Actor,
    OpenPublishError,
    RolesConfig,
    actor_for,
    check_open_publish,
    load_config,
)

log = logging.getLogger(__name__)

OPEN_PUBLISH_WARNING = (
    "Publishing is open to anyone who can open this dashboard (STP_PUBLISH=open): meant for one analyst's own "
    "machine only, never a shared server."
)
_SHARED = ("redirect_uri", "cookie_secret")


def _secrets() -> Mapping[str, Any]:
    """secrets.toml as a mapping, or {} when there is none (reading st.secrets raises then)."""
    try:
        return st.secrets.to_dict() if st.secrets.load_if_toml_exists() else {}
    except Exception:  # a malformed file: Streamlit reports it; run as if there were none
        return {}


def provider() -> str | None:
    """The provider st.login should use: None for settings directly under [auth], else the first [auth.NAME]."""
    section = _secrets().get("auth") or {}
    if "client_id" in section:
        return None
    named = [name for name, value in section.items() if isinstance(value, Mapping) and "client_id" in value]
    return named[0] if named else None


def auth_configured() -> bool:
    """[auth] has what st.login needs: a redirect URI, a cookie secret and one provider's client settings."""
    section = _secrets().get("auth") or {}
    has_provider = "client_id" in section or any(
        isinstance(value, Mapping) and "client_id" in value for value in section.values()
    )
    return all(section.get(key) for key in _SHARED) and has_provider


def roles_config() -> RolesConfig:
    """The role settings; every page run asks (page_data first), so a refused STP_PUBLISH=open stops every page."""
    config = load_config(os.environ, _secrets().get(SECRETS_SECTION) or {}, auth_configured=auth_configured())
    refuse_open_publish_beyond_localhost(config, st.get_option("server.address"))
    return config


def refuse_open_publish_beyond_localhost(config: RolesConfig, server_address: str | None) -> None:
    """STP_PUBLISH=open on a server others can reach: no page is served, only the reason (and the same line in
    the server's log). Streamlit has no start-up hook that runs before the first page, so it is checked on every
    run; the check is a string comparison."""
    try:
        check_open_publish(config, server_address)
    except OpenPublishError as error:
        log.error("%s", error)
        st.error(escape_markdown(str(error)), icon=":material/block:")
        st.stop()


def signed_in_email() -> str | None:
    """The verified email of the signed-in user, or None (also when sign-in is not configured)."""
    user = st.user
    if not user.get("is_logged_in"):
        return None
    if user.get("email_verified") is False:  # a provider that says the address is unverified: not an identity
        return None
    # Only the email claim, never preferred_username (Microsoft: neither may authorise on its own, and a
    # multi-tenant app trusting them invites the "nOAuth" impersonation). With Entra ID, add the optional email
    # claim and set STP_OIDC_TENANT to the tenant id: tokens from any other tenant are not an identity here.
    tenant = os.environ.get("STP_OIDC_TENANT")
    if tenant and str(user.get("tid", "")) != tenant:
        return None
    email = user.get("email")
    return str(email) if email and "@" in str(email) else None


def current_actor() -> Actor:
    """Who is running this page, and their role."""
    config = roles_config()
    return actor_for(signed_in_email() if config.auth_configured else None, config)


def auth_controls() -> None:
    """For the sidebar: who you are, and Sign in / Sign out (or why there is nothing to sign in with)."""
    config = roles_config()
    if config.open_publish:
        st.warning(OPEN_PUBLISH_WARNING, icon=":material/warning:")
        return
    if not config.auth_configured:
        st.caption("Public, read-only: no sign-in is configured on this server.")
        return
    actor = current_actor()
    if st.user.get("is_logged_in"):
        role = "publisher" if actor.can_publish else "viewer" if actor.can_view else "no access to published data"
        st.caption(escape_markdown(f"Signed in as {actor.label} ({role})."))
        if st.button("Sign out", key="auth_sign_out", icon=":material/logout:"):
            st.logout()
    elif st.button("Sign in", key="auth_sign_in", icon=":material/login:"):
        st.login(provider())
