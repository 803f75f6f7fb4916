"""Sphinx configuration of the skbce documentation.

Build from the repository root, with the ``docs`` extra installed, with
``python -m sphinx -E -W --keep-going -b html docs docs/_build/html`` (the
README's command, which CI runs). Every example of the gallery is executed
during the build.
"""

import logging
import os
from pathlib import Path

from threadpoolctl import threadpool_limits

import skbce
from skbce.datasets import _default_data_home

# The gallery's problems are small: one BLAS thread is as fast as several on
# an idle machine and far faster on a busy one, where threads that wait for
# each other make a build several times slower.
_BLAS_LIMIT = threadpool_limits(limits=1, user_api="blas")

ROOT = Path(__file__).resolve().parents[1]

# The gallery reads real benchmark sets from ``../shared/datasets`` when it is
# there (skbce.datasets.load_benchmark); otherwise the examples download them
# from OpenML. The folder is found now, from the build's working directory:
# the examples run in examples/, where ``..`` is another folder.
_DATA_HOME = _default_data_home()
if _DATA_HOME.is_dir():
    os.environ.setdefault("SKBCE_DATA_HOME", str(_DATA_HOME.resolve()))

project = "skbce"
author = "The skbce developers"
copyright = "The skbce developers"
release = skbce.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py"]
default_role = "literal"

# API reference: one generated page per public object.
autosummary_generate = True
autodoc_default_options = {"members": True}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

# Links to numpy, scipy and scikit-learn. The inventories are fetched at build
# time; without a network the links are plain text and the build still
# passes (see _OfflineInventories below), so ``-W`` works offline.
intersphinx_mapping = {
    "python": ("https://docs.python.org/3", None),
    "numpy": ("https://numpy.org/doc/stable", None),
    "scipy": ("https://docs.scipy.org/doc/scipy", None),
    "sklearn": ("https://scikit-learn.org/stable", None),
    "skops": ("https://skops.readthedocs.io/en/stable", None),
}
intersphinx_timeout = 5

html_theme = "pydata_sphinx_theme"
html_title = f"skbce {release}"
html_static_path = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_prev_next": False,
    "secondary_sidebar_items": ["page-toc"],
}
html_sidebars = {"index": []}

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/plot_",
    # Run every example on every build, even when its file is unchanged, so
    # that a change in skbce that breaks an example fails the build.
    "run_stale_examples": True,
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "doc_module": ("skbce",),
    "backreferences_dir": "generated/backreferences",
}


class _OfflineInventories(logging.Filter):
    """Turn intersphinx's 'failed to reach any of the inventories' into info.

    Without a network the cross-project links cannot be made; that is not a
    defect of the documentation, so it must not fail a ``-W`` build.
    """

    def filter(self, record):
        if record.levelno == logging.WARNING and (
            "failed to reach any of the inventories" in record.getMessage()
        ):
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


def setup(app):
    logging.getLogger("sphinx.sphinx.ext.intersphinx").addFilter(_OfflineInventories())
