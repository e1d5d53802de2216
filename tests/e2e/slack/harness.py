"""Runs the real Slack adapter (slack-bolt, slack-sdk, uvicorn) against the fake Slack on 127.0.0.1.

`RecordingDesk` is a deliberately small Dispatcher used until the real CommandDispatcher is
wired in: it keeps tickets in memory, records every command it received, and does NOT dedupe by
request id, so any duplicate the adapter lets through shows up as a second ticket.
"""

from __future__ import annotations

import copy
import itertools
import json
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deskops.bot.adapters.slack.app import SlackDesk, build_app
from deskops.bot.adapters.slack.client import make_client
from deskops.bot.adapters.slack.compose import build_slack
from deskops.bot.adapters.slack.http_server import BackgroundServer, asgi_app
from deskops.bot.adapters.slack.people import Person, SlackPeople
from deskops.bot.adapters.slack.settings import SlackSettings
from deskops.bot.commands.dispatcher import CommandDispatcher, DeskContext
from deskops.bot.commands.model import Action, Actor, Command, Field, Origin, Reply
from deskops.bot.commands.registry import build_registry
from deskops.bot.config_loader import load_config
from deskops.core.clock import SystemClock
from deskops.core.persistence.db import ensure_schema, make_engine
from deskops.core.persistence.slack_tables import DeliveryLog, ThreadMap, create_slack_tables
from deskops.core.persistence.uow import SqlUnitOfWork
from deskops.core.services.context import Desk
from tests.fakes.slack_server import FakeSlack, FakeUser, signed_headers

REPO = Path(__file__).resolve().parents[3]
PAYLOADS = REPO / "tests" / "e2e" / "payloads" / "slack"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TRIAGE = "C0TRIAGE"
PEOPLE = [
    Person(id="alice", name="Alice Agent", email="alice@example.com", slack_id="U0ALICE"),
    Person(id="dave", name="Dave Requester", email="dave@example.com"),
    Person(id="erin", name="Erin Requester", email="erin@example.com", slack_id="U0ERIN"),
]
SLACK_USERS = [
    FakeUser("U0ALICE", "alice", "alice@example.com"),
    FakeUser("U0DAVE", "dave", "dave@example.com"),
    FakeUser("U0ERIN", "erin", "erin@example.com"),
    FakeUser("U0STRANGER", "stranger", "stranger@elsewhere.example"),
]


def real_dispatcher(engine: Any) -> CommandDispatcher:
    """The real CommandDispatcher over SQLite with the example desk file (config/desk.yaml)."""
    ensure_schema(engine)
    config = load_config(REPO / "config" / "desk.yaml")
    context = DeskContext(config=config, clock=SystemClock(), registry=build_registry(),
                          uow_factory=lambda: SqlUnitOfWork(engine), desk=Desk.from_config(config))
    return CommandDispatcher(context)


def payload(name: str) -> dict[str, Any]:
    """A fresh copy of a Slack payload fixture."""
    data: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text())
    return copy.deepcopy(data)


@dataclass
class DeskTicket:
    """A ticket as the recording desk keeps it."""

    ref: str
    title: str
    requester: str
    state: str = "new"
    assignee: str | None = None
    comments: list[tuple[str, str]] = field(default_factory=list)
    args: dict[str, Any] = field(default_factory=dict)


class RecordingDesk:
    """A minimal in-memory desk: enough commands to drive the adapter, and a record of what it got."""

    def __init__(self, delay: float = 0.0) -> None:
        self.commands: list[Command] = []
        self.tickets: dict[str, DeskTicket] = {}
        self.delay = delay
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def dispatch(self, command: Command) -> Reply:
        """Run a command against the in-memory tickets."""
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            self.commands.append(command)
            handler = getattr(self, "_" + command.name.replace(".", "_"), None)
            if handler is None:
                return Reply(text=f"unknown command {command.name}", ok=False)
            reply: Reply = handler(command)
            return reply

    def opened(self) -> list[DeskTicket]:
        """Tickets opened so far."""
        return list(self.tickets.values())

    def _ticket_open(self, c: Command) -> Reply:
        ref = f"INC-{next(self._ids)}"
        self.tickets[ref] = DeskTicket(ref, str(c.args["title"]), c.actor.person, args=dict(c.args))
        return Reply(text=f"Opened {ref}: {c.args['title']}", ticket_ref=ref, data={"group": "service-desk"},
                     visibility="ephemeral")

    def _ticket_show(self, c: Command) -> Reply:
        t = self.tickets.get(str(c.args.get("ref")))
        if t is None:
            return Reply(text=f"No ticket {c.args.get('ref')}; try /ticket list", ok=False)
        return Reply(title=f"{t.ref} {t.title}", text=f"State: {t.state}", ticket_ref=t.ref,
                     fields=(Field("Requester", t.requester), Field("Assignee", t.assignee or "nobody"),
                             Field("Comments", str(len(t.comments)))),
                     actions=(Action("Resolve", "ticket.resolve", {"ref": t.ref}, style="primary"),),
                     data={"group": "service-desk", "state": t.state})

    def _ticket_assign(self, c: Command) -> Reply:
        t = self.tickets[str(c.args["ref"])]
        t.assignee = c.actor.person if c.args.get("who") == "me" else str(c.args["to"])
        t.state = "assigned"
        return Reply(text=f"{t.ref} assigned to {t.assignee}", ticket_ref=t.ref)

    def _ticket_resolve(self, c: Command) -> Reply:
        t = self.tickets[str(c.args["ref"])]
        t.state = "resolved"
        return Reply(text=f"{t.ref} resolved", ticket_ref=t.ref)

    def _ticket_comment(self, c: Command) -> Reply:
        t = self.tickets.get(str(c.args["ref"]))
        if t is None:
            return Reply(text="no such ticket", ok=False)
        t.comments.append(("internal" if c.args.get("internal") else "public", str(c.args["text"])))
        return Reply(text=f"Comment added to {t.ref}", ticket_ref=t.ref)

    def _ticket_list(self, c: Command) -> Reply:
        mine = [t for t in self.tickets.values() if c.args.get("scope") != "mine" or t.requester == c.actor.person]
        return Reply(text="\n".join(f"{t.ref} {t.title}" for t in mine) or "Nothing here.")


