"""The chat command parser: good lines become checked args; bad ones a message naming the valid choices."""

from __future__ import annotations

import functools
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deskops.bot.commands.model import Command, Reply
from deskops.bot.commands.parser import MAX_LINE, UsageError, parse, parse_slash, to_text, tokenize
from deskops.bot.commands.registry import TEXT_LIMIT, CommandContext, CommandRegistry, Param, build_registry

VOCAB = {
    "group": ["service-desk", "network", "workplace"],
    "person": ["alice", "bob", "carol"],
    "urgency": ["high", "medium", "low"],
}


def vocabulary(name: str) -> Sequence[str] | None:
    return VOCAB.get(name)


def _handler(_ctx: CommandContext, command: Command) -> Reply:
    return Reply(text=command.name)


@pytest.fixture(scope="module")
def registry() -> CommandRegistry:
    reg = CommandRegistry()
    ref = Param("ref", "ticket", kind="ref", required=True)
    reg.command(
        "ticket.open",
        "Open",
        positionals=(Param("title", "title", kind="text", required=True, greedy=True, max_length=300),),
        options=(Param("urgency", "urgency", kind="choice", choices="urgency"), Param("internal", "x", kind="flag")),
    )(_handler)
    reg.command(
        "ticket.assign",
        "Assign",
        positionals=(ref, Param("to", "person", kind="person")),
        options=(Param("group", "group", kind="choice", choices="group"), Param("limit", "n", kind="int", minimum=1)),
    )(_handler)
    reg.command(
        "ticket.list",
        "List",
        positionals=(
            Param("scope", "scope", kind="choice", choices=("mine", "queue", "all")),
            Param("group", "group", kind="choice", choices="group"),
        ),
    )(_handler)
    reg.command(
        "ticket.comment",
        "Comment",
        positionals=(ref, Param("text", "text", kind="text", required=True, greedy=True, max_length=TEXT_LIMIT)),
        options=(Param("internal", "internal", kind="flag"), Param("wait", "d", kind="duration")),
    )(_handler)
    reg.command("oncall.who", "Who", options=(Param("at", "when"),))(_handler)
    return reg


def test_open_with_quotes_and_options(registry: CommandRegistry) -> None:
    parsed = parse('/ticket open "VPN drops every hour" --urgency HIGH', registry, vocabulary)
    assert parsed.spec.name == "ticket.open"
    assert parsed.args == {"title": "VPN drops every hour", "urgency": "high"}


def test_unquoted_title_takes_the_rest_and_apostrophes_work(registry: CommandRegistry) -> None:
    parsed = parse("/ticket open I can't print --urgency low", registry, vocabulary)
    assert parsed.args == {"title": "I can't print", "urgency": "low"}


def test_smart_quotes_and_backslashes_survive(registry: CommandRegistry) -> None:
    parsed = parse("/ticket comment inc-4 “share at \\\\fs01\\data is gone”", registry, vocabulary)
    assert parsed.args == {"ref": "INC-4", "text": "share at \\\\fs01\\data is gone"}


def test_option_with_equals_and_flag(registry: CommandRegistry) -> None:
    parsed = parse('/ticket comment INC-1 "on it" --internal --wait=1h30m', registry, vocabulary)
    assert parsed.args == {"ref": "INC-1", "text": "on it", "internal": True, "wait": "1h30m"}


def test_me_and_people_are_matched(registry: CommandRegistry) -> None:
    assert parse("/ticket assign INC-1 me", registry, vocabulary).args == {"ref": "INC-1", "to": "me"}
    args = parse("ticket assign INC-1 Bob --group network", registry, vocabulary).args
    assert args == {"ref": "INC-1", "to": "bob", "group": "network"}


def test_optional_positional_is_skipped_when_the_word_fits_a_later_one(registry: CommandRegistry) -> None:
    assert parse("/ticket list queue network", registry, vocabulary).args == {"scope": "queue", "group": "network"}
    assert parse("/ticket list network", registry, vocabulary).args == {"group": "network"}
    assert parse("/ticket list", registry, vocabulary).args == {}


def test_slack_style_command_and_text(registry: CommandRegistry) -> None:
    parsed = parse_slash("/ticket", 'open "Printer on fire"', registry, vocabulary)
    assert parsed.args == {"title": "Printer on fire"}


def _error(line: str, registry: CommandRegistry) -> UsageError:
    with pytest.raises(UsageError) as caught:
        parse(line, registry, vocabulary)
    return caught.value


def test_unknown_sub_command_lists_choices_with_did_you_mean(registry: CommandRegistry) -> None:
    error = _error("/ticket opn x", registry)
    assert "Did you mean 'open'?" in str(error)
    assert error.choices == ("assign", "comment", "list", "open")


def test_unknown_top_level_command(registry: CommandRegistry) -> None:
    error = _error("/tciket open x", registry)
    assert "Unknown command '/tciket'" in str(error)
    assert "Did you mean 'ticket'?" in str(error)


