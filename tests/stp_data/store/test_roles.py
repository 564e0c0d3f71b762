"""Roles from configuration: who views, who publishes, and when publishing is off or open."""

from __future__ import annotations

import pytest

from stp_data.store.roles import (
    Actor,
    OpenPublishError,
    Role,
    actor_for,
    check_open_publish,
    listens_only_locally,
    load_config,
    matches,
    require_publisher,
    role_for,
)


def config(env=None, secrets=None, **kwargs):
    return load_config(env or {}, secrets or {}, **({"auth_configured": True} | kwargs))


def test_publishers_by_email_or_domain_and_everyone_signed_in_views():
    c = config({"STP_PUBLISHERS": "Lead.Analyst@nhs.net, @trust.nhs.uk"})
    assert role_for("lead.analyst@NHS.net", c) == Role.PUBLISHER
    assert role_for("someone@trust.nhs.uk", c) == Role.PUBLISHER
    assert role_for("someone@eviltrust.nhs.uk", c) == Role.VIEWER  # a domain entry is that domain only
    assert role_for("someone@sub.trust.nhs.uk", c) == Role.VIEWER
    assert role_for("other@nhs.net", c) == Role.VIEWER


def test_with_a_provider_anonymous_visitors_see_published_data_only_when_viewing_is_public():
    assert role_for(None, config()) == Role.NONE
    assert role_for(None, config({"STP_PUBLIC_VIEWING": "true"})) == Role.VIEWER
    assert role_for(None, config(secrets={"public_viewing": True})) == Role.VIEWER
    assert role_for(None, config({"STP_PUBLIC_VIEWING": "no"}, {"public_viewing": True})) == Role.NONE  # env wins


def test_a_viewer_list_limits_who_may_view_once_signed_in():
    c = config(secrets={"viewers": ["@nhs.net"], "publishers": ["boss@nhs.net"]})
    assert role_for("a@nhs.net", c) == Role.VIEWER
    assert role_for("boss@nhs.net", c) == Role.PUBLISHER
    assert role_for("a@gmail.com", c) == Role.NONE


def test_without_a_provider_the_dashboard_is_public_and_read_only_even_for_listed_publishers():
    c = config({"STP_PUBLISHERS": "a@nhs.net"}, auth_configured=False)
    assert not c.publishing_enabled
    assert role_for(None, c) == Role.VIEWER
    assert role_for("a@nhs.net", c) == Role.VIEWER  # no provider: nobody has proved who they are


def test_publish_open_makes_everyone_a_publisher_on_one_analysts_machine():
    c = config({"STP_PUBLISH": "open"}, auth_configured=False)
    assert c.publishing_enabled and c.open_publish
    assert actor_for(None, c) == Actor(None, Role.PUBLISHER)
    with pytest.raises(ValueError):
        config({"STP_PUBLISH": "everyone"})
    with pytest.raises(ValueError):
        config({"STP_PUBLIC_VIEWING": "maybe"})


def test_require_publisher_refuses_anything_but_a_publisher_actor():
    assert require_publisher(Actor("a@nhs.net", Role.PUBLISHER)).email == "a@nhs.net"
    for actor in (Actor("a@nhs.net", Role.VIEWER), Actor(None, Role.NONE), None, "a@nhs.net", {"role": 2}):
        with pytest.raises(PermissionError):
            require_publisher(actor)


def test_matches_ignores_case_and_spaces():
    assert matches(" A@Trust.NHS.uk ", frozenset({"@trust.nhs.uk"}))
    assert not matches("a@trust.nhs.uk", frozenset({"trust.nhs.uk"}))  # a domain is written @domain


@pytest.mark.parametrize("address", ["localhost", "LOCALHOST", "127.0.0.1", "127.0.1.1", "::1", "[::1]"])
def test_open_publishing_is_allowed_on_a_server_only_this_machine_reaches(address):
    assert listens_only_locally(address)
    check_open_publish(config({"STP_PUBLISH": "open"}, auth_configured=False), address)


@pytest.mark.parametrize("address", [None, "", "0.0.0.0", "::", "192.168.1.20", "dashboard.trust.nhs.uk"])
def test_open_publishing_is_refused_on_a_server_others_can_reach_saying_why(address):
    assert not listens_only_locally(address)
    with pytest.raises(OpenPublishError) as refused:
        check_open_publish(config({"STP_PUBLISH": "open"}, auth_configured=False), address)
    message = str(refused.value)
    assert "STP_PUBLISH=open" in message and "own machine" in message and "--server.address localhost" in message
    assert ("every network interface" in message) if not address else (repr(address) in message)
    check_open_publish(config({"STP_PUBLISHERS": "a@nhs.net"}), address)  # sign-in configured: any address is fine