def parse_text(text: str, actor: Actor, origin: Origin) -> Command | Reply:
    """A tiny `/ticket` parser standing in for the shared one: `open TITLE`, `show REF`."""
    verb, _, rest = text.partition(" ")
    if verb == "open" and rest.strip():
        return Command("ticket.open", actor, {"title": rest.strip()}, origin)
    if verb == "show" and rest.strip():
        return Command("ticket.show", actor, {"ref": rest.strip()}, origin)
    return Reply(text=f"Unknown sub-command {verb!r}; try /ticket help", ok=False)


class SlackHarness:
    """Fake Slack + engine + the bolt app served over HTTP by uvicorn, with helpers to send requests."""

    def __init__(self, tmp_path: Path, desk: RecordingDesk | None = None, *, real_desk: bool = False) -> None:
        self.fake = FakeSlack(SLACK_USERS).start()
        self.desk = desk or RecordingDesk()
        self.engine = make_engine(f"sqlite:///{tmp_path / 'slack.db'}")
        create_slack_tables(self.engine)
        self.settings = SlackSettings(bot_token="xoxb-test", signing_secret=SECRET, api_url=self.fake.api_url,
                                      default_triage_channel=TRIAGE)
        self.client = make_client(self.settings)
        if real_desk:
            self.dispatcher = real_dispatcher(self.engine)
            self.app, self.slack_desk = build_slack(self.dispatcher, self.dispatcher.context.config, self.engine,
                                                    SystemClock(), self.settings, client=self.client)
        else:
            self.slack_desk = SlackDesk(
                dispatcher=self.desk, people=SlackPeople(self.client, PEOPLE), deliveries=DeliveryLog(self.engine),
                threads=ThreadMap(self.engine), clock=SystemClock(), settings=self.settings, parse=parse_text,
            )
            self.app = build_app(self.slack_desk, self.client)
        self.server = BackgroundServer(asgi_app(self.app)).start()

    def close(self) -> None:
        """Stop the server, let handed-off work finish, stop the fake, dispose of the engine."""
        self.server.stop()
        self.slack_desk.shutdown()
        self.fake.stop()
        self.engine.dispose()

    # -------------------------------------------------------------- sending like Slack does
    def send(self, body: str, content_type: str, *, retry_num: int | None = None, timestamp: int | None = None,
             secret: str = SECRET) -> tuple[int, str, float]:
        """POST a signed body to /slack/events; returns (status, body, seconds until the answer)."""
        headers = signed_headers(secret, body, timestamp=timestamp, content_type=content_type)
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        request = urllib.request.Request(self.server.url + "/slack/events", data=body.encode(), headers=headers)
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode(), time.monotonic() - started
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), time.monotonic() - started

    def slash(self, text: str, *, user: str = "U0DAVE", **kw: Any) -> tuple[int, str, float]:
        """Send `/ticket text` as a slash command."""
        data = payload("slash_command")
        data.update(text=text, user_id=user, response_url=self.fake.response_url(),
                    trigger_id=f"{time.monotonic_ns()}.1.abc")
        return self.send(urllib.parse.urlencode(data), "application/x-www-form-urlencoded", **kw)

    def event(self, data: dict[str, Any], **kw: Any) -> tuple[int, str, float]:
        """Send an Events API callback."""
        return self.send(json.dumps(data), "application/json", **kw)

    def interaction(self, data: dict[str, Any], **kw: Any) -> tuple[int, str, float]:
        """Send an interactivity payload (shortcut, button, view submission)."""
        data.setdefault("trigger_id", f"{time.monotonic_ns()}.2.abc")
        if "response_url" in data:
            data["response_url"] = self.fake.response_url()
        body = urllib.parse.urlencode({"payload": json.dumps(data)})
        return self.send(body, "application/x-www-form-urlencoded", **kw)


def wait_until(predicate: Any, timeout: float = 5.0) -> None:
    """Wait until `predicate()` is true (work after the ack runs on bolt's threads)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met within the timeout")
        time.sleep(0.02)
