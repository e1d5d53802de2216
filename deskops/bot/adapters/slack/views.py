"""Modals and the App Home view: building them, and reading and checking what users typed."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from deskops.bot.adapters.slack.blocks import clip, escape, mrkdwn, plain, reply_blocks
from deskops.bot.commands.model import Reply

OPEN_CALLBACK = "deskops_open"
CLASSIFY_CALLBACK = "deskops_classify"
TITLE_MIN, TITLE_MAX, DESCRIPTION_MAX, NAME_MAX = 3, 300, 10_000, 128


@dataclass(frozen=True)
class FormOptions:
    """The choices the intake form offers (from the desk file); empty lists mean free text."""

    urgencies: tuple[str, ...] = ("high", "medium", "low")
    impacts: tuple[str, ...] = ("high", "medium", "low")
    categories: tuple[str, ...] = ()
    services: tuple[str, ...] | None = ()
    """None: the desk does not record a service, so the form does not ask (empty: free text)."""
    kinds: tuple[str, ...] = ("incident", "request")
    pending_reasons: tuple[str, ...] = ("customer", "supplier", "change", "problem", "other")


@dataclass(frozen=True)
class Prefill:
    """What the form starts with (a message shortcut or a DM fills these) and where it came from."""

    title: str = ""
    description: str = ""
    channel: str | None = None
    message_ts: str | None = None
    permalink: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _option(value: str) -> dict[str, Any]:
    return {"text": plain(value.replace("_", " ").replace("-", " ").capitalize(), 75), "value": value}


def _select(block_id: str, label: str, values: tuple[str, ...], initial: str | None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "static_select", "action_id": "value",
                               "options": [_option(v) for v in values[:100]]}
    if initial in values:
        element["initial_option"] = _option(initial)
    return {"type": "input", "block_id": block_id, "optional": True, "label": plain(label), "element": element}


def _text(block_id: str, label: str, *, initial: str = "", multiline: bool = False, optional: bool = True,
          max_length: int = NAME_MAX) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": "value", "multiline": multiline,
                               "max_length": max_length}
    if initial:
        element["initial_value"] = clip(initial, max_length)
    return {"type": "input", "block_id": block_id, "optional": optional, "label": plain(label), "element": element}


def _choice_or_text(block_id: str, label: str, values: tuple[str, ...]) -> dict[str, Any]:
    return _select(block_id, label, values, None) if values else _text(block_id, label)


def open_form_fields(options: FormOptions) -> set[str]:
    """The block ids the "New ticket" form has (others in a submission are ignored)."""
    fields = {"title", "description", "urgency", "impact", "kind", "category"}
    return fields if options.services is None else fields | {"service"}


def open_ticket_modal(options: FormOptions, prefill: Prefill = Prefill()) -> dict[str, Any]:
    """The "New ticket" modal: title, description, urgency, impact, category, service."""
    metadata = {"channel": prefill.channel, "ts": prefill.message_ts, "permalink": prefill.permalink,
                **prefill.extra}
    return {
        "type": "modal",
        "callback_id": OPEN_CALLBACK,
        "title": plain("New ticket", 24),
        "submit": plain("Open ticket", 24),
        "close": plain("Cancel", 24),
        "private_metadata": json.dumps(metadata)[:3000],
        "blocks": [
            _text("title", "Title", initial=prefill.title, optional=False, max_length=TITLE_MAX),
            _text("description", "What happened? What do you need?", initial=prefill.description,
                  multiline=True, max_length=3000),
            _select("urgency", "Urgency: how fast does the business need it?", options.urgencies, "medium"),
            _select("impact", "Impact: how many people or how much is affected?", options.impacts, "medium"),
            _select("kind", "Something broken (incident) or a request?", options.kinds, "incident"),
            _choice_or_text("category", "Category", options.categories),
            *([] if options.services is None else [_choice_or_text("service", "Service", options.services)]),
        ],
    }


@dataclass(frozen=True)
class AskField:
    """One value a command still needs, asked in a modal (e.g. the resolution code of Resolve)."""

    name: str
    label: str
    required: bool
    choices: tuple[str, ...] = ()
    multiline: bool = False


ARGS_CALLBACK = "deskops_args"


def args_modal(title: str, command: str, args: dict[str, Any], ask: list[AskField]) -> dict[str, Any]:
    """A modal asking for what a pressed button's command still needs; submitting runs it."""
    blocks = []
    for f in ask:
        if f.choices:
            block = _select(f.name, f.label, f.choices, None)
        else:
            block = _text(f.name, f.label, multiline=f.multiline, max_length=3000 if f.multiline else NAME_MAX)
        block["optional"] = not f.required
        blocks.append(block)
    return {
        "type": "modal",
        "callback_id": ARGS_CALLBACK,
        "title": plain(clip(title, 24), 24),
        "submit": plain("Save", 24),
        "private_metadata": json.dumps({"c": command, "a": args})[:3000],
        "blocks": blocks,
    }


