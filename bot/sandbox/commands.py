"""Reading a typed slash command against the command schema the bot synced, the way Discord's client does."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import discord

SUBCOMMAND, GROUP, STRING, INTEGER, BOOLEAN, USER, CHANNEL = range(1, 8)
ROLE, MENTIONABLE, NUMBER, ATTACHMENT = range(8, 12)
TYPE_NAMES = {
    STRING: "text",
    INTEGER: "whole number",
    BOOLEAN: "yes/no",
    USER: "@person",
    CHANNEL: "#channel",
    ROLE: "role",
    MENTIONABLE: "@person",
    NUMBER: "number",
    ATTACHMENT: "file",
}
TRUE_WORDS = {"true", "yes", "y", "on", "1"}
FALSE_WORDS = {"false", "no", "n", "off", "0"}

Schema = dict[str, Any]


class CommandError(Exception):
    """A line the Discord client itself would not send; the message says what would work."""


@dataclass
class Typed:
    """A slash command line split into the command path, its leaf schema, and the raw option text."""

    path: list[str]
    leaf: Schema
    options: list[Schema]
    rest: str

    @property
    def name(self) -> str:
        return " ".join(self.path)


def visible(commands: list[Schema], *, in_guild: bool, permissions: int) -> list[Schema]:
    """The commands Discord would list here: allowed in this context and not hidden by permissions."""
    return [c for c in commands if hidden_because(c, in_guild=in_guild, permissions=permissions) is None]


def hidden_because(command: Schema, *, in_guild: bool, permissions: int) -> str | None:
    contexts = command.get("contexts")
    if in_guild:
        if contexts is not None and 0 not in contexts:
            return f"/{command['name']} only works in DMs with the bot."
        needed = command.get("default_member_permissions")
        if needed is not None and int(needed) & ~permissions and not permissions & (1 << 3):
            names = ", ".join(permission_names(int(needed) & ~permissions))
            return f"Discord hides /{command['name']} from you here: it needs the {names} permission."
    elif (contexts is not None and 1 not in contexts) or command.get("dm_permission") is False:
        return f"/{command['name']} only works inside a server."
    return None


def permission_names(bits: int) -> list[str]:
    labels = {"manage_guild": "Manage Server"}
    return [labels.get(name, name.replace("_", " ").title()) for name, on in discord.Permissions(bits) if on]


def usage(typed_name: str, options: list[Schema]) -> str:
    parts = []
    for option in options:
        hint = f"{option['name']}:<{TYPE_NAMES.get(option['type'], 'value')}>"
        parts.append(hint if option.get("required") else f"[{hint}]")
    return " ".join([f"/{typed_name}", *parts])


def split_command(line: str, commands: list[Schema]) -> Typed:
    """Find the command and subcommand named at the start of ``line`` (which starts with '/')."""
    words = line[1:].split(maxsplit=1)
    if not words:
        raise CommandError("Type a command after the slash, for example /faq. `help` lists them all.")
    command = next((c for c in commands if c["name"] == words[0].lower()), None)
    if command is None:
        raise CommandError(f"There is no /{words[0]} here. `help` lists the commands you can use.")
    node: dict[str, Any] | None
    path, node, rest = [command["name"]], command, words[1] if len(words) > 1 else ""
    while subs := subcommands(node):
        word, _, after = rest.strip().partition(" ")
        node = next((o for o in subs if o["name"] == word.lower()), None)
        if node is None:
            names = ", ".join(o["name"] for o in subs)
            raise CommandError(f"/{' '.join(path)} needs one of: {names}.")
        path.append(node["name"])
        rest = after
    return Typed(path, node, list(node.get("options") or []), rest)


def parse(
    line: str,
    commands: list[Schema],
    resolve: Callable[[Schema, str], Any],
) -> tuple[Typed, dict[str, Any]]:
    """Turn a typed line into option values, checking what Discord's client checks (required, limits)."""
    typed = split_command(line, commands)
    raws = raw_values(typed)
    values: dict[str, Any] = {}
    for option in typed.options:
        raw = raws.get(option["name"])
        if raw is None:
            if option.get("required"):
                example = usage(typed.name, typed.options)
                raise CommandError(f"/{typed.name} needs {option['name']}. Type it like this: {example}")
            continue
        values[option["name"]] = convert(option, raw, resolve)
    return typed, values


def raw_values(typed: Typed) -> dict[str, str]:
    """Options by ``name:value``, or in schema order; one text option takes the whole rest of the line."""
    options, rest = typed.options, typed.rest.strip()
    names = {o["name"] for o in options}
    if not rest:
        return {}
    keyed = list(re.finditer(r"(?:^|\s)([\w-]+):", rest))
    keyed = [m for m in keyed if m[1] in names]
    if len(options) == 1 and options[0]["type"] == STRING and not keyed:
        return {options[0]["name"]: unquote(rest)}
    values: dict[str, str] = {}
    for i, match in enumerate(keyed):
        end = keyed[i + 1].start() if i + 1 < len(keyed) else len(rest)
        values[match[1]] = unquote(rest[match.end() : end].strip())
    head = rest[: keyed[0].start()] if keyed else rest
    free = [o for o in options if o["name"] not in values]
    words = words_of(head)
    if len(words) > len(free):
        if free and free[len(words[: len(free)]) - 1]["type"] == STRING:
            words = [*words[: len(free) - 1], " ".join(words[len(free) - 1 :])]
        else:
            raise CommandError(f"Too many values. Type it like this: {usage(typed.name, options)}")
    for option, word in zip(free, words, strict=False):
        values[option["name"]] = word
    return values


