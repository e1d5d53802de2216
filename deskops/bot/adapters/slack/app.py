"""The bolt App: Slack requests in, `Command`s to the desk, `Reply`s back as Block Kit.

Every listener acknowledges first and works after (bolt sends the HTTP 200 / Socket Mode ack as
soon as `ack()` is called and lets the listener finish in its executor), and every piece of work
is claimed once by its Slack delivery id in the database, so retries and reconnect redeliveries
do not repeat it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from deskops.bot.adapters.slack import views
from deskops.bot.adapters.slack.blocks import ACTION_PREFIX, decode_action, escape, fallback_text, reply_blocks
from deskops.bot.adapters.slack.cards import CardKeeper
from deskops.bot.adapters.slack.people import UNLISTED_PREFIX, SlackPeople
from deskops.bot.adapters.slack.settings import SlackSettings
from deskops.bot.commands.model import Actor, Command, Dispatcher, Origin, Reply
from deskops.core.clock import Clock
from deskops.core.persistence.slack_tables import DeliveryLog, ThreadMap

log = logging.getLogger(__name__)

TextParser = Callable[[str, Actor, Origin], "Command | Reply"]
"""Turns `/ticket` text into a Command (or a Reply explaining what is wrong with it)."""

OPEN = "ticket.open"
SHOW = "ticket.show"
COMMENT = "ticket.comment"
LIST = "ticket.list"
CLASSIFY = "ticket.classify"
ASSIGN = "ticket.assign"
PENDING = "ticket.pending"
AT_RISK = "ticket.at-risk"
_FORM_WORDS = {"", "new", "form"}
PURGE_EVERY = timedelta(hours=1)
_READ_ONLY = {SHOW, LIST, "ticket.history", "ticket.escalation", "ticket.help"}
"""Commands that change nothing, so the ticket's card need not be redrawn after them."""
_INTERNAL_PREFIX = re.compile(r"^\s*(internal|note)\s*:\s*", re.IGNORECASE)


