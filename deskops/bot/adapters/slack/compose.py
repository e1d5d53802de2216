"""Builds the Slack adapter from the desk's own parts (dispatcher, desk file, engine, clock)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import Engine

from deskops.bot.adapters.slack.app import SlackDesk, TextParser, build_app
from deskops.bot.adapters.slack.client import make_client
from deskops.bot.adapters.slack.people import Person, SlackPeople
from deskops.bot.adapters.slack.settings import SlackSettings
from deskops.bot.adapters.slack.views import FormOptions
from deskops.bot.commands.dispatcher import CommandDispatcher, usage_reply
from deskops.bot.commands.model import Actor, Command, Origin, Reply
from deskops.bot.commands.parser import UsageError
from deskops.core.clock import Clock
from deskops.core.config.desk import DeskConfig
from deskops.core.persistence.slack_tables import DeliveryLog, ThreadMap, create_slack_tables


def people_from_config(config: DeskConfig) -> list[Person]:
    """The desk file's people as the Slack adapter maps them (Slack id and email)."""
    return [Person(id=pid, name=p.name, email=p.email, slack_id=p.slack) for pid, p in config.people.items()]


def form_options_from_config(config: DeskConfig) -> FormOptions:
    """The intake form's choices from the desk file (urgency, impact, categories)."""
    return FormOptions(urgencies=tuple(config.priorities.urgency), impacts=tuple(config.priorities.impact),
                       categories=tuple(config.categories), services=None)


def slash_parser(dispatcher: CommandDispatcher, command: str = "/ticket") -> TextParser:
    """`/ticket` text → Command through the shared parser; malformed text → the usage reply."""

    def parse(text: str, actor: Actor, origin: Origin) -> Command | Reply:
        try:
            return dispatcher.parse(f"{command} {text}", actor, origin)
        except UsageError as exc:
            return usage_reply(exc)

    return parse


def build_slack(
    dispatcher: CommandDispatcher, config: DeskConfig, engine: Engine, clock: Clock, settings: SlackSettings,
    *, client: WebClient | None = None, **app_kwargs: Any,
) -> tuple[App, SlackDesk]:
    """The bolt App and its SlackDesk, its tables created where missing."""
    create_slack_tables(engine)
    client = client or make_client(settings)
    desk = SlackDesk(
        dispatcher=dispatcher,
        people=SlackPeople(client, people_from_config(config)),
        deliveries=DeliveryLog(engine),
        threads=ThreadMap(engine),
        clock=clock,
        settings=settings,
        parse=slash_parser(dispatcher, settings.command),
        form=form_options_from_config(config),
        confidential_categories=frozenset(name for name, c in config.categories.items() if c.confidential),
    )
    return build_app(desk, client, **app_kwargs), desk
