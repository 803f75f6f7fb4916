"""The documentation builds without a warning, running every gallery example.

Skipped unless the ``docs`` extra is installed (``pip install ".[docs]"``), and
when the benchmark data sets the gallery reads are not available locally
(the examples would then download them from OpenML).
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from skbce.datasets import _default_data_home

ROOT = Path(__file__).resolve().parents[1]
DOCS_REQUIREMENTS = (
    "sphinx", "numpydoc", "pydata_sphinx_theme", "sphinx_gallery", "matplotlib", "skops",
    "myst_parser",
)


def _missing_requirements():
    return [name for name in DOCS_REQUIREMENTS if importlib.util.find_spec(name) is None]


def _data_home():
    """Where the docs build will look for the benchmark ARFF files (see docs/conf.py)."""
    return _default_data_home()


@pytest.mark.skipif(bool(_missing_requirements()),
                    reason="the docs extra is not installed: pip install '.[docs]'")
def test_docs_build_warning_free(tmp_path):
    data_home = _data_home()
    if not all((data_home / f"{name}.arff").is_file() for name in ("yeast", "emotions")):
        pytest.skip(f"benchmark ARFF files not in {data_home}; the gallery would download them")
    env = {**os.environ, "MPLBACKEND": "Agg"}
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html",
         "-d", str(tmp_path / "doctrees"), str(ROOT / "docs"), str(tmp_path / "html")],
        capture_output=True, text=True, env=env, timeout=900,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-10000:]
    html = tmp_path / "html"
    examples = sorted(p.stem for p in (ROOT / "examples").glob("plot_*.py"))
    assert examples, "the gallery has no example"
    for name in examples:
        page = html / "auto_examples" / f"{name}.html"
        assert page.is_file(), f"{name} has no gallery page"
        # Every example draws at least one figure.
        assert (html / "_images" / f"sphx_glr_{name}_001.png").is_file(), name
    assert (html / "generated" / "skbce.BCEMultiLabelClassifier.html").is_file()
