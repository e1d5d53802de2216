"""The ops HTTP server: /healthz (liveness), /readyz (readiness), /metrics (Prometheus), on its own port.

It runs beside the chat adapters in a background thread (uvicorn), separate from the Slack HTTP
port, so probes and scrapes never queue behind chat traffic and can be kept off the public proxy.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

if TYPE_CHECKING:
    from deskops.bot.ops.metrics import DeskMetrics
    from deskops.bot.runtime import Runtime

DEFAULT_HOST = "127.0.0.1"
PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def ops_app(runtime: Runtime, metrics: DeskMetrics) -> Starlette:
    """The Starlette app of the ops endpoints (checks run in a worker thread: they touch the database)."""
    from starlette.concurrency import run_in_threadpool

    from deskops.bot.ops.health import liveness, readiness

    started = time.monotonic()

    async def healthz(_request: Request) -> Response:
        return JSONResponse(liveness(started))

    async def readyz(_request: Request) -> Response:
        result = await run_in_threadpool(readiness, runtime)
        return JSONResponse(result.to_json(), status_code=200 if result.ready else 503)

    async def metrics_endpoint(_request: Request) -> Response:
        body = await run_in_threadpool(metrics.render)
        return Response(body, media_type=PROMETHEUS_CONTENT_TYPE)

    return Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics_endpoint, methods=["GET"]),
        ]
    )


class OpsServer:
    """uvicorn serving the ops app in a daemon thread; `start()` returns once it listens, `stop()` ends it."""

    def __init__(self, runtime: Runtime, port: int, host: str = DEFAULT_HOST) -> None:
        from deskops.bot.ops.metrics import DeskMetrics

        self.metrics = DeskMetrics(runtime).instrument()
        self.app = ops_app(runtime, self.metrics)
        self.host = host
        self.port = port
        self._server: object = None
        self._thread: threading.Thread | None = None

    def start(self, timeout: float = 10.0) -> None:
        """Listen on host:port (port 0 picks a free one; `port` then holds it); raise when it cannot."""
        import uvicorn

        config = uvicorn.Config(self.app, host=self.host, port=self.port, log_level="warning", lifespan="off")
        server = uvicorn.Server(config)
        self._server = server
        self._thread = threading.Thread(target=lambda: asyncio.run(server.serve()), name="deskops-ops", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the ops server could not listen on {self.host}:{self.port}")
            time.sleep(0.01)
        self.port = server.servers[0].sockets[0].getsockname()[1]

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        server = self._server
        if server is not None:
            server.should_exit = True  # type: ignore[attr-defined]
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None
