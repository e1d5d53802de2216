"""The Discord sandbox: the real Discord adapter (discord.py) against a fake Discord, driven by typing as a user.

No server or bot token needed. Every line you type becomes what Discord would send the bot over its
gateway (a slash command, a button press, a form submission, a message, a reaction); what the bot
then asks of Discord's REST API (answers, ticket threads and cards, DMs) is printed as it happens.
It needs a DeskOps source checkout (the fake Discord lives in tests/fakes/discord_server.py).

    python -m deskops.bot.adapters.discord.sandbox              # interactive
    python -m deskops.bot.adapters.discord.sandbox < demo.txt   # a script, line by line
"""

from __future__ import annotations

import asyncio
import shlex
import sys
import threading
import time
from collections.abc import Callable, Coroutine, Iterable
from pathlib import Path
from typing import Any, TextIO, TypeVar

from deskops.bot.adapters.discord.deliverer import DiscordDeliverer
from deskops.bot.adapters.discord.endpoints import DiscordEndpoints
from deskops.bot.adapters.discord.launch import DiscordHandle, run_bot
from deskops.bot.adapters.discord.people import DiscordPeople
from deskops.bot.adapters.discord.settings import DiscordSettings
from deskops.bot.adapters.discord.slash import discord_words
from deskops.bot.commands.parser import UsageError, parse

T = TypeVar("T")
REPO = Path(__file__).resolve().parents[4]
_OPTION_TYPES = {str: 3, int: 4, bool: 5}
_QUIET = {"GET", "PUT"}
HELP = """Type as a Discord user (you are {user}):
  /ticket …          a slash command, e.g. /ticket open "VPN drops" --urgency high   (/ticket help)
  /ticket open       without a title: the intake form; fill it with: submit title="Printer jam" urgency=high
  say TEXT           post in #help;   react   puts 🎫 on your last message there (opens a ticket)
  menu               "Create ticket from message" on your last message in #help (a prefilled form)
  dm TEXT            write to the bot directly
  reply TEXT         write in the thread of the last ticket (becomes a comment)
  press LABEL        press a button on the newest message that has it, e.g. press Assign to me
  /as PERSON         become someone else ({people})
  help, quit"""


def load_fake() -> Any:
    """The FakeDiscord class from a DeskOps checkout (tests/fakes/discord_server.py)."""
    if (REPO / "tests" / "fakes" / "discord_server.py").is_file() and str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    try:
        from tests.fakes.discord_server import FakeDiscord
    except ImportError as exc:
        raise RuntimeError("the Discord sandbox needs a DeskOps source checkout (tests/fakes/discord_server.py); "
                           "run it from the repository root") from exc
    return FakeDiscord


