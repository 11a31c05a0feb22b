"""The interactive sandbox in a pseudo-terminal, read back through a terminal emulator (pyte)."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pyte
import pytest

ROOT = Path(__file__).resolve().parents[1]
COLUMNS, ROWS = 120, 50
PROMPT = "ada (admin) in #general >"


class Terminal:
    """A child process on a pty, and the screen a person would see."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.master, child = pty.openpty()
        fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        self.proc = subprocess.Popen(
            args, stdin=child, stdout=child, stderr=child, env=env, cwd=ROOT, start_new_session=True
        )
        os.close(child)
        self.screen = pyte.Screen(COLUMNS, ROWS)
        self.stream = pyte.ByteStream(self.screen)

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    def wait_for(self, *wanted: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while not all(w in self.text() for w in wanted):
            left = deadline - time.monotonic()
            assert left > 0, f"never saw {wanted!r} on the screen:\n{self.text()}"
            ready, _, _ = select.select([self.master], [], [], min(left, 0.2))
            if ready:
                try:
                    self.stream.feed(os.read(self.master, 65536))
                except OSError:
                    assert all(w in self.text() for w in wanted), f"exited without {wanted!r}:\n{self.text()}"
        return self.text()

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        os.close(self.master)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    env = {**os.environ, "TERM": "xterm-256color", "TZ": "UTC", "PROMPT_TOOLKIT_NO_CPR": "1"}
    args = [sys.executable, "-m", "bot", "sandbox", "--fresh", "--db", str(tmp_path / "sandbox.sqlite3")]
    term = Terminal(args, env)
    yield term
    term.close()


def test_typing_completion_buttons_help_and_exit(terminal: Terminal) -> None:
    terminal.wait_for(PROMPT)
    terminal.type("help\r")
    terminal.wait_for("as admin, as member", "/selfcheck", "/config")

    terminal.type("/faq burn")
    terminal.wait_for("heading toward burnout?")  # the bot's own autocomplete, in the completion menu
    terminal.type("\t")
    terminal.wait_for(PROMPT + " /faq How can I tell if I'm heading toward burnout?")
    terminal.type("\r")
    terminal.wait_for("╭─ How can I tell if I'm heading toward burnout?", "[1] ")

    terminal.type("/selfcheck\r")
    terminal.wait_for("Question 1 of", "[ ] Rarely", "only you can see this")
    terminal.type("dm\r")  # the question is in DMs: number keys press buttons where you are
    terminal.wait_for("Buttons here: [1] Rarely")
    terminal.type("2\r")  # a numbered button: "Sometimes"
    screen = terminal.wait_for("Question 2 of")
    dm_prompt = "ada (admin) in DM with Steady >"
    assert "(edited)" in screen and "Question 1 of" not in screen.split(dm_prompt + " 2")[-1]

    terminal.type("exit\r")
    assert terminal.proc.wait(30) == 0


def test_ctrl_c_stops_a_wait_not_the_sandbox(terminal: Terminal) -> None:
    terminal.wait_for(PROMPT)
    terminal.type("/config moments #quiet-moments 09:00 UTC\r")
    terminal.wait_for("Quiet moments are set")
    terminal.type("/wait 60d\r")
    time.sleep(3)  # a few days go by
    # Ctrl-C in a terminal: the child has no controlling tty here (new session), so send what it would.
    terminal.proc.send_signal(signal.SIGINT)
    screen = terminal.wait_for("You stopped the wait (Ctrl-C)", timeout=60)
    time.sleep(0.5)
    screen = terminal.wait_for("You stopped the wait (Ctrl-C)")
    assert terminal.proc.poll() is None, "Ctrl-C during /wait must not end the sandbox"
    assert "Steady  #quiet-moments" in screen, "posts made before the stop are shown"
    assert "60d forward" not in screen
    assert screen.rstrip().splitlines()[-1].startswith(PROMPT), screen[-500:]
    terminal.type("/config status\r")
    terminal.wait_for("Next post")
    terminal.type("exit\r")
    assert terminal.proc.wait(30) == 0
