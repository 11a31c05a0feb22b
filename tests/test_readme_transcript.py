"""The README's sandbox transcript is real: this test replays its script and compares, so it cannot go stale.

Regenerate it with `STEADY_UPDATE_README=1 .venv/bin/pytest tests/test_readme_transcript.py`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SCRIPT = Path(__file__).with_name("readme_tour.script")
BLOCK = re.compile(
    r"(<!-- sandbox-transcript:start -->\n```text\n)(.*?)(```\n<!-- sandbox-transcript:end -->)", re.S
)


def transcript(tmp_path: Path) -> str:
    """The script alone: it carries its own start time and every self-check answer."""
    args = [sys.executable, "-m", "bot", "sandbox", "--fresh", "--db", str(tmp_path / "s.sqlite3")]
    done = subprocess.run(
        [*args, "--script", str(SCRIPT)],
        capture_output=True,
        text=True,
        env={**os.environ, "TZ": "UTC", "COLUMNS": "100"},
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_readme_transcript_is_current(tmp_path: Path) -> None:
    fresh = transcript(tmp_path)
    readme = README.read_text()
    match = BLOCK.search(readme)
    assert match, "README.md has no sandbox transcript block"
    if os.environ.get("STEADY_UPDATE_README"):
        README.write_text(readme[: match.start(2)] + fresh + readme[match.end(2) :])
        return
    assert match.group(2) == fresh, (
        "the README transcript is stale; regenerate it (see this file's docstring)"
    )
    assert "Question 1 of" in fresh and "/resources" in fresh
    assert fresh.count("A quiet moment") >= 7
