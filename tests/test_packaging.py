"""The package as an index gets it: sdist and wheel build, ship the licence, pass twine.

The build runs without build isolation (setuptools comes with the test extra)
in a copy of the repository, so it needs no network and leaves no
``build/`` or ``*.egg-info`` in the checkout.
"""

import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import skbce

ROOT = Path(__file__).resolve().parents[1]
BUILD_REQUIREMENTS = ("build", "twine", "setuptools")
# Left out of the copy: what is not in a clean clone, and what is large.
UNTRACKED = shutil.ignore_patterns(
    ".git", ".ci-venv", "_build", "auto_examples", "generated", "__pycache__", "*.egg-info",
    "build", "dist", ".pytest_cache", ".ruff_cache", ".mypy_cache", ".hypothesis",
)


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    for name in BUILD_REQUIREMENTS:
        pytest.importorskip(name)
    source = tmp_path_factory.mktemp("source") / "skbce"
    shutil.copytree(ROOT, source, ignore=UNTRACKED)
    out = source / "dist"
    result = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--sdist", "--wheel",
         "--outdir", str(out), str(source)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out


def test_twine_check_passes(dist):
    files = sorted(str(path) for path in dist.iterdir())
    result = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *files],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("PASSED") == 2


def test_sdist_ships_the_licence_and_no_tests(dist):
    (sdist,) = dist.glob("skbce-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
        licence = archive.extractfile(f"skbce-{skbce.__version__}/LICENSE").read().decode()
    assert {"LICENSE", "README.md", "CHANGELOG.md", "pyproject.toml"} <= names
    assert "skbce/__init__.py" in names and "skbce/py.typed" in names
    # The tests read the repository around them: none ship, rather than half of them.
    assert not [name for name in names if name.startswith(("tests/", "docs/", "benchmarks/"))]
    assert licence == (ROOT / "LICENSE").read_text()


def test_wheel_ships_the_licence_and_the_metadata(dist):
    (wheel,) = dist.glob("skbce-*.whl")
    info = f"skbce-{skbce.__version__}.dist-info"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = archive.read(f"{info}/METADATA").decode()
    assert f"{info}/licenses/LICENSE" in names
    assert "skbce/datasets.py" in names and not [n for n in names if n.startswith("tests/")]
    assert "License-Expression: BSD-3-Clause" in metadata
    assert "Classifier: Programming Language :: Python :: 3.10" in metadata
    assert "Classifier: Development Status :: " in metadata
    assert "Project-URL: Source, https://" in metadata
    assert "pip install skbce" in metadata  # the README is the long description