def classify_modal(options: FormOptions, ref: str) -> dict[str, Any]:
    """The "Classify" modal of a ticket card: urgency, impact, category."""
    return {
        "type": "modal",
        "callback_id": CLASSIFY_CALLBACK,
        "title": plain(clip(f"Classify {ref}", 24), 24),
        "submit": plain("Save", 24),
        "private_metadata": json.dumps({"ref": ref}),
        "blocks": [
            _select("urgency", "Urgency", options.urgencies, None),
            _select("impact", "Impact", options.impacts, None),
            _choice_or_text("category", "Category", options.categories),
        ],
    }


def submitted_values(view: dict[str, Any]) -> dict[str, str]:
    """The values of a submitted modal, by block id (selects give their option value)."""
    values: dict[str, str] = {}
    for block_id, actions in (view.get("state") or {}).get("values", {}).items():
        for element in actions.values():
            selected = element.get("selected_option")
            value = selected.get("value") if selected else element.get("value")
            if isinstance(value, str) and value.strip():
                values[block_id] = value.strip()
    return values


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    """The private_metadata a modal carries (where it was opened from)."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def check_open_form(values: dict[str, str], options: FormOptions) -> dict[str, str]:
    """Field errors of the "New ticket" form, by block id (empty when the form is fine)."""
    errors: dict[str, str] = {}
    title = values.get("title", "")
    if len(title) < TITLE_MIN:
        errors["title"] = f"Give the ticket a short title of at least {TITLE_MIN} characters."
    elif len(title) > TITLE_MAX:
        errors["title"] = f"Keep the title under {TITLE_MAX} characters; put details in the description."
    if len(values.get("description", "")) > DESCRIPTION_MAX:
        errors["description"] = f"The description is limited to {DESCRIPTION_MAX} characters."
    for block_id, allowed in (("urgency", options.urgencies), ("impact", options.impacts),
                              ("category", options.categories), ("service", options.services or ()),
                              ("kind", options.kinds)):
        value = values.get(block_id)
        if value and allowed and value not in allowed:
            errors[block_id] = f"Choose one of: {', '.join(allowed)}."
        elif value and len(value) > NAME_MAX:
            errors[block_id] = f"Keep this under {NAME_MAX} characters."
    return errors


def home_view(sections: list[tuple[str, Reply]]) -> dict[str, Any]:
    """The App Home tab: one titled section per reply (my tickets, my group's queue, at risk)."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": plain("DeskOps")},
        {"type": "context", "elements": [mrkdwn("Type `/ticket help` anywhere, or use *New ticket* below.")]},
        {"type": "actions", "block_id": "home_actions", "elements": [
            {"type": "button", "action_id": "deskops_home:new", "text": plain("New ticket"), "style": "primary",
             "value": "new"},
        ]},
    ]
    for heading, reply in sections:
        blocks.append({"type": "divider"})
        blocks.append({"type": "section", "text": mrkdwn(f"*{escape(heading)}*")})
        blocks.extend(reply_blocks(reply))
    return {"type": "home", "blocks": blocks[:100]}
