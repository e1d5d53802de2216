"""The desk's HTTP side for other systems: inbound signed webhooks from interfaces and alert
sources (a small Starlette app), and the outbound hand-off sender (signed webhook or SMTP e-mail).

Inbound routes:
- `POST /hooks/<interface>` — an update from operations/security/a supplier; signed (HMAC-SHA256 of
  `<timestamp>.<body>`, headers `X-DeskOps-Timestamp`, `X-DeskOps-Signature: sha256=<hex>`);
  stale or replayed signatures are refused and change nothing.
- `POST /alerts/generic?source=NAME` and `POST /alerts/alertmanager?source=NAME` — alerts; signed
  like the hooks, or `Authorization: Bearer <secret>` (what Alertmanager's http_config can send).

Answers are JSON: 200 `{"ok": true, ...}`; 401 bad signature; 404 unknown interface/source/ticket;
409 replay or wrong state; 400 bad body, each with `error` and `message`.
"""

from __future__ import annotations

import hmac
import json
import smtplib
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from email.message import EmailMessage
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from deskops.bot.notify.model import DeliveryError, Notification
from deskops.core.alerts import parse_alertmanager, parse_generic
from deskops.core.clock import Clock
from deskops.core.config.desk import DeskConfig
from deskops.core.errors import DeskError, Forbidden, InvalidInput, NotFound
from deskops.core.interfaces import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, verify
from deskops.core.services.alerts import take_alert
from deskops.core.services.context import Desk
from deskops.core.services.interfaces import RECIPIENT_PREFIX, receive_update

BODY_LIMIT = 256 * 1024
"""Largest request body taken, in bytes."""
_STATUS = {"forbidden": 401, "not_found": 404, "replayed": 409, "conflict": 409, "invalid_transition": 409}


def secret_of(environ: Mapping[str, str], env_name: str) -> str:
    """The shared secret named by the desk file, or refuse (a missing secret accepts nothing)."""
    secret = environ.get(env_name, "")
    if not secret:
        raise Forbidden(f"No secret is set for this sender; set the {env_name} environment variable.")
    return secret


def build_app(*, desk: Desk, uow_factory: Callable[[], Any], clock: Clock, environ: Mapping[str, str]) -> Starlette:
    """The inbound webhook app over the desk's store and clock."""

    async def hook(request: Request) -> JSONResponse:
        name = request.path_params["interface"]
        body = await _body(request)

        def work() -> dict[str, Any]:
            interface = desk.config.interfaces.get(name)
            if interface is None:
                raise NotFound(f"There is no interface {name!r}.")
            signature = request.headers.get(SIGNATURE_HEADER)
            verify(secret_of(environ, interface.secret_env), request.headers.get(TIMESTAMP_HEADER), signature, body,
                   clock.now())  # fmt: skip
            view = receive_update(uow=uow_factory(), desk=desk, interface=name, body=_json(body),
                                  delivery_id=str(signature), now=clock.now())  # fmt: skip
            return {"ticket": view.ref, "state": str(view.state)}

        return await _answer(work)

    async def alerts(request: Request) -> JSONResponse:
        fmt = request.path_params["format"]
        source = request.query_params.get("source", "")
        body = await _body(request)

        def work() -> dict[str, Any]:
            config = desk.config.alerts.sources.get(source)
            if config is None:
                raise NotFound(f"There is no alert source {source!r}.",
                               hint=f"Add ?source=NAME; sources: {', '.join(desk.config.alerts.sources) or 'none'}.")
            secret = secret_of(environ, config.secret_env)
            bearer = request.headers.get("Authorization", "")
            if not (bearer.startswith("Bearer ") and hmac.compare_digest(bearer[7:].strip(), secret)):
                verify(secret, request.headers.get(TIMESTAMP_HEADER), request.headers.get(SIGNATURE_HEADER), body,
                       clock.now())  # fmt: skip
            parsed = (parse_alertmanager if fmt == "alertmanager" else parse_generic)(_json(body))
            outcomes = [take_alert(uow=uow_factory(), desk=desk, source=source, alert=a, now=clock.now())
                        for a in parsed]  # fmt: skip
            return {"alerts": [o.__dict__ for o in outcomes]}

        return await _answer(work)

    return Starlette(routes=[
        Route("/hooks/{interface}", hook, methods=["POST"]),
        Route("/alerts/{format:str}", alerts, methods=["POST"]),
    ])  # fmt: skip


