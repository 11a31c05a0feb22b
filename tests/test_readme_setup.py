"""Issue 14: the README's setup, upgrade and running instructions match what the code does."""

from __future__ import annotations

import re
from pathlib import Path

import discord

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
USED = {
    "read_messages",
    "send_messages",
    "embed_links",
    "create_public_threads",
}
NAMES = {
    "read_messages": "View Channels",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
    "create_public_threads": "Create Public Threads",
}


def test_invite_asks_for_exactly_the_permissions_the_table_explains() -> None:
    bits = int(re.search(r"permissions=(\d+)", README)[1])  # type: ignore[index]
    asked = {name for name, on in discord.Permissions(bits) if on}
    assert asked == USED
    table = re.findall(r"^\s*\| ([A-Z][\w ]+) \| ", README, re.M)
    assert {NAMES[p] for p in USED} <= set(table)
    cog = (ROOT / "cogs" / "moments" / "_cog.py").read_text()
    checked = {"view_channel" if p == "read_messages" else p for p in USED}
    assert all(f"perms.{p}" in cog for p in checked), "/config moments checks what the invite asks for"


def test_checklist_upgrading_and_keeping_it_running() -> None:
    checklist = README.split("### After inviting", 1)[1].split("\n## ", 1)[0]
    for command in ("/config region", "/config moments", "/config mod-channel", "/faq"):
        assert command in checklist
    assert "thread:yes" in README and "## Upgrading" in README and "migrations" in README.lower()
    unit = (ROOT / "deploy" / "steady.service").read_text()
    assert "Restart=on-failure" in unit and "RestartPreventExitStatus=2" in unit
    assert "WorkingDirectory=" in unit and "python -m bot" in unit
    assert "cp deploy/steady.service /etc/systemd/system/" in README and "systemctl enable" in README
    assert "relative to the **working directory**" in README


def test_the_sandbox_commands_shown_work_as_written() -> None:
    assert 'make sandbox ARGS="--fresh --script tests/readme_tour.script"' in README
    assert (ROOT / "tests" / "readme_tour.script").read_text().splitlines()[2].startswith("start ")
    assert "steady sandbox --script" not in README.replace(".venv/bin/steady sandbox --script", "")
    makefile = (ROOT / "Makefile").read_text()
    assert "-m bot sandbox $(ARGS)" in makefile
