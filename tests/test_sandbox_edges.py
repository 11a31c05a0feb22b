"""Issue 14, the sandbox in script mode: a kept clock, a missing script, zones on times, buttons only
here, threads shown, quoted values, and a tour script that carries its own start time."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.test_sandbox_script import ROOT, after

START = "2025-03-03T12:00:00+00:00"


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def sandbox(db: Path, script: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "sandbox", "--db", str(db), *extra, "--script", "-"],
        input=script,
        capture_output=True,
        text=True,
        env={**os.environ, "TZ": "UTC"},
        cwd=ROOT,
        timeout=180,
    )


def test_the_clock_carries_on_after_a_long_wait(tmp_path: Path) -> None:
    db = tmp_path / "kept" / "sandbox.sqlite3"
    first = sandbox(db, "/config moments #quiet-moments 09:00 Europe/London\n/wait 60d\n", "--fresh")
    assert first.returncode == 0, first.stderr
    assert "60 messages arrived" in first.stdout or "59 messages arrived" in first.stdout
    again = sandbox(db, "/config status\n")
    assert again.returncode == 0, again.stderr
    assert "carries on from where this sandbox left it" in flat(again.stdout)
    status = after(again.stdout, "/config status")
    assert "Not scheduled" not in status and "Next post" in status
    fresh = sandbox(db, "/config status\n", "--fresh")
    assert "carries on" not in fresh.stdout and "Not set up yet" in after(fresh.stdout, "/config status")


def test_a_missing_script_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "sandbox", "--db", str(tmp_path / "s.sqlite3"), "--script", "nope.txt"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "nope.txt" in lines[0] and lines[0].startswith("steady sandbox:")
    assert not (tmp_path / "s.sqlite3").exists()


SCRIPT = f"""\
start {START}
/config moments #quiet-moments 09:00 "New York<tab>
/config moments #quiet-moments 09:00 timezone:"America/New_York" thread:yes
/wait 1d
/config moments time:10:30
/share-moment A small kindness on a long shift still counts for a lot.
/config review
#support
1
#general
1
"""


def test_script_start_zones_threads_quotes_and_buttons_here(tmp_path: Path) -> None:
    done = sandbox(tmp_path / "s.sqlite3", SCRIPT, "--fresh")
    out = done.stdout
    assert "clock says Mon 03 Mar 2025, 12:00 UTC" in flat(out), out[:300]
    assert "America/New_York" in after(out, '/config moments #quiet-moments 09:00 "New York<tab>')
    set_up = after(out, '/config moments #quiet-moments 09:00 timezone:"America/New_York" thread:yes')
    assert "America/New_York time" in set_up and "14:00 UTC" in set_up
    day = after(out, "/wait 1d")
    assert "Mon 03 Mar 14:00 UTC" in day and "Started a thread under this post" in day
    assert "it is now Tue 04 Mar 2025, 12:00 UTC" in day
    assert "Updated (time changed)" in after(out, "/config moments time:10:30")
    refused = after(out, "1", 0)
    assert "on a message in #general" in refused and "Approved" not in refused
    pressed = after(out, "1", 1)
    assert "Approved:" in pressed
    assert done.returncode == 1  # the press in #support is refused, on purpose


def test_the_readme_tour_script_alone_reproduces_its_transcript(tmp_path: Path) -> None:
    script = (ROOT / "tests" / "readme_tour.script").read_text()
    one = sandbox(tmp_path / "a.sqlite3", script, "--fresh")
    two = sandbox(tmp_path / "b.sqlite3", script, "--fresh")
    assert one.returncode == 0, one.stderr[-2000:]
    assert one.stdout == two.stdout
    assert "clock says Mon 03 Mar 2025, 12:00 UTC" in flat(one.stdout)
    assert "Every quality here showed up" in one.stdout or "Strengths" in one.stdout
    assert "[1] Retake" in one.stdout, "the script carries every self-check answer"
