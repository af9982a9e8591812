"""The command line: help for every command, and plain messages (no tracebacks) for typos."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", *args], capture_output=True, text=True, check=False, timeout=120
    )


@pytest.mark.parametrize("module", ["grader", "synthetic_data"])
def test_help(module):
    run = _run(module, "--help")
    assert run.returncode == 0
    assert "build" in run.stdout


def test_a_typo_in_a_command_suggests_the_right_one():
    run = _run("grader", "biuld")
    assert run.returncode == 2
    assert "Did you mean 'build'?" in run.stderr
    assert "Traceback" not in run.stderr


def test_an_unknown_lab_suggests_the_closest(tmp_path):
    run = _run("grader", "build", "--only", "lab01-meet-the-dat", "--build-dir", str(tmp_path))
    assert run.returncode == 1
    assert "there is no lab called 'lab01-meet-the-dat'" in run.stderr
    assert "did you mean 'lab01-meet-the-data'?" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_negative_seed_is_refused(tmp_path):
    run = _run("grader", "build", "--seed", "-3", "--build-dir", str(tmp_path))
    assert run.returncode == 2
    assert "--seed" in run.stderr