async def _body(request: Request) -> bytes:
    body = await request.body()
    if len(body) > BODY_LIMIT:
        raise InvalidInput(f"The body is {len(body):,} bytes; the limit is {BODY_LIMIT:,}.")
    return body


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        raise InvalidInput("The body is not JSON.") from None


async def _answer(work: Callable[[], dict[str, Any]]) -> JSONResponse:
    try:
        return JSONResponse({"ok": True, **await run_in_threadpool(work)})
    except DeskError as error:
        status = _STATUS.get(error.code, 400)
        return JSONResponse({"ok": False, "error": error.code, "message": error.message, "hint": error.hint},
                            status_code=status)  # fmt: skip


# ----- outbound ---------------------------------------------------------------------------------


class InterfaceDeliverer:
    """Sends hand-offs (outbox recipients `interface:<name>`) as signed webhooks or e-mails."""

    platform = "interfaces"

    def __init__(self, config: DeskConfig, environ: Mapping[str, str], *, timeout: float = 10.0) -> None:
        self.config = config
        self.environ = environ
        self.timeout = timeout

    def can_reach(self, recipient: str) -> bool:
        """True for `interface:<name>` of a declared interface."""
        return recipient.startswith(RECIPIENT_PREFIX) and recipient[len(RECIPIENT_PREFIX):] in self.config.interfaces

    def deliver(self, notification: Notification) -> None:
        """Send one hand-off; raise DeliveryError to have it retried."""
        name = notification.recipient[len(RECIPIENT_PREFIX):]
        interface = self.config.interfaces[name]
        body = json.dumps({**notification.payload, "delivery": notification.key}, sort_keys=True).encode()
        if interface.webhook is not None:
            self._post(interface.webhook, body, secret_of(self.environ, interface.secret_env), notification.key)
        elif interface.email is not None:
            self._mail(interface.email.to, interface.email.sender, interface.email.smtp_host, interface.email.smtp_port,
                       notification)  # fmt: skip

    def _post(self, url: str, body: bytes, secret: str, key: str) -> None:
        stamp = int(time.time())  # the receiver checks our time against its own: real time, not the desk's clock
        request = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": "application/json", TIMESTAMP_HEADER: str(stamp),
            SIGNATURE_HEADER: sign(secret, stamp, body), "Idempotency-Key": key,
        })  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # the URL comes from the desk file
                response.read()
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise DeliveryError(f"webhook {url}: {error}") from error

    def _mail(self, to: str, sender: str, host: str, port: int, notification: Notification) -> None:
        payload = notification.payload
        message = EmailMessage()
        message["From"], message["To"] = sender, to
        message["Subject"] = f"[{payload.get('ticket')}] {payload.get('title')}"
        message["Message-ID"] = f"<{notification.key.replace(':', '.')}@deskops>"  # lets the receiver drop a resend
        lines = [f"{k}: {payload[k]}" for k in ("ticket", "title", "priority", "category", "service", "note")
                 if payload.get(k)]  # fmt: skip
        lines += ["", str(payload.get("description") or ""), "",
                  f"Answer with a signed POST to {payload.get('reply', {}).get('path')} (status update|resolved)."]
        message.set_content("\n".join(lines))
        try:
            with smtplib.SMTP(host, port, timeout=self.timeout) as smtp:
                smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryError(f"SMTP {host}:{port}: {error}") from error
