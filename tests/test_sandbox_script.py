"""`steady sandbox --script`: a tour of every synced command, as admin and member, in a channel and a DM."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from bot.content import DATA_DIR
from bot.sandbox.commands import split_command
from bot.sandbox.session import WAIT
from bot.selfcheck.content import load_selfcheck
from bot.selfcheck.screens import GROWTH_HEADING, STRENGTHS_HEADING
from bot.testing import DiscordServer, RunningBot

ROOT = Path(__file__).resolve().parents[1]
PROMPT = re.compile(r"^(?:ada \(admin\)|max \(member\)) in (?:#[\w-]+|DM with Steady) > (.*)$", re.M)
START = "2025-03-03T12:00:00+00:00"
PARKING_Q = "Where do we park for night shift?"
SHARED = "Take one slow breath before you open the door to the unit."


def tour(selfcheck_answers: int) -> str:
    presses = "\n".join("3" for _ in range(selfcheck_answers))
    return f"""\
# A moderator sets the server up.
help
/config region UK
/resources
/mydata
/config faq-add question:{PARKING_Q} answer:Staff parking is behind building C; badge in after 7pm.
/config faq-remove question:Where<tab>
/config moments #quiet-moments 9am Europe/London
/config moments #quiet-moments 09:00 Europe/Lon<tab>
/config moments #quiet-moments 09:00 Europe/London
/config pause
/config resume
/wait 7d
/config status

# A member uses it.
as member
/config status
/faq
/faq burn<tab>
/faq do I need a degree
/faq where do we park
/quietmoment
/share-moment {SHARED}
/resources

# The moderator reviews what was shared, and tidies the FAQ.
as admin
/config review
1
/config faq-remove question:{PARKING_Q}
/faq where do we park

# With DMs closed, the self-check offers to run right here.
dms closed
/selfcheck
1
dms open

