"""Reading typed slash commands against a synced command schema, as Discord's client would."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.sandbox.commands import CommandError, hidden_because, need, parse
from bot.sandbox.session import parse_duration

COMMANDS: list[dict[str, Any]] = [
    {
        "name": "faq",
        "contexts": [0, 1, 2],
        "options": [{"name": "question", "type": 3, "autocomplete": True}],
    },
    {
        "name": "share-moment",
        "contexts": [0],
        "options": [{"name": "text", "type": 3, "required": True, "min_length": 10, "max_length": 500}],
    },
    {
        "name": "config",
        "contexts": [0],
        "default_member_permissions": "32",
        "options": [
            {
                "name": "moments",
                "type": 1,
                "options": [
                    {"name": "channel", "type": 7, "required": True},
                    {"name": "time", "type": 3, "required": True},
                    {"name": "timezone", "type": 3, "required": True, "autocomplete": True},
                    {"name": "thread", "type": 5},
                ],
            },
            {
                "name": "region",
                "type": 1,
                "options": [
                    {
                        "name": "region",
                        "type": 3,
                        "required": True,
                        "choices": [{"name": "UK", "value": "UK"}, {"name": "US", "value": "US"}],
                    }
                ],
            },
            {
                "name": "faq-add",
                "type": 1,
                "options": [
                    {"name": "question", "type": 3, "required": True},
                    {"name": "answer", "type": 3, "required": True},
                ],
            },
        ],
    },
]


def resolve(option: dict[str, Any], raw: str) -> str:
    if raw.lstrip("#") not in ("general", "quiet-moments"):
        raise CommandError(f"{option['name']} must be a channel here")
    return "channel:" + raw.lstrip("#")


def read(line: str) -> tuple[str, dict[str, Any]]:
    typed, values = parse(line, COMMANDS, resolve)
    return typed.name, values


def test_one_text_option_takes_the_whole_line_apostrophes_and_all() -> None:
    assert read("/faq what's a typical shift like?") == ("faq", {"question": "what's a typical shift like?"})
    assert read("/faq question:do I need a degree") == ("faq", {"question": "do I need a degree"})
    assert read("/faq") == ("faq", {})


def test_options_in_schema_order_by_name_or_mixed() -> None:
    expected = {"channel": "channel:quiet-moments", "time": "09:00", "timezone": "Europe/London"}
    assert read("/config moments #quiet-moments 09:00 Europe/London") == ("config moments", expected)
    assert read("/config moments #quiet-moments timezone:Europe/London time:09:00")[1] == expected
    assert read("/config moments #quiet-moments 09:00 Europe/London thread:yes")[1]["thread"] is True
    long = read("/config faq-add question:Where do we park? answer:Behind building C, after 7pm.")
    assert long[1] == {"question": "Where do we park?", "answer": "Behind building C, after 7pm."}
    assert read('/config faq-add "Where do we park?" behind building C')[1]["answer"] == "behind building C"


def test_choices_accept_any_case_and_send_the_value() -> None:
    assert read("/config region uk") == ("config region", {"region": "UK"})
    with pytest.raises(CommandError, match="one of: UK, US"):
        read("/config region Mars")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/config moments #quiet-moments", "needs time"),
        ("/config moments #nowhere 09:00 Europe/London", "must be a channel"),
        ("/config moments #general 09:00 Europe/London yes extra", "Too many values"),
        ("/config", "needs one of: moments, region, faq-add"),
        ("/share-moment short", "10 to 500 characters"),
        ("/wave", "There is no /wave"),
    ],
)
def test_what_discords_client_would_refuse_is_explained(line: str, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        read(line)


def test_commands_hidden_by_context_or_permission() -> None:
    config, faq, share = COMMANDS[2], COMMANDS[0], COMMANDS[1]
    assert "Manage Server" in (hidden_because(config, in_guild=True, permissions=0) or "")
    assert hidden_because(config, in_guild=True, permissions=32) is None
    assert hidden_because(faq, in_guild=False, permissions=0) is None
    assert "inside a server" in (hidden_because(share, in_guild=False, permissions=0) or "")


def test_completion_knows_which_option_is_being_typed() -> None:
    command = need("/con", COMMANDS)
    assert command is not None and command.kind == "command" and command.partial == "con"
    sub = need("/config mo", COMMANDS)
    assert sub is not None and sub.kind == "subcommand" and sub.partial == "mo"
    zone = need("/config moments #general 09:00 Europe/Lo", COMMANDS)
    assert zone is not None and zone.option is not None and zone.option["name"] == "timezone"
    assert zone.partial == "Europe/Lo" and zone.others == {"channel": "#general", "time": "09:00"}
    keyed = need("/config moments time:Eu", COMMANDS)
    assert keyed is not None and keyed.option is not None and keyed.option["name"] == "time"
    whole = need("/faq how do I", COMMANDS)
    assert whole is not None and whole.partial == "how do I" and whole.start == len("/faq ")


def test_wait_durations() -> None:
    assert parse_duration("1d") == timedelta(days=1)
    assert parse_duration(" 1d12h ") == timedelta(days=1, hours=12)
    assert parse_duration("30m") == timedelta(minutes=30)
    for bad in ("", "soon", "0m", "61d"):
        with pytest.raises(CommandError):
            parse_duration(bad)
