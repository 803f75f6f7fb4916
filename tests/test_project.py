"""The repository keeps its promises: CI runs the README's command, code is ruff clean."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _ci_command(name):
    match = re.search(rf"^{name}='(.+)'$", (ROOT / ".ci" / "run").read_text(), re.M)
    assert match, f".ci/run must define {name}"
    return match.group(1)


def _ci_test_command():
    return _ci_command("TEST_COMMAND")


def _readme_section_commands(title):
    section = (ROOT / "README.md").read_text().split(f"## {title}\n", 1)[1]
    section = section.split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", section)


def test_ci_runs_the_readme_test_command():
    readme_commands = re.findall(r"```bash\n(.+?)\n```", (ROOT / "README.md").read_text())
    assert _ci_test_command() in readme_commands


def test_ci_builds_the_docs_with_the_readme_command_after_the_tests():
    docs_command = _ci_command("DOCS_COMMAND")
    assert _readme_section_commands("Documentation") == [docs_command]
    assert 'pip install ".[docs]"' in docs_command
    # Warnings are errors, and every file is read again even if a build is there.
    assert re.search(r"python -m sphinx .*-W .*-b html docs ", docs_command)
    assert " -E " in docs_command
    script = (ROOT / ".ci" / "run").read_text()
    assert script.index('eval "$TEST_COMMAND"') < script.index('eval "$DOCS_COMMAND"')
    assert "set -euo pipefail" in script


def test_readme_quick_start_is_two_commands():
    quick_start = (ROOT / "README.md").read_text().split("## Quick start", 1)[1]
    quick_start = quick_start.split("\n## ", 1)[0]
    commands = re.findall(r"```bash\n(.+?)\n```", quick_start)
    assert len(commands) == 2
    assert "python -m skbce" in commands[0]
    assert "pytest" in commands[1]


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is not installed")
def test_ruff_clean():
    result = subprocess.run(
        ["ruff", "check", "--no-cache", str(ROOT)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
