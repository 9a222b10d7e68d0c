"""`make run` installs what running needs, and nothing of the test tools (issue 12, first run)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEST_TOOLS = ("pytest", "hypothesis", "schemathesis", "playwright", "ruff", "radon")


def _dry_run(target: str) -> str:
    if shutil.which("make") is None:
        pytest.fail("make is needed to run the registry; install it")
    # A VENV that does not exist, so every install step is planned, not skipped.
    result = subprocess.run(
        ["make", "-n", target, "VENV=/nonexistent-venv"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_run_installs_only_the_runtime_requirements():
    plan = _dry_run("run")
    assert "-r requirements.txt" in plan
    assert "requirements-test.txt" not in plan
    runtime = (ROOT / "requirements.txt").read_text().lower()
    pinned = {line.split("==")[0].split("[")[0].strip() for line in runtime.splitlines()}
    assert pinned.isdisjoint(TEST_TOOLS)


def test_run_says_where_to_open_it():
    assert "Open http://" in _dry_run("run")


def test_test_installs_the_test_tools():
    assert "-r requirements-test.txt" in _dry_run("test")


def test_reset_demo_rotates_the_demo_credentials():
    assert "accounts demo --reset" in _dry_run("reset-demo")