# The member, in DMs: the FAQ, support lines, a full self-check, and their data.
as member
dm
/faq how much do techs earn
/resources
/selfcheck
{presses}
/mydata
1
1
/mydata
#general
/selfcheck
"""


def run_script(tmp_path: Path, script: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    path = tmp_path / "tour.txt"
    path.write_text(script, encoding="utf-8")
    db = tmp_path / "sandbox.sqlite3"
    env = {**os.environ, "TZ": "UTC"}
    args = [sys.executable, "-m", "bot", "sandbox", "--fresh", "--db", str(db), "--start", START]
    done = subprocess.run(
        [*args, "--script", str(path)], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300
    )
    return done, db.with_suffix(".log")


def blocks(transcript: str) -> list[tuple[str, str]]:
    """(typed line, what followed it) for every prompt in the transcript."""
    found = list(PROMPT.finditer(transcript))
    ends = [m.start() for m in found[1:]] + [len(transcript)]
    return [(m[1], transcript[m.end() : end]) for m, end in zip(found, ends, strict=True)]


def after(transcript: str, typed: str, nth: int = 0, *, lines: bool = False) -> str:
    """What followed the ``nth`` time ``typed`` was typed; unless ``lines``, as one line without box edges."""
    out = [out for line, out in blocks(transcript) if line == typed][nth]
    return out if lines else re.sub(r"\s+", " ", out.replace("│", " "))


def leaf_paths(commands: list[dict]) -> set[str]:
    paths: set[str] = set()
    for command in commands:
        subs = [o for o in command.get("options") or [] if o["type"] in (1, 2)]
        paths |= {f"{command['name']} {p}" for p in leaf_paths(subs)} if subs else {command["name"]}
    return paths


def covered(script: str, commands: list[dict]) -> dict[str, set[tuple[str, str]]]:
    """Each command path run by the script, with who ran it and where (channel or dm)."""
    who, where, seen = "admin", "channel", {}
    for line in script.splitlines():
        if line.startswith("as "):
            who = line[3:]
        elif line == "dm" or (line.startswith("#") and not line.startswith("# ")):
            where = "dm" if line == "dm" else "channel"
        elif line.startswith("/") and not line.endswith("<tab>"):
            path = split_command(line, [*commands, WAIT]).name
            seen.setdefault(path, set()).add((who, where))
    return seen


async def test_tour_covers_every_synced_command(discord_server: DiscordServer, steady: RunningBot) -> None:
    """Read at test time: a command that lands without a line in the tour fails here."""
    commands = discord_server.app.global_commands
    script = tour(load_selfcheck(DATA_DIR / "selfcheck.toml").total)
    seen = covered(script, commands)
    assert leaf_paths(commands) - set(seen) == set(), "add these commands to the sandbox tour"
    for command in commands:
        name = command["name"]
        runs = {use for path, uses in seen.items() if path.split()[0] == name for use in uses}
        who, where = {w for w, _ in runs}, {p for _, p in runs}
        assert "member" in who, f"/{name} is never tried by a member"
        if command.get("default_member_permissions") is not None:
            assert "admin" in who, f"/{name} is never used by an admin"
        assert "channel" in where, f"/{name} is never used in a channel"
        if 1 in (command.get("contexts") or []):
            assert "dm" in where, f"/{name} works in DMs but the tour never uses it there"


def test_tour_transcript(tmp_path: Path) -> None:
    total = load_selfcheck(DATA_DIR / "selfcheck.toml").total
    done, log = run_script(tmp_path, tour(total))
    out = done.stdout
    assert done.returncode == 1, done.stderr  # the member's /config attempt and 9am are refused, on purpose
    assert "\x1b[" not in out
    assert " ERROR " not in log.read_text(encoding="utf-8")

    assert "as admin, as member" in after(out, "help") and "/share-moment" in after(out, "help")
    assert "United Kingdom" in after(out, "/config region UK")
    assert "Samaritans" in after(out, "/resources") and "only you can see this" in after(out, "/resources")
    assert PARKING_Q in after(out, "/config faq-remove question:Where<tab>")
    assert "Europe/London" in after(out, "/config moments #quiet-moments 09:00 Europe/Lon<tab>")
    assert "HH:MM" in after(out, "/config moments #quiet-moments 9am Europe/London")
    assert "#quiet-moments" in after(out, "/config moments #quiet-moments 09:00 Europe/London")

    week = after(out, "/wait 7d", lines=True)
    posts = re.findall(r"^Steady  #quiet-moments  (\w{3} \d\d \w{3}) 09:00 UTC$", week, re.M)
    days = ["Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "Mon"]
    assert posts == [f"{day} {n:02d} Mar" for day, n in zip(days, range(4, 11), strict=True)]
    assert "7 messages arrived" in week and "Mon 10 Mar 2025, 12:00" in week
    assert "Last post" in after(out, "/config status")

    assert "Manage Server" in after(out, "/config status", 1)
    assert "FAQ topics" in after(out, "/faq")
    assert "burnout" in after(out, "/faq burn<tab>")
    assert "degree" in after(out, "/faq do I need a degree").lower()
    assert "building C" in after(out, "/faq where do we park")
    assert "Today's quiet moment" in after(out, "/quietmoment")
    assert "patient details" in after(out, f"/share-moment {SHARED}")

    review = after(out, "/config review")
    assert "Take one slow breath" in review and "[1] Approve" in review
    assert "Approved" in after(out, "1")
    assert "building C" not in after(out, "/faq where do we park", 1)
    assert "Take it here" in after(out, "/selfcheck") and "Question 1 of" in after(out, "1", 1)

    assert "Samaritans" in after(out, "/resources", 1)
    assert "988" in after(out, "/resources", 2) and "default region" in after(out, "/resources", 2)
    first = after(out, "/selfcheck", 1)
    assert f"Question 1 of {total}" in first and "Steady DM" in first and "[1] " in first
    answers = [after(out, "3", n) for n in range(total)]
    assert len(answers) == total
    assert f"Question {total} of {total}" in answers[-2]
    result = answers[-1]
    assert STRENGTHS_HEADING in result and GROWTH_HEADING in result and "/resources" in result

    assert "Nothing at all" in after(out, "/mydata")
    assert "Delete all my data" in after(out, "/mydata", 1)
    assert "Are you sure" in after(out, "1", 2)
    assert "Done." in after(out, "1", 3)
    assert "Nothing at all" in after(out, "/mydata", 2)
    again = after(out, "/selfcheck", 2)
    assert "DMs" in again and "only you can see this" in again


def sandbox(tmp_path: Path, lines: str, *extra: str) -> subprocess.CompletedProcess[str]:
    db = tmp_path / "kept" / "sandbox.sqlite3"
    return subprocess.run(
        [sys.executable, "-m", "bot", "sandbox", "--db", str(db), *extra],
        input=lines,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_the_database_is_kept_between_runs_unless_fresh(tmp_path: Path) -> None:
    assert sandbox(tmp_path, "/config region UK\n").returncode == 0
    kept = sandbox(tmp_path, "/resources\n")
    assert "Samaritans" in kept.stdout
    fresh = sandbox(tmp_path, "/resources\n", "--fresh")
    assert "988" in fresh.stdout and "Samaritans" not in fresh.stdout


def test_broken_content_stops_it_with_the_reason(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for source in DATA_DIR.glob("*.toml"):
        (data / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    (data / "faq.toml").write_text("this is = not [valid", encoding="utf-8")
    done = sandbox(tmp_path, "/faq\n", "--data", str(data))
    assert done.returncode == 2
    assert "faq.toml" in done.stderr and "Traceback" not in done.stderr
