"""A fake Discord (REST API v10 + gateway websocket) on 127.0.0.1 that the real discord.py talks to.

It behaves like Discord where our adapter depends on it: the gateway handshake (HELLO, IDENTIFY,
READY, GUILD_CREATE, heartbeat ACK, RESUME), INTERACTION_CREATE / MESSAGE_CREATE /
MESSAGE_REACTION_ADD dispatches (zlib-stream compressed when asked), the interaction callback with
Discord's 3-second rule and "already acknowledged" error, follow-up webhooks (the first follow-up
after a deferral fills the "thinking" message), channel, thread, DM and message endpoints, and 429
answers with `retry_after`, `X-RateLimit-*` headers and `Via` (discord.py only retries a 429 that
came through Discord's proxy). Every REST call is recorded for assertions.

Payloads are copies of the fixtures in tests/e2e/payloads/discord/ (Discord's documented shapes)
with the scenario's ids filled in.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
import secrets
import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

PAYLOADS = Path(__file__).resolve().parents[1] / "e2e" / "payloads" / "discord"
DISCORD_EPOCH_MS = 1420070400000
MESSAGE_CONTENT_INTENT = 1 << 15
EPHEMERAL_FLAG = 1 << 6
INTERACTION_DEADLINE_SECONDS = 3.0
TOKEN_LIFETIME_SECONDS = 15 * 60


def load_payload(name: str) -> dict[str, Any]:
    """Return a fresh copy of one documented-shape fixture (tests/e2e/payloads/discord/NAME.json)."""
    data: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
    return data


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class RecordedCall:
    """One REST request the bot made, and what the fake answered."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int
    at: float


@dataclass
class _Interaction:
    id: str
    token: str
    channel_id: str | None
    sent_at: float
    payload: dict[str, Any]
    response_type: int | None = None
    original_message_id: str | None = None
    loading: bool = False


@dataclass
class _Rule:
    method: str
    pattern: re.Pattern[str]
    times: int
    status: int
    retry_after: float = 0.0
    is_global: bool = False


@dataclass
class _Gateway:
    ws: web.WebSocketResponse
    compressor: Any | None
    intents: int = 0
    session_id: str = field(default_factory=lambda: secrets.token_hex(16))
    seq: int = 0


