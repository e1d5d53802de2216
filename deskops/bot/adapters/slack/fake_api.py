"""A fake Slack (Web API, response URLs, Socket Mode websocket) on 127.0.0.1, for tests and the sandbox.

It speaks the wire format the real slack_sdk/slack_bolt code expects, so tests exercise the real
SDK: form or JSON bodies on `/api/<method>`, `{"ok": ...}` answers, HTTP 429 with `Retry-After`
when told to, and a Socket Mode websocket handed out by `apps.connections.open`. Every call is
recorded for assertions. It runs its own asyncio loop in a daemon thread, so synchronous code can
use it directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web


@dataclass(frozen=True)
class Call:
    """One request the fake received: the Web API method (or `response_url`) and its parameters."""

    method: str
    params: dict[str, Any]
    at: float = 0.0
    """time.monotonic() when the call arrived."""


@dataclass
class FakeUser:
    """A workspace member as `users.info` describes them."""

    id: str
    name: str
    email: str | None = None
    is_bot: bool = False


@dataclass
class _Fault:
    status: int
    error: str
    retry_after: int | None
    times: int


@dataclass
class _SocketState:
    connections: list[web.WebSocketResponse] = field(default_factory=list)
    connects: int = 0
    acks: list[dict[str, Any]] = field(default_factory=list)


_JSON_PARAMS = ("blocks", "view", "attachments", "metadata")
BOT_USER_ID = "UDESKBOT"
TEAM_ID = "TDESK"


class FakeSlack:
    """A loopback Slack: start it, point `WebClient(base_url=fake.api_url)` at it, assert on `calls`."""

    def __init__(self, users: list[FakeUser] | None = None) -> None:
        self.users: dict[str, FakeUser] = {u.id: u for u in users or []}
        self.calls: list[Call] = []
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.home_views: dict[str, dict[str, Any]] = {}
        self._faults: dict[str, list[_Fault]] = {}
        self._socket = _SocketState()
        self._ts = itertools.count(1)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # ---------------------------------------------------------------- lifecycle
    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT`."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """The Web API base URL to give `WebClient(base_url=...)` (ends with a slash, like Slack's)."""
        return f"{self.base_url}/api/"

    def start(self) -> FakeSlack:
        """Start serving on a free loopback port; returns self."""
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        def _serve() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(self._start_site())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=_serve, name="fake-slack", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the fake Slack did not start within 10 s")
        return self

    def stop(self) -> None:
        """Close every connection and stop the server thread."""
        if self._loop is None:
            return
        fut = asyncio.run_coroutine_threadsafe(self._stop_site(), self._loop)
        with contextlib.suppress(Exception):
            fut.result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        self._loop = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _start_site(self) -> None:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_post("/api/{method}", self._api)
        app.router.add_post("/response/{token}", self._response_url)
        app.router.add_get("/socket-mode", self._socket_mode)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server: Any = site._server
        self.port = int(server.sockets[0].getsockname()[1])

    async def _stop_site(self) -> None:
        for ws in list(self._socket.connections):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # ---------------------------------------------------------------- test controls
    def rate_limit(self, method: str, *, retry_after: int = 1, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with HTTP 429 and `Retry-After: retry_after`."""
        self._add_fault(method, _Fault(429, "ratelimited", retry_after, times))

    def fail(self, method: str, *, error: str = "internal_error", status: int = 200, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with `{"ok": false, "error": error}`."""
        self._add_fault(method, _Fault(status, error, None, times))

    def _add_fault(self, method: str, fault: _Fault) -> None:
        with self._lock:
            self._faults.setdefault(method, []).append(fault)

    def calls_to(self, method: str) -> list[Call]:
        """The recorded calls of one method, oldest first."""
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until `method` was called at least `count` times; return those calls (or raise)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [c for c in self.calls if c.method == method]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = sorted({c.method for c in self.calls})
                    raise AssertionError(f"{method} called {len(found)} times, wanted {count}; seen: {seen}")
                self._changed.wait(left)

    def response_url(self) -> str:
        """A fresh `response_url` (as in slash command and interaction payloads) pointing at the fake."""
        return f"{self.base_url}/response/{uuid.uuid4().hex}"

    def channel_messages(self, channel: str) -> list[dict[str, Any]]:
        """Top-level and thread messages posted to `channel`, oldest first."""
        with self._lock:
            return [dict(m) for m in self.messages.get(channel, [])]

    def add_message(self, channel: str, text: str, user: str, thread_ts: str | None = None) -> str:
        """Put a message into a channel as if a user had written it; returns its ts."""
        with self._lock:
            return self._store_message(channel, {"text": text, "user": user, "thread_ts": thread_ts})

    # ---------------------------------------------------------------- Socket Mode controls
    def socket_send(self, payload: dict[str, Any], *, type_: str, envelope_id: str | None = None,
                    retry_attempt: int = 0) -> str:
        """Send one envelope to every open Socket Mode connection; returns its envelope_id."""
        envelope_id = envelope_id or uuid.uuid4().hex
        envelope = {
            "envelope_id": envelope_id,
            "type": type_,
            "payload": payload,
            "accepts_response_payload": type_ != "events_api",
            "retry_attempt": retry_attempt,
            "retry_reason": "timeout" if retry_attempt else "",
        }
        self._run(self._broadcast(json.dumps(envelope)))
        return envelope_id

    def socket_drop(self) -> None:
        """Close every Socket Mode connection (the client is expected to reconnect)."""
        self._run(self._close_sockets())

    def wait_socket_connected(self, connects: int = 1, timeout: float = 10.0) -> None:
        """Wait until the client has opened at least `connects` connections and one is open now."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not (self._socket.connects >= connects and self._socket.connections):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"socket connections: {self._socket.connects}, wanted {connects}")
                self._changed.wait(left)

    def wait_socket_ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """Wait for the client's acknowledgement of one envelope and return it."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for ack in self._socket.acks:
                    if ack.get("envelope_id") == envelope_id:
                        return ack
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"envelope {envelope_id} was not acknowledged within {timeout} s")
                self._changed.wait(left)

    def _run(self, coro: Any) -> Any:
        assert self._loop is not None, "start the fake Slack first"
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    async def _broadcast(self, text: str) -> None:
        for ws in list(self._socket.connections):
            await ws.send_str(text)

    async def _close_sockets(self) -> None:
        for ws in list(self._socket.connections):
            await ws.close()

    # ---------------------------------------------------------------- HTTP handlers
    async def _socket_mode(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        with self._changed:
            self._socket.connections.append(ws)
            self._socket.connects += 1
            self._changed.notify_all()
        hello = {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "ADESK"},
                 "debug_info": {"host": "fake-slack"}}
        await ws.send_str(json.dumps(hello))
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    with self._changed:
                        self._socket.acks.append(json.loads(msg.data))
                        self._changed.notify_all()
        finally:
            with self._changed:
                if ws in self._socket.connections:
                    self._socket.connections.remove(ws)
                self._changed.notify_all()
        return ws

    async def _response_url(self, request: web.Request) -> web.Response:
        body = await request.json()
        self._record(Call("response_url", {"token": request.match_info["token"], **body}))
        return web.Response(text="ok")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _read_params(request)
        self._record(Call(method, params))
        fault = self._take_fault(method)
        if fault is not None:
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            return web.json_response({"ok": False, "error": fault.error}, status=fault.status, headers=headers)
        if not request.headers.get("Authorization", "").startswith("Bearer x"):
            return web.json_response({"ok": False, "error": "not_authed"})
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        with self._lock:
            result: dict[str, Any] = handler(params)
        return web.json_response(result)

    def _record(self, call: Call) -> None:
        with self._changed:
            self.calls.append(Call(call.method, call.params, time.monotonic()))
            self._changed.notify_all()

    def _take_fault(self, method: str) -> _Fault | None:
        with self._lock:
            queue = self._faults.get(method) or []
            if not queue:
                return None
            fault = queue[0]
            fault.times -= 1
            if fault.times <= 0:
                queue.pop(0)
            return fault

    # ---------------------------------------------------------------- Web API methods (lock held)
    def _next_ts(self) -> str:
        return f"{1_780_000_000 + next(self._ts)}.{next(self._ts):06d}"

    def _store_message(self, channel: str, message: dict[str, Any]) -> str:
        ts = self._next_ts()
        self.messages.setdefault(channel, []).append({**message, "ts": ts, "channel": channel})
        return ts

    def _find_message(self, channel: str, ts: str) -> dict[str, Any] | None:
        return next((m for m in self.messages.get(channel, []) if m["ts"] == ts), None)

    def _m_auth_test(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": "https://fake.slack.local/", "team": "Desk", "user": "deskops",
                "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": "BDESKBOT"}

    def _m_apps_connections_open(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket-mode"}

    def _m_chat_postMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = str(p.get("channel", ""))
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        message = {"text": p.get("text"), "blocks": p.get("blocks"), "thread_ts": p.get("thread_ts"),
                   "user": BOT_USER_ID, "bot_id": "BDESKBOT"}
        ts = self._store_message(channel, message)
        return {"ok": True, "channel": channel, "ts": ts, "message": {**message, "ts": ts}}

    def _m_chat_update(self, p: dict[str, Any]) -> dict[str, Any]:
        found = self._find_message(str(p.get("channel")), str(p.get("ts")))
        if found is None:
            return {"ok": False, "error": "message_not_found"}
        found.update({"text": p.get("text"), "blocks": p.get("blocks"), "edited": True})
        return {"ok": True, "channel": p.get("channel"), "ts": p.get("ts"), "text": p.get("text")}

    def _m_chat_postEphemeral(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "message_ts": self._next_ts()}

    def _m_chat_getPermalink(self, p: dict[str, Any]) -> dict[str, Any]:
        ts = str(p.get("message_ts", "")).replace(".", "")
        return {"ok": True, "channel": p.get("channel"),
                "permalink": f"https://fake.slack.local/archives/{p.get('channel')}/p{ts}"}

    def _m_views_open(self, p: dict[str, Any]) -> dict[str, Any]:
        view_id = "V" + uuid.uuid4().hex[:10].upper()
        view = {**(p.get("view") or {}), "id": view_id}
        self.views[view_id] = view
        return {"ok": True, "view": view}

    def _m_views_update(self, p: dict[str, Any]) -> dict[str, Any]:
        view_id = str(p.get("view_id", ""))
        if view_id not in self.views:
            return {"ok": False, "error": "not_found"}
        self.views[view_id] = {**(p.get("view") or {}), "id": view_id}
        return {"ok": True, "view": self.views[view_id]}

    def _m_views_push(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._m_views_open(p)

    def _m_views_publish(self, p: dict[str, Any]) -> dict[str, Any]:
        view = {**(p.get("view") or {}), "id": "VHOME" + str(p.get("user_id"))}
        self.home_views[str(p.get("user_id"))] = view
        return {"ok": True, "view": view}

    def _m_users_info(self, p: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(p.get("user")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": {"id": user.id, "name": user.name, "real_name": user.name,
                                     "is_bot": user.is_bot, "team_id": TEAM_ID,
                                     "profile": {"email": user.email, "real_name": user.name,
                                                 "display_name": user.name}}}

    def _m_users_lookupByEmail(self, p: dict[str, Any]) -> dict[str, Any]:
        email = str(p.get("email", "")).lower()
        user = next((u for u in self.users.values() if (u.email or "").lower() == email), None)
        if user is None:
            return {"ok": False, "error": "users_not_found"}
        return self._m_users_info({"user": user.id})

    def _m_conversations_open(self, p: dict[str, Any]) -> dict[str, Any]:
        users = str(p.get("users", ""))
        if not users:
            return {"ok": False, "error": "not_enough_users"}
        return {"ok": True, "channel": {"id": "D" + users.split(",")[0].removeprefix("U")}}

    def _m_conversations_create(self, p: dict[str, Any]) -> dict[str, Any]:
        name = str(p.get("name", ""))
        channel_id = "C" + uuid.uuid4().hex[:9].upper()
        self.messages.setdefault(channel_id, [])
        return {"ok": True, "channel": {"id": channel_id, "name": name, "is_private": bool(p.get("is_private"))}}

    def _m_conversations_invite(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": {"id": p.get("channel")}}

    def _m_conversations_replies(self, p: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(p.get("channel")), str(p.get("ts"))
        thread = [m for m in self.messages.get(channel, []) if m["ts"] == ts or m.get("thread_ts") == ts]
        return {"ok": True, "messages": thread, "has_more": False}

    def _m_reactions_add(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True}


async def _read_params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        data = await request.json()
        params: dict[str, Any] = dict(data) if isinstance(data, dict) else {}
    else:
        form = await request.post()
        params = {k: v for k, v in form.items() if isinstance(v, str)}
    params.update({k: v for k, v in request.query.items() if k not in params})
    for key in _JSON_PARAMS:
        if isinstance(params.get(key), str):
            with contextlib.suppress(ValueError):
                params[key] = json.loads(params[key])
    return params


def signed_headers(secret: str, body: str, *, timestamp: int | None = None,
                   content_type: str = "application/x-www-form-urlencoded") -> dict[str, str]:
    """Headers Slack sends with a request body: X-Slack-Request-Timestamp and the v0 HMAC signature."""
    from slack_sdk.signature import SignatureVerifier

    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body) or ""
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature, "Content-Type": content_type}


@contextlib.contextmanager
def running_fake_slack(users: list[FakeUser] | None = None) -> Iterator[FakeSlack]:
    """Start a FakeSlack for the duration of a `with` block."""
    fake = FakeSlack(users).start()
    try:
        yield fake
    finally:
        fake.stop()
