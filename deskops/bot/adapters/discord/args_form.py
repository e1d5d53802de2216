"""A form for a button whose command needs more (Resolve needs a resolution code, Pending a reason, ...)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from deskops.bot.adapters.discord import custom_ids
from deskops.bot.commands.registry import Param

if TYPE_CHECKING:
    from deskops.bot.adapters.discord.bot import DeskBot

MAX_INPUTS = 5
LABEL_LIMIT = 45
PLACEHOLDER_LIMIT = 100


class ArgsForm(discord.ui.Modal):
    """Asks for the missing arguments of one action; the desk checks the values when it runs."""

    def __init__(self, bot: DeskBot, action: custom_ids.PackedAction, missing: list[Param],
                 *, message: discord.Message | None) -> None:
        title = f"{action.command.replace('.', ' ')} {action.args.get('ref') or ''}".strip()
        super().__init__(title=title[:45], custom_id=f"dk-args:{custom_ids.new_nonce()}{custom_ids.new_nonce()}",
                         timeout=15 * 60)
        self.bot = bot
        self.action = action
        self.message = message
        self.inputs: dict[str, discord.ui.TextInput[ArgsForm]] = {}
        for param in missing[:MAX_INPUTS]:
            long_text = param.kind == "text"
            item: discord.ui.TextInput[ArgsForm] = discord.ui.TextInput(
                label=(param.help or param.name)[:LABEL_LIMIT], custom_id=param.name,
                style=discord.TextStyle.paragraph if long_text else discord.TextStyle.short,
                max_length=min(param.max_length or 4000, 4000), required=param.required,
                placeholder=self._placeholder(param))
            self.inputs[param.name] = item
            self.add_item(item)

    def _placeholder(self, param: Param) -> str | None:
        values = param.choices if isinstance(param.choices, tuple) else (
            self.bot.desk.vocabulary(param.choices) if isinstance(param.choices, str) else None)
        return " / ".join(values)[:PLACEHOLDER_LIMIT] if values else None

    def arguments(self) -> dict[str, Any]:
        """The action's own arguments plus what the user typed (empty fields left out)."""
        typed = {name: item.value.strip() for name, item in self.inputs.items() if item.value.strip()}
        return {**self.action.args, **typed}

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        """Run the completed action once (the form's id is its key)."""
        await self.bot.on_args_form(interaction, self)
