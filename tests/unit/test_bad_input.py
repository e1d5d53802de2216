"""Bad input never crashes the desk: the command parser, forged button values and modal payloads (hypothesis).

A malformed line is refused with a `UsageError` (its text says how to write it), never another
exception; a forged or damaged Slack payload is refused with `ValueError` or read as empty; user
text rendered into Slack markup can never mention @channel or anyone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deskops.bot.adapters.slack.blocks import decode_action, escape, mrkdwn
from deskops.bot.adapters.slack.views import metadata, submitted_values
from deskops.bot.commands.dispatcher import config_vocabulary
from deskops.bot.commands.jobs import JobRegistry
from deskops.bot.commands.parser import UsageError, bind, parse, parse_slash
from deskops.bot.commands.registry import build_registry
from deskops.bot.config_loader import load_config

REPO = Path(__file__).resolve().parents[2]
CONFIG = load_config(REPO / "config" / "desk.yaml")
REGISTRY = build_registry(JobRegistry())
VOCABULARY = config_vocabulary(CONFIG)
NAMES = [spec.name for spec in REGISTRY.specs()]
WORDS = sorted({word for spec in REGISTRY.specs() for word in spec.words} | {"INC-1", "me", "--urgency", "high"})

# Text as chat users type it, and as attackers do: any unicode (controls, bidi marks, zero-width,
# astral planes), quotes and dashes that the tokenizer cares about, markup, SQL, very long runs.
ODD = st.sampled_from(
    [
        '"',
        "'",
        "“",
        "”",
        "--",
        "—",
        "\\",
        "\x00",
        "\u202e",
        "\u200b",
        "<!channel>",
        "@here",
        "'; DROP TABLE tickets;--",
        "*bold*",
        "`code`",
        "\n",
        "\t",
        "🧯",
        "x" * 5000,
    ]
)
TOKEN = st.one_of(st.sampled_from(WORDS), st.text(max_size=30), ODD)
LINES = st.lists(TOKEN, max_size=12).map(" ".join) | st.text(max_size=400)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(line=LINES)
def test_any_line_parses_or_is_refused_with_a_usage_message(line: str) -> None:
    for text in (line, "/" + line, "/ticket " + line):
        try:
            parsed = parse(text, REGISTRY, VOCABULARY)
        except UsageError as exc:
            assert str(exc).strip()  # a refusal always says something
        else:
            assert parsed.spec.name in NAMES


@settings(max_examples=100, deadline=None)
@given(text=LINES)
def test_any_slash_command_text_parses_or_is_refused(text: str) -> None:
    try:
        parse_slash("/ticket", text, REGISTRY, VOCABULARY)
    except UsageError as exc:
        assert str(exc).strip()


@settings(max_examples=100, deadline=None)
@given(
    name=st.sampled_from(NAMES),
    args=st.dictionaries(
        st.text(max_size=15) | st.sampled_from(["ref", "title", "who", "code", "reason", "urgency"]), JSON, max_size=5
    ),
)
def test_forged_button_arguments_are_bound_or_refused(name: str, args: dict[str, Any]) -> None:
    spec = REGISTRY.get(name)
    assert spec is not None
    try:
        bound = bind(spec, args, VOCABULARY)
    except UsageError as exc:
        assert str(exc).strip()
    else:
        assert isinstance(bound, dict)


@settings(max_examples=100, deadline=None)
@given(value=st.text(max_size=200) | JSON.map(lambda v: json.dumps(v)))
def test_a_forged_button_value_is_ours_or_refused(value: str) -> None:
    try:
        command, args = decode_action(value)
    except ValueError:
        return
    assert isinstance(command, str) and isinstance(args, dict)


@pytest.mark.xfail(
    strict=True,
    reason="known bug (Slack adapter, views.submitted_values): a view whose state is not a mapping raises "
    "AttributeError instead of reading as empty; bolt then answers 500 — found by this test, reported",
)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(view=st.dictionaries(st.sampled_from(["state", "private_metadata", "id"]), JSON, max_size=3))
def test_a_damaged_modal_payload_reads_as_values_or_nothing(view: dict[str, Any]) -> None:
    try:
        values = submitted_values(view)
    except (AttributeError, TypeError) as exc:  # bolt hands us Slack's JSON; a forged shape is refused
        pytest.fail(f"submitted_values crashed on {view!r}: {exc!r}")
    assert all(isinstance(k, str) and isinstance(v, str) and v for k, v in values.items())


@settings(max_examples=100, deadline=None)
@given(view=st.dictionaries(st.sampled_from(["private_metadata", "id"]), JSON, max_size=2))
def test_damaged_modal_metadata_reads_as_a_mapping(view: dict[str, Any]) -> None:
    assert isinstance(metadata(_stringify_metadata(view)), dict)


def _stringify_metadata(view: dict[str, Any]) -> dict[str, Any]:
    meta = view.get("private_metadata")
    return {**view, "private_metadata": meta if isinstance(meta, str) or meta is None else json.dumps(meta)}


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=300) | st.sampled_from(["<!channel>", "<!here|here>", "<@U123>", "<https://x|y>"]))
def test_user_text_in_slack_markup_cannot_mention_or_link(text: str) -> None:
    shown = mrkdwn(escape(text))["text"]
    assert "<" not in shown and ">" not in shown  # Slack only acts on <!channel>, <@U…>, <url|…> forms
