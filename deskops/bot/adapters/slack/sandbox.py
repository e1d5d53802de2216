"""The Slack sandbox: the real Slack adapter against a fake Slack, driven by typing as a Slack user.

No workspace needed. Every line you type becomes what Slack would send (a signed slash command,
an event, a button press, a modal submission) over HTTP to the adapter; what the adapter then
asks of Slack's Web API (posts, card updates, modals, DMs) is printed as it happens.

    python -m deskops.bot.adapters.slack.sandbox            # interactive
    python -m deskops.bot.adapters.slack.sandbox < demo.txt # a script, line by line
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from typing import Any, TextIO

from deskops.bot.adapters.slack.compose import build_slack
from deskops.bot.adapters.slack.deliverer import SlackDeliverer
from deskops.bot.adapters.slack.fake_api import Call, FakeSlack, FakeUser, signed_headers
from deskops.bot.adapters.slack.http_server import BackgroundServer, asgi_app
from deskops.bot.adapters.slack.settings import SlackSettings

SECRET = "sandbox-signing-secret"
TRIAGE, GENERAL = "CTRIAGE", "CGENERAL"
_QUIET = {"auth.test", "users.info", "users.lookupByEmail", "conversations.open", "conversations.replies",
          "chat.getPermalink"}
HELP = """Type as a Slack user (you are {user}):
  /ticket …            a slash command, e.g. /ticket open "VPN drops" --urgency high   (/ticket help)
  /ticket new          the intake form; fill it with: submit title="Printer jam" urgency=high
  say TEXT             post a message in #general;   react   puts :ticket: on your last one
  dm TEXT              write to the app directly
  reply TEXT           reply in the thread of the last ticket card (a comment; "internal: …" for a note)
  press LABEL          press a button on the newest message that has it, e.g. press Assign to me
  pick assign PERSON | pick pending REASON   use the card's menus
  home                 open the app's Home tab
  /as PERSON           become someone else ({people})
  help, quit"""


def _users(config: Any) -> list[FakeUser]:
    return [FakeUser(p.slack or f"U{pid.upper()}", pid, p.email) for pid, p in config.people.items()]


class SlackSandbox:
    """A fake Slack plus the real adapter on loopback, and a line-by-line driver for it."""

    def __init__(self, runtime: Any, out: Callable[[str], None] = print, person: str | None = None) -> None:
        self.runtime = runtime
        self.out = out
        self.fake = FakeSlack(_users(runtime.config)).start()
        self.user_ids = {u.name: u.id for u in self.fake.users.values()}
        self.names = {v: k for k, v in self.user_ids.items()}
        settings = SlackSettings(bot_token="xoxb-sandbox", signing_secret=SECRET, api_url=self.fake.api_url,
                                 default_triage_channel=TRIAGE)
        self.app, self.desk = build_slack(runtime.dispatcher, runtime.config, runtime.engine, runtime.clock,
                                          settings)
        runtime.notifier.add(SlackDeliverer(self.app.client, self.desk.people, self.desk.threads,
                                            self.desk.deliveries, settings, runtime.clock, self.desk.knows))
        self.server = BackgroundServer(asgi_app(self.app)).start()
        self.person = person or next(iter(self.user_ids), "")
        self.seen = len(self.fake.calls)
        self.last_said: str | None = None
        self.events = 0

    def close(self) -> None:
        """Stop the adapter's server and the fake Slack."""
        self.server.stop()
        self.fake.stop()

    # ------------------------------------------------------------------ driving
    def run(self, lines: Iterable[str], prompt: Callable[[], None] | None = None) -> None:
        """Handle lines until `quit` or the end of input."""
        self.out(HELP.format(user=self.person, people=", ".join(self.user_ids)))
        if prompt:
            prompt()
        for raw in lines:
            line = raw.strip()
            if line and not line.startswith("#"):
                if line in {"quit", "exit"}:
                    return
                self.handle(line)
            if prompt:
                prompt()

    def handle(self, line: str) -> None:
        """Turn one typed line into what Slack would send, then print what the adapter did."""
        verb, _, rest = line.partition(" ")
        rest = rest.strip()
        handlers: dict[str, Callable[[str], None]] = {
            "/ticket": lambda r: self._slash(r), "/as": self._as, "say": self._say, "react": self._react,
            "dm": self._dm, "reply": self._reply, "press": self._press, "pick": self._pick, "home": self._home,
            "submit": self._submit, "help": lambda _r: self.out(HELP.format(user=self.person,
                                                                            people=", ".join(self.user_ids))),
        }
        handler = handlers.get(verb)
        if handler is None:
            self.out(f"Unknown input {verb!r}. Type help for what you can do.")
            return
        handler(rest)
        self._settle()
        self.runtime.deliver_now()
        self._settle()

    @property
    def uid(self) -> str:
        """The current user's Slack id."""
        return self.user_ids[self.person]

    def _as(self, name: str) -> None:
        if name.lower() not in self.user_ids:
            self.out(f"Nobody called {name!r} here. Known people: {', '.join(self.user_ids)}.")
            return
        self.person = name.lower()
        self.out(f"You are now {self.person} ({self.uid}).")

    def _slash(self, text: str) -> None:
        body = {"token": "sandbox", "team_id": "TDESK", "team_domain": "desk", "channel_id": GENERAL,
                "channel_name": "general", "user_id": self.uid, "user_name": self.person, "command": "/ticket",
                "text": text, "api_app_id": "ADESK", "response_url": self.fake.response_url(),
                "trigger_id": self._trigger()}
        self._send(urllib.parse.urlencode(body), "application/x-www-form-urlencoded")

    def _say(self, text: str) -> None:
        self.last_said = self.fake.add_message(GENERAL, text, self.uid)
        self.out(f"#general  {self.person}: {text}")

    def _react(self, _rest: str) -> None:
        if self.last_said is None:
            self.out("Say something first (say TEXT), then react to it.")
            return
        self._event({"type": "reaction_added", "user": self.uid, "reaction": "ticket",
                     "item": {"type": "message", "channel": GENERAL, "ts": self.last_said},
                     "event_ts": str(time.time())})

    def _dm(self, text: str) -> None:
        self._event({"type": "message", "channel": "D" + self.uid.removeprefix("U"), "user": self.uid, "text": text,
                     "ts": f"{time.time():.6f}", "channel_type": "im"})

    def _reply(self, text: str) -> None:
        cards = [m for m in self.fake.channel_messages(TRIAGE) if not m.get("thread_ts")]
        if not cards:
            self.out("No ticket card yet: open a ticket first.")
            return
        ts = self.fake.add_message(TRIAGE, text, self.uid, thread_ts=cards[-1]["ts"])
        self._event({"type": "message", "channel": TRIAGE, "user": self.uid, "text": text, "ts": ts,
                     "thread_ts": cards[-1]["ts"], "channel_type": "channel"})

    def _press(self, label: str) -> None:
        found = self._find_element(lambda e: e.get("type") == "button"
                                   and e["text"]["text"].lower() == label.lower())
        if found is None:
            self.out(f"No button {label!r} on any message yet.")
            return
        message, element = found
        self._action(message, {**element, "type": "button"})

    def _pick(self, rest: str) -> None:
        kind, _, value = rest.partition(" ")
        found = self._find_element(lambda e: str(e.get("action_id", "")).startswith(f"deskops_card:{kind}:"))
        if found is None or not value:
            self.out("Use: pick assign PERSON, or pick pending REASON (on a ticket card).")
            return
        message, element = found
        if kind == "assign":
            if value.lower() not in self.user_ids:
                self.out(f"Nobody called {value!r}. Known people: {', '.join(self.user_ids)}.")
                return
            self._action(message, {**element, "selected_user": self.user_ids[value.lower()]})
        else:
            self._action(message, {**element, "selected_option": {"value": value}})

    def _home(self, _rest: str) -> None:
        self._event({"type": "app_home_opened", "user": self.uid, "tab": "home", "event_ts": str(time.time())})

    def _submit(self, rest: str) -> None:
        opened = [c for c in self.fake.calls if c.method in {"views.open", "views.push"}]
        if not opened:
            self.out("No form is open. /ticket new opens one.")
            return
        view = opened[-1].params["view"]
        import shlex

        try:
            pairs = dict(p.split("=", 1) for p in shlex.split(rest))
        except ValueError:
            self.out('Write submit field=value …, e.g. submit title="Printer jam" urgency=high')
            return
        values: dict[str, Any] = {}
        for block in view.get("blocks", []):
            element, block_id = block.get("element") or {}, block.get("block_id")
            value = pairs.get(block_id) or element.get("initial_value") or (element.get("initial_option") or {}).get(
                "value")
            if element.get("type") == "static_select":
                values[block_id] = {"value": {"type": "static_select",
                                              "selected_option": {"value": value} if value else None}}
            else:
                values[block_id] = {"value": {"type": "plain_text_input", "value": value}}
        payload = {"type": "view_submission", "team": {"id": "TDESK"}, "api_app_id": "ADESK",
                   "user": {"id": self.uid, "name": self.person}, "trigger_id": self._trigger(),
                   "view": {**view, "id": f"VSANDBOX{len(self.fake.calls)}", "state": {"values": values}}}
        status, body = self._send(urllib.parse.urlencode({"payload": json.dumps(payload)}),
                                  "application/x-www-form-urlencoded")
        if status == 200 and body:
            errors = json.loads(body).get("errors") or {}
            for field, problem in errors.items():
                self.out(f"  form error at {field}: {problem}")

    # ------------------------------------------------------------------ plumbing
    def _trigger(self) -> str:
        return f"{time.monotonic_ns()}.sandbox"

    def _event(self, event: dict[str, Any]) -> None:
        self.events += 1
        body = {"token": "sandbox", "team_id": "TDESK", "api_app_id": "ADESK", "event": event,
                "type": "event_callback", "event_id": f"EvSANDBOX{self.events}{time.monotonic_ns()}",
                "event_time": int(time.time())}
        self._send(json.dumps(body), "application/json")

    def _action(self, message: dict[str, Any], element: dict[str, Any]) -> None:
        payload = {"type": "block_actions", "user": {"id": self.uid, "name": self.person}, "api_app_id": "ADESK",
                   "team": {"id": "TDESK"}, "trigger_id": self._trigger(),
                   "container": {"type": "message", "message_ts": message["ts"], "channel_id": message["channel"]},
                   "channel": {"id": message["channel"]}, "message": message,
                   "response_url": self.fake.response_url(), "actions": [element]}
        self._send(urllib.parse.urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    def _find_element(self, match: Callable[[dict[str, Any]], bool]) -> tuple[dict[str, Any], dict[str, Any]] | None:
        messages = [m for ms in self.fake.messages.values() for m in ms]
        for message in sorted(messages, key=lambda m: float(m["ts"]), reverse=True):
            for block in message.get("blocks") or []:
                for element in block.get("elements") or []:
                    if isinstance(element, dict) and match(element):
                        return message, element
        return None

    def _send(self, body: str, content_type: str) -> tuple[int, str]:
        request = urllib.request.Request(self.server.url + "/slack/events", data=body.encode(),
                                         headers=signed_headers(SECRET, body, content_type=content_type))
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            self.out(f"  the adapter answered HTTP {error.code}")
            return error.code, ""

    def _settle(self, quiet: float = 0.3, limit: float = 5.0) -> None:
        """Wait until the adapter's work after the ack has stopped calling Slack, printing each call."""
        deadline = time.monotonic() + limit
        last = time.monotonic()
        while time.monotonic() < deadline and time.monotonic() - last < quiet:
            if len(self.fake.calls) > self.seen:
                for call in self.fake.calls[self.seen:]:
                    self._show(call)
                self.seen = len(self.fake.calls)
                last = time.monotonic()
            time.sleep(0.02)

    def _where(self, channel: str) -> str:
        if channel == TRIAGE:
            return "#triage"
        if channel == GENERAL:
            return "#general"
        if channel.startswith("D"):
            return f"DM to {self.names.get('U' + channel[1:], channel)}"
        return channel

    def _show(self, call: Call) -> None:
        p = call.params
        if call.method in _QUIET:
            return
        if call.method == "chat.postMessage":
            thread = " (in thread)" if p.get("thread_ts") else ""
            self.out(f"→ {self._where(str(p.get('channel')))}{thread}: {_render(p)}")
        elif call.method == "chat.update":
            self.out(f"→ card updated in {self._where(str(p.get('channel')))}: {_render(p)}")
        elif call.method in {"response_url", "chat.postEphemeral"}:
            self.out(f"→ (only you see this) {_render(p)}")
        elif call.method == "views.open":
            view = p.get("view") or {}
            labels = [b.get("label", {}).get("text") for b in view.get("blocks", []) if b.get("type") == "input"]
            fields = ", ".join(f"{b['block_id']} ({label})" for b, label in
                               zip([b for b in view.get("blocks", []) if b.get("type") == "input"], labels,
                                   strict=True))
            self.out(f"→ form \"{view.get('title', {}).get('text')}\" opened: {fields}. Fill it: submit field=value …")
        elif call.method == "views.publish":
            self.out(f"→ Home tab: {_render({'blocks': (p.get('view') or {}).get('blocks')})}")
        elif call.method == "reactions.add":
            self.out(f"→ :{p.get('name')}: added to your message")
        else:
            self.out(f"→ {call.method}")


def _render(params: dict[str, Any]) -> str:
    """A one-screen text form of a message: its text and fields, then its buttons in [brackets]."""
    parts: list[str] = []
    buttons: list[str] = []
    for block in params.get("blocks") or []:
        if block.get("type") in {"header", "section"}:
            text = (block.get("text") or {}).get("text")
            if text:
                parts.append(text)
            parts += [f.get("text", "").replace("\n", ": ") for f in block.get("fields") or []]
        for element in block.get("elements") or []:
            if isinstance(element, dict) and element.get("type") == "button":
                buttons.append(f"[{element['text']['text']}]")
            elif isinstance(element, dict) and element.get("type") in {"users_select", "static_select"}:
                buttons.append(f"[{element.get('placeholder', {}).get('text', 'menu')} ▾]")
    text = " | ".join(parts) if parts else str(params.get("text") or "")
    return (text + ("  " + " ".join(buttons) if buttons else "")).replace("&lt;", "<").replace("&gt;", ">").replace(
        "&amp;", "&")


def main(argv: list[str] | None = None) -> int:
    """`python -m deskops.bot.adapters.slack.sandbox [--config FILE] [--database URL] [--as PERSON]`."""
    import argparse
    from pathlib import Path

    from deskops.bot.runtime import Runtime, Settings

    parser = argparse.ArgumentParser(description="Try the Slack adapter against a fake Slack, no workspace needed.")
    parser.add_argument("--config", type=Path, default=None, help="desk file (default: config/desk.yaml)")
    parser.add_argument("--database", default="sqlite:///deskops-slack-sandbox.db", help="database URL")
    parser.add_argument("--as", dest="person", default=None, help="who you are at the start")
    args = parser.parse_args(argv)
    try:
        runtime = Runtime.build(Settings.from_env(config_path=args.config, database_url=args.database))
    except Exception as exc:
        print(f"Cannot start the desk: {exc}", file=sys.stderr)
        return 1
    if args.person and args.person.lower() not in runtime.config.people:
        print(f"Nobody called {args.person!r} in the desk file. Known: {', '.join(runtime.config.people)}.",
              file=sys.stderr)
        runtime.stop()
        return 2
    try:
        run_sandbox(runtime, person=args.person.lower() if args.person else None)
    finally:
        runtime.stop()
    return 0


def run_sandbox(runtime: Any, *, person: str | None = None, lines: TextIO | None = None) -> None:
    """Run the sandbox over a built Runtime until `quit` or end of input (the hook for `deskops run`).

    Reads standard input by default: a prompt when it is a terminal, a script otherwise. The
    caller still owns the runtime (and stops it).
    """
    source = lines or sys.stdin
    sandbox = SlackSandbox(runtime, person=person)

    def prompt() -> None:
        print(f"{sandbox.person}> ", end="", flush=True)

    try:
        sandbox.run(source, prompt if source.isatty() else None)
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.close()


if __name__ == "__main__":
    raise SystemExit(main())
