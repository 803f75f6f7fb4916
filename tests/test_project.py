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


def _project():
    tomllib = pytest.importorskip("tomllib")  # the standard library's from Python 3.11
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_readme_links_work_on_a_package_index():
    # The README is the package's page on the index, where a relative link is dead.
    source = _project()["urls"]["Source"]
    links = re.findall(r"\]\(([^)]+)\)", (ROOT / "README.md").read_text())
    assert links
    for link in links:
        assert link.startswith(source), link
    readme = (ROOT / "README.md").read_text()
    assert "```bash\npip install skbce\n```" in readme  # from the index
    assert "pip install . && python -m skbce" in readme  # from source


def test_licence_and_classifiers_say_what_the_project_is():
    project = _project()
    assert project["license"] == "BSD-3-Clause" and project["license-files"] == ["LICENSE"]
    licence = (ROOT / "LICENSE").read_text()
    assert licence.startswith("BSD 3-Clause License") and "Neither the name" in licence
    classifiers = project["classifiers"]
    assert any(c.startswith("Development Status :: ") for c in classifiers)
    oldest = int(re.fullmatch(r">=3\.(\d+)", project["requires-python"]).group(1))
    versions = sorted(int(c.rsplit(".", 1)[1]) for c in classifiers
                      if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c))
    assert versions and versions[0] == oldest
    assert versions == list(range(oldest, versions[-1] + 1))  # no gap


def test_changelog_has_the_current_version_newest_first():
    from skbce import __version__

    sections = re.findall(r"^## (\S+)", (ROOT / "CHANGELOG.md").read_text(), re.M)
    assert __version__ in sections
    released = [s for s in sections if s != "Unreleased"]
    assert sections[: len(sections) - len(released)] == ["Unreleased"] * (
        len(sections) - len(released))
    key = [tuple(int(part) for part in s.split(".")) for s in released]
    assert key == sorted(key, reverse=True)


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is not installed")
def test_ruff_clean():
    result = subprocess.run(
        ["ruff", "check", "--no-cache", str(ROOT)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_readme_usage_example_runs_without_warnings():
    # The example a new user copies first: an MLP among the candidates,
    # which stops itself (early stopping) instead of hitting max_iter.
    import warnings

    readme = (ROOT / "README.md").read_text()
    code = re.search(r"## Usage\s+```python\n(.*?)```", readme, re.S).group(1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exec(compile(code, "README.md", "exec"), {})
