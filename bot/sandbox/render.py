"""The bot's messages, as the local Discord server recorded them, shown with rich: embeds as boxed panels."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from rich import box
from rich.columns import Columns
from rich.console import Console, Group, RenderableType
from rich.markdown import Markdown
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from bot.sandbox.session import Outcome, Sandbox, Shown

BUTTON_STYLES = {1: "bold blue", 2: "bold", 3: "bold green", 4: "bold red", 5: "underline"}
TIME_FORMATS = {
    "t": "%H:%M %Z",
    "T": "%H:%M:%S %Z",
    "d": "%d/%m/%Y",
    "D": "%d %B %Y",
    "f": "%d %B %Y %H:%M %Z",
    "F": "%A, %d %B %Y %H:%M %Z",
}


def outcome_view(outcome: Outcome, sandbox: Sandbox) -> list[RenderableType]:
    numbers = {(id(m), b["custom_id"]): n for n, (m, b) in enumerate(sandbox.buttons, 1)}
    parts: list[RenderableType] = [message_view(s, sandbox, numbers) for s in outcome.shown]
    if outcome.form is not None:
        parts.append(form_view(outcome.form))
    parts += outcome.extra
    parts += [Text(note, style="italic cyan" if outcome.ok else "italic red") for note in outcome.notes]
    return parts


def message_view(shown: Shown, sandbox: Sandbox, numbers: dict[tuple[int, str], int]) -> RenderableType:
    message = shown.message
    header = Text.assemble(
        (message.get("author", {}).get("username", "Steady"), "bold magenta"),
        (f"  {shown.where}  {shown.at.astimezone():%a %d %b %H:%M %Z}", "dim"),
    )
    if shown.ephemeral:
        header.append("  (only you can see this)", "italic yellow")
    if shown.edited:
        header.append("  (edited)", "dim")
    parts: list[RenderableType] = [header]
    if message.get("content"):
        parts.append(markdown(message["content"], sandbox))
    parts += [embed_view(embed, sandbox) for embed in message.get("embeds") or []]
    parts += components_view(message, numbers)
    return Group(*parts, Text(""))


def embed_view(embed: dict[str, Any], sandbox: Sandbox) -> RenderableType:
    body: list[RenderableType] = []
    if author := (embed.get("author") or {}).get("name"):
        body.append(Text(author, style="dim"))
    if embed.get("description"):
        body.append(markdown(embed["description"], sandbox))
    for item in embed.get("fields") or []:
        name = Text(discord_text(item.get("name", ""), sandbox), style="bold")
        body += [Text(""), name, markdown(item.get("value", ""), sandbox)]
    if image := (embed.get("image") or {}).get("url"):
        body.append(Text(f"[image: {image}]", style="dim"))
    if footer := (embed.get("footer") or {}).get("text"):
        body += [Text(""), Text(discord_text(footer, sandbox), style="dim")]
    colour = embed.get("color")
    return Panel(
        Group(*body) if body else Text(""),
        title=Text(discord_text(embed["title"], sandbox), style="bold") if embed.get("title") else None,
        title_align="left",
        border_style=f"#{colour:06x}" if colour else "cyan",
        box=box.ROUNDED,
    )


def components_view(message: dict[str, Any], numbers: dict[tuple[int, str], int]) -> list[RenderableType]:
    rows: list[RenderableType] = []
    for row in message.get("components") or []:
        line: list[Text] = []
        for item in row.get("components", []):
            if item.get("type") == 2:
                label = item.get("label") or (item.get("emoji") or {}).get("name") or "button"
                if item.get("url"):
                    line.append(Text(f"{label} <{item['url']}>", BUTTON_STYLES[5]))
                elif item.get("disabled"):
                    line.append(Text(f"[-] {label}", "dim strike"))
                else:
                    number = numbers.get((id(message), item.get("custom_id", "")))
                    mark = f"[{number}]" if number else "[ ]"
                    line.append(Text(f"{mark} {label}", BUTTON_STYLES.get(item.get("style", 2), "bold")))
            else:
                options = ", ".join(o.get("label", "") for o in item.get("options") or [])
                options = options or item.get("placeholder", "")
                line.append(Text(f"(a menu the sandbox can't open yet: {options})", "dim"))
        rows.append(Columns(line, padding=(0, 3)))
    return rows


def form_view(form: dict[str, Any]) -> RenderableType:
    fields = [c for row in form.get("components") or [] for c in row.get("components", [])]
    lines = [Text(f"{f.get('label', f.get('custom_id'))}", style="bold") for f in fields]
    return Panel(Group(*lines), title=f"Form: {form.get('title', '')}", title_align="left", box=box.ROUNDED)


def commands_table(sandbox: Sandbox) -> Table:
    table = Table(box=box.SIMPLE, show_header=False, pad_edge=False)
    for command in sandbox.commands():
        subs = [o for o in command.get("options") or [] if o["type"] in (1, 2)]
        table.add_row(f"/{command['name']}", command.get("description", ""))
        for sub in subs:
            table.add_row(f"  {sub['name']}", sub.get("description", ""))
    return table


def markdown(text: str, sandbox: Sandbox) -> RenderableType:
    """Discord keeps single line breaks; Markdown would join them, so make each a hard break."""
    text = discord_text(text, sandbox)
    if "```" not in text:
        text = text.replace("\n", "  \n")
    return Markdown(text, hyperlinks=False)


def discord_text(text: str, sandbox: Sandbox) -> str:
    """Mentions, command mentions and timestamps as a Discord client would show them."""
    server = sandbox.server

    def channel(m: re.Match[str]) -> str:
        found = server.channels.get(int(m[1]))
        return f"#{found.name}" if found else "#deleted-channel"

    def user(m: re.Match[str]) -> str:
        found = server.users.get(int(m[1]))
        return f"@{found.username}" if found else "@someone"

    text = re.sub(r"<#(\d+)>", channel, text)
    text = re.sub(r"<@!?(\d+)>", user, text)
    text = re.sub(r"</([\w -]+):\d+>", r"/\1", text)
    now = sandbox.clock.now()
    return re.sub(r"<t:(-?\d+)(?::([tTdDfFR]))?>", lambda m: timestamp(int(m[1]), m[2] or "f", now), text)


def timestamp(unix: int, style: str, now: datetime) -> str:
    when = datetime.fromtimestamp(unix, UTC)
    if style != "R":
        return when.astimezone().strftime(TIME_FORMATS[style])
    seconds = (when - now).total_seconds()
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if abs(seconds) >= size:
            count = round(abs(seconds) / size)
            amount = f"{count} {unit}{'s' if count != 1 else ''}"
            return f"in {amount}" if seconds > 0 else f"{amount} ago"
    return "in a few seconds" if seconds > 5 else "a few seconds ago"


def show(console: Console, parts: Iterable[RenderableType], *, soft_wrap: bool = False) -> None:
    """Print, without the trailing spaces rich pads lines with when the output is not a terminal."""
    if console.is_terminal:
        for part in parts:
            console.print(part, soft_wrap=soft_wrap)
        return
    with console.capture() as captured:
        for part in parts:
            console.print(part, soft_wrap=soft_wrap)
    console.file.write("\n".join(line.rstrip() for line in captured.get().split("\n")))
    console.file.flush()
