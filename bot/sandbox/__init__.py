"""`steady sandbox`: the real bot and the local Discord server, used from a terminal. No token, no network."""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import signal
import sys
from collections.abc import AsyncGenerator, Iterable
from datetime import UTC, datetime
from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from bot.clock import SystemClock
from bot.content import DATA_DIR, ContentError
from bot.database import DatabaseError
from bot.sandbox.commands import CommandError
from bot.sandbox.render import commands_table, outcome_view, show
from bot.sandbox.session import CHANNELS, Outcome, Sandbox

DEFAULT_DB = Path("sandbox-data/sandbox.sqlite3")
TRANSCRIPT_WIDTH = 100
WORDS = ["help", "dm", "dms closed", "dms open", "as admin", "as member", "exit"]
WORDS += [f"#{c}" for c in CHANNELS]
HELP = [
    ("/faq do I need a degree", "text after a command with one text option fills it"),
    ("/config moments #quiet-moments 09:00 Europe/London", "several options go in order..."),
    ("/config moments time:10:30", "...or by name"),
    ("Tab", "completes commands, options and Steady's own suggestions"),
    ("1, 2, 3 ...", "presses the button with that number"),
    ("#general, #quiet-moments, #support", "go to that channel"),
    ("dm", "go to your DMs with Steady"),
    ("as admin, as member", "be ada (a moderator with Manage Server) or max (a plain member)"),
    ("dms closed, dms open", "close or open your DMs to Steady, as Discord's privacy setting does"),
    ("/wait 1d, /wait 2h, /wait 30m", "move Steady's clock forward; daily posts arrive as they fall due"),
    ("help, exit", "this list; leave (Ctrl-D works too)"),
]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="steady sandbox", description=__doc__)
    add = parser.add_argument
    add("--script", type=Path, help="replay the lines of FILE ('-' for stdin), printing a transcript")
    add("--db", type=Path, default=DEFAULT_DB, help=f"sandbox database (default {DEFAULT_DB})")
    add("--fresh", action="store_true", help="start from an empty sandbox database")
    add("--data", type=Path, default=DATA_DIR, help="content folder (default: the bot's data/)")
    add("--start", type=datetime.fromisoformat, help="start the clock at this ISO time instead of now")
    args = parser.parse_args(argv)
    lines: list[str] | None = None
    if args.script is not None and str(args.script) != "-":
        try:
            lines = args.script.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            print(f"steady sandbox: cannot read the script {args.script}: {reason}", file=sys.stderr)
            return 2
    elif args.script is not None or not sys.stdin.isatty():
        lines = sys.stdin.read().splitlines()
    if args.fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
        clock_file(args.db).unlink(missing_ok=True)
    args.db.parent.mkdir(parents=True, exist_ok=True)
    log_to(args.db.with_suffix(".log"))
    try:
        start, note = starting_time(args.start or script_start(lines or []), args.db, SystemClock().now())
    except ValueError as exc:
        print(f"steady sandbox: {exc}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(run(lines, args.db, start, args.data, note))
    except (ContentError, DatabaseError) as exc:
        print(f"steady sandbox: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


def clock_file(db: Path) -> Path:
    """Where the sandbox keeps its clock between runs, beside its database."""
    return db.with_suffix(".clock")


def script_start(lines: list[str]) -> datetime | None:
    """A script's own start time: a ``start <ISO time>`` line before its first command."""
    for line in lines:
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if not text.startswith("start "):
            return None
        try:
            return datetime.fromisoformat(text.removeprefix("start ").strip())
        except ValueError:
            example = "start 2025-03-03T12:00:00+00:00"
            raise ValueError(f"the script's line {text!r} needs an ISO time, e.g. {example}") from None
    return None


def starting_time(asked: datetime | None, db: Path, now: datetime) -> tuple[datetime, str]:
    """The clock's start: as asked; else where this sandbox's database left it, if that is later than now.

    A kept database remembers future days after ``/wait``; starting back at now would leave its quiet
    moments waiting for dates that already happened on its own clock.
    """
    if asked is not None:
        asked = asked if asked.tzinfo else asked.replace(tzinfo=UTC)
    left = remembered_time(db)
    if asked is not None:
        if left is not None and left > asked:
            return asked, (
                f"This sandbox's database was last used at {left.astimezone():%a %d %b %Y, %H:%M %Z}, later "
                "than --start; its quiet moments may wait until then. Add --fresh to start afresh."
            )
        return asked, ""
    if left is not None and left > now:
        return left, (
            "The clock carries on from where this sandbox left it (after your /wait). "
            "To start afresh at today's date, use --fresh."
        )
    return now, ""


def remembered_time(db: Path) -> datetime | None:
    try:
        when = datetime.fromisoformat(clock_file(db).read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def remember_time(sandbox: Sandbox, db: Path) -> None:
    try:
        clock_file(db).write_text(sandbox.clock.now().isoformat() + "\n", encoding="utf-8")
    except OSError:
        logging.getLogger("steady.sandbox").warning("could not keep the sandbox clock beside %s", db)


def log_to(path: Path) -> None:
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO)


async def run(lines: list[str] | None, db: Path, start: datetime, data_dir: Path, note: str = "") -> int:
    width = shutil.get_terminal_size().columns if sys.stdout.isatty() else TRANSCRIPT_WIDTH
    console = Console(highlight=False, width=width)
    sandbox = await Sandbox.start(db, start=start, data_dir=data_dir)
    sandbox.db_path = db
    try:
        if lines is not None:
            return await replay(sandbox, console, lines, note)
        await interact(sandbox, console, db.parent / "history", note)
        return 0
    finally:
        remember_time(sandbox, db)
        await sandbox.stop()


def prompt(sandbox: Sandbox) -> str:
    return f"{sandbox.user.username} ({sandbox.role}) in {sandbox.place()} > "


async def replay(sandbox: Sandbox, console: Console, lines: list[str], note: str = "") -> int:
    """Each line as if typed; a line ending in <tab> shows the completions instead of running it."""
    failures = 0
    show(console, [welcome(sandbox, note)])
    for line in lines:
        if not line.strip() or line.lstrip().startswith("# ") or line.strip() == "#":
            continue
        if line.startswith("start "):
            continue  # read before the sandbox started: see script_start
        show(console, [Text(prompt(sandbox) + line, style="bold")], soft_wrap=True)
        if line.endswith("<tab>"):
            _, found = await sandbox.suggest(line.removesuffix("<tab>"))
            listing = "\n".join(f"  {t}  ({label})" if label != t else f"  {t}" for t, label in found)
            show(console, [Text("Suggestions:\n" + (listing or "  (none)"), style="cyan")])
            continue
        outcome = await step(sandbox, line.strip())
        if outcome is None:
            break
        failures += not outcome.ok
        show(console, outcome_view(outcome, sandbox))
        if sandbox.db_path is not None:
            remember_time(sandbox, sandbox.db_path)
    return 1 if failures else 0


async def interact(sandbox: Sandbox, console: Console, history: Path, note: str = "") -> None:
    session: PromptSession[str] = PromptSession(
        completer=SandboxCompleter(sandbox), complete_while_typing=True, history=FileHistory(str(history))
    )
    show(console, [welcome(sandbox, note), Text("Type help for what you can do here.", style="cyan")])
    while True:
        try:
            line = await session.prompt_async(prompt(sandbox))
        except EOFError:
            return
        except KeyboardInterrupt:
            continue
        outcome = await step_stoppable(sandbox, line.strip())
        remember_time(sandbox, sandbox.db_path or DEFAULT_DB)
        if outcome is None:
            return
        if outcome.form is not None:
            outcome = await fill(sandbox, session, console, outcome)
        show(console, outcome_view(outcome, sandbox))


async def fill(sandbox: Sandbox, session: PromptSession[str], console: Console, outcome: Outcome) -> Outcome:
    """A form (modal) the bot opened: ask for each field in turn, then submit it."""
    form = outcome.form
    assert form is not None
    show(console, outcome_view(outcome, sandbox))
    values = {}
    for row in form.get("components") or []:
        for field in row.get("components", []):
            label = field.get("label", field["custom_id"])
            values[field["custom_id"]] = await session.prompt_async(f"  {label}: ")
    return await sandbox.fill_form(form, values)


async def step_stoppable(sandbox: Sandbox, line: str) -> Outcome | None:
    """One typed line, where Ctrl-C stops a /wait (the clock stays where it got to), not the sandbox."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    previous = signal.getsignal(signal.SIGINT)
    try:
        loop.add_signal_handler(signal.SIGINT, stop.set)
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no signals here
        return await step(sandbox, line)
    try:
        return await step(sandbox, line, stop)
    finally:
        loop.remove_signal_handler(signal.SIGINT)
        signal.signal(signal.SIGINT, previous)


async def step(sandbox: Sandbox, line: str, stop: asyncio.Event | None = None) -> Outcome | None:
    """One typed line; None means leave."""
    try:
        if line in ("exit", "quit"):
            return None
        if not line:
            return Outcome()
        if line == "help":
            return Outcome(extra=[help_view(sandbox)])
        if line.isdigit():
            return await sandbox.press(int(line))
        if line == "dm" or line.startswith("#"):
            return Outcome(notes=[sandbox.go(line)])
        if line in ("dms closed", "dms open"):
            return Outcome(notes=[sandbox.dms(open_=line == "dms open")])
        if line.startswith("as "):
            return Outcome(notes=[sandbox.become(line[3:].strip().lower())])
        if line.startswith("/wait"):
            return await sandbox.wait(line[len("/wait") :], stop)
        if line.startswith("/"):
            return await sandbox.slash(line)
        raise CommandError("Start commands with a slash, like /faq. `help` shows everything you can do.")
    except CommandError as exc:
        return Outcome(notes=[str(exc)], ok=False)


def help_view(sandbox: Sandbox) -> RenderableType:
    table = Table(box=None, show_header=False, pad_edge=False)
    table.add_column(no_wrap=True)
    table.add_column()
    for typed, does in HELP:
        table.add_row(Text(typed, style="bold"), does)
    intro = Text("Type slash commands as you would in Discord. You can also type:", style="cyan")
    here = Text("Commands you can use here, as you, now:", style="cyan")
    return Group(intro, table, here, commands_table(sandbox))


def welcome(sandbox: Sandbox, note: str = "") -> Text:
    return Text(
        f"Steady sandbox: the real bot, offline, in the server '{sandbox.guild.name}'. "
        f"Steady's clock says {sandbox.clock.now().astimezone():%a %d %b %Y, %H:%M %Z}."
        + (f"\n{note}" if note else ""),
        style="cyan",
    )


class SandboxCompleter(Completer):
    """Completes sandbox words, commands, options, channels and choices; asks the bot for its suggestions."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
        return ()

    async def get_completions_async(
        self, document: Document, complete_event: CompleteEvent
    ) -> AsyncGenerator[Completion, None]:
        text = document.text_before_cursor
        if not text.startswith("/"):
            for word in WORDS:
                if word.startswith(text.lower()) and text:
                    yield Completion(word, start_position=-len(text))
            return
        start, found = await self.sandbox.suggest(text)
        for value, label in found:
            meta = label if label != value else ""
            yield Completion(value, start_position=start - len(text), display_meta=meta)
