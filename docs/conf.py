"""Sphinx configuration of the skbce documentation.

Build from the repository root, with the ``docs`` extra installed, with
``python -m sphinx -E -W --keep-going -b html docs docs/_build/html`` (the
README's command, which CI runs). Every example of the gallery is executed
during the build.
"""

import builtins
import logging
import os
import sys
from pathlib import Path

from threadpoolctl import threadpool_limits

import skbce
from skbce.datasets import _default_data_home

# The gallery's problems are small: one BLAS thread is as fast as several on
# an idle machine and far faster on a busy one, where threads that wait for
# each other make a build several times slower.
_BLAS_LIMIT = threadpool_limits(limits=1, user_api="blas")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))  # gallery_order

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
    "myst_parser",  # CHANGELOG.md, included by changelog.rst
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py"]
default_role = "literal"
# A cross-reference that does not resolve is a warning, so -W fails on it.
nitpicky = True

# API reference: one generated page per public object.
autosummary_generate = True
autodoc_default_options = {"members": True}
# Signatures as scikit-learn's read: names and defaults; the types are in the
# numpydoc Parameters section (the hints would expand numpy's ArrayLike union).
autodoc_typehints = "none"
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
    "joblib": ("https://joblib.readthedocs.io/en/stable", None),
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
    # The quick start first, then as docs/gallery_order.py lists them.
    "within_subsection_order": "gallery_order.ExampleOrder",
    "download_all_examples": False,
    "remove_config_comments": True,
    "doc_module": ("skbce",),
    "backreferences_dir": "generated/backreferences",
}


# The projects intersphinx links to, by the first part of a target's name.
_LINKED_PROJECTS = {name: name for name in intersphinx_mapping if name != "python"}


class _OfflineInventories(logging.Filter):
    """Say in one line that the inventories could not be fetched.

    Without a network the cross-project links cannot be made; that is not a
    defect of the documentation, so it must not fail a ``-W`` build, and each
    inventory's connection errors are not worth a screen of output.
    """

    said = False

    def filter(self, record):
        if "failed to reach any of the inventories" not in record.getMessage():
            return True
        if _OfflineInventories.said:
            return False
        _OfflineInventories.said = True
        record.levelno, record.levelname = logging.INFO, "INFO"
        record.msg, record.args = (
            "intersphinx: inventories unreachable (offline?); links to "
            f"{', '.join(intersphinx_mapping)} are plain text", ())
        record.nonl = False
        return True


class _NoConfigDump(logging.Filter):
    """Drop myst-parser's one-line dump of its whole configuration."""

    def filter(self, record):
        return not str(record.msg).startswith(("myst v", "\x1b[01mmyst v"))


def _project_of(target):
    """The intersphinx project a reference target belongs to, or ``None``."""
    head = target.lstrip("~.").split(".", 1)[0]
    if head in _LINKED_PROJECTS:
        return _LINKED_PROJECTS[head]
    if head in sys.stdlib_module_names or hasattr(builtins, head):
        return "python"
    return None


def _unlinked_when_offline(app, env, node, contnode):
    """Plain text for a link into a project whose inventory was not fetched.

    Runs after intersphinx: a target missing from an inventory that was
    fetched is still a broken reference, and nitpicky mode reports it.
    """
    project = _project_of(node.get("reftarget", ""))
    named = getattr(env, "intersphinx_named_inventory", {})
    if project is not None and project not in named:
        return contnode
    return None


def setup(app):
    logging.getLogger("sphinx.sphinx.ext.intersphinx").addFilter(_OfflineInventories())
    logging.getLogger("sphinx.myst_parser.sphinx_ext.main").addFilter(_NoConfigDump())
    app.connect("missing-reference", _unlinked_when_offline, priority=900)
