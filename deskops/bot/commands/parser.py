"""Parse a chat line (`/ticket open "VPN drops" --urgency high`) into a command name and checked args.

Pure and shared by every adapter: the console passes the whole line, Slack its `/ticket` command
plus text, Discord its options. A bad line raises `UsageError`, whose text names the valid
choices (with a did-you-mean where one is close), so the user can fix it at once.
"""

from __future__ import annotations

import difflib
import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from deskops.bot.commands.registry import CommandRegistry, CommandSpec, Param
from deskops.core.durations import parse_duration

MAX_LINE = 8000
"""Longest command line accepted, in characters (a chat message rarely gets near it)."""

Vocabulary = Callable[[str], Sequence[str] | None]
"""Named value lists from the desk file (`"group"` → its groups); None when the desk has no such list."""

_REF = re.compile(r"^#?[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$")
# Chat apps turn quotes into typographic ones; shlex only knows the plain ones.
_SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})


class UsageError(Exception):
    """A command line the desk cannot run as written; `text` says why, `hint` how to write it."""

    def __init__(self, text: str, hint: str = "", choices: Sequence[str] = ()) -> None:
        super().__init__(text)
        self.text = text
        self.hint = hint
        self.choices = tuple(choices)

    def __str__(self) -> str:
        return f"{self.text} {self.hint}".strip()


@dataclass(frozen=True)
class Parsed:
    """A parsed line: which command, and its arguments by parameter name (checked and normalised)."""

    spec: CommandSpec
    args: dict[str, Any]


def _no_vocabulary(_name: str) -> Sequence[str] | None:
    return None


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """` Did you mean 'x'?` when `word` is close to one of `choices`, else an empty string."""
    close = difflib.get_close_matches(word.lower(), [c.lower() for c in choices], n=1, cutoff=0.6)
    if not close:
        return ""
    original = next(c for c in choices if c.lower() == close[0])
    return f" Did you mean {original!r}?"


def tokenize(line: str) -> list[str]:
    """Split like a shell, but keep backslashes (paths) and let a lone apostrophe (can't) be text."""
    text = line.translate(_SMART_QUOTES)
    for quotes in ("\"'", '"'):
        lexer = shlex.shlex(text, posix=True)
        lexer.whitespace_split = True
        lexer.escape = ""
        lexer.quotes = quotes
        lexer.commenters = ""
        try:
            return list(lexer)
        except ValueError:
            continue
    raise UsageError("A quote is not closed.", 'Put text with spaces in "double quotes".')


def parse(line: str, registry: CommandRegistry, vocabulary: Vocabulary = _no_vocabulary) -> Parsed:
    """Parse one chat line (with or without the leading `/`) against the registry's commands."""
    if len(line) > MAX_LINE:
        raise UsageError(f"The command is {len(line)} characters long; the limit is {MAX_LINE}.", "Shorten it.")
    tokens = tokenize(line.strip())
    if not tokens or tokens[0] in {"/", ""}:
        raise UsageError("Empty command.", "Type /help to see the commands.")
    tokens[0] = tokens[0].removeprefix("/")
    spec, rest = _find_command(tokens, registry)
    return Parsed(spec=spec, args=_bind_tokens(spec, rest, vocabulary))


def parse_slash(command: str, text: str, registry: CommandRegistry, vocabulary: Vocabulary = _no_vocabulary) -> Parsed:
    """Parse a platform slash command (`/ticket`) and its text (`open "VPN drops"`)."""
    return parse(f"{command} {text}", registry, vocabulary)


def _find_command(tokens: list[str], registry: CommandRegistry) -> tuple[CommandSpec, list[str]]:
    """Match the longest registered word sequence at the start of `tokens`."""
    prefix: tuple[str, ...] = ()
    best: tuple[CommandSpec, int] | None = None
    for index, token in enumerate(tokens):
        word = token.lower()
        if word not in registry.next_words(prefix):
            break
        prefix = (*prefix, word)
        spec = registry.get(".".join(prefix))
        if spec is not None:
            best = (spec, index + 1)
    if best is not None and len(best[0].words) == len(prefix):
        return best[0], tokens[best[1] :]
    choices = registry.next_words(prefix)
    shown = "/" + " ".join(prefix) if prefix else ""
    if len(prefix) < len(tokens):
        unknown = tokens[len(prefix)]
        what = f"{shown} has no sub-command {unknown!r}." if prefix else f"Unknown command {'/' + unknown!r}."
        hint = did_you_mean(unknown, choices)
    else:
        what = f"{shown} needs a sub-command."
        hint = ""
    listed = ", ".join(choices)
    raise UsageError(f"{what}{hint}", f"Choose one of: {listed}. Type /help for details.", choices)


def _bind_tokens(spec: CommandSpec, tokens: list[str], vocabulary: Vocabulary) -> dict[str, Any]:
    """Assign tokens to the spec's options and positionals, then check every value."""
    raw: dict[str, str | bool] = {}
    positional: list[str] = []
    index = 0
    options_done = False
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if options_done or not token.startswith("--") or token == "--":
            if token == "--" and not options_done:
                options_done = True
                continue
            positional.append(token)
            continue
        name, has_value, inline = token[2:].partition("=")
        option = spec.option(name.lower())
        if option is None:
            names = [p.name for p in spec.options]
            listed = ", ".join(f"--{n}" for n in names) or "none"
            raise UsageError(
                f"/{' '.join(spec.words)} has no option --{name}.{did_you_mean(name, names)}",
                f"Its options: {listed}. Usage: {spec.usage()}",
                names,
            )
        if option.name in raw:
            raise UsageError(f"--{option.name} is given twice.", "Give it once.")
        if option.kind == "flag":
            if has_value:
                raise UsageError(f"--{option.name} is a switch and takes no value.", f"Usage: {spec.usage()}")
            raw[option.name] = True
            continue
        if has_value:
            raw[option.name] = inline
        elif index < len(tokens) and not tokens[index].startswith("--"):
            raw[option.name] = tokens[index]
            index += 1
        else:
            raise UsageError(f"--{option.name} needs a value ({option.help}).", f"Usage: {spec.usage()}")
    raw.update(_assign_positionals(spec, positional, raw))
    return bind(spec, raw, vocabulary)