class DiscordSandbox:
    """A fake Discord and the real bot on loopback, and a line-by-line driver for them."""

    def __init__(self, runtime: Any, out: Callable[[str], None] = print, person: str | None = None) -> None:
        self.runtime = runtime
        self.out = out
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="discord-sandbox-fake", daemon=True)
        self._thread.start()
        self.fake = load_fake()(guild_name=runtime.config.name)
        self.users = {pid: self.fake.add_user(pid) for pid in runtime.config.people}
        self.help = self.fake.add_channel("help")
        self.tickets = self.fake.add_channel("tickets")
        self._call(self.fake.start())
        self.person = person or next(iter(self.users), "")
        settings = DiscordSettings(token=self.fake.token, endpoints=DiscordEndpoints(self.fake.api_base,
                                                                                     self.fake.gateway_url),
                                   default_ticket_channel=int(self.tickets["id"]), guild_ready_timeout=0.2)
        people = DiscordPeople({user["id"]: pid for pid, user in self.users.items()})
        self.handle: DiscordHandle = run_bot(runtime.dispatcher, settings, engine=runtime.engine,
                                             clock=runtime.clock, people=people)
        runtime.notifier.add(DiscordDeliverer(self.handle.bot))
        self.seen = len(self.fake.calls)
        self.last_said: str | None = None
        self.last_modal: dict[str, Any] | None = None
        self.dm: dict[str, Any] | None = None

    def _call(self, coro: Coroutine[Any, Any, T], timeout: float = 15.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        """Stop the bot and the fake Discord."""
        self.handle.stop()
        self._call(self.fake.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)

    def run(self, lines: Iterable[str], prompt: Callable[[], None] | None = None) -> None:
        """Handle each line until `quit` (comments `#` and blank lines are skipped)."""
        self.out(HELP.format(user=self.person, people=", ".join(self.users)))
        if prompt:
            prompt()
        for raw in lines:
            line = raw.strip()
            if line in {"quit", "exit", "/quit"}:
                return
            if line and not line.startswith("#"):
                self.handle_line(line)
            if prompt:
                prompt()

    def handle_line(self, line: str) -> None:
        """One typed line: what Discord would send the bot, then what the bot did."""
        word, _, rest = line.partition(" ")
        actions: dict[str, Callable[[str], None]] = {
            "/as": self._as, "say": self._say, "react": self._react, "menu": self._menu, "dm": self._dm,
            "reply": self._reply, "press": self._press, "submit": self._submit,
            "help": lambda _r: self.out(HELP.format(user=self.person, people=", ".join(self.users))),
        }
        try:
            if word in actions:
                actions[word](rest.strip())
            elif line.startswith("/"):
                self._slash(line)
            else:
                self.out(f"  I do not know {word!r}. Type help.")
        except (KeyError, ValueError, LookupError) as exc:
            self.out(f"  {exc}")
        self._settle()

    # ---- what a user does --------------------------------------------------------------------

    @property
    def user(self) -> dict[str, Any]:
        """The fake Discord user you are now."""
        return dict(self.users[self.person])

    def _as(self, name: str) -> None:
        if name.lower() not in self.users:
            raise LookupError(f"Nobody called {name!r}. Known: {', '.join(self.users)}.")
        self.person = name.lower()
        self.out(f"  you are now {self.person}")

    def _slash(self, line: str) -> None:
        registry = self.runtime.dispatcher.registry
        words = line.lstrip("/").split()
        options: list[dict[str, Any]]
        if len(words) >= 2 and words[:2] == ["ticket", "open"] and len(words) == 2:
            spec_words, args = ["ticket", "open"], {}
        else:
            try:
                parsed = parse(line, registry, self.runtime.dispatcher.vocabulary)
            except UsageError as exc:
                self.out(f"  (Discord would not send this) {exc}")
                return
            spec_words = list(discord_words(parsed.spec.words, [spec.words for spec in registry.specs()]))
            args = parsed.args
        options = [{"name": k, "type": _OPTION_TYPES.get(type(v), 3), "value": v} for k, v in args.items()]
        for word in reversed(spec_words[1:]):
            options = [{"name": word, "type": 1, "options": options}]
        self._call(self.fake.slash_command(self.user, self.help["id"], spec_words[0], options))

    def _say(self, text: str) -> None:
        message = self._call(self.fake.post_message(self.user, self.help["id"], text))
        self.last_said = message["id"]

    def _react(self, _rest: str) -> None:
        if self.last_said is None:
            raise LookupError("say something first; react puts 🎫 on your last message in #help")
        self._call(self.fake.react(self.user, self.last_said, self.handle.bot.settings.intake_emoji))

    def _menu(self, _rest: str) -> None:
        if self.last_said is None:
            raise LookupError("say something first; menu acts on your last message in #help")
        message = self.fake.messages[self.last_said]
        self._call(self.fake.slash_command(self.user, self.help["id"], "Create ticket from message", [],
                                           command_type=3, target_id=message["id"],
                                           resolved={"messages": {message["id"]: message}}))

    def _dm(self, text: str) -> None:
        if self.dm is None or self.dm["recipients"][0]["id"] != self.user["id"]:
            self.dm = {"id": self.fake.snowflake(), "type": 1, "last_message_id": None, "flags": 0,
                       "recipients": [self.user]}
            self.fake.channels[self.dm["id"]] = self.dm
        self._call(self.fake.post_message(self.user, self.dm["id"], text))

    def _reply(self, text: str) -> None:
        threads = [c for c in self.fake.channels.values() if c.get("type") == 11]
        if not threads:
            raise LookupError("no ticket thread yet; open a ticket first")
        self._call(self.fake.post_message(self.user, threads[-1]["id"], text))

    def _press(self, label: str) -> None:
        for message in reversed(list(self.fake.messages.values())):
            for row in message.get("components") or []:
                for button in row.get("components") or []:
                    if str(button.get("label", "")).lower() == label.lower():
                        self._call(self.fake.click(self.user, message["id"], button["custom_id"]))
                        return
        raise LookupError(f"no button {label!r} on any message")

    def _submit(self, rest: str) -> None:
        if self.last_modal is None:
            raise LookupError("no form is open; /ticket open (without a title) or a button opens one")
        values = dict(item.partition("=")[::2] for item in shlex.split(rest))
        channel = self.help["id"]
        self._call(self.fake.submit_modal(self.user, channel, self.last_modal["custom_id"], values))
        self.last_modal = None

    # ---- what the bot did --------------------------------------------------------------------

    def _settle(self, quiet: float = 0.4, limit: float = 6.0) -> None:
        """Deliver due notifications, then wait until the bot has stopped calling Discord, printing each call."""
        time.sleep(0.1)
        self.runtime.deliver_now()
        deadline = time.monotonic() + limit
        last = time.monotonic()
        while time.monotonic() < deadline and time.monotonic() - last < quiet:
            if len(self.fake.calls) > self.seen:
                for call in self.fake.calls[self.seen:]:
                    self._show(call)
                self.seen = len(self.fake.calls)
                last = time.monotonic()
            time.sleep(0.02)

    def _where(self, channel_id: str) -> str:
        channel = self.fake.channels.get(channel_id, {})
        if channel.get("type") == 1:
            return f"DM to {channel['recipients'][0]['username']}"
        if channel.get("type") == 11:
            return f"thread {channel['name']!r}"
        return f"#{channel.get('name', channel_id)}"

    def _show(self, call: Any) -> None:
        body = call.body if isinstance(call.body, dict) else {}
        if "/reactions/" in call.path and call.status < 300:
            self.out("→ ✅ added to your message")
            return
        if call.method in _QUIET or (call.status >= 300 and call.status != 429):
            if call.status >= 300:
                self.out(f"→ Discord answered {call.status} to {call.method} {call.path}")
            return
        if call.status == 429:
            self.out(f"→ rate limited on {call.path}; discord.py waits and retries")
        elif call.path.endswith("/callback"):
            self._show_callback(body)
        elif call.path.endswith("/threads"):
            self.out(f"→ thread {body.get('name')!r} created in {self._where(call.path.split('/')[2])}")
        elif call.method == "POST" and call.path.endswith("/messages"):
            self.out(f"→ {self._where(call.path.split('/')[2])}: {render_text(body)}")
        elif call.method == "PATCH":
            self.out(f"→ message updated in place: {render_text(body)}")
        elif call.path.startswith("/webhooks/"):
            private = " (only you see this)" if int(body.get("flags") or 0) & 64 else ""
            self.out(f"→ follow-up{private}: {render_text(body)}")

    def _show_callback(self, body: dict[str, Any]) -> None:
        kind, data = body.get("type"), body.get("data") or {}
        private = " (only you see this)" if int(data.get("flags") or 0) & 64 else ""
        if kind == 4:
            self.out(f"→ answer{private}: {render_text(data)}")
        elif kind == 5:
            self.out("→ DeskOps is thinking… (deferred: the desk took longer than 1.5 s)")
        elif kind == 6:
            self.out("→ (button acknowledged; the message will be updated)")
        elif kind == 7:
            self.out(f"→ message updated in place: {render_text(data)}")
        elif kind == 8:
            names = ", ".join(c["name"] for c in data.get("choices", []))
            self.out(f"→ suggestions: {names}")
        elif kind == 9:
            self.last_modal = data
            fields = ", ".join(row["components"][0]["custom_id"] for row in data.get("components", []))
            self.out(f"→ form {data.get('title')!r} opened: {fields}. Fill it: submit field=value …")


def render_text(body: dict[str, Any]) -> str:
    """A one-screen text form of a message: content, embed title/description/fields, then [buttons]."""
    parts = [str(body["content"])] if body.get("content") else []
    for embed in body.get("embeds") or []:
        parts += [str(embed[k]) for k in ("title", "description") if embed.get(k)]
        parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields") or []]
    buttons = [f"[{b.get('label')}]" for row in body.get("components") or [] for b in row.get("components") or []]
    return " | ".join(parts) + ("  " + " ".join(buttons) if buttons else "")


def main(argv: list[str] | None = None) -> int:
    """`python -m deskops.bot.adapters.discord.sandbox [--config FILE] [--database URL] [--as PERSON]`."""
    import argparse

    from deskops.bot.runtime import Runtime, Settings

    parser = argparse.ArgumentParser(description="Try the Discord adapter against a fake Discord, no server needed.")
    parser.add_argument("--config", type=Path, default=None, help="desk file (default: config/desk.yaml)")
    parser.add_argument("--database", default="sqlite:///deskops-discord-sandbox.db", help="database URL")
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
        sandbox = DiscordSandbox(runtime, person=args.person.lower() if args.person else None)
    except RuntimeError as exc:
        print(f"Cannot start the Discord sandbox: {exc}", file=sys.stderr)
        runtime.stop()
        return 1
    interactive = sys.stdin.isatty()

    def prompt() -> None:
        print(f"{sandbox.person}> ", end="", flush=True)

    try:
        sandbox.run(sys.stdin, prompt if interactive else None)
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.close()
        runtime.stop()
    return 0


def run_sandbox(runtime: Any, *, person: str | None = None, lines: TextIO | None = None) -> None:
    """Run the sandbox over a built Runtime until `quit` or end of input (the hook for `deskops run --sandbox discord`).

    Reads standard input by default: a prompt when it is a terminal, a script otherwise. The caller
    still owns the runtime (and stops it).
    """
    source = lines or sys.stdin
    sandbox = DiscordSandbox(runtime, person=person.lower() if person else None)

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
