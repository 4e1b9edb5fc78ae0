"""Several broker addresses: how `HUB_AMQP_URL` is split, and which node comes next."""

from __future__ import annotations

import asyncio

import pytest
from yarl import URL

from hub.config import SettingsError, load_settings
from hub.messaging.addresses import AddressRing, shown, split_amqp_urls, with_heartbeat
from hub.messaging.cluster import ClusterConnection

NODES = (
    "amqp://hub:pw@rabbit-1:5672/hub",
    "amqp://hub:pw@rabbit-2:5672/hub",
    "amqps://hub:pw@rabbit-3:5671/hub",
)


def test_one_url_is_one_address() -> None:
    assert split_amqp_urls("amqp://guest:guest@127.0.0.1:5672/") == (
        "amqp://guest:guest@127.0.0.1:5672/",
    )


def test_comma_separated_urls_are_the_nodes_in_order_blanks_ignored() -> None:
    assert split_amqp_urls(f" {NODES[0]} ,{NODES[1]},, {NODES[2]}\n") == NODES


@pytest.mark.parametrize("value", ["", " , ", ","])
def test_no_address_at_all_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="no broker address"):
        split_amqp_urls(value)


def test_a_node_that_is_not_amqp_is_named_without_its_password() -> None:
    with pytest.raises(ValueError, match=r"http://hub:\*\*\*@rabbit-2") as caught:
        split_amqp_urls(f"{NODES[0]},http://hub:secret@rabbit-2/")
    assert "secret" not in str(caught.value)


def test_the_same_node_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        split_amqp_urls(f"{NODES[0]},{NODES[0]}")


def test_settings_give_the_addresses_and_keep_the_raw_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HUB_AMQP_URL", ",".join(NODES))
    settings = load_settings()
    assert settings.amqp_urls == NODES
    assert settings.amqp_url == ",".join(NODES)


def test_the_default_single_url_is_one_address() -> None:
    assert load_settings().amqp_urls == ("amqp://guest:guest@127.0.0.1:5672/",)


def test_a_bad_second_node_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_AMQP_URL", f"{NODES[0]},rabbit-2:5672")
    with pytest.raises(SettingsError, match="HUB_AMQP_URL"):
        load_settings()


def test_the_ring_moves_to_the_next_node_and_past_the_last_to_the_first() -> None:
    ring = AddressRing(NODES)
    assert ring.current == NODES[0]
    assert [ring.advance() for _ in range(3)] == [NODES[1], NODES[2], NODES[0]]


def test_the_ring_tries_every_node_once_starting_with_the_one_in_use() -> None:
    ring = AddressRing(NODES)
    ring.select(NODES[1])
    assert ring.from_current() == (NODES[1], NODES[2], NODES[0])


def test_a_ring_of_one_stays_on_it() -> None:
    ring = AddressRing(NODES[:1])
    assert ring.advance() == NODES[0]


def test_shown_hides_only_the_password() -> None:
    assert shown(NODES[0]) == "amqp://hub:***@rabbit-1:5672/hub"
    assert shown("amqp://rabbit-1/") == "amqp://rabbit-1/"


def _lost(exc: Exception) -> asyncio.Future[None]:
    closing: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    closing.set_exception(exc)
    return closing


async def test_a_lost_connection_reconnects_to_the_next_node() -> None:
    ring = AddressRing(NODES)
    connection = ClusterConnection(URL(NODES[0]), ring=ring)
    await connection._on_connection_close(_lost(ConnectionResetError("node killed")))
    assert str(connection.url) == NODES[1]
    await connection._on_connection_close(_lost(ConnectionRefusedError("node down too")))
    assert str(connection.url) == NODES[2]
    assert ring.current == NODES[2]


async def test_closing_the_connection_ourselves_changes_no_node() -> None:
    ring = AddressRing(NODES)
    connection = ClusterConnection(URL(NODES[0]), ring=ring)
    await connection.close()
    await connection._on_connection_close(_lost(ConnectionResetError("closed by us")))
    assert ring.current == NODES[0]


def test_an_address_without_a_heartbeat_asks_for_the_hub_default() -> None:
    url = with_heartbeat("amqp://hub:p%2Cw@rabbit-1:5672/hub", 10)
    assert URL(url).query["heartbeat"] == "10"
    assert (URL(url).password, URL(url).path) == ("p,w", "/hub")  # password and vhost kept


def test_an_address_that_sets_its_own_heartbeat_keeps_it() -> None:
    url = "amqp://hub:pw@rabbit-1:5672/hub?heartbeat=30"
    assert with_heartbeat(url, 10) == url