def _assign_positionals(spec: CommandSpec, words: list[str], taken: Mapping[str, object]) -> dict[str, str]:
    """Give each positional its word; a greedy last one joins the rest with spaces."""
    out: dict[str, str] = {}
    params = list(spec.positionals)
    for position, param in enumerate(params):
        if not words:
            break
        if param.greedy:
            out[param.name] = " ".join(words)
            words = []
            break
        word = words[0]
        # An optional positional whose word does not fit (e.g. `list mine` vs `list queue network`)
        # is skipped only when a later positional can take the word; otherwise it is an error below.
        if not param.required and isinstance(param.choices, tuple) and word.lower() not in param.choices:
            later = params[position + 1 :]
            if later:
                continue
        out[param.name] = words.pop(0)
    if words:
        raise UsageError(
            f"Unexpected {' '.join(words)!r} after the command.",
            f'Put text with spaces in "double quotes". Usage: {spec.usage()}',
        )
    for name in out:
        if name in taken:
            raise UsageError(f"{name} is given twice.", f"Usage: {spec.usage()}")
    return out


def bind(spec: CommandSpec, raw: Mapping[str, Any], vocabulary: Vocabulary = _no_vocabulary) -> dict[str, Any]:
    """Check and normalise arguments for `spec` (from the parser, or from a pressed button's `Action`)."""
    args: dict[str, Any] = {}
    for name, value in raw.items():
        param = spec.param(name)
        if param is None:
            raise UsageError(f"/{' '.join(spec.words)} does not take {name!r}.", f"Usage: {spec.usage()}")
        if value is None:
            continue
        args[name] = _check_value(spec, param, value, vocabulary)
    missing = [p for p in (*spec.positionals, *spec.options) if p.required and p.name not in args]
    if missing:
        names = ", ".join(p.label if p in spec.positionals else f"--{p.name}" for p in missing)
        raise UsageError(f"/{' '.join(spec.words)} needs {names}.", f"Usage: {spec.usage()}")
    return args


def _check_value(spec: CommandSpec, param: Param, value: Any, vocabulary: Vocabulary) -> Any:
    """One value, checked against the parameter's kind, limits and choices."""
    if param.kind == "flag":
        if not isinstance(value, bool):
            raise UsageError(f"--{param.name} is a switch; use it without a value.")
        return value
    text = str(value).strip()
    label = param.label if param in spec.positionals else f"--{param.name}"
    if not text:
        raise UsageError(f"{label} is empty.", f"Usage: {spec.usage()}")
    if param.max_length is not None and len(text) > param.max_length:
        raise UsageError(
            f"{label} is {len(text)} characters long; the limit is {param.max_length}.",
            "Shorten it (put long details in a comment).",
        )
    if param.kind == "ref":
        if not _REF.match(text):
            raise UsageError(f"{text!r} is not a ticket reference.", "Write it like INC-12 or REQ-3.")
        return text.upper()
    if param.kind == "int":
        try:
            number = int(text)
        except ValueError:
            raise UsageError(f"{label} must be a whole number, not {text!r}.") from None
        if param.minimum is not None and number < param.minimum:
            raise UsageError(f"{label} must be at least {param.minimum}, not {number}.")
        return number
    if param.kind == "duration":
        try:
            parse_duration(text)
        except ValueError as exc:
            raise UsageError(f"{label}: {exc}.") from None
        return text
    if param.kind in {"choice", "person"}:
        return _check_choice(spec, param, label, text, vocabulary)
    return text


def _check_choice(spec: CommandSpec, param: Param, label: str, text: str, vocabulary: Vocabulary) -> str:
    """A value from a fixed list or a desk-file vocabulary (case-insensitive; `me` for people)."""
    if param.kind == "person" and text.lower() == "me":
        return "me"
    choices: Sequence[str] | None
    if isinstance(param.choices, str):
        choices = vocabulary(param.choices)
    elif param.choices is None and param.kind == "person":
        choices = vocabulary("person")
    else:
        choices = param.choices
    if choices is None:
        return text
    by_lower = {c.lower(): c for c in choices}
    if text.lower() in by_lower:
        return by_lower[text.lower()]
    shown = list(choices) + (["me"] if param.kind == "person" else [])
    raise UsageError(
        f"{text!r} is not a valid {label}.{did_you_mean(text, shown)}",
        f"Choose one of: {', '.join(shown)}.",
        shown,
    )


def to_text(spec: CommandSpec, args: Mapping[str, Any]) -> str:
    """Write a command back as the line a user would type (for buttons shown in the console)."""
    parts = ["/" + " ".join(spec.words)]
    for param in spec.positionals:
        if param.name in args and args[param.name] is not None:
            parts.append(_quote(str(args[param.name])))
    for param in spec.options:
        value = args.get(param.name)
        if value is None or value is False:
            continue
        parts.append(f"--{param.name}" if param.kind == "flag" else f"--{param.name} {_quote(str(value))}")
    return " ".join(parts)


def _quote(value: str) -> str:
    """Double-quote a value with spaces or quotes (what users type in chat); leave plain words bare."""
    if value and not any(ch.isspace() or ch in "\"'" for ch in value):
        return value
    if '"' not in value:
        return f'"{value}"'
    return shlex.quote(value)