def words_of(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def convert(option: Schema, raw: str, resolve: Callable[[Schema, str], Any]) -> Any:
    """One option value, as the Discord client would send it."""
    kind, name = option["type"], option["name"]
    if choices := option.get("choices"):
        for choice in choices:
            if raw.casefold() in (str(choice["name"]).casefold(), str(choice["value"]).casefold()):
                return choice["value"]
        listed = ", ".join(str(c["name"]) for c in choices)
        raise CommandError(f"{name} must be one of: {listed}.")
    if kind == STRING:
        low, high = option.get("min_length", 0), option.get("max_length", 6000)
        if not low <= len(raw) <= high:
            raise CommandError(f"{name} must be {low} to {high} characters long (this is {len(raw)}).")
        return raw
    if kind in (INTEGER, NUMBER):
        try:
            number: float = int(raw) if kind == INTEGER else float(raw)
        except ValueError:
            raise CommandError(f"{name} must be a {TYPE_NAMES[kind]}.") from None
        low, high = option.get("min_value"), option.get("max_value")
        if (low is not None and number < low) or (high is not None and number > high):
            raise CommandError(f"{name} must be between {low} and {high}.")
        return number
    if kind == BOOLEAN:
        if raw.lower() in TRUE_WORDS | FALSE_WORDS:
            return raw.lower() in TRUE_WORDS
        raise CommandError(f"{name} must be yes or no.")
    if kind in (CHANNEL, USER, MENTIONABLE):
        return resolve(option, raw)
    raise CommandError(f"The sandbox can't fill {TYPE_NAMES.get(kind, 'this kind of')} options yet.")


@dataclass
class Need:
    """What the end of a half-typed line asks for, and where the part being typed starts."""

    kind: str
    partial: str
    start: int
    names: list[str] = field(default_factory=list)
    typed: Typed | None = None
    option: Schema | None = None
    others: dict[str, str] = field(default_factory=dict)


def subcommands(node: Schema) -> list[Schema]:
    return [o for o in node.get("options") or [] if o["type"] in (SUBCOMMAND, GROUP)]


def need(text: str, commands: list[Schema]) -> Need | None:
    """For completion: is a command, a subcommand or an option value being typed at the end of ``text``?"""
    name, space, rest = text[1:].partition(" ")
    if not space:
        return Need("command", name, 1, [c["name"] for c in commands])
    node = next((c for c in commands if c["name"] == name.lower()), None)
    path = [name.lower()]
    while node is not None and (subs := subcommands(node)):
        word, space, after = rest.lstrip().partition(" ")
        if not space:
            return Need("subcommand", word, len(text) - len(word), [o["name"] for o in subs])
        node = next((o for o in subs if o["name"] == word.lower()), None)
        path.append(word.lower())
        rest = after
    options = list(node.get("options") or []) if node else []
    if node is None or not options:
        return None
    typed = Typed(path, node, options, rest)
    names = {o["name"] for o in options}
    keyed = [m for m in re.finditer(r"(?:^|\s)([\w-]+):", rest) if m[1] in names]
    if len(options) == 1 and options[0]["type"] == STRING and not keyed:
        value = rest.lstrip()
        return Need("value", value, len(text) - len(value), typed=typed, option=options[0])
    partial = _tail(r"\S*$", rest)
    if rest.count('"') % 2:
        # An open quote: the value being typed is everything since it, spaces and all ("New York).
        quote = rest.rfind('"')
        key_before = _tail(r"(?:[\w-]+:)?$", rest[:quote])
        partial = rest[quote - len(key_before) :]
    try:
        given = raw_values(Typed(path, node, options, rest[: len(rest) - len(partial)]))
    except CommandError:
        given = {}
    key = re.fullmatch(r"([\w-]+):(.*)", partial, re.S)
    if key and key[1] in names:
        option = next(o for o in options if o["name"] == key[1])
        partial = key[2]
    else:
        option = next((o for o in options if o["name"] not in given), None)
    keys = [f"{o['name']}:" for o in options if o["name"] not in given and o is not option]
    found = Need("value", partial, len(text) - len(partial), names=keys, typed=typed, option=option)
    found.others = {k: v for k, v in given.items() if option is None or k != option["name"]}
    return found


def _tail(pattern: str, text: str) -> str:
    """What ``pattern`` (which matches at the end of any text) finds at the end of ``text``."""
    found = re.search(pattern, text)
    assert found is not None
    return found[0]
