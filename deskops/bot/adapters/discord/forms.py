"""The "Open a ticket" form (a Discord modal), used by `/ticket open` without a title and by the message menu."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from deskops.bot.adapters.discord import custom_ids

if TYPE_CHECKING:
    from deskops.bot.adapters.discord.bot import DeskBot

TITLE_MAX = 200
DESCRIPTION_MAX = 4000
CHOICE_MAX = 32


def _text(value: Any, limit: int) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text[:limit] or None


def form_defaults(args: dict[str, Any]) -> dict[str, str]:
    """Prefill the form with the options already typed in the slash command."""
    return {k: str(v) for k, v in args.items() if k in {"title", "description", "urgency", "impact"} and v is not None}


def message_prefill(message: discord.Message) -> dict[str, str]:
    """Prefill from a chat message: its first line as title, the whole text and its link as description."""
    text = message.content.strip() or "(message without text)"
    author = getattr(message.author, "display_name", message.author.name)
    return {
        "title": text.partition("\n")[0][:TITLE_MAX],
        "description": f"{text}\n\nFrom {author}: {message.jump_url}"[:DESCRIPTION_MAX],
    }


class OpenTicketForm(discord.ui.Modal, title="Open a ticket"):
    """Title, description, urgency and impact. Its custom_id carries a nonce: one ticket per form."""

    def __init__(self, bot: DeskBot, *, defaults: dict[str, str] | None = None,
                 source: discord.Message | None = None) -> None:
        super().__init__(custom_id=f"dk-form:{custom_ids.new_nonce()}{custom_ids.new_nonce()}", timeout=15 * 60)
        self.bot = bot
        self.source = source
        values = defaults or {}
        self.ticket_title: discord.ui.TextInput[OpenTicketForm] = discord.ui.TextInput(
            label="Title", placeholder="What is wrong, in a few words", max_length=TITLE_MAX,
            default=_text(values.get("title"), TITLE_MAX), custom_id="title")
        self.description: discord.ui.TextInput[OpenTicketForm] = discord.ui.TextInput(
            label="Description", style=discord.TextStyle.paragraph, required=False, max_length=DESCRIPTION_MAX,
            placeholder="Since when, who is affected, what you tried", custom_id="description",
            default=_text(values.get("description"), DESCRIPTION_MAX))
        self.urgency: discord.ui.TextInput[OpenTicketForm] = discord.ui.TextInput(
            label="Urgency (how fast it is needed)", required=False, max_length=CHOICE_MAX,
            placeholder=self._choices_hint(bot, "urgency"), custom_id="urgency",
            default=_text(values.get("urgency"), CHOICE_MAX))
        self.impact: discord.ui.TextInput[OpenTicketForm] = discord.ui.TextInput(
            label="Impact (how many are affected)", required=False, max_length=CHOICE_MAX,
            placeholder=self._choices_hint(bot, "impact"), custom_id="impact",
            default=_text(values.get("impact"), CHOICE_MAX))
        for item in (self.ticket_title, self.description, self.urgency, self.impact):
            self.add_item(item)

    @staticmethod
    def _choices_hint(bot: DeskBot, name: str) -> str:
        values = bot.desk.vocabulary(name)
        return (" / ".join(values) if values else "e.g. low / medium / high")[:100]

    def arguments(self) -> dict[str, Any]:
        """The form's values as `ticket.open` arguments (empty fields left out)."""
        args: dict[str, Any] = {"title": self.ticket_title.value.strip()}
        for name, item in (("description", self.description), ("urgency", self.urgency), ("impact", self.impact)):
            value = item.value.strip()
            if value:
                args[name] = value.lower() if name != "description" else value
        return args

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        """Hand the checked values to the bot; the desk validates choices and answers what to fix."""
        await self.bot.on_form(interaction, self, self.arguments())