@dataclass
class SlackDesk:
    """Everything the Slack listeners need, built once by the composition root."""

    dispatcher: Dispatcher
    people: SlackPeople
    deliveries: DeliveryLog
    threads: ThreadMap
    clock: Clock
    settings: SlackSettings
    parse: TextParser
    form: views.FormOptions = field(default_factory=views.FormOptions)
    confidential_categories: frozenset[str] = frozenset()
    """Categories whose ticket cards show no details (the desk file's `confidential: true`)."""

    def spec(self, name: str) -> Any:
        """The dispatcher's spec of a command (None when it has no registry, or no such command)."""
        registry = getattr(self.dispatcher, "registry", None)
        return registry.get(name) if registry is not None else None

    def knows(self, name: str) -> bool:
        """Whether the desk has the command (any command counts when the dispatcher has no registry)."""
        return getattr(self.dispatcher, "registry", None) is None or self.spec(name) is not None

    def choices(self, choices: Any) -> tuple[str, ...]:
        """A parameter's choices: a fixed tuple, or a desk-file vocabulary (group, person, ...) by name."""
        if isinstance(choices, tuple):
            return tuple(str(c) for c in choices)
        vocabulary = getattr(self.dispatcher, "vocabulary", None)
        if isinstance(choices, str) and vocabulary is not None:
            return tuple(vocabulary(choices) or ())
        return ()

    work_threads: int = 1
    """Threads for the work done after the ack (the database takes one writer at a time anyway)."""
    _executor: ThreadPoolExecutor | None = field(default=None, init=False, repr=False)
    _purged_at: datetime | None = field(default=None, init=False, repr=False)

    def later(self, key: str | None, work: Callable[[], object]) -> None:
        """Run `work` after the ack on the desk's own threads, once per Slack delivery `key`.

        Handing the work off frees bolt's listener threads at once, so the acknowledgements of the
        requests that keep arriving never queue behind slow work (Slack wants them within 3 s).
        """
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=self.work_threads, thread_name_prefix="slack-work")
        self._executor.submit(self.once, key, work)

    def once(self, key: str | None, work: Callable[[], object]) -> bool:
        """Run `work` unless `key` was already claimed; release the claim when work fails (Slack retries)."""
        now = self.clock.now()
        if self._purged_at is None or now - self._purged_at > PURGE_EVERY:
            self._purged_at = now
            self.deliveries.purge(now)  # keys are kept a day: far beyond Slack's retries (minutes)
        if key is not None and not self.deliveries.claim(key, now):
            log.info("slack delivery %s already handled; ignoring the repeat", key)
            return False
        try:
            work()
        except Exception:
            log.exception("slack work for %s failed; a retry of it will be processed", key)
            if key is not None:
                self.deliveries.release(key)
            return False
        return True

    def shutdown(self) -> None:
        """Finish the work already handed off, then stop its threads."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)


def build_app(desk: SlackDesk, client: WebClient, **app_kwargs: Any) -> App:
    """A bolt App wired to the desk; `client` decides where the Web API is (base_url)."""
    app = App(
        client=client,
        signing_secret=desk.settings.signing_secret,
        request_verification_enabled=not desk.settings.socket_mode,
        **app_kwargs,
    )
    Listeners(desk, client).register(app)
    return app


class Listeners:
    """The Slack listeners of the desk (commands, shortcuts, modals, buttons, events)."""

    def __init__(self, desk: SlackDesk, client: WebClient) -> None:
        self.desk = desk
        self.client = client
        self.cards = CardKeeper(desk, client)

    def register(self, app: App) -> None:
        """Attach every listener to `app`."""
        app.command(self.desk.settings.command)(self.on_command)
        app.shortcut("deskops_ticket_from_message")(self.on_message_shortcut)
        app.shortcut("deskops_new_ticket")(self.on_global_shortcut)
        app.view(views.OPEN_CALLBACK)(self.on_open_submit)
        app.view(views.CLASSIFY_CALLBACK)(self.on_classify_submit)
        app.view(views.ARGS_CALLBACK)(self.on_args_submit)
        app.action(re.compile("^" + re.escape(ACTION_PREFIX)))(self.on_button)
        app.action(re.compile(r"^deskops_card:"))(self.on_card_select)
        app.action(re.compile(r"^deskops_home:"))(self.on_home_button)
        app.action(re.compile(r"^deskops_dm:"))(self.on_dm_button)
        app.event("reaction_added")(self.on_reaction)
        app.event("app_home_opened")(self.on_home_opened)
        app.event("message")(self.on_message)

    # ------------------------------------------------------------------ helpers
    def actor_or_explain(self, user_id: str, tell: Callable[[str], None]) -> Actor | None:
        """The desk person behind a Slack user, or None after telling them what to do."""
        actor = self.desk.people.actor(user_id)
        if actor is None:
            tell(self.desk.people.unknown_user_text(user_id))
        return actor

    def dm(self, user_id: str, reply: Reply) -> None:
        """Send a reply to a user by direct message."""
        channel = self.client.conversations_open(users=user_id)["channel"]["id"]
        self.client.chat_postMessage(channel=channel, text=fallback_text(reply), blocks=reply_blocks(reply))

    def dm_text(self, user_id: str, text: str) -> None:
        """Send plain text to a user by direct message."""
        self.dm(user_id, Reply(text=text, ok=False))

    def after_dispatch(self, command: Command, reply: Reply, user_id: str) -> None:
        """Side effects of a reply: a new ticket gets its card and thread in the triage channel."""
        if command.name == OPEN and reply.ok and reply.ticket_ref:
            self.cards.post_card(reply.ticket_ref, command.actor, reply, requester_slack_id=user_id)
        elif reply.ok and reply.ticket_ref and command.name not in _READ_ONLY:
            self.cards.refresh(reply.ticket_ref, command.actor)

    # ------------------------------------------------------------------ /ticket
    def on_command(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        """`/ticket <sub-command>`; with no text (or `new`) it opens the intake form."""
        text = (body.get("text") or "").strip()
        if text.lower() in _FORM_WORDS:
            ack()
            self.client.views_open(trigger_id=body["trigger_id"], view=views.open_ticket_modal(self.desk.form))
            return
        ack()
        self.desk.later(f"cmd:{body.get('trigger_id')}", lambda: self._run_text(body, text, respond))

    def _run_text(self, body: dict[str, Any], text: str, respond: Respond) -> None:
        user_id = body["user_id"]

        def tell(message: str) -> None:
            respond(text=escape(message), response_type="ephemeral")

        actor = self.actor_or_explain(user_id, tell)
        if actor is None:
            return
        origin = Origin(platform="slack", channel=body.get("channel_id"))
        parsed = self.desk.parse(text, actor, origin)
        if isinstance(parsed, Reply):
            self.answer(parsed, respond, user_id)
            return
        command = Command(parsed.name, actor, parsed.args, origin, request_id=f"slack:{body.get('trigger_id')}")
        reply = self.desk.dispatcher.dispatch(command)
        self.answer(reply, respond, user_id)
        self.after_dispatch(command, reply, user_id)

    def answer(self, reply: Reply, respond: Respond, user_id: str) -> None:
        """Answer a slash command privately: by DM when the reply asks for it, else ephemeral.

        A "public" reply stays ephemeral too: `/ticket` is typed in any channel, and ticket details
        must not land in a public one; the ticket's card in its triage channel is the shared view.
        """
        if reply.visibility == "direct" and reply.ok:
            self.dm(user_id, reply)
            return
        respond(text=fallback_text(reply), blocks=reply_blocks(reply), response_type="ephemeral",
                replace_original=False)

    # ------------------------------------------------------------------ intake
    def on_global_shortcut(self, ack: Ack, body: dict[str, Any]) -> None:
        """Global shortcut "New ticket": the intake form."""
        ack()
        self.client.views_open(trigger_id=body["trigger_id"], view=views.open_ticket_modal(self.desk.form))

    def on_message_shortcut(self, ack: Ack, body: dict[str, Any]) -> None:
        """Message shortcut "Create ticket from message": the form, prefilled with the text and a link."""
        ack()
        message = body.get("message") or {}
        channel = (body.get("channel") or {}).get("id")
        ts = message.get("ts")
        permalink = self._permalink(channel, ts)
        self.client.views_open(trigger_id=body["trigger_id"],
                               view=views.open_ticket_modal(self.desk.form, _prefill(message, channel, permalink)))

    def _permalink(self, channel: str | None, ts: str | None) -> str | None:
        if not channel or not ts:
            return None
        try:
            link = self.client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink")
        except SlackApiError as error:
            log.warning("no permalink for %s/%s: %s", channel, ts, error)
            return None
        return str(link) if link else None

    def on_open_submit(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        """The intake form was submitted: errors go back into the form, a good form opens a ticket."""
        values = views.submitted_values(view)
        errors = views.check_open_form(values, self.desk.form)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        user_id = body["user"]["id"]
        self.desk.later(f"view:{view['id']}", lambda: self._open_from_form(user_id, values, views.metadata(view)))

    def _open_from_form(self, user_id: str, values: dict[str, str], meta: dict[str, Any]) -> None:
        actor = self.actor_or_explain(user_id, lambda text: self.dm_text(user_id, text))
        if actor is None:
            return
        asked = views.open_form_fields(self.desk.form) - {"description"}
        args: dict[str, Any] = {k: v for k, v in values.items() if k in asked}
        description = values.get("description", "")
        if meta.get("permalink"):
            description = f"{description}\n\nFrom Slack: {meta['permalink']}".strip()
        if description:
            args["description"] = description
        origin = Origin(platform="slack", channel=meta.get("channel"), message=meta.get("ts"),
                        permalink=meta.get("permalink"))
        self.open_ticket(actor, user_id, args, origin, request_id=None)

    def open_ticket(self, actor: Actor, user_id: str, args: dict[str, Any], origin: Origin,
                    request_id: str | None) -> Reply:
        """Open a ticket, tell the requester by DM, post its card; note it under the source message."""
        command = Command(OPEN, actor, args, origin, request_id=request_id)
        reply = self.desk.dispatcher.dispatch(command)
        self.dm(user_id, reply)
        self.after_dispatch(command, reply, user_id)
        if reply.ok and reply.ticket_ref and origin.channel and origin.message:
            note = f":ticket: {reply.ticket_ref} was opened from this message by <@{user_id}>."
            self.client.chat_postMessage(channel=origin.channel, thread_ts=origin.message, text=note)
        return reply

    def on_reaction(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """The ticket reaction (default :ticket:) on a message opens a ticket from that message."""
        item = event.get("item") or {}
        if event.get("reaction") != self.desk.settings.reaction or item.get("type") != "message":
            return
        self.desk.later(f"evt:{body.get('event_id')}", lambda: self._open_from_reaction(event, item))

    def _open_from_reaction(self, event: dict[str, Any], item: dict[str, Any]) -> None:
        user_id, channel, ts = event["user"], item["channel"], item["ts"]
        actor = self.actor_or_explain(user_id, lambda text: self.dm_text(user_id, text))
        if actor is None:
            return
        found = self.client.conversations_replies(channel=channel, ts=ts, limit=1, inclusive=True)
        message = next((m for m in found.get("messages") or [] if m.get("ts") == ts), None)
        if message is None:
            self.dm_text(user_id, "I could not read the message you reacted to; use /ticket new instead.")
            return
        permalink = self._permalink(channel, ts)
        prefill = _prefill(message, channel, permalink)
        args = {"title": prefill.title or "Ticket from a Slack message", "description": prefill.description}
        origin = Origin(platform="slack", channel=channel, message=ts, permalink=permalink)
        self.open_ticket(actor, user_id, args, origin, request_id=f"slack:reaction:{channel}:{ts}")

    # ------------------------------------------------------------------ messages: DMs and thread replies
    def on_message(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """DMs to the app start filing a ticket; replies in a ticket thread become comments."""
        if event.get("subtype") or event.get("bot_id") or not event.get("user"):
            return
        if event.get("channel_type") == "im":
            thread_ts = event.get("thread_ts")
            about = self.desk.threads.dm_ticket(event["channel"], thread_ts) if thread_ts else None
            if about is not None:  # a reply to the desk's message about a ticket: a comment on it
                self.desk.later(f"evt:{body.get('event_id')}", lambda: self._comment(event, about))
            else:
                self.desk.later(f"evt:{body.get('event_id')}", lambda: self._dm_received(event))
            return
        thread_ts = event.get("thread_ts")
        if thread_ts and thread_ts != event.get("ts"):
            thread = self.desk.threads.by_thread(event["channel"], thread_ts)
            if thread is not None:
                self.desk.later(f"evt:{body.get('event_id')}", lambda: self._comment(event, thread.ticket_ref))

    def _dm_received(self, event: dict[str, Any]) -> None:
        user_id, text = event["user"], (event.get("text") or "").strip()
        actor = self.actor_or_explain(user_id, lambda message: self.dm_text(user_id, message))
        if actor is None:
            return
        first = text.split(maxsplit=1)[0].lower() if text else ""
        if first in {"help", "list", "show"}:
            parsed = self.desk.parse(text, actor, Origin(platform="slack", channel=event.get("channel")))
            reply = parsed if isinstance(parsed, Reply) else self.desk.dispatcher.dispatch(parsed)
            self.dm(user_id, reply)
            return
        blocks: list[dict[str, Any]] = [
            {"type": "section", "text": {"type": "mrkdwn", "text": (
                "I can file this as a ticket for you. Check the details in the form, or ask me "
                "`list`, `show INC-1` or `help`.")}},
            {"type": "actions", "block_id": "dm_actions", "elements": [
                {"type": "button", "action_id": "deskops_dm:form", "style": "primary",
                 "text": {"type": "plain_text", "text": "File a ticket"}, "value": text[:1900]},
            ]},
        ]
        self.client.chat_postMessage(channel=event["channel"], text="File a ticket?", blocks=blocks)

    def on_dm_button(self, ack: Ack, body: dict[str, Any]) -> None:
        """"File a ticket" under a DM: the form, prefilled with what the user wrote."""
        ack()
        text = (body.get("actions") or [{}])[0].get("value") or ""
        prefill = _prefill({"text": text}, None, None)
        self.client.views_open(trigger_id=body["trigger_id"], view=views.open_ticket_modal(self.desk.form, prefill))

    def _comment(self, event: dict[str, Any], ref: str) -> None:
        user_id, channel = event["user"], event["channel"]
        def tell(text: str) -> None:
            self.client.chat_postEphemeral(channel=channel, user=user_id, text=text)

        actor = self.actor_or_explain(user_id, tell)
        if actor is None:
            return
        text = event.get("text") or ""
        internal = bool(_INTERNAL_PREFIX.match(text))
        args: dict[str, Any] = {"ref": ref, "text": _INTERNAL_PREFIX.sub("", text, count=1)}
        if internal:
            args["internal"] = True
        origin = Origin(platform="slack", channel=channel, thread=event.get("thread_ts"), message=event.get("ts"))
        command = Command(COMMENT, actor, args, origin, request_id=f"slack:msg:{channel}:{event.get('ts')}")
        reply = self.desk.dispatcher.dispatch(command)
        if reply.ok:
            self.client.reactions_add(channel=channel, timestamp=event["ts"], name="speech_balloon")
            self.cards.refresh(ref, actor)
        else:
            self.client.chat_postEphemeral(channel=channel, user=user_id, text=fallback_text(reply),
                                           thread_ts=event.get("thread_ts"))

    # ------------------------------------------------------------------ buttons and card controls
    def on_button(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        """A button rendered from a Reply's Action: send its command, update the card in place.

        A press that needs more input opens its form right here: the trigger_id that opens a
        modal expires 3 s after the press, too soon to wait behind other work.
        """
        ack()
        action = (body.get("actions") or [{}])[0]
        try:
            name, args = decode_action(action.get("value") or "")
        except ValueError:
            respond(text="This button is from an older version of the desk; run the command again.",
                    response_type="ephemeral", replace_original=False)
            return
        form = self.missing_args_form(name, args)
        if name == CLASSIFY and not {"urgency", "impact", "category"} & args.keys():
            form = views.classify_modal(self.desk.form, str(args.get("ref")))
        if form is not None:
            self.client.views_open(trigger_id=body["trigger_id"], view=form)
            return
        user_id = body["user"]["id"]
        self.desk.later(f"act:{body.get('trigger_id')}",
                        lambda: self.run_for_user(user_id, name, args, respond, body))

    def missing_args_form(self, name: str, args: dict[str, Any]) -> dict[str, Any] | None:
        """A modal for what the command still needs (from its spec), or None when nothing is missing."""
        spec = self.desk.spec(name)
        if spec is None:
            return None
        open_params = [p for p in (*spec.positionals, *spec.options) if p.name not in args and p.kind != "flag"]
        missing = [p for p in open_params if p.required]
        if not missing:
            return None
        optional_text = [p for p in open_params if not p.required and p.kind == "text"][:2]
        ask = [views.AskField(p.name, p.help[:1].upper() + p.help[1:], p.required, self.desk.choices(p.choices),
                              multiline=p.kind == "text") for p in (*missing, *optional_text)]
        title = " ".join(w.capitalize() for w in spec.words[1:]) + (f" {args['ref']}" if "ref" in args else "")
        return views.args_modal(title, name, args, ask)

    def on_args_submit(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        """A missing-values modal was submitted: run its command with the values filled in."""
        ack()
        meta = views.metadata(view)
        name, args = str(meta.get("c")), dict(meta.get("a") or {})
        values = views.submitted_values(view)
        self.desk.later(f"view:{view['id']}", lambda: self.run_for_user(
            body["user"]["id"], name, {**args, **values}, None, body))

    def run_for_user(self, user_id: str, name: str, args: dict[str, Any], respond: Respond | None,
                     body: dict[str, Any]) -> Reply | None:
        """Dispatch one command for a Slack user; answer them privately; refresh the ticket's card."""
        def tell(text: str) -> None:
            self._private(user_id, body, Reply(text=text, ok=False), respond)

        actor = self.actor_or_explain(user_id, tell)
        if actor is None:
            return None
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        origin = Origin(platform="slack", channel=channel,
                        message=(body.get("container") or {}).get("message_ts"))
        command = Command(name, actor, args, origin, request_id=f"slack:{body.get('trigger_id')}")
        reply = self.desk.dispatcher.dispatch(command)
        if not reply.ok and actor.person.startswith(UNLISTED_PREFIX):
            reply = Reply(text=f"{reply.text}\n{self.desk.people.unknown_user_text(user_id)}", ok=False)
        self._private(user_id, body, reply, respond)
        ref = reply.ticket_ref or args.get("ref")
        if reply.ok and isinstance(ref, str):
            self.cards.refresh(ref, actor)
        return reply

    def _private(self, user_id: str, body: dict[str, Any], reply: Reply, respond: Respond | None) -> None:
        channel = (body.get("channel") or {}).get("id")
        if respond is not None and body.get("response_url"):
            respond(text=fallback_text(reply), blocks=reply_blocks(reply), response_type="ephemeral",
                    replace_original=False)
        elif channel and not channel.startswith("D"):
            self.client.chat_postEphemeral(channel=channel, user=user_id, text=fallback_text(reply),
                                           blocks=reply_blocks(reply))
        else:
            self.dm(user_id, reply)

    def on_card_select(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        """Select menus on a ticket card: assign to a person, set pending with a reason."""
        ack()
        action = (body.get("actions") or [{}])[0]
        self.desk.later(f"act:{body.get('trigger_id')}", lambda: self._card_select(body, action, respond))

    def _card_select(self, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        kind, _, ref = action["action_id"].removeprefix("deskops_card:").partition(":")
        user_id = body["user"]["id"]
        if kind == "assign":
            person = self.desk.people.lookup(action.get("selected_user") or "")
            if person is None:
                self._private(user_id, body, Reply(
                    text="That Slack user is not a desk person; pick an agent who is in the desk file.", ok=False),
                    respond)
                return
            self.run_for_user(user_id, ASSIGN, {"ref": ref, "to": person.id}, respond, body)
        elif kind == "pending":
            reason = (action.get("selected_option") or {}).get("value")
            self.run_for_user(user_id, PENDING, {"ref": ref, "reason": reason}, respond, body)

    def on_classify_submit(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        """The Classify modal of a card: send the new urgency/impact/category."""
        values = views.submitted_values(view)
        errors = {k: v for k, v in views.check_open_form({"title": "ok!", **values}, self.desk.form).items()
                  if k != "title"}
        if not values:
            errors["urgency"] = "Choose at least one of urgency, impact or category."
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        ref = views.metadata(view).get("ref")
        self.desk.later(f"view:{view['id']}", lambda: self.run_for_user(
            body["user"]["id"], CLASSIFY, {"ref": ref, **values}, None, body))

    def on_home_button(self, ack: Ack, body: dict[str, Any]) -> None:
        """App Home "New ticket"."""
        ack()
        self.client.views_open(trigger_id=body["trigger_id"], view=views.open_ticket_modal(self.desk.form))

    # ------------------------------------------------------------------ App Home
    def on_home_opened(self, event: dict[str, Any]) -> None:
        """Publish the App Home: my tickets, my group's queue, at risk."""
        if event.get("tab") not in (None, "home"):
            return
        user_id = event["user"]
        actor = self.desk.people.actor(user_id)
        if actor is None:
            sections = [("Welcome", Reply(text=self.desk.people.unknown_user_text(user_id), ok=False))]
        else:
            sections = [(title, self._home_section(actor, name, args)) for title, name, args in (
                ("My tickets", LIST, {"scope": "mine"}),
                ("My group's queue", LIST, {"scope": "queue"}),
                ("At risk", AT_RISK, {}),
            )]
        self.client.views_publish(user_id=user_id, view=views.home_view(sections))


    def _home_section(self, actor: Actor, name: str, args: dict[str, Any]) -> Reply:
        if not self.desk.knows(name):
            return Reply(text="Not available on this desk yet.")
        return self.desk.dispatcher.dispatch(Command(name, actor, args, Origin(platform="slack")))


def _prefill(message: dict[str, Any], channel: str | None, permalink: str | None) -> views.Prefill:
    text = (message.get("text") or "").strip()
    first_line = text.splitlines()[0] if text else ""
    title = first_line if len(first_line) <= 80 else first_line[:79] + "…"
    return views.Prefill(title=title, description=text, channel=channel, message_ts=message.get("ts"),
                         permalink=permalink)