def test_group_word_alone_asks_for_a_sub_command(registry: CommandRegistry) -> None:
    assert "needs a sub-command" in str(_error("/ticket", registry))


def test_unknown_option_lists_the_options(registry: CommandRegistry) -> None:
    error = _error("/ticket open x --urgncy high", registry)
    assert "no option --urgncy" in str(error)
    assert "Did you mean 'urgency'?" in str(error)
    assert "--urgency, --internal" in str(error)


def test_bad_choice_lists_the_valid_values(registry: CommandRegistry) -> None:
    error = _error("/ticket open x --urgency urgent", registry)
    assert error.choices == ("high", "medium", "low")
    assert "'urgent' is not a valid --urgency" in str(error)


def test_unknown_person_lists_people_and_me(registry: CommandRegistry) -> None:
    error = _error("/ticket assign INC-1 zoe", registry)
    assert error.choices == ("alice", "bob", "carol", "me")


def test_missing_required_and_missing_value(registry: CommandRegistry) -> None:
    assert "needs REF" in str(_error("/ticket assign", registry))
    assert "--group needs a value" in str(_error("/ticket assign INC-1 --group", registry))


def test_bad_values(registry: CommandRegistry) -> None:
    assert "not a ticket reference" in str(_error("/ticket assign INC/1", registry))
    assert "whole number" in str(_error("/ticket assign INC-1 --limit many", registry))
    assert "at least 1" in str(_error("/ticket assign INC-1 --limit 0", registry))
    assert "bad duration" in str(_error("/ticket comment INC-1 hi --wait soon", registry))
    assert "is a switch" in str(_error("/ticket comment INC-1 hi --internal=yes", registry))
    assert "given twice" in str(_error("/ticket assign INC-1 --group network --group workplace", registry))


def test_unclosed_quote_and_empty_line(registry: CommandRegistry) -> None:
    assert "quote is not closed" in str(_error('/ticket open "VPN', registry))
    assert "Empty command" in str(_error("   ", registry))


def test_oversized_text_is_refused_with_its_limit(registry: CommandRegistry) -> None:
    error = _error("/ticket open " + "x" * 301, registry)
    assert "301 characters long; the limit is 300" in str(error)
    line_error = _error("/ticket open " + "x" * MAX_LINE, registry)
    assert f"the limit is {MAX_LINE}" in str(line_error)


def test_to_text_round_trips(registry: CommandRegistry) -> None:
    spec = registry.get("ticket.comment")
    assert spec is not None
    args = {"ref": "INC-2", "text": 'he said "no" and left', "internal": True, "wait": "2h"}
    line = to_text(spec, args)
    assert parse(line, registry, vocabulary).args == args


def test_tokenize_keeps_single_quoted_phrases() -> None:
    assert tokenize("a 'b c' \"d e\"") == ["a", "b c", "d e"]


@functools.cache
def _real_registry() -> CommandRegistry:
    return build_registry()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_parser_never_crashes(text: str) -> None:
    registry = _real_registry()
    for line in (text, "/ticket " + text, "/ticket open " + text, "/help " + text):
        try:
            parse(line, registry, vocabulary)
        except UsageError as error:
            assert str(error)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["open", "assign", "INC-1", "--group", "--to", "me", "--internal", "x y", '"', "--"]),
        max_size=8,
    )
)
def test_parser_never_crashes_on_command_like_words(words: list[str]) -> None:
    registry = _real_registry()
    try:
        parse("/ticket " + " ".join(words), registry, vocabulary)
    except UsageError as error:
        assert str(error)


class _HelpContext:
    """Just enough context for the help handler: it reads only the registry."""

    def __init__(self, registry: CommandRegistry) -> None:
        self.registry = registry


@pytest.mark.parametrize(
    ("line", "title_start", "ok"),
    [
        ("/help", "Commands", True),
        ("/help ticket", "Commands", True),
        ("/help ticket assign", "/ticket assign REF", True),
        ("/ticket help resolve", "/ticket resolve REF --code CODE", True),
        ("/help assing", None, False),
    ],
)
def test_help_answers_for_lists_groups_and_single_commands(line: str, title_start: str | None, ok: bool) -> None:
    from deskops.bot.commands.help import help_command
    from deskops.bot.commands.model import Actor

    registry = _real_registry()
    parsed = parse(line, registry, vocabulary)
    command = Command(name=parsed.spec.name, actor=Actor("alice"), args=parsed.args)
    if not ok:
        with pytest.raises(UsageError, match="Did you mean 'ticket assign'"):
            help_command(_HelpContext(registry), command)  # type: ignore[arg-type]
        return
    reply = help_command(_HelpContext(registry), command)  # type: ignore[arg-type]
    assert reply.title is not None and reply.title.startswith(title_start or "")
    if line == "/help ticket":
        assert all(f.label.startswith("/ticket ") for f in reply.fields)
