"""The discord.py points DeskOps relies on. If one moves, this fails loudly, naming what to re-check.

DeskOps is tested with discord.py 2.7.x (pyproject.toml pins `>=2.7.1,<2.8`). Before widening the
pin: run tests/e2e/discord against the new version and adapt deskops/bot/adapters/discord/.
"""

from __future__ import annotations

import inspect

import discord
import discord.gateway
import discord.http
import discord.webhook.async_
import pytest
import yarl
from discord import app_commands

from deskops.bot.adapters.discord.endpoints import DiscordEndpoints, current_endpoints, using_endpoints

TESTED = (2, 7)


def _moved(what: str) -> str:
    return (f"discord.py {discord.__version__}: {what}. DeskOps was built against {TESTED[0]}.{TESTED[1]}.x; "
            "adapt deskops/bot/adapters/discord/ and re-run tests/e2e/discord before changing the pin.")


def test_the_installed_discord_py_is_the_tested_minor_version() -> None:
    installed = tuple(int(p) for p in discord.__version__.split(".")[:2])
    assert installed == TESTED, _moved("is not the version DeskOps was tested with")


def test_every_rest_url_including_interaction_callbacks_is_built_from_route_base() -> None:
    assert isinstance(discord.http.Route.BASE, str), _moved("Route.BASE is no longer a string class attribute")
    assert discord.webhook.async_.Route is discord.http.Route, _moved(
        "interaction callbacks and follow-ups no longer use discord.http.Route")
    fake = DiscordEndpoints(api_base="http://127.0.0.1:9/api/v10", gateway="ws://127.0.0.1:9/gateway")
    with using_endpoints(fake):
        route = discord.http.Route("POST", "/interactions/{webhook_id}/{webhook_token}/callback",
                                   webhook_id=1, webhook_token="t")
        assert route.url == "http://127.0.0.1:9/api/v10/interactions/1/t/callback", _moved("Route ignores BASE")
        assert current_endpoints() == fake
    assert current_endpoints().api_base == "https://discord.com/api/v10", "the real endpoints are restored"


def test_the_first_gateway_connection_goes_to_default_gateway() -> None:
    assert isinstance(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY, yarl.URL), _moved(
        "DiscordWebSocket.DEFAULT_GATEWAY is no longer a yarl.URL")
    params = inspect.signature(discord.gateway.DiscordWebSocket.from_client).parameters
    assert "gateway" in params and params["gateway"].default is None, _moved("from_client(gateway=None) changed")
    assert "cls.DEFAULT_GATEWAY" in inspect.getsource(discord.gateway.DiscordWebSocket.from_client), _moved(
        "from_client no longer falls back to DEFAULT_GATEWAY")
    connect = inspect.getsource(discord.Client.connect)
    assert "DiscordWebSocket.from_client(self, **ws_params)" in connect, _moved("Client.connect changed")
    assert "'gateway'" not in connect.split("while not self.is_closed()")[0], _moved(
        "Client.connect now picks a gateway itself (e.g. from /gateway/bot)")


def test_rate_limits_are_retried_the_way_the_fake_answers_them() -> None:
    source = inspect.getsource(discord.http.HTTPClient.request)
    assert "headers.get('Via')" in source and "data['retry_after']" in source, _moved(
        "HTTPClient no longer retries a 429 that carries Via and retry_after")


def test_persistent_buttons_and_interaction_responses_exist() -> None:
    assert hasattr(discord.ui, "DynamicItem") and hasattr(discord.Client, "add_dynamic_items"), _moved(
        "DynamicItem (buttons that survive restarts) is gone")
    assert "from_custom_id" in dir(discord.ui.DynamicItem), _moved("DynamicItem.from_custom_id is gone")
    for name in ("defer", "send_message", "edit_message", "send_modal", "autocomplete", "is_done"):
        assert hasattr(discord.InteractionResponse, name), _moved(f"InteractionResponse.{name} is gone")
    for name in ("followup", "edit_original_response"):
        assert hasattr(discord.Interaction, name), _moved(f"Interaction.{name} is gone")


@pytest.mark.parametrize("attribute", [
    "__discord_app_commands_param_description__", "__discord_app_commands_param_rename__",
    "__discord_app_commands_param_choices__", "__discord_app_commands_param_autocomplete__",
])
def test_app_commands_read_the_option_metadata_slash_py_sets(attribute: str) -> None:
    source = inspect.getsource(app_commands.commands._extract_parameters_from_callback)
    assert attribute in source, _moved(f"app commands no longer read {attribute} (deskops slash.py sets it)")
