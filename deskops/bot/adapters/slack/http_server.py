"""HTTP mode: the bolt App behind a Starlette ASGI app (served by uvicorn) with a health endpoint.

slack_bolt's own Starlette handler calls the synchronous `App.dispatch` on the event loop, which
would let one slow request hold up every other; here it runs in Starlette's thread pool, so the
loop keeps accepting requests and each is acknowledged as soon as its listener calls `ack()`.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

EVENTS_PATH = "/slack/events"


def asgi_app(bolt_app: App, *, path: str = EVENTS_PATH) -> Starlette:
    """An ASGI app: POST `path` for every Slack request (commands, events, interactions), GET /healthz."""

    async def slack_events(request: Request) -> Response:
        body = await request.body()
        bolt_response = await run_in_threadpool(bolt_app.dispatch, to_bolt_request(request, body))
        return to_starlette_response(bolt_response)

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok", "adapter": "slack", "mode": "http"})

    return Starlette(routes=[Route(path, slack_events, methods=["POST"]), Route("/healthz", healthz)])


class BackgroundServer:
    """uvicorn serving an ASGI app on a thread (tests, the sandbox, benchmarks); `port=0` picks one."""

    def __init__(self, app: Any, *, host: str = "127.0.0.1", port: int = 0) -> None:
        import uvicorn

        self._server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning",
                                                     access_log=False, lifespan="off"))
        self._thread = threading.Thread(target=self._server.run, name="slack-http", daemon=True)
        self.host = host

    @property
    def port(self) -> int:
        """The port actually bound."""
        servers = getattr(self._server, "servers", [])
        return int(servers[0].sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        """`http://host:port`."""
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> BackgroundServer:
        """Start serving and wait until the socket is bound."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the Slack HTTP server did not start; is the port free?")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Ask uvicorn to exit and wait for it."""
        self._server.should_exit = True
        self._thread.join(10)


def serve(bolt_app: App, *, host: str, port: int) -> None:
    """Serve the Slack app over HTTP in the foreground until interrupted."""
    import uvicorn

    uvicorn.run(asgi_app(bolt_app), host=host, port=port, log_level="info")
