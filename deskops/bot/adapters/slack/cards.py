"""Ticket cards: one message per ticket in its group's triage channel, updated in place.

The card is the root of the ticket's thread (replies there become comments). Its content is the
desk's own `ticket.show` reply, so it never shows more than the desk lets agents see.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from deskops.bot.adapters.slack.blocks import clip, fallback_text, plain, reply_blocks
from deskops.bot.commands.model import Action, Actor, Command, Origin, Reply

if TYPE_CHECKING:
    from deskops.bot.adapters.slack.app import SlackDesk

log = logging.getLogger(__name__)


_DONE = {"resolved", "closed", "cancelled"}


def card_actions(ref: str, known: Callable[[str], bool], state: str | None = None) -> tuple[Action, ...]:
    """The card's buttons, for the agents in the triage channel; only commands the desk knows.

    Open tickets get the working buttons, resolved or closed ones only Reopen. The desk checks
    every press against the presser's role and the ticket's state, so a button shown to everyone
    in the channel never lets anyone do more than they may.
    """
    if state in _DONE:
        reopen = (Action("Reopen", "ticket.reopen", {"ref": ref}),) if state != "cancelled" else ()
        return tuple(a for a in reopen if known(a.command))
    standard = (
        Action("Assign to me", "ticket.assign", {"ref": ref, "who": "me"}, style="primary"),
        Action("Start work", "ticket.start", {"ref": ref}),
        Action("Classify", "ticket.classify", {"ref": ref}),
        Action("Escalate", "ticket.escalate", {"ref": ref}),
        Action("Resolve", "ticket.resolve", {"ref": ref}, style="primary"),
    )
    return tuple(a for a in standard if known(a.command))


_CONFIDENTIAL_FIELDS = {"State", "Priority", "Group", "Assignee"}


def card_reply(shown: Reply, confidential: frozenset[str] = frozenset()) -> Reply:
    """What the card shows: title, fields and the description; never comments (internal ones included).

    A ticket in a confidential category shows only its number, state, priority, group and
    assignee: the triage channel may hold people the desk would not show the ticket to.
    """
    ticket = shown.data.get("ticket")
    ticket = ticket if isinstance(ticket, dict) else {}
    if ticket.get("category") in confidential:
        ref = shown.ticket_ref or ticket.get("ref") or "ticket"
        return Reply(title=f"{ref} · confidential ({ticket.get('category')})",
                     text=f"Details only for its group and managers: /ticket show {ref}",
                     fields=tuple(f for f in shown.fields if f.label in _CONFIDENTIAL_FIELDS),
                     ticket_ref=shown.ticket_ref, data=shown.data)
    return Reply(title=shown.title, text=clip(str(ticket.get("description") or ""), 500), fields=shown.fields,
                 ticket_ref=shown.ticket_ref, data=shown.data)


def card_blocks(ref: str, shown: Reply, pending_reasons: tuple[str, ...],
                known: Callable[[str], bool] = lambda _name: True,
                confidential: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    """Blocks of a ticket card: its summary, its buttons, and assign/pending menus."""
    ticket = shown.data.get("ticket")
    state = ticket.get("state") if isinstance(ticket, dict) else None
    blocks = reply_blocks(card_reply(shown, confidential), extra_actions=card_actions(ref, known, state))
    if state in _DONE:
        return blocks
    blocks.append({
        "type": "actions",
        "block_id": f"card_menus:{ref}"[:255],
        "elements": [
            {"type": "users_select", "action_id": f"deskops_card:assign:{ref}",
             "placeholder": plain("Assign to…")},
            {"type": "static_select", "action_id": f"deskops_card:pending:{ref}",
             "placeholder": plain("Set pending…"),
             "options": [{"text": plain(f"Waiting on {r}"), "value": r} for r in pending_reasons]},
        ],
    })
    blocks.append({"type": "context", "elements": [
        {"type": "mrkdwn", "text": "Reply in this thread to add a comment the requester sees; "
                                   "start with `internal:` for a note only agents see."}]})
    return blocks


class CardKeeper:
    """Posts a ticket's card in its triage channel and redraws it after every change."""

    def __init__(self, desk: SlackDesk, client: WebClient) -> None:
        self.desk = desk
        self.client = client

    def _blocks(self, ref: str, shown: Reply) -> list[dict[str, Any]]:
        return card_blocks(ref, shown, self.desk.form.pending_reasons, self.desk.knows,
                           self.desk.confidential_categories)

    def _text(self, shown: Reply) -> str:
        return fallback_text(card_reply(shown, self.desk.confidential_categories))

    def _show(self, ref: str, actor: Actor) -> Reply:
        return self.desk.dispatcher.dispatch(Command("ticket.show", actor, {"ref": ref}, Origin(platform="slack")))

    def post_card(self, ref: str, actor: Actor, opened: Reply, *, requester_slack_id: str | None) -> None:
        """Post the card of a newly opened ticket, unless it already has one (a redelivery)."""
        if self.desk.threads.by_ticket(ref) is not None:
            return
        shown = self._show(ref, actor)
        group = _group(shown) or _group(opened)
        channel = self.desk.settings.triage_channel(group if isinstance(group, str) else None)
        if channel is None:
            log.warning("no triage channel for %s (group %s): set SLACK_TRIAGE_CHANNEL", ref, group)
            return
        card = shown if shown.ok else opened
        result = self.client.chat_postMessage(channel=channel, text=self._text(card),
                                              blocks=self._blocks(ref, card))
        self.desk.threads.save(ref, str(result["channel"]), str(result["ts"]), requester_slack_id)

    def refresh(self, ref: str, actor: Actor) -> None:
        """Redraw a ticket's card in place (chat.update) with its current state."""
        thread = self.desk.threads.by_ticket(ref)
        if thread is None:
            return
        shown = self._show(ref, actor)
        if not shown.ok:
            return
        try:
            self.client.chat_update(channel=thread.channel, ts=thread.ts, text=self._text(shown),
                                    blocks=self._blocks(ref, shown))
        except SlackApiError as error:
            log.warning("could not update the card of %s: %s", ref, error)


def _group(reply: Reply) -> str | None:
    """The ticket's group from a reply's data (`ticket.group` of the desk's replies, or `group`)."""
    ticket = reply.data.get("ticket")
    group = ticket.get("group") if isinstance(ticket, dict) else reply.data.get("group")
    return group if isinstance(group, str) else None