class FakeDiscord:
    """The fake Discord server. `await start()`, point discord.py at `api_base`/`gateway_url`, `await stop()`."""

    def __init__(self, *, token: str = "fake-bot-token", guild_name: str = "Acme IT") -> None:
        self.token = token
        self.calls: list[RecordedCall] = []
        self.interaction_deadline = INTERACTION_DEADLINE_SECONDS
        self._counter = 0
        self._app = web.Application(client_max_size=8 * 1024 * 1024)
        self._app.router.add_get("/gateway", self._gateway)
        self._app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._gateways: list[_Gateway] = []
        self._rules: list[_Rule] = []
        self._changed = asyncio.Condition()
        self.interactions: dict[str, _Interaction] = {}
        self.messages: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.commands: list[dict[str, Any]] = []
        self.reactions: list[tuple[str, str, str]] = []
        self.member_roles: dict[str, set[str]] = {}
        ready = load_payload("ready")
        self.bot_user: dict[str, Any] = ready["user"]
        self.application_id: str = ready["application"]["id"]
        self.users[self.bot_user["id"]] = self.bot_user
        self.guild: dict[str, Any] = load_payload("guild_create")
        self.guild["id"] = self.snowflake()
        self.guild["name"] = guild_name
        self.guild["roles"][0]["id"] = self.guild["id"]

    # ---- lifecycle -------------------------------------------------------------------------

    async def start(self) -> FakeDiscord:
        """Listen on a free port of 127.0.0.1."""
        self._runner = web.AppRunner(self._app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        sockets = getattr(site._server, "sockets", None)
        assert sockets, "the fake Discord did not bind a port"
        self._port = int(sockets[0].getsockname()[1])
        return self

    async def stop(self) -> None:
        """Close every gateway connection and the HTTP server."""
        for gateway in list(self._gateways):
            await gateway.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def drop_gateways(self, code: int = 1001) -> None:
        """Close the gateway connections (like a Discord-side restart); clients reconnect and RESUME."""
        for gateway in list(self._gateways):
            await gateway.ws.close(code=code)

    @property
    def started(self) -> bool:
        """True once `start()` has bound a port."""
        return self._port != 0

    @property
    def api_base(self) -> str:
        """The REST base URL to give discord.py (what `https://discord.com/api/v10` is for the real one)."""
        return f"http://127.0.0.1:{self._port}/api/v10"

    @property
    def gateway_url(self) -> str:
        """The gateway websocket URL to give discord.py."""
        return f"ws://127.0.0.1:{self._port}/gateway"

    # ---- world building --------------------------------------------------------------------

    def snowflake(self) -> str:
        """A new, increasing Discord id (timestamp in the high bits, like real snowflakes)."""
        self._counter += 1
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return str((ms << 22) | (self._counter & 0x3FFFFF))

    def add_user(self, username: str, *, user_id: str | None = None) -> dict[str, Any]:
        """Register a guild member and return its user object."""
        user = load_payload("user")
        user.update(id=user_id or self.snowflake(), username=username, global_name=username.title())
        self.users[user["id"]] = user
        return user

    def add_channel(self, name: str, *, kind: int = 0, parent_id: str | None = None) -> dict[str, Any]:
        """Create a guild channel (0 text, 15 forum) that the bot sees in GUILD_CREATE."""
        channel = {
            "id": self.snowflake(), "type": kind, "guild_id": self.guild["id"], "name": name,
            "position": len(self.channels),
            "permission_overwrites": [], "nsfw": False, "parent_id": parent_id, "last_message_id": None,
            "rate_limit_per_user": 0, "topic": None, "flags": 0,
        }
        if kind == 15:
            channel.update(available_tags=[], default_reaction_emoji=None, default_sort_order=None,
                           default_forum_layout=0, default_thread_rate_limit_per_user=0)
        self.channels[channel["id"]] = channel
        return channel

    def add_role(self, name: str) -> dict[str, Any]:
        """Create a guild role (sent in GUILD_CREATE) and return it."""
        role = dict(self.guild["roles"][0], id=self.snowflake(), name=name, position=len(self.guild["roles"]),
                    permissions="0", mentionable=True)
        self.guild["roles"].append(role)
        return role

    def _member(self, user: dict[str, Any], roles: list[str] | None = None) -> dict[str, Any]:
        member = load_payload("guild_member")
        keys = ("id", "username", "discriminator", "global_name", "avatar", "public_flags")
        member["user"] = {k: user[k] for k in keys}
        member["roles"] = roles if roles is not None else sorted(self.member_roles.get(user["id"], set()))
        return member

    # ---- what users do ---------------------------------------------------------------------

    async def slash_command(
        self, user: dict[str, Any], channel_id: str, name: str, options: list[dict[str, Any]], *,
        command_type: int = 1, target_id: str | None = None, resolved: dict[str, Any] | None = None,
    ) -> _Interaction:
        """A user runs an application command (1 chat input, 3 message context menu)."""
        payload = load_payload("interaction_application_command")
        payload["data"] = {"id": self._command_id(name), "name": name, "type": command_type}
        if options:
            payload["data"]["options"] = options
        if target_id is not None:
            payload["data"]["target_id"] = target_id
        if resolved is not None:
            payload["data"]["resolved"] = resolved
        return await self._interact(payload, user, channel_id)

    async def autocomplete(self, user: dict[str, Any], channel_id: str, name: str,
                           options: list[dict[str, Any]]) -> _Interaction:
        """A user types into an option with autocomplete (interaction type 4)."""
        payload = load_payload("interaction_application_command")
        payload["type"] = 4
        payload["data"] = {"id": self._command_id(name), "name": name, "type": 1, "options": options}
        return await self._interact(payload, user, channel_id)

    async def click(self, user: dict[str, Any], message_id: str, custom_id: str) -> _Interaction:
        """A user presses a button on a message the bot sent."""
        message = self.messages[message_id]
        payload = load_payload("interaction_message_component")
        payload["data"] = {"custom_id": custom_id, "component_type": 2}
        payload["message"] = copy.deepcopy(message)
        return await self._interact(payload, user, message["channel_id"])

    async def submit_modal(self, user: dict[str, Any], channel_id: str, custom_id: str,
                           values: dict[str, str]) -> _Interaction:
        """A user submits a modal form with `values` per text input custom_id."""
        payload = load_payload("interaction_modal_submit")
        rows = []
        for index, (input_id, value) in enumerate(values.items()):
            rows.append({"type": 1, "id": 2 * index + 1,
                         "components": [{"type": 4, "id": 2 * index + 2, "custom_id": input_id, "value": value}]})
        payload["data"] = {"custom_id": custom_id, "components": rows}
        return await self._interact(payload, user, channel_id)

    async def post_message(self, user: dict[str, Any], channel_id: str, content: str) -> dict[str, Any]:
        """A user writes in a channel, thread or DM; the bot gets MESSAGE_CREATE."""
        message = self._new_message(channel_id, user, {"content": content})
        await self._dispatch_message_create(message)
        return message

    async def react(self, user: dict[str, Any], message_id: str, emoji: str) -> None:
        """A user adds a (unicode) reaction to a message; the bot gets MESSAGE_REACTION_ADD."""
        message = self.messages[message_id]
        event = load_payload("message_reaction_add")
        event.update(user_id=user["id"], channel_id=message["channel_id"], message_id=message_id,
                     message_author_id=message["author"]["id"], emoji={"id": None, "name": emoji})
        channel = self.channels.get(message["channel_id"], {})
        if channel.get("type") == 1:
            event.pop("guild_id", None)
            event.pop("member", None)
        else:
            event["guild_id"] = self.guild["id"]
            event["member"] = self._member(user)
        await self.dispatch("MESSAGE_REACTION_ADD", event)

    async def _interact(self, payload: dict[str, Any], user: dict[str, Any], channel_id: str) -> _Interaction:
        channel = self.channels[channel_id]
        payload["id"] = self.snowflake()
        payload["application_id"] = self.application_id
        payload["token"] = "itok-" + secrets.token_urlsafe(24)
        payload["channel_id"] = channel_id
        payload["channel"] = copy.deepcopy(channel)
        if channel["type"] == 1:  # a DM: `user`, no guild or member
            for key in ("guild", "guild_id", "member", "guild_locale"):
                payload.pop(key, None)
            payload["user"] = copy.deepcopy(user)
            payload["context"] = 1
            payload["authorizing_integration_owners"] = {"0": self.guild["id"]}
        else:
            payload["guild"] = {"id": self.guild["id"], "locale": "en-US", "features": []}
            payload["guild_id"] = self.guild["id"]
            payload["member"] = self._member(user)
            payload["authorizing_integration_owners"] = {"0": self.guild["id"]}
        interaction = _Interaction(payload["id"], payload["token"], channel_id, time.monotonic(), payload)
        self.interactions[interaction.id] = interaction
        await self.dispatch("INTERACTION_CREATE", payload)
        return interaction

    def _command_id(self, name: str) -> str:
        for command in self.commands:
            if command["name"] == name:
                return str(command["id"])
        return self.snowflake()

    # ---- fault injection -------------------------------------------------------------------

    def rate_limit(self, method: str, path_regex: str, *, retry_after: float = 0.25, times: int = 1,
                   is_global: bool = False) -> None:
        """Answer the next `times` matching requests with 429 and `retry_after` seconds."""
        self._rules.append(_Rule(method, re.compile(path_regex), times, 429, retry_after, is_global))

    def fail(self, method: str, path_regex: str, *, status: int = 500, times: int = 1) -> None:
        """Answer the next `times` matching requests with `status` (e.g. 403 missing access, 500)."""
        self._rules.append(_Rule(method, re.compile(path_regex), times, status))

    # ---- waiting and inspecting ------------------------------------------------------------

    async def wait_for(self, predicate: Any, timeout: float = 10.0) -> Any:
        """Wait until `predicate()` returns something truthy (checked after every request/event)."""
        async with self._changed:
            return await asyncio.wait_for(self._changed.wait_for(predicate), timeout)

    async def wait_for_call(self, method: str, path_regex: str, *, count: int = 1,
                            timeout: float = 10.0) -> RecordedCall:
        """Wait for the `count`-th successful call matching method and path; return it."""
        pattern = re.compile(path_regex)

        def found() -> RecordedCall | None:
            hits = self.find_calls(method, pattern.pattern)
            return hits[count - 1] if len(hits) >= count else None

        result: RecordedCall = await self.wait_for(found, timeout)
        return result

    def find_calls(self, method: str, path_regex: str, *, status_below: int = 300) -> list[RecordedCall]:
        """The recorded calls matching method and path (successful ones unless told otherwise)."""
        pattern = re.compile(path_regex)
        return [c for c in self.calls if c.method == method and pattern.search(c.path) and c.status < status_below]

    def channel_messages(self, channel_id: str) -> list[dict[str, Any]]:
        """The messages currently in a channel, oldest first."""
        return [m for m in self.messages.values() if m["channel_id"] == channel_id]

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # ---- gateway ---------------------------------------------------------------------------

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a DISPATCH (op 0) to every identified gateway connection."""
        for gateway in list(self._gateways):
            payload = copy.deepcopy(data)
            if event == "MESSAGE_CREATE" and not gateway.intents & MESSAGE_CONTENT_INTENT:
                # Discord strips content unless the bot has the privileged intent, is mentioned, or it is a DM.
                mentioned = any(u.get("id") == self.bot_user["id"] for u in payload.get("mentions", []))
                if payload.get("guild_id") and not mentioned and payload["author"]["id"] != self.bot_user["id"]:
                    payload["content"] = ""
            gateway.seq += 1
            await self._send(gateway, {"op": 0, "t": event, "s": gateway.seq, "d": payload})
        await self._notify()

    async def _send(self, gateway: _Gateway, payload: dict[str, Any]) -> None:
        if gateway.ws.closed:
            return
        raw = json.dumps(payload)
        if gateway.compressor is None:
            await gateway.ws.send_str(raw)
        else:
            chunk = gateway.compressor.compress(raw.encode()) + gateway.compressor.flush(zlib.Z_SYNC_FLUSH)
            await gateway.ws.send_bytes(chunk)

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=16 * 1024 * 1024)
        await ws.prepare(request)
        compress = request.query.get("compress") == "zlib-stream"
        gateway = _Gateway(ws, zlib.compressobj() if compress else None)
        await self._send(gateway, {"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None})
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            frame = json.loads(msg.data)
            op, data = frame.get("op"), frame.get("d")
            if op == 1:
                await self._send(gateway, {"op": 11, "d": None, "s": None, "t": None})
            elif op == 2:
                if data.get("token") != self.token:
                    await ws.close(code=4004, message=b"Authentication failed.")
                    break
                gateway.intents = int(data.get("intents", 0))
                await self._identify(gateway)
            elif op == 6:
                if data.get("token") != self.token:
                    await ws.close(code=4004, message=b"Authentication failed.")
                    break
                gateway.intents = max(gateway.intents, max((g.intents for g in self._gateways), default=0))
                self._gateways.append(gateway)
                gateway.seq = int(data.get("seq") or 0) + 1
                await self._send(gateway, {"op": 0, "t": "RESUMED", "s": gateway.seq, "d": {}})
                await self._notify()
        if gateway in self._gateways:
            self._gateways.remove(gateway)
        return ws

    async def _identify(self, gateway: _Gateway) -> None:
        ready = load_payload("ready")
        ready["user"] = self.bot_user
        ready["session_id"] = gateway.session_id
        ready["resume_gateway_url"] = self.gateway_url
        ready["application"]["id"] = self.application_id
        ready["guilds"] = [{"id": self.guild["id"], "unavailable": True}]
        gateway.seq = 1
        await self._send(gateway, {"op": 0, "t": "READY", "s": gateway.seq, "d": ready})
        guild = copy.deepcopy(self.guild)
        guild["channels"] = [copy.deepcopy(c) for c in self.channels.values() if c["type"] in (0, 15)]
        guild["threads"] = [copy.deepcopy(c) for c in self.channels.values() if c["type"] == 11]
        guild["members"] = [self._member(self.bot_user)]
        gateway.seq += 1
        await self._send(gateway, {"op": 0, "t": "GUILD_CREATE", "s": gateway.seq, "d": guild})
        self._gateways.append(gateway)
        await self._notify()

    # ---- REST ------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["path"]
        body: Any = None
        if request.can_read_body:
            if request.content_type == "multipart/form-data":
                form = await request.post()
                raw = form.get("payload_json")
                body = json.loads(str(raw)) if raw is not None else None
            else:
                text = await request.text()
                body = json.loads(text) if text else None
        response = await self._answer(request, path, body)
        call = RecordedCall(request.method, path, dict(request.query), body, response.status, time.monotonic())
        self.calls.append(call)
        await self._notify()
        return response

    async def _answer(self, request: web.Request, path: str, body: Any) -> web.StreamResponse:
        method = request.method
        for rule in self._rules:
            if rule.times > 0 and rule.method == method and rule.pattern.search(path):
                rule.times -= 1
                return self._fault(rule)
        webhook = path.startswith(("/webhooks/", "/interactions/"))
        if not webhook and request.headers.get("Authorization") != f"Bot {self.token}":
            return _error(401, 0, "401: Unauthorized")
        for route_method, pattern, handler in self._routes():
            match = re.fullmatch(pattern, path)
            if match and route_method == method:
                result: web.StreamResponse = await handler(request, body, **match.groupdict())
                return result
        return _error(404, 0, "404: Not Found")

    def _fault(self, rule: _Rule) -> web.Response:
        if rule.status != 429:
            return _error(rule.status, 0, f"{rule.status}: injected failure")
        headers = {
            "Retry-After": str(max(1, int(rule.retry_after + 0.999))),
            "X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + rule.retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{rule.retry_after:.3f}",
            "X-RateLimit-Bucket": "fakebucket" + str(abs(hash(rule.pattern.pattern)) % 10_000),
            "X-RateLimit-Scope": "global" if rule.is_global else "user",
            "Via": "1.1 google",
        }
        if rule.is_global:
            headers["X-RateLimit-Global"] = "true"
        body = {"message": "You are being rate limited.", "retry_after": rule.retry_after, "global": rule.is_global}
        return _json(body, status=429, headers=headers)

    def _routes(self) -> list[tuple[str, str, Any]]:
        app = self.application_id
        return [
            ("GET", r"/users/@me", self._get_me),
            ("GET", r"/users/(?P<user_id>\d+)", self._get_user),
            ("POST", r"/users/@me/channels", self._open_dm),
            ("GET", r"/oauth2/applications/@me|/applications/@me", self._get_application),
            ("GET", r"/gateway(/bot)?", self._get_gateway),
            ("PUT", rf"/applications/{app}(/guilds/(?P<guild_id>\d+))?/commands", self._put_commands),
            ("GET", rf"/applications/{app}(/guilds/(?P<guild_id>\d+))?/commands", self._get_commands),
            ("GET", r"/channels/(?P<channel_id>\d+)", self._get_channel),
            ("GET", r"/guilds/(?P<guild_id>\d+)/members/(?P<user_id>\d+)", self._get_member),
            ("PUT", r"/guilds/(?P<guild_id>\d+)/members/(?P<user_id>\d+)/roles/(?P<role_id>\d+)", self._put_role),
            ("DELETE", r"/guilds/(?P<guild_id>\d+)/members/(?P<user_id>\d+)/roles/(?P<role_id>\d+)",
             self._delete_role),
            ("POST", r"/channels/(?P<channel_id>\d+)/messages", self._create_message),
            ("GET", r"/channels/(?P<channel_id>\d+)/messages/(?P<message_id>\d+)", self._get_message),
            ("PATCH", r"/channels/(?P<channel_id>\d+)/messages/(?P<message_id>\d+)", self._edit_message),
            ("PUT", r"/channels/(?P<channel_id>\d+)/messages/(?P<message_id>\d+)/reactions/(?P<emoji>[^/]+)/@me",
             self._add_reaction),
            ("POST", r"/channels/(?P<channel_id>\d+)/threads", self._create_thread),
            ("POST", r"/channels/(?P<channel_id>\d+)/messages/(?P<message_id>\d+)/threads", self._create_thread),
            ("POST", r"/interactions/(?P<interaction_id>\d+)/(?P<token>[^/]+)/callback", self._callback),
            ("POST", rf"/webhooks/{app}/(?P<token>[^/]+)", self._followup),
            ("PATCH", rf"/webhooks/{app}/(?P<token>[^/]+)/messages/(?P<message_id>@original|\d+)", self._edit_webhook),
            ("GET", rf"/webhooks/{app}/(?P<token>[^/]+)/messages/(?P<message_id>@original|\d+)", self._get_webhook),
        ]

    async def _get_me(self, request: web.Request, body: Any) -> web.Response:
        return _json(self.bot_user)

    async def _get_user(self, request: web.Request, body: Any, user_id: str) -> web.Response:
        user = self.users.get(user_id)
        return _json(user) if user else _error(404, 10013, "Unknown User")

    async def _open_dm(self, request: web.Request, body: Any) -> web.Response:
        recipient = self.users.get(str(body.get("recipient_id")))
        if recipient is None:
            return _error(400, 50007, "Cannot send messages to this user")
        for channel in self.channels.values():
            if channel["type"] == 1 and channel["recipients"][0]["id"] == recipient["id"]:
                return _json(channel)
        channel = {"id": self.snowflake(), "type": 1, "last_message_id": None, "flags": 0, "recipients": [recipient]}
        self.channels[channel["id"]] = channel
        return _json(channel)

    async def _get_application(self, request: web.Request, body: Any) -> web.Response:
        application = load_payload("application")
        application["id"] = self.application_id
        application["bot"] = self.bot_user
        return _json(application)

    async def _get_gateway(self, request: web.Request, body: Any) -> web.Response:
        return _json({"url": self.gateway_url, "shards": 1, "session_start_limit": {
            "total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1}})

    async def _put_commands(self, request: web.Request, body: Any, guild_id: str | None = None) -> web.Response:
        registered = []
        for command in body or []:
            stored = dict(command, id=self._command_id(command["name"]), application_id=self.application_id,
                          version=self.snowflake(),
                          default_member_permissions=command.get("default_member_permissions"),
                          type=command.get("type", 1))
            stored.setdefault("description", "")  # Discord answers "" for context-menu commands
            stored.setdefault("options", [])
            stored.setdefault("nsfw", False)
            if guild_id:
                stored["guild_id"] = guild_id
            registered.append(stored)
        self.commands = registered
        return _json(registered)

    async def _get_commands(self, request: web.Request, body: Any, guild_id: str | None = None) -> web.Response:
        return _json(self.commands)

    async def _get_member(self, request: web.Request, body: Any, guild_id: str, user_id: str) -> web.Response:
        user = self.users.get(user_id)
        if guild_id != self.guild["id"] or user is None:
            return _error(404, 10007, "Unknown Member")
        return _json(self._member(user))

    async def _put_role(self, request: web.Request, body: Any, guild_id: str, user_id: str,
                        role_id: str) -> web.Response:
        if user_id not in self.users or role_id not in {r["id"] for r in self.guild["roles"]}:
            return _error(404, 10011, "Unknown Role")
        self.member_roles.setdefault(user_id, set()).add(role_id)
        return web.Response(status=204)

    async def _delete_role(self, request: web.Request, body: Any, guild_id: str, user_id: str,
                           role_id: str) -> web.Response:
        self.member_roles.get(user_id, set()).discard(role_id)
        return web.Response(status=204)

    async def _get_channel(self, request: web.Request, body: Any, channel_id: str) -> web.Response:
        channel = self.channels.get(channel_id)
        return _json(channel) if channel else _error(404, 10003, "Unknown Channel")

    async def _create_message(self, request: web.Request, body: Any, channel_id: str) -> web.Response:
        if channel_id not in self.channels:
            return _error(404, 10003, "Unknown Channel")
        problem = _message_problem(body)
        if problem:
            return _error(400, 50035, problem)
        message = self._new_message(channel_id, self.bot_user, body)
        await self._dispatch_message_create(message)
        return _json(message)

    async def _get_message(self, request: web.Request, body: Any, channel_id: str, message_id: str) -> web.Response:
        message = self.messages.get(message_id)
        if message is None or message["channel_id"] != channel_id:
            return _error(404, 10008, "Unknown Message")
        return _json(message)

    async def _edit_message(self, request: web.Request, body: Any, channel_id: str, message_id: str) -> web.Response:
        message = self.messages.get(message_id)
        if message is None or message["channel_id"] != channel_id:
            return _error(404, 10008, "Unknown Message")
        if message["author"]["id"] != self.bot_user["id"]:
            return _error(403, 50005, "Cannot edit a message authored by another user")
        problem = _message_problem(body, partial=True)
        if problem:
            return _error(400, 50035, problem)
        self._apply_edit(message, body)
        return _json(message)

    async def _add_reaction(self, request: web.Request, body: Any, channel_id: str, message_id: str,
                            emoji: str) -> web.Response:
        if message_id not in self.messages:
            return _error(404, 10008, "Unknown Message")
        self.reactions.append((message_id, emoji, self.bot_user["id"]))
        return web.Response(status=204)

    async def _create_thread(self, request: web.Request, body: Any, channel_id: str,
                             message_id: str | None = None) -> web.Response:
        parent = self.channels.get(channel_id)
        if parent is None or parent["type"] not in (0, 15):
            return _error(400, 50024, "Cannot execute action on this channel type")
        if not body or not body.get("name") or len(body["name"]) > 100:
            return _error(400, 50035, "Invalid Form Body: name must be 1-100 characters")
        if parent["type"] == 15 and not body.get("message"):
            return _error(400, 50035, "Invalid Form Body: a forum post needs a message")
        thread_id = message_id or self.snowflake()
        thread = {
            "id": thread_id, "type": 11, "guild_id": self.guild["id"], "parent_id": channel_id,
            "owner_id": self.bot_user["id"], "name": body["name"], "last_message_id": None,
            "rate_limit_per_user": 0, "message_count": 0, "member_count": 1, "total_message_sent": 0, "flags": 0,
            "applied_tags": body.get("applied_tags", []),
            "thread_metadata": {"archived": False, "auto_archive_duration": body.get("auto_archive_duration", 10080),
                                "archive_timestamp": _now_iso(), "locked": False, "create_timestamp": _now_iso()},
            "member": {"id": thread_id, "user_id": self.bot_user["id"], "join_timestamp": _now_iso(), "flags": 0},
        }
        self.channels[thread_id] = thread
        answer = dict(thread)
        if parent["type"] == 15:
            problem = _message_problem(body["message"])
            if problem:
                return _error(400, 50035, problem)
            starter = self._new_message(thread_id, self.bot_user, body["message"], message_id=thread_id)
            answer["message"] = starter
        await self.dispatch("THREAD_CREATE", dict(thread, newly_created=True))
        return _json(answer, status=201)

    # ---- interactions and webhooks ---------------------------------------------------------

    async def _callback(self, request: web.Request, body: Any, interaction_id: str, token: str) -> web.Response:
        interaction = self.interactions.get(interaction_id)
        if interaction is None or interaction.token != token:
            return _error(404, 10062, "Unknown interaction")
        if time.monotonic() - interaction.sent_at > self.interaction_deadline:
            return _error(404, 10062, "Unknown interaction")
        if interaction.response_type is not None:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        kind = int(body["type"])
        data = body.get("data") or {}
        problem = _callback_problem(kind, data)
        if problem:
            return _error(400, 50035, problem)
        interaction.response_type = kind
        resource: dict[str, Any] = {"type": kind}
        info: dict[str, Any] = {"id": interaction_id, "type": interaction.payload["type"],
                                "response_message_loading": kind == 5,
                                "response_message_ephemeral": bool(int(data.get("flags") or 0) & EPHEMERAL_FLAG)}
        if kind in (4, 5):
            content = {} if kind == 5 else data
            message = self._new_message(interaction.channel_id or "", self.bot_user, content,
                                        interaction=interaction)
            if kind == 5:
                message["flags"] = (int(data.get("flags") or 0)) | 128  # LOADING
                interaction.loading = True
            interaction.original_message_id = message["id"]
            info["response_message_id"] = message["id"]
            resource["message"] = message
        elif kind == 7:
            source = interaction.payload.get("message", {}).get("id")
            edited = self.messages.get(source or "")
            if edited is None:
                return _error(404, 10008, "Unknown Message")
            message = edited
            self._apply_edit(message, data)
            interaction.original_message_id = message["id"]
            info["response_message_id"] = message["id"]
            resource["message"] = message
        if request.query.get("with_response") in ("1", "true", "True"):
            return _json({"interaction": info, "resource": resource})
        return web.Response(status=204)

    def _interaction_for(self, token: str) -> _Interaction | None:
        for interaction in self.interactions.values():
            if interaction.token == token:
                return interaction
        return None

    async def _followup(self, request: web.Request, body: Any, token: str) -> web.Response:
        interaction = self._interaction_for(token)
        if interaction is None or interaction.response_type is None:
            return _error(404, 10015, "Unknown Webhook")
        if time.monotonic() - interaction.sent_at > TOKEN_LIFETIME_SECONDS:
            return _error(401, 50027, "Invalid Webhook Token")
        problem = _message_problem(body)
        if problem:
            return _error(400, 50035, problem)
        if interaction.loading and interaction.original_message_id:
            # The first follow-up after a "thinking" deferral replaces the loading message.
            interaction.loading = False
            message = self.messages[interaction.original_message_id]
            self._apply_edit(message, body)
            message["flags"] = int(message.get("flags") or 0) & ~128
        else:
            message = self._new_message(interaction.channel_id or "", self.bot_user, body, interaction=interaction)
        return _json(message)

    async def _edit_webhook(self, request: web.Request, body: Any, token: str, message_id: str) -> web.Response:
        interaction = self._interaction_for(token)
        if interaction is None or interaction.response_type is None:
            return _error(404, 10015, "Unknown Webhook")
        target = interaction.original_message_id if message_id == "@original" else message_id
        message = self.messages.get(target or "")
        if message is None:
            return _error(404, 10008, "Unknown Message")
        problem = _message_problem(body, partial=True)
        if problem:
            return _error(400, 50035, problem)
        self._apply_edit(message, body)
        if message_id == "@original":
            interaction.loading = False
            message["flags"] = int(message.get("flags") or 0) & ~128
        return _json(message)

    async def _get_webhook(self, request: web.Request, body: Any, token: str, message_id: str) -> web.Response:
        interaction = self._interaction_for(token)
        target = interaction.original_message_id if interaction and message_id == "@original" else message_id
        message = self.messages.get(target or "")
        return _json(message) if message else _error(404, 10008, "Unknown Message")

    # ---- messages --------------------------------------------------------------------------

    def _new_message(self, channel_id: str, author: dict[str, Any], body: dict[str, Any] | None, *,
                     interaction: _Interaction | None = None, message_id: str | None = None) -> dict[str, Any]:
        body = body or {}
        message = load_payload("message")
        message.update(
            id=message_id or self.snowflake(), channel_id=channel_id, author=copy.deepcopy(author),
            content=body.get("content") or "", embeds=body.get("embeds") or [], components=body.get("components") or [],
            flags=int(body.get("flags") or 0), timestamp=_now_iso(), mentions=[], nonce=body.get("nonce"),
        )
        channel = self.channels.get(channel_id, {})
        if channel.get("type") == 1:
            message.pop("guild_id", None)
            message.pop("member", None)
        else:
            message["guild_id"] = self.guild["id"]
        if author["id"] == self.bot_user["id"]:
            message["author"]["bot"] = True
        for user_id in re.findall(r"<@!?(\d+)>", message["content"]):
            if user_id in self.users:
                message["mentions"].append(self.users[user_id])
        if body.get("message_reference"):
            message["message_reference"] = body["message_reference"]
            message["type"] = 19
        if interaction is not None:
            message["interaction_metadata"] = {"id": interaction.id, "type": interaction.payload["type"],
                                               "user": interaction.payload.get("member", {}).get("user")
                                               or interaction.payload.get("user"),
                                               "authorizing_integration_owners": {}}
            message["webhook_id"] = self.application_id
            message["application_id"] = self.application_id
        self.messages[message["id"]] = message
        if channel:
            channel["last_message_id"] = message["id"]
            if channel.get("type") == 11:
                channel["message_count"] = channel.get("message_count", 0) + 1
        return message

    def _apply_edit(self, message: dict[str, Any], body: dict[str, Any] | None) -> None:
        for key in ("content", "embeds", "components", "flags"):
            if body and key in body and body[key] is not None:
                message[key] = body[key]
        message["edited_timestamp"] = _now_iso()

    async def _dispatch_message_create(self, message: dict[str, Any]) -> None:
        if message["channel_id"] in self.channels and self.channels[message["channel_id"]].get("type") != 1:
            user = self.users.get(message["author"]["id"])
            message = dict(message, member={k: v for k, v in self._member(user or message["author"]).items()
                                            if k != "user"})
        await self.dispatch("MESSAGE_CREATE", message)


def _json(body: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON answer with Discord's exact content type (discord.py compares it literally)."""
    return web.Response(body=json.dumps(body).encode(), status=status, headers={**(headers or {}),
                        "Content-Type": "application/json"})


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"message": message, "code": code}, status=status)


