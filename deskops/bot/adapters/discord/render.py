"""Reply → Discord message: an embed (title, text, fields) and a row of buttons, within Discord's limits."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord

from deskops.bot.adapters.discord import custom_ids
from deskops.bot.commands.model import Action, Reply

if TYPE_CHECKING:
    from deskops.bot.adapters.discord.bot import DeskBot

log = logging.getLogger(__name__)

# Discord's documented limits (developers/resources/message#embed-object-embed-limits).
CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELDS_LIMIT = 25
LABEL_LIMIT = 80
BUTTONS_LIMIT = 25

OK_COLOUR = discord.Colour.blurple()
REFUSED_COLOUR = discord.Colour.red()
_STYLES = {
    "default": discord.ButtonStyle.secondary,
    "primary": discord.ButtonStyle.primary,
    "danger": discord.ButtonStyle.danger,
}


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ActionButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=custom_ids.PATTERN):
    """A button carrying a desk action; discord.py re-creates it from the custom_id after a restart."""

    def __init__(self, action: custom_ids.PackedAction | None, *, label: str = "…",
                 style: discord.ButtonStyle = discord.ButtonStyle.secondary, custom_id: str | None = None,
                 problem: str | None = None) -> None:
        if action is not None:
            custom_id = custom_ids.encode(action.command, action.args, action.nonce)
        super().__init__(discord.ui.Button(label=clip(label, LABEL_LIMIT), style=style, custom_id=custom_id))
        self.action = action
        self.problem = problem

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: discord.Interaction[Any], item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> ActionButton:
        """Rebuild the button from a pressed custom_id; a damaged one becomes a button that says so."""
        label, style = item.label or "…", item.style
        try:
            return cls(custom_ids.from_match(match), label=label, style=style)
        except custom_ids.CustomIdError as exc:
            return cls(None, label=label, style=style, custom_id=item.custom_id, problem=str(exc))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Run the button's action through the bot (which answers within Discord's 3 seconds)."""
        if self.action is None:
            log.warning("damaged DeskOps button pressed: %s", self.problem)
            await interaction.response.send_message(
                "⚠️ This button is damaged or from an old version, so nothing was done. "
                "Use /ticket show with the ticket number to get working buttons.", ephemeral=True)
            return
        bot: DeskBot = interaction.client
        await bot.on_button(interaction, self.action)


@dataclass
class Rendered:
    """The parts of a Discord message: content, embed and view (any may be empty)."""

    content: str | None
    embed: discord.Embed | None
    view: discord.ui.View | None

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments for send/edit calls (a missing view is left out, not cleared)."""
        result: dict[str, Any] = {"content": self.content, "embed": self.embed}
        if self.view is not None:
            result["view"] = self.view
        return result


def render(reply: Reply, *, with_actions: bool = True) -> Rendered:
    """Turn a Reply into a message: refusals and short answers as text, results with fields as an embed."""
    view = actions_view(reply.actions) if with_actions and reply.actions else None
    if not reply.fields and not reply.title:
        prefix = "" if reply.ok else "⚠️ "
        return Rendered(content=clip(prefix + reply.text, CONTENT_LIMIT), embed=None, view=view)
    embed = discord.Embed(
        title=clip(reply.title or reply.ticket_ref or "DeskOps", TITLE_LIMIT),
        description=clip(reply.text, DESCRIPTION_LIMIT) if reply.text else None,
        colour=OK_COLOUR if reply.ok else REFUSED_COLOUR,
    )
    for item in reply.fields[:FIELDS_LIMIT]:
        embed.add_field(name=clip(item.label, FIELD_NAME_LIMIT) or "—",
                        value=clip(item.value, FIELD_VALUE_LIMIT) or "—", inline=item.inline)
    if len(reply.fields) > FIELDS_LIMIT:
        embed.set_footer(text=f"{len(reply.fields) - FIELDS_LIMIT} more fields not shown")
    return Rendered(content=None, embed=embed, view=view)


def actions_view(actions: tuple[Action, ...] | list[Action]) -> discord.ui.View:
    """A persistent view (no timeout) of action buttons, five per row; an action that cannot fit is left out."""
    view = discord.ui.View(timeout=None)
    nonce = custom_ids.new_nonce()
    for action in actions[:BUTTONS_LIMIT]:
        try:
            packed = custom_ids.PackedAction(nonce=nonce, command=action.command, args=dict(action.args))
            button = ActionButton(packed, label=action.label, style=_STYLES.get(action.style, _STYLES["default"]))
        except custom_ids.CustomIdError as exc:
            log.warning("button %r left out: %s", action.label, exc)
            continue
        view.add_item(button)
    return view
