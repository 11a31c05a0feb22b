"""Issue 14: the package builds and installs into a fresh virtual environment without any setuptools
deprecation warning, with an SPDX license and its LICENSE file. Offline: the wheel is built with the
setuptools already in this environment and installed with --no-index --no-deps."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SKIP = shutil.ignore_patterns(
    ".venv",
    ".git",
    "sandbox-data",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".hypothesis",
    ".ruff_cache",
)
WARNING = re.compile(r"deprecat", re.IGNORECASE)


def run(args: list[str], cwd: Path, *, warnings: str | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"} | {"PIP_NO_INDEX": "1"}
    if warnings:
        env["PYTHONWARNINGS"] = warnings
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    return output


def build_wheel(source: Path, out: Path) -> tuple[Path, str]:
    pytest.importorskip("setuptools", minversion="77")
    output = run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-v",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            ".",
        ],
        source,
    )
    wheels = list(out.glob("steady_bot-*.whl"))
    assert len(wheels) == 1, output[-2000:]
    return wheels[0], output


def test_fresh_venv_install_has_no_deprecation_warnings(tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=SKIP)
    wheel, built = build_wheel(source, tmp_path / "dist")
    assert not WARNING.findall(built), [line for line in built.splitlines() if WARNING.search(line)]
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], tmp_path)
    python = venv / "bin" / "python"
    installed = run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", str(wheel)], tmp_path)
    assert not WARNING.findall(installed), installed
    probe = (
        "import importlib.metadata as m; d = m.distribution('steady-bot'); "
        "print(d.metadata['License-Expression']); "
        "print(sorted(str(f) for f in d.files or [] if 'LICENSE' in str(f) or f.suffix == '.sql'))"
    )
    out = run([str(python), "-c", probe], tmp_path).splitlines()
    assert out[0] == "MIT"
    assert "LICENSE" in out[1] and "0001_guild_settings.sql" in out[1]


def test_the_check_catches_a_deprecated_license_table(tmp_path: Path) -> None:
    """The old `license = { text = "MIT" }` form is what setuptools warns about: prove the test sees it."""
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=SKIP)
    project = source / "pyproject.toml"
    text = project.read_text().replace('license = "MIT"', 'license = { text = "MIT" }')
    project.write_text(text.replace('license-files = ["LICENSE"]\n', ""))
    _, built = build_wheel(source, tmp_path / "dist")
    assert WARNING.search(built)