def _message_problem(body: Any, *, partial: bool = False) -> str | None:
    """Discord's limits on a message body (the ones a bot can get wrong)."""
    if not isinstance(body, dict):
        return "Invalid Form Body: expected an object"
    content = body.get("content") or ""
    embeds = body.get("embeds") or []
    components = body.get("components") or []
    if len(content) > 2000:
        return "Invalid Form Body: content must be 2000 or fewer in length"
    if len(embeds) > 10:
        return "Invalid Form Body: at most 10 embeds"
    for embed in embeds:
        if len(embed.get("title") or "") > 256 or len(embed.get("description") or "") > 4096:
            return "Invalid Form Body: embed title ≤ 256, description ≤ 4096"
        if len(embed.get("fields") or []) > 25:
            return "Invalid Form Body: at most 25 embed fields"
    if len(components) > 5:
        return "Invalid Form Body: at most 5 action rows"
    for row in components:
        if row.get("type") != 1 or len(row.get("components") or []) > 5:
            return "Invalid Form Body: components must be action rows of at most 5 items"
        for item in row["components"]:
            custom_id = item.get("custom_id")
            if item.get("type") == 2 and item.get("style") != 5 and not custom_id:
                return "Invalid Form Body: a button needs a custom_id"
            if custom_id is not None and len(custom_id) > 100:
                return "Invalid Form Body: custom_id must be 100 or fewer in length"
            if len(item.get("label") or "") > 80:
                return "Invalid Form Body: a button label must be 80 or fewer in length"
    if not partial and not (content or embeds or components or body.get("attachments")):
        return "Cannot send an empty message"
    return None


def _callback_problem(kind: int, data: dict[str, Any]) -> str | None:
    """Validate an interaction callback body the way Discord does for the parts we use."""
    if kind not in (1, 4, 5, 6, 7, 8, 9, 10, 12):
        return f"Invalid Form Body: unknown interaction callback type {kind}"
    if kind == 4:
        return _message_problem(data)
    if kind == 7:
        return _message_problem(data, partial=True)
    if kind == 8:
        choices = data.get("choices")
        if not isinstance(choices, list) or len(choices) > 25:
            return "Invalid Form Body: autocomplete needs at most 25 choices"
    if kind == 9:
        if not data.get("custom_id") or len(data["custom_id"]) > 100 or not data.get("title"):
            return "Invalid Form Body: a modal needs a custom_id (≤ 100) and a title"
        if not 1 <= len(data.get("components") or []) <= 5:
            return "Invalid Form Body: a modal needs 1 to 5 components"
    return None
